import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createCustomItem, listCustomItems, recordAudit } from '@pulsegap/db';
import { customItemProblems, DIMENSIONS, STATEMENTS } from '@pulsegap/domain';
import Type from 'typebox';
import { conflict } from '../../errors.js';
import { problems } from '../../schemas.js';
import { invalidFields } from '../../services/thresholds.js';

const NewItem = Type.Object(
  {
    key: Type.String({
      maxLength: 100,
      description:
        '`custom-` followed by lowercase letters, digits and hyphens, 3–40 characters in all.',
    }),
    statement: Type.String({
      maxLength: 1000,
      description: 'The statement answered 1–5, 10–300 characters, with `{P}` for the title.',
    }),
  },
  { additionalProperties: false },
);
const ItemSchema = Type.Object({
  key: Type.String(),
  statement: Type.String(),
  custom: Type.Boolean({ description: 'false for the question bank’s own seven.' }),
});

/**
 * The Likert items a pulse may ask about each priority: the question bank's seven and the
 * organization's custom items (PRODUCT.md §4), which are asked and analysed like the bank's.
 */
const items: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/items',
    {
      preHandler: fastify.authorize('admin'),
      schema: {
        tags: ['pulses'],
        description:
          'Adds a custom Likert item. A pulse may then name its key among its `dimensions`; its runs ask it per priority, and its cells are released like the bank’s. 409 when the key is taken.',
        body: NewItem,
        response: {
          201: Type.Object({ key: Type.String() }),
          ...problems(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.auth;
      const item = { key: request.body.key, statement: request.body.statement.trim() };
      const errors = customItemProblems(item).map((p) => ({
        path: `body/${p.field}`,
        message: p.message,
      }));
      if (errors.length > 0) throw invalidFields('The item', errors);
      await fastify.tenant(request, async (trx) => {
        if (!(await createCustomItem(trx, organizationId, item))) {
          throw conflict('PG_ERR_ITEM_EXISTS', `An item with the key ${item.key} exists already.`);
        }
        await recordAudit(trx, organizationId, {
          actorUserId: userId,
          action: 'item.created',
          subject: `item/${item.key}`,
          detail: item,
        });
      });
      return reply.code(201).send({ key: item.key });
    },
  );

  fastify.get(
    '/items',
    {
      preHandler: fastify.authorize('admin', 'executive'),
      schema: {
        tags: ['pulses'],
        response: {
          200: Type.Object({ items: Type.Array(ItemSchema) }),
          ...problems(401, 403),
        },
      },
    },
    async (request) => {
      const custom = await fastify.tenant(request, listCustomItems);
      return {
        items: [
          ...DIMENSIONS.map((key) => ({ key, statement: STATEMENTS[key], custom: false })),
          ...custom.map((item) => ({ ...item, custom: true })),
        ],
      };
    },
  );
};

export default items;
