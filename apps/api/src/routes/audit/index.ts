import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listAuditEvents } from '@pulsegap/db';
import Type from 'typebox';
import { invalid } from '../../errors.js';
import { Nullable, problems, Timestamp, Uuid } from '../../schemas.js';
import { decodeAuditCursor, encodeAuditCursor } from './cursor.js';

const DEFAULT_LIMIT = 50;

const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: DEFAULT_LIMIT })),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'The `nextCursor` of the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
const AuditEntrySchema = Type.Object({
  at: Timestamp,
  /** Null: the service itself (a run closing at its deadline). */
  actor: Nullable(Type.Object({ id: Uuid, email: Nullable(Type.String()) })),
  action: Type.String(),
  subject: Type.String(),
  detail: Type.Unknown(),
});
const AuditPage = Type.Object({
  items: Type.Array(AuditEntrySchema),
  nextCursor: Nullable(Type.String()),
});

/** The organization's append-only audit log: roster, user, priority, pulse, threshold and run changes. */
const audit: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/audit',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['audit'],
        description:
          'The audit log, newest first, `limit` events a page (1–200, default 50); pass `nextCursor` as `cursor` for the next page.',
        querystring: AuditQuery,
        response: { 200: AuditPage, ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const after = cursor === undefined ? null : decodeAuditCursor(cursor);
      if (after === null && cursor !== undefined) {
        throw invalid('The cursor is not one this API made.', [
          { path: 'querystring/cursor', message: 'is not a cursor of the audit log' },
        ]);
      }
      const page = await fastify.tenant(request, (trx) =>
        listAuditEvents(trx, { limit: limit ?? DEFAULT_LIMIT, after }),
      );
      return {
        items: page.entries,
        nextCursor: page.next === null ? null : encodeAuditCursor(page.next),
      };
    },
  );
};

export default audit;
