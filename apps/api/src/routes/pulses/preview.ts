import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listPulses, type TenantTransaction } from '@pulsegap/db';
import { previewPulseRun, type RunDefinition } from '@pulsegap/jobs';
import Type from 'typebox';
import { notFound } from '../../errors.js';
import { IdParams, Nullable, problems, Tier, Uuid } from '../../schemas.js';
import { invalidFields } from '../../services/thresholds.js';
import { checkedNewPulse, NewPulse, runDefinitionOf } from './new-pulse.js';

const PerTier = <T extends Parameters<typeof Type.Object>[0][string]>(value: T) =>
  Type.Object({ leadership: value, frontline: value });
const Reportability = {
  invited: PerTier(Type.Integer()),
  figures: Type.Boolean({
    description:
      'Its participation and figures can be shown if its invitees answer (planned at k, with complementary suppression, as the run’s are).',
  }),
  comments: PerTier(
    Type.Boolean({ description: 'Its comment list of the tier can be shown (comment threshold).' }),
  ),
};
const RunPreview = Type.Object({
  invited: Type.Integer(),
  startable: Type.Boolean({ description: 'Whether a run could start with this audience now.' }),
  problem: Nullable(Type.String()),
  minGroupSize: Type.Integer(),
  commentMinGroupSize: Type.Integer(),
  tiers: Type.Array(Type.Object({ tier: Tier, invited: Type.Integer(), underK: Type.Boolean() })),
  segments: Type.Array(
    Type.Object({ teamId: Nullable(Uuid), tier: Tier, invited: Type.Integer() }),
    { description: 'The groups the run’s tokens would name, small ones merged upward.' },
  ),
  merged: Type.Array(
    Type.Object({
      teamId: Uuid,
      tier: Tier,
      invited: Type.Integer(),
      intoTeamId: Nullable(Uuid),
    }),
    {
      description:
        'People whose team is under k: their token names a team above (null: the whole organization).',
    },
  ),
  organization: Type.Object(Reportability),
  teams: Type.Array(
    Type.Object({ teamId: Uuid, name: Type.String(), parentId: Nullable(Uuid), ...Reportability }),
  ),
  questions: Type.Integer({
    description:
      'The most 1–5 questions any one invitee is asked: the bank’s and custom items, leaders’ predictions (leadership only) and the follow-up items of decisions asked of the invitee’s team. Others are asked fewer.',
  }),
  decisionItems: Type.Array(
    Type.Object({
      decisionId: Uuid,
      decisionTitle: Type.String(),
      priorityId: Uuid,
      kind: Type.Union([Type.Literal('settled'), Type.Literal('stopped')]),
      audienceTier: Nullable(Tier),
      audienceTeamId: Nullable(Uuid),
      text: Type.String(),
    }),
    {
      description:
        'Follow-up items of open decisions about the pulse’s priorities, each asked only of the decision’s owning team and the teams under it.',
    },
  ),
  estimatedMinutes: Type.Number({
    description: 'The answering time of the invitee asked the most questions, with the open one.',
  }),
  warnings: Type.Array(Type.String()),
});

const PREVIEW_DESCRIPTION =
  'What a run would release if it started now, with the roster as it is: who is invited per tier, which teams are merged upward before their keys are made, which teams executives could see at k and at the comment threshold if everyone invited answered (fewer answers only hide more), the number of questions and the estimated answering time, with warnings. `startable: false` says, in `problem`, why a run would not start.';

/**
 * Refuses (400, naming the audience) a schedule whose runs would not start: an audience with
 * nobody in it, or leaving a tier it asks under k (PRODUCT.md §6.8).
 */
export async function assertScheduledAudience(
  trx: TenantTransaction,
  organizationId: string,
  pulse: RunDefinition,
): Promise<void> {
  const preview = await previewPulseRun(trx, organizationId, pulse);
  if (preview.problem !== null) {
    throw invalidFields('The schedule', [
      {
        path: 'body/audience',
        message: `would start no run: ${preview.problem} Import the roster first, or widen the audience.`,
      },
    ]);
  }
}

/** The pulse preview: for a stored pulse, and for a draft in the pulse builder. */
const pulsePreview: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/pulses/:id/preview',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['pulses'],
        description: PREVIEW_DESCRIPTION,
        params: IdParams,
        response: { 200: RunPreview, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      fastify.tenant(request, async (trx) => {
        const [pulse] = await listPulses(trx, request.params.id);
        if (pulse === undefined) throw notFound('The pulse');
        return previewPulseRun(trx, request.auth.organizationId, pulse);
      }),
  );

  fastify.post(
    '/pulses/preview',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['pulses'],
        description: `Previews a pulse not yet saved (the body of POST /pulses, checked the same way; nothing is stored). ${PREVIEW_DESCRIPTION}`,
        body: NewPulse,
        response: { 200: RunPreview, ...problems(400, 401, 403) },
      },
    },
    async (request) =>
      fastify.tenant(request, async (trx) => {
        const { organizationId } = request.auth;
        const pulse = await checkedNewPulse(trx, organizationId, request.body);
        return previewPulseRun(trx, organizationId, runDefinitionOf(pulse));
      }),
  );
};

export default pulsePreview;
