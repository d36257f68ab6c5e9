import type { StoredSchedule } from '@pulsegap/db';
import { MAX_EVERY_WEEKS, scheduleProblems, type PulseSchedule } from '@pulsegap/domain/schedule';
import Type from 'typebox';
import type { FieldError } from '../../errors.js';
import { Nullable, Tier, Uuid } from '../../schemas.js';

/** Who a pulse asks: teams (with everything beneath them) and tiers; all when left out. */
export const Audience = Type.Object(
  {
    teams: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 500, uniqueItems: true })),
    tiers: Type.Optional(Type.Array(Tier, { minItems: 1, uniqueItems: true })),
  },
  { additionalProperties: false },
);

/** When a pulse recurs. */
export const Schedule = Type.Object(
  {
    cron: Type.String({ minLength: 9, maxLength: 100 }),
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    openForHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 2160 })),
    everyWeeks: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_EVERY_WEEKS,
        description:
          'Run only in every n-th week (2: every two weeks), counted from the week of the first occurrence after the schedule is set. Default 1.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A schedule from the API, as it is stored: set `now`, unless its times stay as they were. */
export function storedSchedule(
  schedule: { cron: string; timezone: string; everyWeeks?: number },
  now: Date,
  current: StoredSchedule | null = null,
): StoredSchedule {
  const everyWeeks = schedule.everyWeeks ?? 1;
  const unchanged =
    current !== null &&
    current.cron === schedule.cron &&
    current.timezone === schedule.timezone &&
    current.everyWeeks === everyWeeks;
  return {
    cron: schedule.cron,
    timezone: schedule.timezone,
    everyWeeks,
    anchor: unchanged ? current.anchor : now,
  };
}

/**
 * The rules of a schedule (`scheduleProblems` in packages/domain: a cron expression a real
 * parser accepts, an IANA zone, a window no longer than the interval) as field errors.
 */
export function scheduleErrors(schedule: PulseSchedule, path = 'body/schedule'): FieldError[] {
  return scheduleProblems(schedule).map((problem) => ({
    path: `${path}/${problem.field}`,
    message: problem.message,
  }));
}

/** When a pulse's runs remind those invited who have not collected a token. */
export const Reminders = Type.Object(
  {
    halfWindow: Type.Optional(
      Type.Boolean({ description: 'Remind at the middle of the run’s window (default true).' }),
    ),
    hoursBeforeClose: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 1,
          maximum: 2160,
          description: 'Remind this many hours before the run closes (default 24; null: not).',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);
