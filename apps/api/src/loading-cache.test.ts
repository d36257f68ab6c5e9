import { describe, expect, test } from 'vitest';
import { LoadingCache } from './loading-cache.js';

/** Lets every promise already settled run its callbacks. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('LoadingCache', () => {
  test('concurrent requests for a missing key share one load', async () => {
    const cache = new LoadingCache<number>();
    let loads = 0;
    let finish: (value: number) => void = () => {};
    const load = () => {
      loads += 1;
      return new Promise<number>((resolve) => {
        finish = resolve;
      });
    };
    const first = cache.get('a', load);
    const second = cache.get('a', load);
    finish(7);
    expect(await Promise.all([first, second])).toEqual([7, 7]);
    expect(await cache.get('a', load)).toBe(7);
    expect(loads).toBe(1);
  });

  test('an old value is refreshed in the background, once, and served meanwhile', async () => {
    let now = 1000;
    const cache = new LoadingCache<string>({ refreshAfterMs: 2000, now: () => now });
    let loads = 0;
    let finish: (value: string) => void = () => {};
    const load = () => {
      loads += 1;
      if (loads === 1) return Promise.resolve('v1');
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    };
    expect(await cache.get('run', load)).toBe('v1');
    now = 3000;
    expect(await cache.get('run', load)).toBe('v1');
    expect(loads).toBe(1);
    now = 3001;
    // Due: one refresh starts, and everybody is served the old value without waiting.
    expect(await Promise.all([cache.get('run', load), cache.get('run', load)])).toEqual([
      'v1',
      'v1',
    ]);
    expect(loads).toBe(2);
    finish('v2');
    await settled();
    expect(await cache.get('run', load)).toBe('v2');
    expect(loads).toBe(2);
    now = 5002;
    expect(await cache.get('run', load)).toBe('v2');
    expect(loads).toBe(3);
  });

  test('a refresh that fails drops the value: the next request loads it and sees why', async () => {
    let now = 1000;
    const cache = new LoadingCache<string>({ refreshAfterMs: 2000, now: () => now });
    const gone = new Error('no such run');
    expect(await cache.get('run', () => Promise.resolve('v1'))).toBe('v1');
    now = 3001;
    const refresh = Promise.reject(gone);
    expect(await cache.get('run', () => refresh)).toBe('v1');
    await refresh.catch(() => {});
    await settled();
    await expect(cache.get('run', () => Promise.reject(gone))).rejects.toBe(gone);
    expect(await cache.get('run', () => Promise.resolve('v3'))).toBe('v3');
  });

  test('a failed load is not kept', async () => {
    const cache = new LoadingCache<number>();
    const failure = new Error('no such run');
    await expect(cache.get('x', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(await cache.get('x', () => Promise.resolve(1))).toBe(1);
  });

  test('a value null is kept like any other', async () => {
    const cache = new LoadingCache<number | null>();
    let loads = 0;
    const load = () => {
      loads += 1;
      return Promise.resolve(null);
    };
    expect(await cache.get('gone', load)).toBeNull();
    expect(await cache.get('gone', load)).toBeNull();
    expect(loads).toBe(1);
  });

  test('a load under way answers its requests even when its entry is evicted', async () => {
    const cache = new LoadingCache<number>({ maxEntries: 1 });
    let finish: (value: number) => void = () => {};
    const slow = cache.get('a', () => new Promise<number>((resolve) => (finish = resolve)));
    expect(await cache.get('b', () => Promise.resolve(2))).toBe(2);
    finish(1);
    expect(await slow).toBe(1);
  });

  test('keeps at most maxEntries, the least recently used leaving first', async () => {
    const cache = new LoadingCache<number>({ maxEntries: 2 });
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('a', load);
    await cache.get('c', load);
    expect(await cache.get('c', load)).toBe(3);
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('b', load)).toBe(4);
  });
});
