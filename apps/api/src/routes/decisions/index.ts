import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  audienceMembers,
  createDecision,
  existingPriorityIds,
  findDecision,
  listDecisions,
  listTeams,
  readSettings,
  recordAudit,
  roomSessionExists,
  runsAskingDecisions,
  teamExists,
  updateDecision,
  type DecisionChanges,
  type DecisionRecord,
  type TenantTransaction,
} from '@pulsegap/db';
import {
  decisionReach,
  durabilityOfReleases,
  reachLevel,
  type DecisionReach,
  type DurabilityPoint,
  type RunRelease,
  type ShownDurabilityPoint,
} from '@pulsegap/domain';
import Type, { type Static } from 'typebox';
import { invalid, notFound, type FieldError } from '../../errors.js';
import {
  Created,
  IdParams,
  ListOf,
  Nullable,
  NumberPair,
  problems,
  Timestamp,
  Uuid,
} from '../../schemas.js';
import { keptReleases } from '../../services/releases.js';

const Title = Type.String({ minLength: 1, maxLength: 300, pattern: '\\S' });
const Tradeoff = Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' });
/** A calendar date; whether the calendar has it is checked by the route. */
const CalendarDate = Type.String({ pattern: '^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$' });
const Status = Type.Union([Type.Literal('open'), Type.Literal('retired')]);

const NewDecision = Type.Object(
  {
    title: Title,
    priorityId: Uuid,
    teamId: Uuid,
    tradeoff: Tradeoff,
    reviewOn: CalendarDate,
    sessionId: Type.Optional(Nullable(Uuid)),
  },
  { additionalProperties: false },
);
const DecisionPatch = Type.Object(
  {
    title: Type.Optional(Title),
    tradeoff: Type.Optional(Tradeoff),
    reviewOn: Type.Optional(CalendarDate),
    teamId: Type.Optional(Uuid),
    status: Type.Optional(Status),
  },
  { additionalProperties: false },
);

const Reasons = Type.Array(Type.Union([Type.Literal('belowFloor'), Type.Literal('drop')]));
const ShownPoint = Type.Object({
  runId: Uuid,
  withheld: Type.Literal(false),
  count: Type.Integer({ minimum: 0 }),
  n: Type.Integer({ minimum: 0 }),
  share: Type.Number({ minimum: 0, maximum: 1 }),
  ci95: NumberPair,
  change: Nullable(Type.Number()),
  flagged: Type.Boolean(),
  reasons: Reasons,
});
const Point = Type.Union([ShownPoint, Type.Object({ runId: Uuid, withheld: Type.Literal(true) })]);
const DecisionSchema = Type.Object({
  id: Uuid,
  title: Type.String(),
  priorityId: Uuid,
  priorityTitle: Type.String(),
  teamId: Uuid,
  teamName: Type.String(),
  tradeoff: Type.String(),
  reviewOn: Type.String({ format: 'date' }),
  status: Status,
  sessionId: Nullable(Uuid),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  durability: Type.Object({
    runs: Type.Array(
      Type.Object({
        runId: Uuid,
        closedAt: Type.String({ format: 'date-time' }),
        settled: Point,
        stopped: Point,
        withheldReason: Nullable(
          Type.Union([
            Type.Literal('small'),
            Type.Literal('complementary'),
            Type.Literal('merged'),
          ]),
        ),
      }),
    ),
    latest: Nullable(ShownPoint),
    relitigated: Type.Boolean(),
    reasons: Reasons,
  }),
  reach: Type.Union([Type.Literal('all'), Type.Literal('some'), Type.Literal('none')], {
    description:
      'Whom of the owning team and the teams under it (today’s roster) a run would ask the follow-up items: all, some or none. People whose group is under the minimum group size are merged beyond the owning team and not asked. No count is given: a team’s size under k is shown nowhere.',
  }),
});

/**
 * The releases every decision's durability is read from, oldest first: only the list of
 * runs is read each time; each release is parsed once per process (`keptReleases`).
 */
async function releasesAskingDecisions(
  trx: TenantTransaction,
  organizationId: string,
): Promise<RunRelease[]> {
  return keptReleases(trx, organizationId, await runsAskingDecisions(trx));
}

/** Whether `value` ('YYYY-MM-DD') is a day the calendar has (no 2026-02-30). */
function isCalendarDate(value: string): boolean {
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** A durability point on the wire: a shown one with its numbers, a withheld one without. */
function wirePoint(point: DurabilityPoint) {
  if (point.withheld) return { runId: point.runId, withheld: true as const };
  return shownPoint(point);
}

function shownPoint(point: ShownDurabilityPoint) {
  return {
    ...point,
    ci95: [point.ci95[0], point.ci95[1]] as [number, number],
    reasons: [...point.reasons],
  };
}

/** Who a decision's items would reach, per owning team, from today's roster and k. */
async function reachOf(
  trx: TenantTransaction,
  organizationId: string,
): Promise<(teamId: string) => DecisionReach> {
  const [teams, members, settings] = await Promise.all([
    listTeams(trx),
    audienceMembers(trx, { teamIds: null, tiers: null }),
    readSettings(trx, organizationId),
  ]);
  return decisionReach(teams, members, settings.minGroupSize);
}

function withDurability(
  decision: DecisionRecord,
  releases: readonly RunRelease[],
  reach: (teamId: string) => DecisionReach,
) {
  const durability = durabilityOfReleases(decision.id, releases);
  return {
    ...decision,
    reach: reachLevel(reach(decision.teamId)),
    durability: {
      runs: durability.runs.map((r) => ({
        ...r,
        settled: wirePoint(r.settled),
        stopped: wirePoint(r.stopped),
      })),
      latest: durability.latest === null ? null : shownPoint(durability.latest),
      relitigated: durability.relitigated,
      reasons: [...durability.reasons],
    },
  };
}

/** The fields whose value a patch changes, with their values before and after. */
function changedFields(
  before: DecisionRecord,
  patch: DecisionChanges,
): Record<string, { before: unknown; after: unknown }> {
  const changed: Record<string, { before: unknown; after: unknown }> = {};
  for (const field of ['title', 'tradeoff', 'reviewOn', 'teamId', 'status'] as const) {
    const after = patch[field];
    if (after !== undefined && after !== before[field]) {
      changed[field] = { before: before[field], after };
    }
  }
  return changed;
}

/** Field errors of what a decision names: a team and room session of the organization, a real date. */
async function referenceErrors(
  trx: TenantTransaction,
  fields: { priorityId?: string; teamId?: string; sessionId?: string | null; reviewOn?: string },
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (fields.priorityId !== undefined) {
    const known = await existingPriorityIds(trx, [fields.priorityId]);
    if (!known.has(fields.priorityId)) {
      errors.push({ path: 'body/priorityId', message: 'is not a priority of this organization' });
    }
  }
  if (fields.teamId !== undefined && !(await teamExists(trx, fields.teamId))) {
    errors.push({ path: 'body/teamId', message: 'is not a team of this organization' });
  }
  if (
    fields.sessionId !== undefined &&
    fields.sessionId !== null &&
    !(await roomSessionExists(trx, fields.sessionId))
  ) {
    errors.push({ path: 'body/sessionId', message: 'is not a room session of this organization' });
  }
  if (fields.reviewOn !== undefined && !isCalendarDate(fields.reviewOn)) {
    errors.push({ path: 'body/reviewOn', message: 'is not a date of the calendar' });
  }
  return errors;
}

function invalidDecision(errors: readonly FieldError[]) {
  return invalid(
    `The decision is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    errors,
  );
}

/**
 * The decision log: what leadership decided about a priority, the team that owns it, what
 * stops or slows to make room (the tradeoff) and when it is reviewed. Open decisions are
 * followed up in later runs of pulses asking their priority; each decision carries its
 * durability over the releases of those runs. Every change is in the audit log.
 */
const decisions: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/decisions',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['decisions'],
        response: { 200: ListOf(DecisionSchema), ...problems(401, 403) },
      },
    },
    async (request) =>
      fastify.tenant(request, async (trx) => {
        const { organizationId } = request.auth;
        const releases = await releasesAskingDecisions(trx, organizationId);
        const reach = await reachOf(trx, organizationId);
        return {
          items: (await listDecisions(trx)).map((d) => withDurability(d, releases, reach)),
        };
      }),
  );

  fastify.post(
    '/decisions',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['decisions'],
        body: NewDecision,
        response: { 201: Created, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.auth;
      const body: Static<typeof NewDecision> = request.body;
      const decision = {
        title: body.title.trim(),
        priorityId: body.priorityId,
        teamId: body.teamId,
        tradeoff: body.tradeoff.trim(),
        reviewOn: body.reviewOn,
        sessionId: body.sessionId ?? null,
      };
      const id = await fastify.tenant(request, async (trx) => {
        const errors = await referenceErrors(trx, decision);
        if (errors.length > 0) throw invalidDecision(errors);
        const created = await createDecision(trx, organizationId, decision);
        await recordAudit(trx, organizationId, {
          actorUserId: userId,
          action: 'decision.created',
          subject: `decision/${created}`,
          detail: decision,
        });
        return created;
      });
      return reply.code(201).send({ id });
    },
  );

  fastify.patch(
    '/decisions/:id',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['decisions'],
        params: IdParams,
        body: DecisionPatch,
        response: { 200: DecisionSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { organizationId, userId } = request.auth;
      const body = request.body;
      const patch: DecisionChanges = {
        ...(body.title === undefined ? {} : { title: body.title.trim() }),
        ...(body.tradeoff === undefined ? {} : { tradeoff: body.tradeoff.trim() }),
        ...(body.reviewOn === undefined ? {} : { reviewOn: body.reviewOn }),
        ...(body.teamId === undefined ? {} : { teamId: body.teamId }),
        ...(body.status === undefined ? {} : { status: body.status }),
      };
      if (Object.keys(patch).length === 0) {
        throw invalid('The change is empty: name at least one field to change.', [
          { path: 'body', message: 'must change at least one field' },
        ]);
      }
      return fastify.tenant(request, async (trx) => {
        const before = await findDecision(trx, request.params.id);
        if (before === null) throw notFound('The decision');
        const errors = await referenceErrors(trx, patch);
        if (errors.length > 0) throw invalidDecision(errors);
        const changed = changedFields(before, patch);
        if (Object.keys(changed).length > 0) {
          await updateDecision(trx, before.id, patch);
          await recordAudit(trx, organizationId, {
            actorUserId: userId,
            action:
              patch.status === 'retired' && before.status === 'open'
                ? 'decision.retired'
                : 'decision.updated',
            subject: `decision/${before.id}`,
            detail: changed,
          });
        }
        const after = await findDecision(trx, before.id);
        if (after === null) throw notFound('The decision');
        return withDurability(
          after,
          await releasesAskingDecisions(trx, organizationId),
          await reachOf(trx, organizationId),
        );
      });
    },
  );
};

export default decisions;
