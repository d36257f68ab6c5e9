import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  deletePulse,
  listTeams,
  lockPulse,
  readSettings,
  recordAudit,
  updatePulse,
  type PulseChanges,
  type PulseView,
  type TenantTransaction,
} from '@pulsegap/db';
import { changedPulseThresholds } from '@pulsegap/domain';
import type { RunDefinition } from '@pulsegap/jobs';
import Type, { type Static } from 'typebox';
import { notFound, type FieldError } from '../../errors.js';
import { IdParams, Nullable, problems } from '../../schemas.js';
import { invalidFields, thresholdFieldErrors } from '../../services/thresholds.js';
import { asksPredicted, PREDICTIONS_NEED } from './new-pulse.js';
import { assertScheduledAudience } from './preview.js';
import { Audience, Reminders, Schedule, scheduleErrors, storedSchedule } from './pulse-fields.js';

const Paused = Type.Boolean({ description: 'true pauses the schedule; false resumes it.' });
const PulseChange = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
    audience: Type.Optional(Audience),
    schedule: Type.Optional(
      Nullable(
        Type.Object(
          { ...Schedule.properties, paused: Type.Optional(Paused) },
          { additionalProperties: false },
        ),
      ),
    ),
    paused: Type.Optional(Paused),
    reminders: Type.Optional(Reminders),
    predictions: Type.Optional(
      Type.Boolean({
        description:
          'true: runs ask leaders to predict the frontline’s staffing and feasibility answers.',
      }),
    ),
    // No `minimum` of 3 in the schema: a lower value is a lowering, refused with the current
    // value by the domain's rule.
    minGroupSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    commentMinGroupSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
type PulseChangeBody = Static<typeof PulseChange>;

/** The fields of a pulse a change may touch, as the audit log shows them. */
type Changeable = Pick<
  PulseView,
  | 'title'
  | 'audience'
  | 'schedule'
  | 'paused'
  | 'minGroupSize'
  | 'commentMinGroupSize'
  | 'reminders'
  | 'predictions'
>;

/** Changing a pulse (title, audience, schedule, pausing, raising thresholds) and deleting it. */
const pulseChanges: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.patch(
    '/pulses/:id',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['pulses'],
        description:
          'Changes a pulse; fields left out stay. `audience` replaces the audience, `schedule: null` stops recurring, `paused` (beside or inside `schedule`) pauses or resumes it. Thresholds only go up and never under the organization’s floor. Runs already started keep what they froze.',
        params: IdParams,
        body: PulseChange,
        response: {
          204: Type.Null({ description: 'No Content' }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.auth;
      await fastify.tenant(request, async (trx) => {
        const current = await lockPulse(trx, request.params.id);
        if (current === null) throw notFound('The pulse');
        const changes = await checkedChanges(trx, organizationId, current, request.body);
        const changed = differences(current, changes);
        if (Object.keys(changed).length === 0) return;
        // A schedule that is (or becomes) active must be able to start its runs.
        const next = nextDefinition(current, changes);
        if (
          next.recurs &&
          ['audience', 'schedule', 'paused', 'minGroupSize'].some((k) => k in changed)
        ) {
          await assertScheduledAudience(trx, organizationId, next.definition);
        }
        await updatePulse(trx, current.id, changes);
        await recordAudit(trx, organizationId, {
          actorUserId: userId,
          action: 'pulse.updated',
          subject: `pulse/${current.id}`,
          detail: { title: current.title, changes: changed },
        });
      });
      return reply.code(204).send(null);
    },
  );

  fastify.delete(
    '/pulses/:id',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['pulses'],
        description:
          'Deletes a pulse: it is gone from the lists and its schedule stops; its runs and their figures stay.',
        params: IdParams,
        response: {
          204: Type.Null({ description: 'No Content' }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.auth;
      await fastify.tenant(request, async (trx) => {
        const current = await lockPulse(trx, request.params.id);
        if (current === null || !(await deletePulse(trx, current.id, new Date()))) {
          throw notFound('The pulse');
        }
        await recordAudit(trx, organizationId, {
          actorUserId: userId,
          action: 'pulse.deleted',
          subject: `pulse/${current.id}`,
          detail: { title: current.title, latestRunId: current.latestRunId },
        });
      });
      return reply.code(204).send(null);
    },
  );
};

/** The body as changes to store, or a 400 naming every field that breaks a rule. */
async function checkedChanges(
  trx: TenantTransaction,
  organizationId: string,
  current: PulseView,
  body: PulseChangeBody,
): Promise<PulseChanges> {
  const errors: FieldError[] = [];
  const thresholds = changedPulseThresholds(current, body, await readSettings(trx, organizationId));
  if (!thresholds.ok) errors.push(...thresholdFieldErrors(thresholds.problems));
  if (body.schedule != null) {
    const openForHours = body.schedule.openForHours ?? current.openForHours;
    errors.push(...scheduleErrors({ ...body.schedule, openForHours }));
  }
  const inside = body.schedule?.paused;
  if (body.paused !== undefined && inside !== undefined && body.paused !== inside) {
    errors.push({ path: 'body/paused', message: 'disagrees with body/schedule/paused' });
  }
  if (body.audience?.teams !== undefined) {
    const teams = new Set((await listTeams(trx)).map((t) => t.id));
    body.audience.teams.forEach((teamId, i) => {
      if (!teams.has(teamId)) {
        errors.push({
          path: `body/audience/teams/${i}`,
          message: 'is not a team of this organization',
        });
      }
    });
  }
  if (body.predictions === true && !asksPredicted(current.dimensions)) {
    errors.push({ path: 'body/predictions', message: PREDICTIONS_NEED });
  }
  if (errors.length > 0 || !thresholds.ok) throw invalidFields('The change', errors);
  const paused = body.paused ?? inside;
  return {
    ...(body.title === undefined ? {} : { title: body.title.trim() }),
    ...(body.audience === undefined
      ? {}
      : {
          audienceTeamIds: body.audience.teams ?? null,
          audienceTiers: body.audience.tiers ?? null,
        }),
    ...(body.schedule === undefined
      ? {}
      : {
          schedule:
            body.schedule === null
              ? null
              : storedSchedule(body.schedule, new Date(), current.schedule),
        }),
    ...(body.schedule?.openForHours === undefined
      ? {}
      : { openForHours: body.schedule.openForHours }),
    ...(paused === undefined ? {} : { paused }),
    ...thresholds.thresholds,
    ...(body.predictions === undefined ? {} : { predictions: body.predictions }),
    ...(body.reminders === undefined
      ? {}
      : {
          reminders: {
            halfWindow: body.reminders.halfWindow ?? current.reminders.halfWindow,
            hoursBeforeClose:
              body.reminders.hoursBeforeClose === undefined
                ? current.reminders.hoursBeforeClose
                : body.reminders.hoursBeforeClose,
          },
        }),
  };
}

/** The pulse as the changes would leave it: what its runs are planned from, and whether it recurs. */
function nextDefinition(
  current: PulseView,
  changes: PulseChanges,
): { definition: RunDefinition; recurs: boolean } {
  const schedule = changes.schedule === undefined ? current.schedule : changes.schedule;
  return {
    definition: {
      ...current,
      audience:
        changes.audienceTeamIds === undefined && changes.audienceTiers === undefined
          ? current.audience
          : { teams: changes.audienceTeamIds ?? null, tiers: changes.audienceTiers ?? null },
      minGroupSize: changes.minGroupSize ?? current.minGroupSize,
      commentMinGroupSize: changes.commentMinGroupSize ?? current.commentMinGroupSize,
    },
    recurs: schedule !== null && !(changes.paused ?? current.paused),
  };
}

/** Each field whose value the changes would alter, with its old and new value. */
function differences(
  current: PulseView,
  changes: PulseChanges,
): Record<string, { old: unknown; new: unknown }> {
  const openForHours = changes.openForHours ?? current.openForHours;
  const next: Changeable = {
    title: changes.title ?? current.title,
    audience:
      changes.audienceTeamIds === undefined && changes.audienceTiers === undefined
        ? current.audience
        : {
            teams: changes.audienceTeamIds === null ? null : [...(changes.audienceTeamIds ?? [])],
            tiers: changes.audienceTiers === null ? null : [...(changes.audienceTiers ?? [])],
          },
    schedule:
      changes.schedule === undefined
        ? current.schedule === null
          ? null
          : { ...current.schedule, openForHours }
        : changes.schedule === null
          ? null
          : { ...changes.schedule, openForHours },
    paused: changes.paused ?? current.paused,
    minGroupSize: changes.minGroupSize ?? current.minGroupSize,
    commentMinGroupSize: changes.commentMinGroupSize ?? current.commentMinGroupSize,
    reminders: changes.reminders ?? current.reminders,
    predictions: changes.predictions ?? current.predictions,
  };
  const changed: Record<string, { old: unknown; new: unknown }> = {};
  for (const key of Object.keys(next) as (keyof Changeable)[]) {
    if (JSON.stringify(current[key]) !== JSON.stringify(next[key])) {
      changed[key] = { old: current[key], new: next[key] };
    }
  }
  return changed;
}

export default pulseChanges;
