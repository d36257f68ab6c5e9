import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readSettings, recordAudit, updateSettings, type OrganizationSettings } from '@pulsegap/db';
import { changedFloor, isTimeZone } from '@pulsegap/domain';
import Type from 'typebox';
import { type FieldError } from '../../errors.js';
import { problems } from '../../schemas.js';
import { invalidFields, thresholdFieldErrors } from '../../services/thresholds.js';

const TimeOfDay = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM' });
const Settings = Type.Object(
  {
    timezone: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'An IANA time zone, such as Europe/Berlin.',
    }),
    // No `minimum` of 3 in the schema: a lower value is a lowering, refused with the current
    // value by the domain's rule.
    minGroupSize: Type.Integer({
      minimum: 1,
      maximum: 1000,
      description:
        'The organization-wide floor of k (at least 3): every pulse’s k is at least this. It only goes up.',
    }),
    commentMinGroupSize: Type.Integer({
      minimum: 1,
      maximum: 1000,
      description:
        'The organization-wide floor of the comment threshold (at least minGroupSize). It only goes up.',
    }),
    quietHours: Type.Object(
      {
        from: TimeOfDay,
        to: TimeOfDay,
        weekdays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
          maxItems: 7,
          uniqueItems: true,
          description: 'ISO weekdays, 1 = Monday.',
        }),
      },
      {
        additionalProperties: false,
        description:
          'The sending hours: reminders and launch notices go out only from `from` to `to` (local time) on these weekdays; one due outside waits for the next opening.',
      },
    ),
    launchNoticeHours: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 720,
        description:
          'How many hours before each scheduled run the admins get a notice of what will go out (0: none). Default 48; left out of a PUT, it stays.',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The organization's settings: time zone, quiet hours and the thresholds floor that every
 * pulse must respect (PRODUCT.md §6.8). The thresholds only go up.
 */
const settings: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/settings',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: { tags: ['settings'], response: { 200: Settings, ...problems(401, 403) } },
    },
    async (request) =>
      fastify.tenant(request, (trx) => readSettings(trx, request.auth.organizationId)),
  );

  fastify.put(
    '/settings',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['settings'],
        description:
          'Replaces the settings. Lowering minGroupSize or commentMinGroupSize is refused (400, naming the current value); the change is kept in the audit log.',
        body: Settings,
        response: { 200: Settings, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const body = request.body;
      const errors: FieldError[] = [];
      if (!isTimeZone(body.timezone)) {
        errors.push({
          path: 'body/timezone',
          message: 'must be an IANA time zone such as Europe/Berlin',
        });
      }
      const { organizationId, userId } = request.auth;
      return fastify.tenant(request, async (trx) => {
        const current = await readSettings(trx, organizationId, { forUpdate: true });
        const next: OrganizationSettings = {
          timezone: body.timezone,
          minGroupSize: body.minGroupSize,
          commentMinGroupSize: body.commentMinGroupSize,
          quietHours: {
            from: body.quietHours.from,
            to: body.quietHours.to,
            weekdays: body.quietHours.weekdays.toSorted((a, b) => a - b),
          },
          launchNoticeHours: body.launchNoticeHours ?? current.launchNoticeHours,
        };
        const floor = changedFloor(current, next);
        if (!floor.ok) errors.push(...thresholdFieldErrors(floor.problems));
        if (errors.length > 0) throw invalidFields('The settings', errors);
        const changes = settingsChanges(current, next);
        if (Object.keys(changes).length > 0) {
          await updateSettings(trx, organizationId, next);
          await recordAudit(trx, organizationId, {
            actorUserId: userId,
            action: 'settings.updated',
            subject: 'settings',
            detail: { changes },
          });
        }
        return next;
      });
    },
  );
};

/** Each setting that differs, with its old and new value. */
function settingsChanges(
  current: OrganizationSettings,
  next: OrganizationSettings,
): Record<string, { old: unknown; new: unknown }> {
  const changes: Record<string, { old: unknown; new: unknown }> = {};
  for (const key of [
    'timezone',
    'minGroupSize',
    'commentMinGroupSize',
    'quietHours',
    'launchNoticeHours',
  ] as const) {
    if (JSON.stringify(current[key]) !== JSON.stringify(next[key])) {
      changes[key] = { old: current[key], new: next[key] };
    }
  }
  return changes;
}

export default settings;
