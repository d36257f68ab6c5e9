import { describe, expect, test } from 'vitest';
import { LoadingCache } from './loading-cache.js';

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
    let now = 0;
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
    now = 1999;
    expect(await cache.get('run', load)).toBe('v1');
    expect(loads).toBe(1);
    now = 2000;
    // Due: one refresh starts, and everybody is served the old value without waiting.
    expect(await Promise.all([cache.get('run', load), cache.get('run', load)])).toEqual([
      'v1',
      'v1',
    ]);
    expect(loads).toBe(2);
    finish('v2');
    await Promise.resolve();
    await Promise.resolve();
    expect(await cache.get('run', load)).toBe('v2');
    expect(loads).toBe(2);
    now = 4000;
    expect(await cache.get('run', load)).toBe('v2');
    expect(loads).toBe(3);
  });

  test('a refresh that fails drops the value: the next request loads it and sees why', async () => {
    let now = 0;
    const cache = new LoadingCache<string>({ refreshAfterMs: 2000, now: () => now });
    const gone = new Error('no such run');
    expect(await cache.get('run', () => Promise.resolve('v1'))).toBe('v1');
    now = 2000;
    const refresh = Promise.reject(gone);
    expect(await cache.get('run', () => refresh)).toBe('v1');
    await refresh.catch(() => {});
    await Promise.resolve();
    await expect(cache.get('run', () => Promise.reject(gone))).rejects.toBe(gone);
    expect(await cache.get('run', () => Promise.resolve('v3'))).toBe('v3');
  });

  test('a failed load is not kept', async () => {
    const cache = new LoadingCache<number>();
    const failure = new Error('no such run');
    await expect(cache.get('x', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(await cache.get('x', () => Promise.resolve(1))).toBe(1);
  });

  test('keeps at most maxEntries, then starts again', async () => {
    const cache = new LoadingCache<number>({ maxEntries: 2 });
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('c', load);
    expect(await cache.get('c', load)).toBe(3);
    expect(await cache.get('a', load)).toBe(4);
  });
});
