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

  test('an expired value is loaded again, once for all who ask meanwhile', async () => {
    let now = 0;
    const cache = new LoadingCache<string>({ ttlMs: 2000, now: () => now });
    let loads = 0;
    const load = () => Promise.resolve(`v${++loads}`);
    expect(await cache.get('run', load)).toBe('v1');
    now = 1999;
    expect(await cache.get('run', load)).toBe('v1');
    now = 2000;
    const again = await Promise.all([cache.get('run', load), cache.get('run', load)]);
    expect(again).toEqual(['v2', 'v2']);
    expect(loads).toBe(2);
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
