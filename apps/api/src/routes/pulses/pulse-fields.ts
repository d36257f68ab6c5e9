import { scheduleProblems, type PulseSchedule } from '@pulsegap/domain/schedule';
import Type from 'typebox';
import type { FieldError } from '../../errors.js';
import { Tier, Uuid } from '../../schemas.js';

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
  },
  { additionalProperties: false },
);

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
