import { LRUCache } from 'lru-cache';

/** A cached value, boxed: `lru-cache` keeps no `null` or `undefined`, and some values are null. */
interface Box<Value> {
  readonly value: Value;
}

/**
 * A cache of values loaded on demand, kept per process, over `lru-cache`. Concurrent
 * requests for a missing key share one load, and a failed load is not kept. With
 * `refreshAfterMs`, a value older than that is loaded again in the background, once, while
 * it goes on being served: nobody waits for a refresh (a request that did would hold up
 * every request behind it), and the new value replaces the old when it arrives; a refresh
 * that fails drops the entry, so the next request loads it afresh and sees the failure.
 * Without it, values are kept until evicted. At most `maxEntries` are kept, the least
 * recently used leaving first.
 */
export class LoadingCache<Value> {
  readonly #entries: LRUCache<string, Box<Value>, () => Promise<Value>>;

  constructor(options: { refreshAfterMs?: number; maxEntries?: number; now?: () => number } = {}) {
    const { now } = options;
    this.#entries = new LRUCache<string, Box<Value>, () => Promise<Value>>({
      max: options.maxEntries ?? 10_000,
      ...(options.refreshAfterMs === undefined
        ? {}
        : { ttl: options.refreshAfterMs, allowStale: true }),
      // A clock of the caller's (tests) is read every time, not cached for a millisecond.
      ...(now === undefined ? {} : { perf: { now }, ttlResolution: 0 }),
      // A load under way whose entry is evicted (a burst of more keys than `max`) still
      // answers the requests waiting for it; its value is just not kept.
      ignoreFetchAbort: true,
      fetchMethod: async (_key, _stale, { context }) => ({ value: await context() }),
    });
  }

  /** The value of `key`, from the cache or from `load` (called at most once at a time). */
  async get(key: string, load: () => Promise<Value>): Promise<Value> {
    const box = await this.#entries.fetch(key, { context: load });
    // fetch gives undefined only for a load aborted by `delete` or eviction, which a
    // waiting request cannot use: it loads again itself.
    return box === undefined ? load() : box.value;
  }
}
