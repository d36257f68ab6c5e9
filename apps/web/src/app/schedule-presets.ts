/*
 * The schedule presets of the pulse builder and the cron expressions they stand for (five
 * fields: minute hour day-of-month month day-of-week, 0 = Sunday). A saved cron that matches a
 * preset opens as that preset; anything else is kept as a custom expression.
 */

export type Cadence = 'weekly' | 'fortnightly' | 'monthly' | 'quarterly';

/**
 * A schedule as the builder offers it. Every two weeks is the weekly cron run only in every
 * second week (`everyWeeks: 2` beside the cron); a custom cron keeps its own `everyWeeks`.
 */
export type ScheduleChoice =
  | { kind: Cadence; weekday: number; hour: number; minute: number }
  | { kind: 'custom'; cron: string; everyWeeks: number };

export const WEEKDAYS = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;

/** The months a quarterly pulse runs in: January, April, July, October. */
const QUARTER_MONTHS = '1,4,7,10';

/** The cron expression of a choice. */
export function toCron(choice: ScheduleChoice): string {
  if (choice.kind === 'custom') return choice.cron.trim().replace(/\s+/g, ' ');
  const { minute, hour, weekday } = choice;
  switch (choice.kind) {
    case 'weekly':
    case 'fortnightly':
      return `${minute} ${hour} * * ${weekday}`;
    case 'monthly':
      return `${minute} ${hour} * * ${weekday}#1`;
    case 'quarterly':
      return `${minute} ${hour} * ${QUARTER_MONTHS} ${weekday}#1`;
  }
}

/** In which weeks the cron runs: 1 every week, 2 every second week… */
export function everyWeeksOf(choice: ScheduleChoice): number {
  if (choice.kind === 'custom') return choice.everyWeeks;
  return choice.kind === 'fortnightly' ? 2 : 1;
}

const inRange = (text: string, low: number, high: number): number | null => {
  if (!/^\d{1,2}$/.test(text)) return null;
  const value = Number(text);
  return value >= low && value <= high ? value : null;
};

/** The preset a saved schedule is, or a custom choice holding it. */
export function fromCron(cron: string, everyWeeks = 1): ScheduleChoice {
  const preset = presetOf(cron);
  if (preset.kind === 'custom') return { ...preset, everyWeeks };
  if (everyWeeks === 1) return preset;
  if (preset.kind === 'weekly' && everyWeeks === 2) return { ...preset, kind: 'fortnightly' };
  return { kind: 'custom', cron: cron.trim(), everyWeeks };
}

function presetOf(cron: string): ScheduleChoice {
  const fields = cron.trim().split(/\s+/);
  const custom: ScheduleChoice = { kind: 'custom', cron: cron.trim(), everyWeeks: 1 };
  if (fields.length !== 5) return custom;
  const [m = '', h = '', dayOfMonth, month, dayOfWeek = ''] = fields;
  const minute = inRange(m, 0, 59);
  const hour = inRange(h, 0, 23);
  const first = /^(\d)#1$/.exec(dayOfWeek)?.[1];
  const weekday = inRange(first ?? dayOfWeek, 0, 6);
  if (minute === null || hour === null || weekday === null || dayOfMonth !== '*') return custom;
  if (first === undefined) {
    return month === '*' ? { kind: 'weekly', weekday, hour, minute } : custom;
  }
  if (month === '*') return { kind: 'monthly', weekday, hour, minute };
  if (month === QUARTER_MONTHS) return { kind: 'quarterly', weekday, hour, minute };
  return custom;
}

const twoDigits = (value: number): string => String(value).padStart(2, '0');

/** "Every Monday at 09:00", "On the first Tuesday of every month at 14:30"… */
export function describeSchedule(choice: ScheduleChoice): string {
  if (choice.kind === 'custom') {
    return choice.everyWeeks === 1
      ? `Custom: ${choice.cron}`
      : `Custom: ${choice.cron}, in every ${ordinal(choice.everyWeeks)} week`;
  }
  const day = WEEKDAYS[choice.weekday] ?? `day ${choice.weekday}`;
  const time = `${twoDigits(choice.hour)}:${twoDigits(choice.minute)}`;
  switch (choice.kind) {
    case 'weekly':
      return `Every ${day} at ${time}`;
    case 'fortnightly':
      return `Every other ${day} at ${time}`;
    case 'monthly':
      return `On the first ${day} of every month at ${time}`;
    case 'quarterly':
      return `On the first ${day} of January, April, July and October at ${time}`;
  }
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}
