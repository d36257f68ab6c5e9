/** When a pulse's runs remind those invited who have not collected a token. */
export interface ReminderPlan {
  /** At the middle of the run's window. */
  readonly halfWindow: boolean;
  /** This many hours before the run closes; null for none. */
  readonly hoursBeforeClose: number | null;
}

/** A pulse's reminders unless HR says otherwise: at half-window and 24 h before close. */
export const DEFAULT_REMINDERS: ReminderPlan = { halfWindow: true, hoursBeforeClose: 24 };

/** Two planned reminders closer than this (hours) are one: the later one is kept. */
export const REMINDER_MIN_SPACING_HOURS = 12;

/** "Send reminder now" goes out at most once in this many hours per run (any reminder counts). */
export const MANUAL_REMINDER_INTERVAL_HOURS = 24;

export type PlannedReminderKind = 'half-window' | 'before-close';

/**
 * The reminders of a run opened at `openedAt` and closing at `closesAt`, in time order: each
 * strictly inside the window, and none within {@link REMINDER_MIN_SPACING_HOURS} of the next
 * (of two, the one nearer the close stays).
 */
export function plannedReminders(
  plan: ReminderPlan,
  openedAt: Date,
  closesAt: Date,
): { kind: PlannedReminderKind; dueAt: Date }[] {
  const opened = openedAt.getTime();
  const closes = closesAt.getTime();
  const candidates: { kind: PlannedReminderKind; dueAt: Date }[] = [];
  if (plan.halfWindow) {
    candidates.push({ kind: 'half-window', dueAt: new Date(opened + (closes - opened) / 2) });
  }
  if (plan.hoursBeforeClose !== null) {
    candidates.push({
      kind: 'before-close',
      dueAt: new Date(closes - plan.hoursBeforeClose * 3_600_000),
    });
  }
  const inside = candidates
    .filter((r) => r.dueAt.getTime() > opened && r.dueAt.getTime() < closes)
    .toSorted((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  return inside.filter(
    (r, i) =>
      i === inside.length - 1 ||
      (inside[i + 1]?.dueAt.getTime() ?? Infinity) - r.dueAt.getTime() >=
        REMINDER_MIN_SPACING_HOURS * 3_600_000,
  );
}

/**
 * When a run may be reminded by hand again, given its reminders' due times that went out or
 * are going out: {@link MANUAL_REMINDER_INTERVAL_HOURS} after the latest; `now` when none.
 */
export function nextManualReminderAt(reminded: readonly Date[], now: Date): Date {
  const latest = Math.max(...reminded.map((at) => at.getTime()), -Infinity);
  const next = latest + MANUAL_REMINDER_INTERVAL_HOURS * 3_600_000;
  return next > now.getTime() ? new Date(next) : now;
}
