import { createPublicKey, type KeyObject } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { decodeBase64Url, TOKEN_MESSAGE_LENGTH, tokenHash, verifyToken } from '@pulsegap/anonymity';
import {
  getSegmentKey,
  listPulses,
  findRun,
  organizationOfRun,
  runQuestions,
  withTenant,
  type TierValue,
} from '@pulsegap/db';
import { COMMENT_MAX_LENGTH } from '@pulsegap/domain';
import Type from 'typebox';
import { conflict, forbidden, invalid, notFound, type FieldError } from '../../errors.js';
import { Base64Url, problems, Uuid } from '../../schemas.js';
import { isClosed, runClosed } from '../invite/index.js';
import { LoadingCache } from '../../loading-cache.js';
import { ResponseIntake } from './intake.js';

/** The body of `POST /responses`. */
export const ResponseSubmission = Type.Object(
  {
    runId: Uuid,
    token: Type.Object(
      { keyId: Uuid, message: Base64Url(200), signature: Base64Url(1024) },
      { additionalProperties: false },
    ),
    answers: Type.Array(
      Type.Object(
        { questionId: Uuid, value: Type.Integer({ minimum: 1, maximum: 5 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
    comment: Type.Optional(Type.String({ maxLength: COMMENT_MAX_LENGTH })),
  },
  { additionalProperties: false },
);

/** What a submission is checked against; runs change rarely, so it is kept briefly. */
interface RunFacts {
  readonly organizationId: string;
  /** Each question's position: where its answer is kept in the stored response. */
  readonly positions: ReadonlyMap<string, number>;
  readonly questionCount: number;
  readonly openQuestion: boolean;
  readonly closed: boolean;
}

interface KeyFacts {
  readonly runId: string;
  readonly publicKey: KeyObject;
  readonly segment: { teamId: string | null; tier: TierValue };
}

const RUN_FACTS_MS = 2000;

/**
 * `POST /responses`: an anonymous response with its token. The token is verified against
 * the run's segment key, which also names the segment the response counts for. Nothing
 * about the caller is logged or stored.
 */
const responses: FastifyPluginAsyncTypebox = async (fastify) => {
  const intake = new ResponseIntake(fastify.db);
  const runs = new LoadingCache<RunFacts>({ ttlMs: RUN_FACTS_MS });
  const keys = new LoadingCache<KeyFacts | null>();

  const runFacts = (runId: string): Promise<RunFacts> =>
    runs.get(runId, async () => {
      const organizationId = await organizationOfRun(fastify.db, runId);
      if (organizationId === null) throw notFound('The run');
      return withTenant(fastify.db, organizationId, async (trx) => {
        const run = await findRun(trx, runId);
        if (run === null) throw notFound('The run');
        const [pulse] = await listPulses(trx, run.pulseId);
        const questions = await runQuestions(trx, runId);
        return {
          organizationId,
          positions: new Map(questions.map((q) => [q.id, q.position])),
          questionCount: questions.length,
          openQuestion: pulse?.openQuestion ?? false,
          closed: isClosed(run),
        };
      });
    });

  // Looked up under the run's organization (and then checked against the run itself);
  // an unknown key id is remembered as unknown: ids are random and made by the server.
  const keyFacts = (organizationId: string, keyId: string): Promise<KeyFacts | null> =>
    keys.get(`${organizationId}/${keyId}`, async () => {
      const key = await withTenant(fastify.db, organizationId, (trx) => getSegmentKey(trx, keyId));
      if (key === null) return null;
      return {
        runId: key.runId,
        publicKey: createPublicKey({ key: key.publicKey, format: 'der', type: 'spki' }),
        segment: { teamId: key.segmentTeamId, tier: key.segmentTier },
      };
    });

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
      const { runId, token, answers, comment } = request.body;
      const message = decodeBase64Url(token.message, { length: TOKEN_MESSAGE_LENGTH });
      const signature = decodeBase64Url(token.signature);
      const errors: FieldError[] = [];
      if (message === null) {
        errors.push({
          path: 'body/token/message',
          message: `must be ${TOKEN_MESSAGE_LENGTH} bytes of base64url`,
        });
      }
      if (signature === null) {
        errors.push({ path: 'body/token/signature', message: 'must be base64url without padding' });
      }
      const run = await runFacts(runId);
      const values = new Array<number | null>(run.questionCount).fill(null);
      answers.forEach((answer, i) => {
        const position = run.positions.get(answer.questionId);
        if (position === undefined) {
          errors.push({
            path: `body/answers/${i}/questionId`,
            message: 'is not a question of this run',
          });
        } else if (values[position] !== null) {
          errors.push({ path: `body/answers/${i}/questionId`, message: 'is answered twice' });
        } else {
          values[position] = answer.value;
        }
      });
      const text = comment?.trim() ?? '';
      // PostgreSQL cannot store U+0000; refused here, it cannot fail the batch it would join.
      if (text.includes('\u0000')) {
        errors.push({ path: 'body/comment', message: 'must not contain the character U+0000' });
      } else if (text !== '' && !run.openQuestion) {
        errors.push({ path: 'body/comment', message: 'this pulse has no open question' });
      }
      if (errors.length > 0 || message === null || signature === null) {
        throw invalid(
          `The response is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
          errors,
        );
      }
      if (run.closed) throw runClosed();
      const key = await keyFacts(run.organizationId, token.keyId);
      if (key === null || key.runId !== runId || !verifyToken(key.publicKey, message, signature)) {
        throw forbidden('The token is not valid for this run.');
      }
      const outcome = await intake.submit(run.organizationId, runId, {
        segmentTeamId: key.segment.teamId,
        segmentTier: key.segment.tier,
        tokenHash: tokenHash(message),
        comment: text === '' ? null : text,
        answers: values,
      });
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
