import { isTimeZone } from '@pulsegap/domain';
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

const CRON_FIELD = /^[0-9*/,\-A-Za-z?LW#]+$/;

/** What the schema cannot say of a schedule: a cron expression of 5 or 6 fields, an IANA zone. */
export function scheduleErrors(
  schedule: { cron: string; timezone: string },
  path = 'body/schedule',
): FieldError[] {
  const errors: FieldError[] = [];
  const fields = schedule.cron.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6 || !fields.every((f) => CRON_FIELD.test(f))) {
    errors.push({ path: `${path}/cron`, message: 'must be a cron expression of 5 or 6 fields' });
  }
  if (!isTimeZone(schedule.timezone)) {
    errors.push({
      path: `${path}/timezone`,
      message: 'must be an IANA time zone such as Europe/Berlin',
    });
  }
  return errors;
}
