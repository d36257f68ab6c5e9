/** What decides whether a run still takes answers. */
export interface RunWindow {
  /** When it was closed by hand, or by the release at its deadline; `null` while open. */
  readonly closedAt: Date | null;
  /** Its deadline. */
  readonly closesAt: Date;
}

/**
 * Whether a run takes answers at `now`: it has not been closed and its deadline has not
 * passed. A run past its deadline is closed whether or not anything has recorded that yet
 * (PRODUCT.md §6.6): its release follows.
 */
export function isRunOpen(run: RunWindow, now: Date = new Date()): boolean {
  return run.closedAt === null && run.closesAt.getTime() > now.getTime();
}
