import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { AppError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies, strictly: bytes that are not valid UTF-8 are refused (the default parser
 * would quietly turn them into U+FFFD), and `__proto__`/`constructor.prototype` keys are
 * refused as the default parser does.
 */
export default fp(
  (fastify: FastifyInstance) => {
    fastify.removeContentTypeParser('application/json');
    fastify.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer' },
      (_request, body: Buffer, done) => {
        let text: string;
        try {
          text = utf8.decode(body);
        } catch {
          done(
            new AppError(400, 'PG_ERR_INVALID_UTF8', 'Bad Request', 'The body is not valid UTF-8.'),
          );
          return;
        }
        if (text.trim() === '') {
          done(
            new AppError(400, 'PG_ERR_EMPTY_JSON_BODY', 'Bad Request', 'The JSON body is empty.'),
          );
          return;
        }
        try {
          done(null, secureJson.parse(text, { protoAction: 'error', constructorAction: 'error' }));
        } catch {
          done(
            new AppError(
              400,
              'PG_ERR_INVALID_JSON_BODY',
              'Bad Request',
              'The body is not valid JSON.',
            ),
          );
        }
      },
    );
  },
  { name: 'json-body' },
);
