import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  addRoomParticipant,
  lockRoomJoins,
  roomSessionOfCode,
  roomSessionState,
  withTenant,
} from '@pulsegap/db';
import { roomIsFull } from '@pulsegap/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { AppError, conflict, forbidden, invalid, notFound } from '../../errors.js';
import { LoadingCache } from '../../loading-cache.js';
import { problems, Uuid } from '../../schemas.js';
import { RoomIntake } from '../../services/room-intake.js';
import {
  roomLimitKey,
  newParticipantToken,
  participantTokenHash,
  ROOM_TEXT_MAX_LENGTH,
  RoomCode,
  roomPhoneView,
  RoomSchema,
} from '../../services/room.js';
import { roomFull, sessionClosed } from '../sessions/index.js';

/**
 * Joins per client address: a meeting behind one network address joins at once, and a
 * guess of a six-character code (one in a billion) at this pace takes years.
 */
export const ROOM_JOIN_LIMIT = { max: 500, timeWindow: 60_000 } as const;

/**
 * Reads of a room by code (its view, its stream) per client address: a room's phones read it
 * a few times each, and a code cannot be found by reading at this pace either.
 */
export const ROOM_READ_LIMIT = { max: 2_000, timeWindow: 60_000 } as const;

const CodeParams = Type.Object({ code: RoomCode }, { additionalProperties: false });

const AnswerBody = Type.Object(
  {
    participant: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }),
    questionId: Uuid,
    value: Type.Integer({ minimum: 1, maximum: 5 }),
    text: Type.Optional(Type.String({ maxLength: ROOM_TEXT_MAX_LENGTH })),
  },
  { additionalProperties: false },
);

const RoomResult = Type.Object({ room: RoomSchema });

/**
 * The phones' side of the live room. No account: a phone joins by the room's code and gets
 * a random token, which alone lets it answer (each question once). These routes log
 * nothing and store nothing of the caller (no address, no user agent, no time).
 */
const room: FastifyPluginAsyncTypebox = async (fastify) => {
  const intake = new RoomIntake(fastify.db, fastify.keys.roomSealing);
  const limited = (kind: 'join' | 'read', limit: { max: number; timeWindow: number }) => {
    const count = fastify.createRateLimit({
      ...limit,
      keyGenerator: (request: FastifyRequest) =>
        roomLimitKey(kind, request.ip, fastify.keys.roomSealing),
    });
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const counted = await count(request);
      if (!counted.isAllowed && counted.isExceeded) {
        reply.header('retry-after', String(counted.ttlInSeconds));
        throw new AppError(
          429,
          'PG_ERR_RATE_LIMITED',
          'Too Many Requests',
          `Too many requests from this network; try again in ${String(counted.ttlInSeconds)} seconds.`,
        );
      }
    };
  };
  const joinLimit = limited('join', ROOM_JOIN_LIMIT);
  const readLimit = limited('read', ROOM_READ_LIMIT);

  const readState = async (organizationId: string, sessionId: string) => {
    const state = await withTenant(fastify.db, organizationId, (trx) =>
      roomSessionState(trx, sessionId),
    );
    if (state === null) throw notFound('The room');
    return state;
  };

  /**
   * The session of a code, kept for a few seconds: a room's phones ask for the same code
   * all at once. Whether it is closed is read with the session's state each time.
   */
  const codes = new LoadingCache<{ organizationId: string; sessionId: string }>({
    maxEntries: 10_000,
    refreshAfterMs: 5_000,
  });
  const sessionOf = (code: string) =>
    codes.get(code.toUpperCase(), async () => {
      const found = await roomSessionOfCode(fastify.db, code);
      // Not kept: a code unknown now may be a room's in a moment.
      if (found === null) throw notFound('The room');
      return { organizationId: found.organizationId, sessionId: found.sessionId };
    });

  /** The session's state; 410 once it has closed. */
  const openState = async (code: string) => {
    const found = await sessionOf(code);
    const state = await readState(found.organizationId, found.sessionId);
    if (state.session.closedAt !== null) throw sessionClosed();
    return { found, state };
  };

  fastify.post(
    '/room/:code/join',
    {
      logLevel: 'silent',
      preHandler: joinLimit,
      schema: {
        tags: ['room'],
        security: [],
        description:
          'Joins a live room by its code (any case): a random participant token to answer with, and the room. 404 for an unknown or closed code; 409 when as many phones joined as the facilitator said people are in the room; rate-limited per client (429 with retry-after).',
        params: CodeParams,
        response: {
          201: Type.Object({ participant: Type.String(), room: RoomSchema }),
          ...problems(400, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const found = await sessionOf(request.params.code);
      const participant = newParticipantToken();
      const state = await withTenant(fastify.db, found.organizationId, async (trx) => {
        const joins = await lockRoomJoins(trx, found.sessionId);
        if (joins === null || joins.closed) return null;
        if (roomIsFull(joins.joined, joins.capacity)) throw roomFull(joins.joined);
        await addRoomParticipant(
          trx,
          found.organizationId,
          found.sessionId,
          participantTokenHash(participant),
        );
        return roomSessionState(trx, found.sessionId);
      });
      if (state === null) throw notFound('The room');
      fastify.roomBus.publish(found.organizationId, found.sessionId);
      return reply.code(201).send({ participant, room: roomPhoneView(state) });
    },
  );

  fastify.get(
    '/room/:code',
    {
      logLevel: 'silent',
      preHandler: readLimit,
      schema: {
        tags: ['room'],
        security: [],
        description:
          'The room as the phones see it. 410 once it has closed; rate-limited per client (429).',
        params: CodeParams,
        response: { 200: RoomSchema, ...problems(400, 404, 410, 429) },
      },
    },
    async (request) => {
      return roomPhoneView((await openState(request.params.code)).state);
    },
  );

  fastify.post(
    '/room/:code/answers',
    {
      logLevel: 'silent',
      schema: {
        tags: ['room'],
        security: [],
        description:
          'A phone’s answer to a finding of the room: the statement on the 1–5 scale and, optionally, a text for the prompt (trimmed; empty is none). Once per phone and finding (409); it cannot be changed. Nothing of it is shown until the room threshold of answers is reached, and then only in batches of at least that many.',
        params: CodeParams,
        body: AnswerBody,
        response: { 201: RoomResult, ...problems(400, 403, 404, 409, 410) },
      },
    },
    async (request, reply) => {
      const found = await sessionOf(request.params.code);
      const text = request.body.text?.trim() ?? '';
      if (text.includes('\u0000')) {
        throw invalid('The text holds the NUL character, which cannot be stored.', [
          { path: 'body/text', message: 'holds the NUL character' },
        ]);
      }
      const outcome = await intake.submit({
        organizationId: found.organizationId,
        sessionId: found.sessionId,
        questionId: request.body.questionId,
        tokenHash: participantTokenHash(request.body.participant),
        value: request.body.value,
        text: text === '' ? null : text,
      });
      switch (outcome.status) {
        case 'closed':
          throw sessionClosed();
        case 'unknown-question':
          throw notFound('The question');
        case 'not-participant':
          throw forbidden('This phone has not joined the room: join it first.');
        case 'duplicate':
          throw conflict(
            'PG_ERR_ALREADY_ANSWERED',
            'This phone has answered this finding already.',
          );
        case 'stored':
          fastify.roomBus.publish(found.organizationId, found.sessionId);
          return reply.code(201).send({ room: roomPhoneView(outcome.state) });
      }
    },
  );

  fastify.get(
    '/room/:code/events',
    {
      logLevel: 'silent',
      preHandler: readLimit,
      schema: {
        tags: ['room'],
        security: [],
        description:
          'The room as a stream of server-sent events (for EventSource): `event: room` with the Room as `data`, at once and after every change; a comment line every 15 s. Ends when the room closes.',
        params: CodeParams,
        produces: ['text/event-stream'],
        response: {
          200: Type.String({ description: 'text/event-stream of `room` events.' }),
          ...problems(400, 404, 410, 429),
        },
      },
    },
    async (request, reply) => {
      const { found, state } = await openState(request.params.code);
      fastify.roomBus.stream(reply, 'room', found.organizationId, state);
      return reply;
    },
  );
};

export default room;
