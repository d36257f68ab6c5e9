import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { conflict, runClosed } from '../../errors.js';
import { problems } from '../../schemas.js';
import { ResponseSubmission, SubmissionChecks } from './checks.js';
import { ResponseIntake } from './intake.js';

export { ResponseSubmission, SubmissionChecks } from './checks.js';

/**
 * `POST /responses`: an anonymous response with its token. The token is verified against
 * the run's segment key, which also names the segment the response counts for. Nothing
 * about the caller is logged or stored.
 */
const responses: FastifyPluginAsyncTypebox = async (fastify) => {
  const checks = new SubmissionChecks(fastify.db, fastify.keys.responseSealing);
  const intake = new ResponseIntake(fastify.db);

  fastify.post(
    '/responses',
    {
      logLevel: 'silent',
      schema: {
        tags: ['answering'],
        security: [],
        body: ResponseSubmission,
        response: {
          201: Type.Object({ status: Type.Literal('recorded') }),
          ...problems(400, 403, 404, 409, 410),
        },
      },
    },
    async (request, reply) => {
      const { organizationId, runId, response } = await checks.check(request.body);
      const outcome = await intake.submit(organizationId, runId, response);
      switch (outcome) {
        case 'duplicate':
          throw conflict('PG_ERR_TOKEN_USED', 'A response with this token was already recorded.');
        case 'closed':
          throw runClosed();
        case 'stored':
          return reply.code(201).send({ status: 'recorded' as const });
      }
    },
  );
};

export default responses;
