import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { DateTime } from 'luxon';
import { isTimeZone } from './time-zone.js';

/** How long a scheduled run stays open when the schedule does not say (hours). */
export const DEFAULT_OPEN_FOR_HOURS = 72;

/** Longest gap, in weeks, between the weeks a schedule runs in ("every n weeks"). */
export const MAX_EVERY_WEEKS = 4;

/**
 * When a schedule's runs start: a cron expression read in an IANA time zone, and, for "every
 * two weeks" and the like, `everyWeeks` (default 1): only the occurrences in every n-th week
 * count, the weeks counted (in the zone, Monday first) from the week of the first occurrence
 * at or after `anchor` (when the schedule was set).
 */
export interface ScheduleTimes {
  readonly cron: string;
  readonly timezone: string;
  readonly everyWeeks?: number;
  readonly anchor?: Date | null;
}

/** When a pulse recurs: its start times, and how long each run stays open. */
export interface PulseSchedule extends ScheduleTimes {
  readonly openForHours: number;
}

/** What is wrong with a schedule, by field. */
export interface ScheduleProblem {
  readonly field: 'cron' | 'timezone' | 'openForHours';
  readonly message: string;
}

/** Occurrences looked at for the shortest interval: a year of weekly runs, and more. */
const INTERVAL_SAMPLE = 120;

function expression(schedule: ScheduleTimes, from: Date) {
  return CronExpressionParser.parse(schedule.cron, { tz: schedule.timezone, currentDate: from });
}

/** How far a weekly filter looks for an occurrence before giving up (cron occurrences). */
const WEEK_FILTER_LIMIT = 5_000;

/**
 * Whether a cron occurrence is one of the schedule's: always, unless it runs every n weeks,
 * when only occurrences in weeks 0, n, 2n, … from the first occurrence's week count.
 */
function inScheduledWeek(schedule: ScheduleTimes): (at: Date) => boolean {
  const every = schedule.everyWeeks ?? 1;
  if (every <= 1) return () => true;
  const anchor = schedule.anchor ?? new Date(0);
  const first = expression(schedule, new Date(anchor.getTime() - 1));
  if (!first.hasNext()) return () => false;
  const week = (at: Date) => DateTime.fromJSDate(at, { zone: schedule.timezone }).startOf('week');
  const firstWeek = week(first.next().toDate());
  return (at) => {
    const weeks = Math.round(week(at).diff(firstWeek, 'days').days / 7);
    return weeks >= 0 && weeks % every === 0;
  };
}

/**
 * The problems of a schedule (none: it is good). The cron expression is read by a real cron
 * parser (5 fields, or 6 with seconds first; names such as MON and JAN, `L`, `#`; no `H`,
 * which would fire at a time no one chose); the time zone must be an IANA name; the window
 * may not be longer than the shortest interval between two occurrences (a run would still
 * be open when the next one starts).
 */
export function scheduleProblems(schedule: PulseSchedule, now = new Date()): ScheduleProblem[] {
  const zoneKnown = isTimeZone(schedule.timezone);
  const cron = cronProblem(schedule.cron);
  let times: Date[] = [];
  let problem = cron;
  if (problem === null) {
    try {
      // Read in UTC when the zone is unknown, to say what else is wrong with the expression.
      const zone = zoneKnown ? schedule.timezone : 'UTC';
      times = nextOccurrences({ ...schedule, timezone: zone }, now, INTERVAL_SAMPLE);
      if (times.length === 0) problem = 'never occurs';
    } catch (error) {
      problem = `is not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const problems: ScheduleProblem[] = [];
  if (problem !== null) problems.push({ field: 'cron', message: problem });
  if (!zoneKnown) {
    problems.push({
      field: 'timezone',
      message: 'must be an IANA time zone such as Europe/Berlin',
    });
  }
  if (problems.length > 0) return problems;
  let shortest = Infinity;
  for (let i = 1; i < times.length; i += 1) {
    shortest = Math.min(shortest, (times[i] as Date).getTime() - (times[i - 1] as Date).getTime());
  }
  if (schedule.openForHours * 3_600_000 > shortest) {
    problems.push({
      field: 'openForHours',
      message: `must not be longer than the shortest interval between runs (${formatHours(shortest)})`,
    });
  }
  return problems;
}

/** What the parser would let through but a schedule may not hold, or null. */
function cronProblem(expression: string): string | null {
  const cron = expression.trim();
  if (cron.startsWith('@')) return null;
  const fields = cron.split(/\s+/);
  if (fields.length < 5 || fields.length > 6) return 'must be a cron expression of 5 or 6 fields';
  if (/H/i.test(cron.replace(/THU/gi, ''))) return 'must not use H (a time picked at random)';
  return null;
}

/** The next `count` start times of a (valid) schedule after `from`. */
export function nextOccurrences(schedule: ScheduleTimes, from: Date, count: number): Date[] {
  return takeDates(expression(schedule, from), count, inScheduledWeek(schedule));
}

/** The latest start time of a (valid) schedule at or before `at`, or null. */
export function previousOccurrence(schedule: ScheduleTimes, at: Date): Date | null {
  const occurrences = expression(schedule, new Date(at.getTime() + 1));
  const counts = inScheduledWeek(schedule);
  for (let looked = 0; looked < WEEK_FILTER_LIMIT && occurrences.hasPrev(); looked += 1) {
    const previous = occurrences.prev().toDate();
    if (counts(previous)) return previous;
  }
  return null;
}

function takeDates(
  occurrences: CronExpression,
  count: number,
  counts: (at: Date) => boolean,
): Date[] {
  const dates: Date[] = [];
  for (let looked = 0; looked < WEEK_FILTER_LIMIT && dates.length < count; looked += 1) {
    if (!occurrences.hasNext()) break;
    const next = occurrences.next().toDate();
    if (counts(next)) dates.push(next);
  }
  return dates;
}

function formatHours(ms: number): string {
  const hours = ms / 3_600_000;
  return hours >= 1
    ? `${String(Math.round(hours * 10) / 10)} h`
    : `${String(Math.round(ms / 60_000))} min`;
}

/**
 * When the organization's messages may go out (its settings' `quietHours`): from `from` to
 * `to` (`HH:MM`, local time in the organization's zone) on the given ISO weekdays
 * (1 = Monday). A window whose `to` is not after its `from` runs past midnight into the next
 * day, and belongs to the weekday it opens on.
 */
export interface SendingHours {
  readonly from: string;
  readonly to: string;
  readonly weekdays: readonly number[];
}

function minutesOf(time: string): { hour: number; minute: number } {
  const [hour = 0, minute = 0] = time.split(':').map(Number);
  return { hour, minute };
}

/**
 * The first moment at or after `at` when a message may go out under `hours` in `timezone`:
 * `at` itself inside the window, else the next opening (its local time on both sides of a
 * DST change; an opening that falls in the hour a DST change skips moves to just after it).
 * Null when the window never opens (no weekdays).
 */
export function nextSendingTime(at: Date, hours: SendingHours, timezone: string): Date | null {
  if (hours.weekdays.length === 0) return null;
  const from = minutesOf(hours.from);
  const to = minutesOf(hours.to);
  const overnight = to.hour * 60 + to.minute <= from.hour * 60 + from.minute;
  const instant = DateTime.fromJSDate(at, { zone: timezone });
  // The window that opened yesterday may still be open; a week and a day finds the next one.
  for (let offset = -1; offset <= 8; offset += 1) {
    const day = instant.startOf('day').plus({ days: offset });
    if (!hours.weekdays.includes(day.weekday)) continue;
    const opens = day.set(from);
    const closes = (overnight ? day.plus({ days: 1 }) : day).set(to);
    if (instant < opens) return opens.toJSDate();
    if (instant < closes) return at;
  }
  return null;
}

/** Whether a message may go out at `at` (see {@link nextSendingTime}). */
export function isSendingTime(at: Date, hours: SendingHours, timezone: string): boolean {
  return nextSendingTime(at, hours, timezone)?.getTime() === at.getTime();
}
