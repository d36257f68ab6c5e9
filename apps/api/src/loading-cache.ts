/**
 * A cache of values loaded on demand, kept per process: concurrent requests for a key that
 * is missing or expired share one load (without it, every request arriving while an entry
 * is stale would load it again), a failed load is not kept, and values are kept for
 * `ttlMs` (forever without it). At most `maxEntries` are kept; past that the cache starts
 * again empty.
 */
export class LoadingCache<Value> {
  readonly #entries = new Map<string, { value: Promise<Value>; expires: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The value of `key`, from the cache or from `load` (called at most once at a time). */
  get(key: string, load: () => Promise<Value>): Promise<Value> {
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.expires > now) return entry.value;
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    const value = load();
    const loading = { value, expires: now + this.#ttlMs };
    this.#entries.set(key, loading);
    value.catch(() => {
      if (this.#entries.get(key) === loading) this.#entries.delete(key);
    });
    return value;
  }
}
