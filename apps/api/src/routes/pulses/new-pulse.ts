import {
  existingPriorityIds,
  listCustomItems,
  listTeams,
  readSettings,
  type NewPulse as NewPulseRow,
  type TenantTransaction,
} from '@pulsegap/db';
import {
  BLIND_SPOT_DIMENSIONS,
  DEFAULT_REMINDERS,
  DIMENSIONS,
  isDimension,
  MIN_GROUP_SIZE_FLOOR,
  newPulseThresholds,
} from '@pulsegap/domain';
import { DEFAULT_OPEN_FOR_HOURS } from '@pulsegap/domain/schedule';
import type { RunDefinition } from '@pulsegap/jobs';
import Type, { type Static } from 'typebox';
import type { FieldError } from '../../errors.js';
import { Uuid } from '../../schemas.js';
import { invalidFields, thresholdFieldErrors } from '../../services/thresholds.js';
import { Audience, Reminders, Schedule, scheduleErrors, storedSchedule } from './pulse-fields.js';

/** A bank dimension, or the key of one of the organization's custom items (checked). */
const Dimension = Type.String({
  minLength: 1,
  maxLength: 40,
  description: `One of ${DIMENSIONS.join(', ')}, or a custom item's key (\`GET /items\`).`,
});

/** A new pulse, as `POST /pulses` takes it (and `POST /pulses/preview` previews it). */
export const NewPulse = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    priorityIds: Type.Array(Uuid, { minItems: 1, maxItems: 20, uniqueItems: true }),
    dimensions: Type.Optional(Type.Array(Dimension, { minItems: 1, uniqueItems: true })),
    openQuestion: Type.Optional(Type.Boolean()),
    predictions: Type.Optional(
      Type.Boolean({
        description:
          'Ask leaders, per priority, to predict the frontline’s staffing and feasibility answers (default false).',
      }),
    ),
    audience: Type.Optional(Audience),
    schedule: Type.Optional(Schedule),
    reminders: Type.Optional(Reminders),
    openForHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 2160 })),
    minGroupSize: Type.Optional(Type.Integer({ minimum: MIN_GROUP_SIZE_FLOOR, maximum: 1000 })),
    commentMinGroupSize: Type.Optional(
      Type.Integer({ minimum: MIN_GROUP_SIZE_FLOOR, maximum: 1000 }),
    ),
  },
  { additionalProperties: false },
);
export type NewPulseBody = Static<typeof NewPulse>;

/**
 * The new pulse as it would be stored, or a 400 naming every field that breaks a rule:
 * thresholds under the organization's floor, a schedule the domain refuses, priorities or
 * teams that are not the organization's.
 */
export async function checkedNewPulse(
  trx: TenantTransaction,
  organizationId: string,
  body: NewPulseBody,
): Promise<NewPulseRow> {
  // The organization's floor: a pulse may raise it, never undercut it.
  const thresholds = newPulseThresholds(body, await readSettings(trx, organizationId));
  const errors: FieldError[] = thresholds.ok ? [] : thresholdFieldErrors(thresholds.problems);
  const openForHours = body.schedule?.openForHours ?? body.openForHours ?? DEFAULT_OPEN_FOR_HOURS;
  if (body.schedule !== undefined) {
    errors.push(...scheduleErrors({ ...body.schedule, openForHours }));
  }
  const known = await existingPriorityIds(trx, body.priorityIds);
  body.priorityIds.forEach((priorityId, i) => {
    if (!known.has(priorityId)) {
      errors.push({
        path: `body/priorityIds/${i}`,
        message: 'is not a priority of this organization',
      });
    }
  });
  if (body.dimensions !== undefined) {
    const custom = new Set((await listCustomItems(trx)).map((item) => item.key));
    body.dimensions.forEach((dimension, i) => {
      if (!isDimension(dimension) && !custom.has(dimension)) {
        errors.push({
          path: `body/dimensions/${i}`,
          message: 'is neither a dimension of the question bank nor a custom item',
        });
      }
    });
  }
  if (body.predictions === true && !asksPredicted(body.dimensions ?? DIMENSIONS)) {
    errors.push({ path: 'body/predictions', message: PREDICTIONS_NEED });
  }
  const teams = new Set((await listTeams(trx)).map((t) => t.id));
  (body.audience?.teams ?? []).forEach((teamId, i) => {
    if (!teams.has(teamId)) {
      errors.push({
        path: `body/audience/teams/${i}`,
        message: 'is not a team of this organization',
      });
    }
  });
  if (errors.length > 0 || !thresholds.ok) {
    throw invalidFields('The pulse', errors);
  }
  return {
    title: body.title.trim(),
    priorityIds: body.priorityIds,
    dimensions: body.dimensions ?? DIMENSIONS,
    openQuestion: body.openQuestion ?? true,
    predictions: body.predictions ?? false,
    audienceTeamIds: body.audience?.teams ?? null,
    audienceTiers: body.audience?.tiers ?? null,
    schedule: body.schedule === undefined ? null : storedSchedule(body.schedule, new Date()),
    openForHours,
    ...thresholds.thresholds,
    reminders: {
      halfWindow: body.reminders?.halfWindow ?? DEFAULT_REMINDERS.halfWindow,
      hoursBeforeClose:
        body.reminders?.hoursBeforeClose === undefined
          ? DEFAULT_REMINDERS.hoursBeforeClose
          : body.reminders.hoursBeforeClose,
    },
  };
}

/** Why leaders' predictions are refused on a pulse that asks neither statement. */
export const PREDICTIONS_NEED =
  'leaders predict the frontline’s staffing and feasibility answers: the pulse must ask staffing or feasibility';

/** Whether a pulse's dimensions hold a statement leaders may be asked to predict. */
export function asksPredicted(dimensions: readonly string[]): boolean {
  return BLIND_SPOT_DIMENSIONS.some((d) => dimensions.includes(d));
}

/** What a run of a pulse about to be stored would be planned from. */
export function runDefinitionOf(pulse: NewPulseRow): RunDefinition {
  return {
    priorityIds: pulse.priorityIds,
    dimensions: pulse.dimensions,
    openQuestion: pulse.openQuestion,
    predictions: pulse.predictions ?? false,
    audience: { teams: pulse.audienceTeamIds, tiers: pulse.audienceTiers },
    minGroupSize: pulse.minGroupSize,
    commentMinGroupSize: pulse.commentMinGroupSize,
  };
}
