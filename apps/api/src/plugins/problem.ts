import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable } from '@pulsegap/db';
import { Refused } from '@pulsegap/jobs';
import { AppError, isUnstorableText, type FieldError, type LineError } from '../errors.js';

/** The body of every error answer (RFC 9457), with our stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: readonly (FieldError | LineError)[];
}

/** What a 503 asks a client to wait before trying again, in seconds. */
const RETRY_AFTER_SECONDS = 5;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
};

/** Sends a problem document, with any extension members it carries (RFC 9457 §3.2). */
export function sendProblem(
  reply: FastifyReply,
  problem: Omit<Problem, 'type'> & { readonly [extension: string]: unknown },
): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ type: 'about:blank', ...problem });
}

/**
 * Turns every error into `application/problem+json`: our `AppError`s, Fastify's own
 * client errors (validation with field paths, malformed JSON, size and media type) and,
 * without details, anything unexpected.
 */
export default fp(
  (fastify: FastifyInstance) => {
    fastify.setErrorHandler((error: FastifyError | AppError | Refused, request, reply) => {
      if (error instanceof AppError) {
        if (error.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
        return sendProblem(reply, {
          ...error.extensions,
          status: error.status,
          title: error.title,
          detail: error.message,
          code: error.code,
          ...(error.errors === undefined ? {} : { errors: error.errors }),
        });
      }
      if (error instanceof Refused) {
        return sendProblem(reply, {
          ...error.extensions,
          status: error.status,
          title: TITLES[error.status] ?? 'Error',
          detail: error.message,
          code: error.code,
        });
      }
      if (error.validation !== undefined) {
        const context = error.validationContext ?? 'body';
        const errors = error.validation.flatMap((v) =>
          // An unknown field is reported twice by the validator; keep the clearer form.
          v.keyword === 'additionalProperties'
            ? []
            : [
                {
                  path: `${context}${v.instancePath}`,
                  message:
                    v.keyword === 'boolean' && v.schemaPath.endsWith('/additionalProperties')
                      ? 'is not a known field'
                      : (v.message ?? 'is invalid'),
                },
              ],
        );
        return sendProblem(reply, {
          status: 400,
          title: 'Bad Request',
          detail: `The ${context} is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
          code: 'PG_ERR_VALIDATION',
          errors,
        });
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return sendProblem(reply, {
          status,
          title: TITLES[status] ?? 'Bad Request',
          detail: error.message,
          code: clientErrorCode(error),
        });
      }
      if (isUnstorableText(error)) {
        return sendProblem(reply, {
          status: 400,
          title: 'Bad Request',
          detail: 'The input holds the NUL character (U+0000), which cannot be stored.',
          code: 'PG_ERR_INVALID_TEXT',
        });
      }
      if (isDatabaseUnavailable(error)) {
        request.log.warn({ err: error }, 'database unavailable');
        return sendProblem(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), {
          status: 503,
          title: 'Service Unavailable',
          detail: 'The service cannot reach its database for the moment. Please try again shortly.',
          code: 'PG_ERR_UNAVAILABLE',
        });
      }
      request.log.error({ err: error }, 'unexpected error');
      return sendProblem(reply, {
        status: 500,
        title: 'Internal Server Error',
        detail: 'Something went wrong on our side. Please try again.',
        code: 'PG_ERR_INTERNAL',
      });
    });

    fastify.setNotFoundHandler((request, reply) =>
      sendProblem(reply, {
        status: 404,
        title: 'Not Found',
        detail: `No route ${request.method} ${request.url.split('?')[0] ?? ''}`,
        code: 'PG_ERR_NO_ROUTE',
      }),
    );
  },
  { name: 'problem' },
);

// Fastify's FST_ERR_* codes, in our own prefix, so clients see one family of codes.
function clientErrorCode(error: FastifyError): string {
  const code = typeof error.code === 'string' ? error.code : '';
  return code.startsWith('FST_ERR_') ? `PG_ERR_${code.slice(8)}` : 'PG_ERR_CLIENT';
}
