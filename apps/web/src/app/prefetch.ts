import { api } from './session-state.js';

/*
 * Requests a view will make, started before its code has arrived: the dashboard's code is
 * loaded on first opening, and its data need not wait for it. Each answer is taken once, by the
 * view's first load of the same path, and only while fresh; after that the view asks again.
 */

const FRESH_MS = 10_000;
const early = new Map<string, { at: number; body: Promise<unknown> }>();

/** Starts GETting `paths` now, for {@link getOnce} to take. */
export function prefetch(paths: readonly string[]): void {
  for (const path of paths) {
    if (early.has(path)) continue;
    const body = api(path, (value) => value);
    // Failures reach the view that takes the answer; nobody else needs to hear of them.
    body.catch(() => undefined);
    early.set(path, { at: Date.now(), body });
  }
}

/** GETs `path` as the signed-in user, taking an answer {@link prefetch} started if fresh. */
export function getOnce<T>(
  path: string,
  parse: (body: unknown) => T,
  signal: AbortSignal,
): Promise<T> {
  const started = early.get(path);
  early.delete(path);
  if (started !== undefined && Date.now() - started.at < FRESH_MS) return started.body.then(parse);
  return api(path, parse, { signal });
}
