import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  closeRoomSession,
  createRoomSession,
  findRoomSession,
  lockRoomJoins,
  readSettings,
  recordAudit,
  roomSessionState,
  roomSessionStates,
  setRoomCurrentQuestion,
  storeRoomCapacity,
} from '@pulsegap/db';
import {
  DomainError,
  isDimension,
  roomCapacityProblem,
  roomThreshold,
  statementFor,
  type RunRelease,
} from '@pulsegap/domain';
import Type from 'typebox';
import { AppError, invalid, isUniqueViolation, notFound, type FieldError } from '../../errors.js';
import { IdParams, ListOf, problems, Uuid } from '../../schemas.js';
import { releaseOf } from '../../services/releases.js';
import {
  newRoomCode,
  SessionSchema,
  sessionView,
  type StoredRoomFigures,
} from '../../services/room.js';

/** The prompt of a session that does not set one. */
export const DEFAULT_ROOM_PROMPT = 'What would have to stop for this to be staffed?';

const NewSession = Type.Object(
  {
    runId: Uuid,
    findings: Type.Array(
      Type.Object(
        { priorityId: Uuid, dimension: Type.String({ maxLength: 40 }) },
        { additionalProperties: false },
      ),
      { minItems: 2, maxItems: 5 },
    ),
    threshold: Type.Optional(Type.Integer()),
    capacity: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    prompt: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);

const CapacityBody = Type.Object(
  {
    capacity: Type.Union([Type.Integer(), Type.Null()], {
      description:
        'How many people are in the room (null: not said). No more phones join; never below the phones that joined, nor the threshold.',
    }),
  },
  { additionalProperties: false },
);

const SessionsQuery = Type.Object({ runId: Uuid }, { additionalProperties: false });
const CurrentBody = Type.Object({ questionId: Uuid }, { additionalProperties: false });

/** Tries this many codes before giving up (six characters of 32: a clash is rare). */
const CODE_ATTEMPTS = 5;

/**
 * The facilitator's side of the live room: a session opened from a released run's
 * findings, moved from finding to finding, closed; its views, and their live stream.
 */
const sessions: FastifyPluginAsyncTypebox = async (fastify) => {
  const facilitator = fastify.authorize('admin', 'executive');

  fastify.post(
    '/sessions',
    {
      preHandler: facilitator,
      schema: {
        tags: ['room'],
        description:
          'Opens a live room from 2 to 5 findings of a released run (cells of the whole organization that are shown). The room threshold defaults to the larger of 5 and the organization’s minimum group size, and may not be set below it. 409 while the run is open.',
        body: NewSession,
        response: { 201: SessionSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const release = await releaseOf(fastify, request, body.runId);
      const errors = findingErrors(release, body.findings);
      if (errors.length > 0) throw invalid('Some findings cannot be discussed.', errors);
      const k = await fastify.tenant(request, (trx) =>
        readSettings(trx, request.auth.organizationId).then((s) => s.minGroupSize),
      );
      let threshold: number;
      try {
        threshold = roomThreshold(body.threshold, Math.max(k, release.minGroupSize));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        throw invalid(error.message, [{ path: 'body/threshold', message: error.message }]);
      }
      const capacity = body.capacity ?? null;
      const capacityProblem =
        capacity === null ? null : roomCapacityProblem(capacity, threshold, 0);
      if (capacityProblem !== null) {
        throw invalid(`The number of people ${capacityProblem}.`, [
          { path: 'body/capacity', message: capacityProblem },
        ]);
      }
      const questions = body.findings.map((f) => findingQuestion(release, f));
      for (let attempt = 1; ; attempt += 1) {
        try {
          const state = await fastify.tenant(request, async (trx) => {
            const id = await createRoomSession(trx, request.auth.organizationId, {
              runId: body.runId,
              code: newRoomCode(),
              threshold,
              capacity,
              prompt: body.prompt ?? DEFAULT_ROOM_PROMPT,
              questions,
            });
            // Who opened which room, at what threshold and headcount: never anything answered.
            await recordAudit(trx, request.auth.organizationId, {
              actorUserId: request.auth.userId,
              action: 'room.opened',
              subject: `room/${id}`,
              detail: { runId: body.runId, findings: questions.length, threshold, capacity },
            });
            return roomSessionState(trx, id);
          });
          if (state === null) throw new Error('a session just created is missing');
          return await reply.code(201).send(sessionView(state));
        } catch (error) {
          if (!isUniqueViolation(error) || attempt >= CODE_ATTEMPTS) throw error;
        }
      }
    },
  );

  fastify.get(
    '/sessions',
    {
      preHandler: facilitator,
      schema: {
        tags: ['room'],
        description: 'The live rooms opened from a run, oldest first.',
        querystring: SessionsQuery,
        response: { 200: ListOf(SessionSchema), ...problems(400, 401, 403) },
      },
    },
    async (request) =>
      fastify.tenant(request, async (trx) => ({
        items: (await roomSessionStates(trx, request.query.runId)).map(sessionView),
      })),
  );

  fastify.get(
    '/sessions/:id',
    {
      preHandler: facilitator,
      schema: {
        tags: ['room'],
        description: 'A live room as its facilitator sees it.',
        params: IdParams,
        response: { 200: SessionSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const state = await fastify.tenant(request, (trx) =>
        roomSessionState(trx, request.params.id),
      );
      if (state === null) throw notFound('The session');
      return sessionView(state);
    },
  );

  fastify.post(
    '/sessions/:id/current',
    {
      preHandler: facilitator,
      schema: {
        tags: ['room'],
        description: 'Moves the room to one of its findings.',
        params: IdParams,
        body: CurrentBody,
        response: { 200: SessionSchema, ...problems(400, 401, 403, 404, 410) },
      },
    },
    async (request) => {
      const state = await fastify.tenant(request, async (trx) => {
        const session = await findRoomSession(trx, request.params.id);
        if (session === null) throw notFound('The session');
        if (session.closedAt !== null) throw sessionClosed();
        if (!(await setRoomCurrentQuestion(trx, session.id, request.body.questionId))) {
          throw invalid('The question is not one of the session’s findings.', [
            { path: 'body/questionId', message: 'is not a finding of this session' },
          ]);
        }
        return roomSessionState(trx, session.id);
      });
      if (state === null) throw notFound('The session');
      fastify.roomBus.publish(request.auth.organizationId, state.session.id);
      return sessionView(state);
    },
  );

  fastify.patch(
    '/sessions/:id',
    {
      preHandler: facilitator,
      schema: {
        tags: ['room'],
        description:
          'Says how many people are in the room: from then on no more phones join (409), so one person cannot stand in for several. Null lifts the limit. 400 below the threshold or the phones already joined; 410 once closed.',
        params: IdParams,
        body: CapacityBody,
        response: { 200: SessionSchema, ...problems(400, 401, 403, 404, 410) },
      },
    },
    async (request) => {
      const { capacity } = request.body;
      const state = await fastify.tenant(request, async (trx) => {
        const session = await findRoomSession(trx, request.params.id);
        const joins = session === null ? null : await lockRoomJoins(trx, session.id);
        if (session === null || joins === null) throw notFound('The session');
        if (joins.closed) throw sessionClosed();
        const problem =
          capacity === null ? null : roomCapacityProblem(capacity, session.threshold, joins.joined);
        if (problem !== null) {
          throw invalid(`The number of people ${problem}.`, [
            { path: 'body/capacity', message: problem },
          ]);
        }
        if (capacity !== session.capacity) {
          await storeRoomCapacity(trx, session.id, capacity);
          // A headcount raised in a session lets more phones in: the log says who and when.
          await recordAudit(trx, request.auth.organizationId, {
            actorUserId: request.auth.userId,
            action: 'room.headcount',
            subject: `room/${session.id}`,
            detail: { capacity: { old: session.capacity, new: capacity }, joined: joins.joined },
          });
        }
        return roomSessionState(trx, session.id);
      });
      if (state === null) throw notFound('The session');
      fastify.roomBus.publish(request.auth.organizationId, state.session.id);
      return sessionView(state);
    },
  );

  fastify.post(
    '/sessions/:id/close',
    {
      preHandler: facilitator,
      schema: {
        tags: ['room'],
        description:
          'Closes the room: it takes no more joins or answers (410), its streams end, and its answers not yet shown are deleted unseen.',
        params: IdParams,
        response: { 200: SessionSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const state = await fastify.tenant(request, async (trx) => {
        const session = await findRoomSession(trx, request.params.id);
        if (session === null) throw notFound('The session');
        if (!(await closeRoomSession(trx, session.id, new Date()))) {
          throw new AppError(409, 'PG_ERR_ROOM_CLOSED', 'Conflict', 'The room is closed already.');
        }
        await recordAudit(trx, request.auth.organizationId, {
          actorUserId: request.auth.userId,
          action: 'room.closed',
          subject: `room/${session.id}`,
          detail: { runId: session.runId },
        });
        return roomSessionState(trx, session.id);
      });
      if (state === null) throw notFound('The session');
      fastify.roomBus.publish(request.auth.organizationId, state.session.id);
      return sessionView(state);
    },
  );

  fastify.get(
    '/sessions/:id/events',
    {
      preHandler: facilitator,
      schema: {
        tags: ['room'],
        description:
          'The session as a stream of server-sent events: `event: session` with the Session as `data`, at once and after every change (joins, answers, reveals, the current finding, the close); a comment line every 15 s. Ends when the room closes.',
        params: IdParams,
        produces: ['text/event-stream'],
        response: {
          200: Type.String({ description: 'text/event-stream of `session` events.' }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const state = await fastify.tenant(request, (trx) =>
        roomSessionState(trx, request.params.id),
      );
      if (state === null) throw notFound('The session');
      fastify.roomBus.stream(reply, 'session', request.auth.organizationId, state);
      return reply;
    },
  );
};

export default sessions;

/** A closed room (410). */
export function sessionClosed(): AppError {
  return new AppError(410, 'PG_ERR_ROOM_CLOSED', 'Gone', 'This room has closed.');
}

/** A join refused because as many phones joined as the room has people. */
export function roomFull(joined: number): AppError {
  return new AppError(
    409,
    'PG_ERR_ROOM_FULL',
    'The room is full',
    `As many phones have joined as there are people in the room (${joined}). If you have not joined yet, tell the facilitator.`,
  );
}

/** Why each finding cannot be discussed: distinct, and a shown cell of the whole organization. */
function findingErrors(
  release: RunRelease,
  findings: readonly { priorityId: string; dimension: string }[],
): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  findings.forEach((f, i) => {
    const path = `body/findings/${String(i)}`;
    const key = `${f.priorityId}/${f.dimension}`;
    if (seen.has(key)) {
      errors.push({ path, message: 'is listed twice' });
      return;
    }
    seen.add(key);
    const cell = releasedCell(release, f);
    if (cell === null) {
      errors.push({ path, message: 'is not a finding of the run’s release' });
    } else if (cell === 'suppressed') {
      errors.push({ path, message: 'is withheld in the release (too few answers)' });
    }
  });
  return errors;
}

function releasedCell(
  release: RunRelease,
  finding: { priorityId: string; dimension: string },
): StoredRoomFigures | 'suppressed' | null {
  if (!isDimension(finding.dimension)) return null;
  const priority = release.priorities.find((p) => p.id === finding.priorityId);
  const cell = release.cells.find(
    (c) =>
      c.teamId === null && c.priorityId === finding.priorityId && c.dimension === finding.dimension,
  );
  if (priority === undefined || cell === undefined) return null;
  if (
    cell.suppressed ||
    cell.leadership?.mean == null ||
    cell.frontline?.mean == null ||
    cell.gap === null ||
    cell.qValue === null
  ) {
    return 'suppressed';
  }
  return {
    priorityTitle: priority.title,
    leadershipMean: cell.leadership.mean,
    frontlineMean: cell.frontline.mean,
    gap: cell.gap,
    ci95: cell.ci95 === null ? null : [cell.ci95[0], cell.ci95[1]],
    qValue: cell.qValue,
    leadershipN: cell.leadership.n,
    frontlineN: cell.frontline.n,
  };
}

function findingQuestion(release: RunRelease, finding: { priorityId: string; dimension: string }) {
  const figures = releasedCell(release, finding);
  if (figures === null || figures === 'suppressed' || !isDimension(finding.dimension)) {
    throw new Error('a checked finding is not in the release');
  }
  return {
    priorityId: finding.priorityId,
    dimension: finding.dimension,
    statement: statementFor(finding.dimension, figures.priorityTitle),
    figures,
  };
}
