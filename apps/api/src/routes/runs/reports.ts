import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { findRun, listTeams, responsesBySegment, runComments } from '@pulsegap/db';
import {
  briefMarkdown,
  facilitationBrief,
  planSuppression,
  type BriefCell,
} from '@pulsegap/domain';
import { stringify } from 'csv-stringify/sync';
import Type from 'typebox';
import { notFound } from '../../errors.js';
import { IdParams, ListOf, Nullable, problems, Uuid } from '../../schemas.js';
import { commitmentDrifts, readRunReport, shownStatistics } from './figures.js';

const TierMeans = Type.Object({
  staffing: Nullable(Type.Number()),
  feasibility: Nullable(Type.Number()),
});
const Collision = Type.Object({
  priorityId: Uuid,
  title: Type.String(),
  statedWeight: Type.Integer(),
  collisionScore: Nullable(Type.Number()),
  significant: Type.Boolean(),
  leadership: TierMeans,
  frontline: TierMeans,
});

const CommentGroup = Type.Object({
  teamId: Nullable(Uuid),
  team: Nullable(Type.String()),
  comments: Type.Array(Type.String()),
});
const Comments = Type.Object({
  runId: Uuid,
  commentMinGroupSize: Type.Integer(),
  items: Type.Array(CommentGroup),
  /** Groups whose comments are not shown, and why. */
  withheld: Type.Array(
    Type.Object({
      teamId: Nullable(Uuid),
      team: Nullable(Type.String()),
      reason: Type.Union([Type.Literal('small'), Type.Literal('complementary')]),
    }),
  ),
});

const Brief = Type.Object({
  runId: Uuid,
  pulseTitle: Type.String(),
  computedAt: Nullable(Type.String()),
  responses: Type.Integer(),
  findings: Type.Array(
    Type.Object({
      kind: Type.Union([
        Type.Literal('collision'),
        Type.Literal('gap'),
        Type.Literal('clarity'),
        Type.Literal('drift'),
      ]),
      priorityId: Uuid,
      title: Type.String(),
      text: Type.String(),
      /** The numbers the finding states, by name. */
      figures: Type.Unknown(),
    }),
  ),
  questions: Type.Array(Type.Object({ priorityId: Uuid, text: Type.String() })),
  notes: Type.Array(Type.String()),
});
const BriefQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('md')])) },
  { additionalProperties: false },
);

const CSV_COLUMNS = [
  'priorityId',
  'priority',
  'dimension',
  'teamId',
  'team',
  'leadershipN',
  'leadershipMean',
  'leadershipSd',
  'leadershipTop2',
  'frontlineN',
  'frontlineMean',
  'frontlineSd',
  'frontlineTop2',
  'gap',
  'ci95Low',
  'ci95High',
  'pValue',
  'qValue',
  'cliffsDelta',
  'hedgesG',
] as const;

/** The reports read from a run's stored figures: collisions, comments, the CSV export. */
const reports: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/runs/:id/collisions',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['analytics'],
        description:
          'Priorities leadership weights highly while the frontline reports they cannot be staffed or delivered, highest collision score first. Means per tier of the whole organization; null where the cell is withheld.',
        params: IdParams,
        response: { 200: ListOf(Collision), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      fastify.tenant(request, async (trx) => {
        const report = await readRunReport(trx, request.params.id, { organizationOnly: true });
        const cell = (priorityId: string, dimension: string) =>
          shownStatistics(
            report.cells.find((c) => c.priorityId === priorityId && c.dimension === dimension),
          );
        const items = report.priorities.map((p) => {
          const staffing = cell(p.id, 'staffing');
          const feasibility = cell(p.id, 'feasibility');
          return {
            priorityId: p.id,
            title: p.title,
            statedWeight: p.statedWeight,
            collisionScore: p.collision?.score ?? null,
            significant: p.collision?.significant ?? false,
            leadership: {
              staffing: staffing?.leadership.mean ?? null,
              feasibility: feasibility?.leadership.mean ?? null,
            },
            frontline: {
              staffing: staffing?.frontline.mean ?? null,
              feasibility: feasibility?.frontline.mean ?? null,
            },
          };
        });
        items.sort(
          (a, b) =>
            (b.collisionScore ?? -1) - (a.collisionScore ?? -1) || a.title.localeCompare(b.title),
        );
        return { items };
      }),
  );

  fastify.get(
    '/runs/:id/comments',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['analytics'],
        description:
          'Answers to the open question, for the whole organization and each team whose respondents reach the comment threshold, in random order and without dates. A group that would let a smaller one be told apart by subtraction is withheld too.',
        params: IdParams,
        response: { 200: Comments, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      fastify.tenant(request, async (trx) => {
        const run = await findRun(trx, request.params.id);
        if (run === null) throw notFound('The run');
        const teams = await listTeams(trx);
        const bySegment = new Map(
          (await responsesBySegment(trx, run.id)).map((s) => [s.segmentTeamId, s.responses]),
        );
        const plan = planSuppression({
          teams: teams.map((t) => ({
            id: t.id,
            parentId: t.parentId,
            ownCount: bySegment.get(t.id) ?? 0,
          })),
          organizationOwnCount: bySegment.get(null) ?? 0,
          minGroupSize: run.commentMinGroupSize,
        });
        const comments = await runComments(trx, run.id);
        const parentOf = new Map(teams.map((t) => [t.id, t.parentId]));
        const within = (segment: string | null, teamId: string) => {
          for (let t = segment; t !== null; t = parentOf.get(t) ?? null) {
            if (t === teamId) return true;
          }
          return false;
        };
        const name = new Map(teams.map((t) => [t.id, t.name]));
        const groups = [null, ...teams.map((t) => t.id)];
        return {
          runId: run.id,
          commentMinGroupSize: run.commentMinGroupSize,
          items: groups
            .filter((g) => plan.shown.has(g))
            .map((teamId) => ({
              teamId,
              team: teamId === null ? null : (name.get(teamId) ?? null),
              comments: comments
                .filter((c) => teamId === null || within(c.segmentTeamId, teamId))
                .map((c) => c.comment),
            })),
          withheld: groups.flatMap((teamId) => {
            const reason = plan.suppressed.get(teamId);
            return reason === undefined
              ? []
              : [{ teamId, team: teamId === null ? null : (name.get(teamId) ?? null), reason }];
          }),
        };
      }),
  );

  fastify.get(
    '/runs/:id/brief',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['analytics'],
        description:
          'The facilitation brief: the run’s most important significant findings in plain language with their numbers and uncertainty, and open questions for a group. `?format=md` gives it as Markdown.',
        params: IdParams,
        querystring: BriefQuery,
        produces: ['application/json', 'text/markdown'],
        response: {
          200: Type.Union([
            Brief,
            Type.String({ description: 'The brief as Markdown (`?format=md`).' }),
          ]),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const brief = await fastify.tenant(request, async (trx) => {
        const report = await readRunReport(trx, request.params.id, { organizationOnly: true });
        const drifts = await commitmentDrifts(trx, report.run);
        const cells: BriefCell[] = report.cells.flatMap((cell) => {
          const s = shownStatistics(cell);
          return s === null
            ? []
            : [
                {
                  priorityId: cell.priorityId,
                  dimension: cell.dimension,
                  statistics: {
                    ...s,
                    ci95: s.ci95 ?? null,
                    pValue: s.pValue ?? null,
                    qValue: s.qValue ?? null,
                    cliffsDelta: s.cliffsDelta ?? 0,
                    hedgesG: s.hedgesG ?? null,
                  },
                },
              ];
        });
        return facilitationBrief({
          runId: report.run.id,
          pulseTitle: report.pulseTitle,
          minGroupSize: report.run.minGroupSize,
          responses: report.responses,
          computedAt: report.computedAt,
          priorities: report.priorities.map((p) => ({
            id: p.id,
            title: p.title,
            statedWeight: p.statedWeight,
            collision: p.collision ?? null,
            clarity: p.clarity ?? null,
            committedClarity: p.committedClarity ?? null,
            drift: drifts.get(p.id) ?? null,
          })),
          cells,
          suppressedCells: report.cells.length - cells.length,
        });
      });
      if (request.query.format === 'md') {
        return reply.type('text/markdown; charset=utf-8').send(briefMarkdown(brief));
      }
      return {
        ...brief,
        findings: [...brief.findings],
        questions: [...brief.questions],
        notes: [...brief.notes],
      };
    },
  );

  fastify.get(
    '/runs/:id/export.csv',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['analytics'],
        description: `Every cell of the run that is shown, as CSV with the columns ${CSV_COLUMNS.join(', ')}; withheld cells are left out.`,
        params: IdParams,
        produces: ['text/csv'],
        response: { 200: Type.String(), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const csv = await fastify.tenant(request, async (trx) => {
        const report = await readRunReport(trx, request.params.id);
        const teams = new Map((await listTeams(trx)).map((t) => [t.id, t.name]));
        const titles = new Map(report.priorities.map((p) => [p.id, p.title]));
        const rows = report.cells.flatMap((cell) => {
          const s = shownStatistics(cell);
          if (s === null) return [];
          return [
            [
              cell.priorityId,
              titles.get(cell.priorityId) ?? '',
              cell.dimension,
              cell.teamId ?? '',
              cell.teamId === null ? '' : (teams.get(cell.teamId) ?? ''),
              s.leadership.n,
              s.leadership.mean,
              s.leadership.sd,
              s.leadership.top2,
              s.frontline.n,
              s.frontline.mean,
              s.frontline.sd,
              s.frontline.top2,
              s.gap,
              s.ci95?.[0],
              s.ci95?.[1],
              s.pValue,
              s.qValue,
              s.cliffsDelta,
              s.hedgesG,
            ].map((v) => (v === null || v === undefined ? '' : String(v))),
          ];
        });
        return stringify([[...CSV_COLUMNS], ...rows]);
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="run-${request.params.id}.csv"`)
        .send(csv);
    },
  );
};

export default reports;
