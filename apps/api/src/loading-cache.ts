interface Entry<Value> {
  readonly value: Promise<Value>;
  /** When the value is due to be loaded again. */
  readonly refreshAt: number;
  settled: boolean;
  refreshing: boolean;
}

/**
 * A cache of values loaded on demand, kept per process. Concurrent requests for a missing
 * key share one load, and a failed load is not kept. With `refreshAfterMs`, a value that
 * old is loaded again in the background, once, while it goes on being served: nobody
 * waits for a refresh (a request that did would hold up every request behind it), and the
 * new value replaces the old when it arrives; a refresh that fails drops the entry, so the
 * next request loads it afresh and sees the failure. Without it, values are kept for good.
 * At most `maxEntries` are kept; past that the cache starts again empty.
 */
export class LoadingCache<Value> {
  readonly #entries = new Map<string, Entry<Value>>();
  readonly #refreshAfterMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { refreshAfterMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.#refreshAfterMs = options.refreshAfterMs ?? Number.POSITIVE_INFINITY;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The value of `key`, from the cache or from `load` (called at most once at a time). */
  get(key: string, load: () => Promise<Value>): Promise<Value> {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
      return this.#load(key, load).value;
    }
    if (entry.settled && !entry.refreshing && entry.refreshAt <= this.#now()) {
      entry.refreshing = true;
      this.#load(key, load, entry);
    }
    return entry.value;
  }

  /** Starts a load; its entry is stored now, or (refreshing `current`) once it succeeds. */
  #load(key: string, load: () => Promise<Value>, current?: Entry<Value>): Entry<Value> {
    const value = load();
    const entry: Entry<Value> = {
      value,
      refreshAt: this.#now() + this.#refreshAfterMs,
      settled: false,
      refreshing: false,
    };
    if (current === undefined) this.#entries.set(key, entry);
    const replaced = current ?? entry;
    value.then(
      () => {
        entry.settled = true;
        if (this.#entries.get(key) === replaced) this.#entries.set(key, entry);
      },
      () => {
        if (this.#entries.get(key) === replaced) this.#entries.delete(key);
      },
    );
    return entry;
  }
}
