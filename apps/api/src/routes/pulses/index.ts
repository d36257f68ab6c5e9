import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  createPulse,
  listPulses,
  listRuns,
  readRelease,
  recordAudit,
  releasesOfPulse,
  runReminders,
  runTeams,
  segmentParticipation,
  type PulseView,
} from '@pulsegap/db';
import {
  CLARITY_INDEX_TARGET,
  ClarityIndexSchema,
  DriftSchema,
  isRunOpen,
  mergedAtStart,
  organizationCell,
  planParticipation,
  priorityTrends,
  releasedSeries,
  ShareEstimateSchema,
  TeamTree,
  type ParticipationReport,
} from '@pulsegap/domain';
import { nextOccurrences } from '@pulsegap/domain/schedule';
import { startRun } from '@pulsegap/jobs';
import Type from 'typebox';
import { notFound } from '../../errors.js';
import {
  Created,
  IdParams,
  ListOf,
  Nullable,
  NumberPair,
  problems,
  Tier,
  Timestamp,
  Uuid,
} from '../../schemas.js';
import pulseChanges from './changes.js';
import { checkedNewPulse, NewPulse, runDefinitionOf } from './new-pulse.js';
import pulsePreview, { assertScheduledAudience } from './preview.js';

const TrendPoint = Type.Object({
  runId: Uuid,
  openedAt: Timestamp,
  closedAt: Timestamp,
  suppressed: Type.Boolean(),
  leadershipMean: Nullable(Type.Number()),
  frontlineMean: Nullable(Type.Number()),
  leadershipTop2: Nullable(Type.Number()),
  frontlineTop2: Nullable(Type.Number()),
  gap: Nullable(Type.Number()),
  ci95: Nullable(NumberPair),
  qValue: Nullable(Type.Number()),
});
/** A priority's whole-organization figures in one released run. */
const PriorityTrendPoint = Type.Object({
  runId: Uuid,
  openedAt: Timestamp,
  closedAt: Timestamp,
  clarity: Type.Union([ClarityIndexSchema, Type.Null()], {
    description:
      'The clarity index: the share of respondents of both tiers answering 4 or 5 on `clarity`, with its 95% Wilson interval. Null where the run did not ask about the priority or its clarity cell is withheld (a tier under k).',
  }),
  committedClarity: Type.Union([ShareEstimateSchema, Type.Null()], {
    description:
      'The share of respondents answering 4 or 5 on both `clarity` and `commitment`, with its 95% Wilson interval. Null where the run did not ask both, fewer than k answered both, or its clarity or commitment cell is withheld (a tier under k).',
  }),
  drift: Type.Union([DriftSchema, Type.Null()], {
    description:
      'Commitment drift over this run and the two released before it. Null with fewer than two of those runs showing the frontline’s `commitment` cell.',
  }),
});
const Trends = Type.Object({
  pulseId: Uuid,
  items: Type.Array(
    Type.Object({ priorityId: Uuid, dimension: Type.String(), points: Type.Array(TrendPoint) }),
  ),
  clarityTarget: Type.Number({
    description: 'The clarity index the product aims for, as a share of respondents.',
  }),
  priorities: Type.Array(
    Type.Object({
      priorityId: Uuid,
      title: Type.String({ description: 'As the newest released run with the priority has it.' }),
      points: Type.Array(PriorityTrendPoint, {
        description: 'One point per released run, oldest first, as in `items[].points`.',
      }),
    }),
    {
      description:
        'Per priority of any released run of the pulse (in id order), its figures in each run.',
    },
  ),
});

const Counts = Type.Object({
  invited: Type.Integer(),
  tokensCollected: Type.Integer(),
  responses: Type.Integer(),
});
const TierCounts = Nullable(Type.Object({ leadership: Counts, frontline: Counts }));
/** The whole organization's participation; null counts where even it is under k. */
const Participation = Type.Object({
  invited: Type.Integer(),
  tokensCollected: Nullable(Type.Integer()),
  responses: Nullable(Type.Integer()),
  /** Per tier, where both tiers' groups reach k. */
  tiers: TierCounts,
});
/** How many of a schedule's next start times a pulse shows. */
const SHOWN_OCCURRENCES = 5;

const PulseSchema = Type.Object({
  id: Uuid,
  title: Type.String(),
  priorityIds: Type.Array(Uuid),
  dimensions: Type.Array(Type.String()),
  openQuestion: Type.Boolean(),
  audience: Type.Object({
    teams: Type.Union([Type.Array(Uuid), Type.Null()]),
    tiers: Type.Union([Type.Array(Tier), Type.Null()]),
  }),
  schedule: Type.Union([
    Type.Object({
      cron: Type.String(),
      timezone: Type.String(),
      openForHours: Type.Integer(),
      everyWeeks: Type.Integer(),
    }),
    Type.Null(),
  ]),
  openForHours: Type.Integer(),
  minGroupSize: Type.Integer(),
  commentMinGroupSize: Type.Integer(),
  paused: Type.Boolean(),
  reminders: Type.Object({
    halfWindow: Type.Boolean(),
    hoursBeforeClose: Nullable(Type.Integer()),
  }),
  predictions: Type.Boolean({
    description:
      'Its runs ask leaders to predict the frontline’s staffing and feasibility answers.',
  }),
  latestRunId: Type.Union([Uuid, Type.Null()]),
  createdAt: Timestamp,
  nextOccurrences: Type.Array(Timestamp, {
    description: `When the schedule starts its next ${String(SHOWN_OCCURRENCES)} runs; empty when the pulse has no schedule or is paused.`,
  }),
});
const TeamParticipation = Type.Object({
  teamId: Uuid,
  team: Type.String(),
  invited: Type.Integer(),
  tokensCollected: Type.Integer(),
  responses: Type.Integer(),
  tiers: TierCounts,
});
const RunSchema = Type.Object({
  id: Uuid,
  pulseId: Uuid,
  openedAt: Timestamp,
  closesAt: Timestamp,
  closedAt: Nullable(Timestamp),
  /** When its figures were released; null while it is open or being released. */
  releasedAt: Nullable(Timestamp),
  /** `open`: taking answers; `closing`: closed, release under way; `released`. */
  state: Type.Union([Type.Literal('open'), Type.Literal('closing'), Type.Literal('released')]),
  minGroupSize: Type.Integer(),
  commentMinGroupSize: Type.Integer(),
  participation: Participation,
  /**
   * Per team (with everything beneath it, as the team tree was when the run started), planned
   * with complementary suppression at k on the invited counts, so no group of fewer than k
   * can be subtracted out; teams left out are listed in `withheld`.
   */
  teams: Type.Array(TeamParticipation),
  reminders: Type.Array(
    Type.Object({
      kind: Type.Union([
        Type.Literal('half-window'),
        Type.Literal('before-close'),
        Type.Literal('manual'),
      ]),
      dueAt: Timestamp,
      state: Type.Union([
        Type.Literal('due'),
        Type.Literal('queued'),
        Type.Literal('sent'),
        Type.Literal('skipped'),
      ]),
    }),
    {
      description:
        'The run’s reminders to invitees who have not collected a token, in time order: planned (`due`; one due outside the sending hours waits for the next opening), going out (`queued`), `sent`, or `skipped` (the run closed first).',
    },
  ),
  withheld: Type.Array(
    Type.Object({
      teamId: Uuid,
      team: Type.String(),
      reason: Type.Union([
        Type.Literal('small'),
        Type.Literal('complementary'),
        Type.Literal('merged'),
      ]),
    }),
  ),
});

/** Pulses (survey definitions built from the question bank) and starting their runs. */
const pulses: FastifyPluginAsyncTypebox = async (fastify) => {
  await fastify.register(pulseChanges);
  await fastify.register(pulsePreview);

  fastify.post(
    '/pulses',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['pulses'],
        body: NewPulse,
        response: { 201: Created, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.auth;
      const id = await fastify.tenant(request, async (trx) => {
        const pulse = await checkedNewPulse(trx, organizationId, request.body);
        if (pulse.schedule !== null) {
          await assertScheduledAudience(trx, organizationId, runDefinitionOf(pulse));
        }
        const pulseId = await createPulse(trx, organizationId, pulse);
        await recordAudit(trx, organizationId, {
          actorUserId: userId,
          action: 'pulse.created',
          subject: `pulse/${pulseId}`,
          detail: { ...pulse },
        });
        return pulseId;
      });
      return reply.code(201).send({ id });
    },
  );

  fastify.get(
    '/pulses',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: { tags: ['pulses'], response: { 200: ListOf(PulseSchema), ...problems(401, 403) } },
    },
    async (request) => {
      const items = await fastify.tenant(request, (trx) => listPulses(trx));
      const now = new Date();
      return { items: items.map((pulse) => withNextOccurrences(pulse, now)) };
    },
  );

  fastify.get(
    '/pulses/:id',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['pulses'],
        params: IdParams,
        response: { 200: PulseSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const [pulse] = await fastify.tenant(request, (trx) => listPulses(trx, request.params.id));
      if (pulse === undefined) throw notFound('The pulse');
      return withNextOccurrences(pulse, new Date());
    },
  );

  fastify.get(
    '/pulses/:id/trends',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['analytics'],
        description:
          'Per priority and dimension, one point per released run of the pulse (oldest first): the whole organization’s figures, null where the cell is withheld. Per priority, its clarity index, committed clarity and commitment drift in the same runs, with the clarity target.',
        params: IdParams,
        response: { 200: Trends, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      fastify.tenant(request, async (trx) => {
        const [pulse] = await listPulses(trx, request.params.id);
        if (pulse === undefined) throw notFound('The pulse');
        const releases = await releasesOfPulse(trx, pulse.id);
        const series = new Map<string, { priorityId: string; dimension: string }>();
        for (const release of releases) {
          for (const s of releasedSeries(release)) series.set(`${s.priorityId}/${s.dimension}`, s);
        }
        return {
          pulseId: pulse.id,
          items: [...series.values()].map(({ priorityId, dimension }) => ({
            priorityId,
            dimension,
            points: releases.map((release) => {
              const c = organizationCell(release, priorityId, dimension);
              const shown = c !== undefined && !c.suppressed;
              return {
                runId: release.runId,
                openedAt: new Date(release.openedAt),
                closedAt: new Date(release.closedAt),
                suppressed: !shown,
                leadershipMean: shown ? (c.leadership?.mean ?? null) : null,
                frontlineMean: shown ? (c.frontline?.mean ?? null) : null,
                leadershipTop2: shown ? (c.leadership?.top2 ?? null) : null,
                frontlineTop2: shown ? (c.frontline?.top2 ?? null) : null,
                gap: shown ? c.gap : null,
                ci95: shown && c.ci95 !== null ? ([...c.ci95] as [number, number]) : null,
                qValue: shown ? c.qValue : null,
              };
            }),
          })),
          clarityTarget: CLARITY_INDEX_TARGET,
          priorities: priorityTrends(releases).map((trend) => ({
            ...trend,
            points: trend.points.map((point) => ({
              ...point,
              openedAt: new Date(point.openedAt),
              closedAt: new Date(point.closedAt),
            })),
          })),
        };
      }),
  );

  fastify.get(
    '/pulses/:id/runs',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['runs'],
        params: IdParams,
        response: { 200: ListOf(RunSchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      fastify.tenant(request, async (trx) => {
        const [pulse] = await listPulses(trx, request.params.id);
        if (pulse === undefined) throw notFound('The pulse');
        const items = [];
        const runs = await listRuns(trx, pulse.id);
        const reminders = await runReminders(
          trx,
          runs.map((run) => run.id),
        );
        for (const run of runs) {
          // A released run shows the participation of its release; an open one, the same
          // plan on today's counts: the groups shown depend only on who was invited.
          const release = run.releasedAt === null ? null : await readRelease(trx, run.id);
          const teams = release?.teams ?? (await runTeams(trx, run.id));
          const report: ParticipationReport =
            release?.participation ??
            planParticipation(
              new TeamTree(teams),
              await segmentParticipation(trx, run.id),
              run.minGroupSize,
              (tier) => new Set(mergedAtStart(teams, tier)),
            );
          const name = new Map(teams.map((t) => [t.id, t.name]));
          const organization = report.organization;
          items.push({
            id: run.id,
            pulseId: run.pulseId,
            openedAt: run.openedAt,
            closesAt: run.closesAt,
            closedAt: run.closedAt,
            releasedAt: run.releasedAt,
            state:
              release !== null
                ? ('released' as const)
                : isRunOpen(run)
                  ? ('open' as const)
                  : ('closing' as const),
            minGroupSize: run.minGroupSize,
            commentMinGroupSize: run.commentMinGroupSize,
            participation: {
              invited: run.invited,
              tokensCollected: organization?.tokensCollected ?? null,
              responses: organization?.responses ?? null,
              tiers: organization?.tiers ?? null,
            },
            teams: report.teams.flatMap((t) =>
              t.teamId === null ? [] : [{ ...t, teamId: t.teamId, team: name.get(t.teamId) ?? '' }],
            ),
            withheld: report.withheld.flatMap((w) =>
              w.teamId === null ? [] : [{ ...w, teamId: w.teamId, team: name.get(w.teamId) ?? '' }],
            ),
            reminders: reminders
              .filter((r) => r.runId === run.id)
              .map((r) => ({ kind: r.kind, dueAt: r.dueAt, state: r.state })),
          });
        }
        return { items };
      }),
  );

  fastify.post(
    '/pulses/:id/runs',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['runs'],
        params: IdParams,
        response: {
          201: Type.Object({
            id: Uuid,
            invited: Type.Integer(),
            closesAt: Timestamp,
          }),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const run = await fastify.tenant(request, (trx) =>
        startRun(
          trx,
          request.auth.organizationId,
          request.params.id,
          new Date(),
          {
            invitationKey: fastify.keys.invitationSecrets,
            segmentKeySealing: fastify.keys.segmentKeySealing,
          },
          request.auth.userId,
        ),
      );
      return reply.code(201).send({ id: run.id, invited: run.invited, closesAt: run.closesAt });
    },
  );
};

/** A pulse with the next start times of its schedule (none while paused). */
function withNextOccurrences(pulse: PulseView, now: Date): PulseView & { nextOccurrences: Date[] } {
  return {
    ...pulse,
    nextOccurrences:
      pulse.schedule === null || pulse.paused
        ? []
        : nextOccurrences(pulse.schedule, now, SHOWN_OCCURRENCES),
  };
}

export default pulses;
