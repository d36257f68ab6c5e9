import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { AppError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A `\u` escape of a surrogate in JSON text: the only way a lone one can get in. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** A surrogate without its pair. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether any string or key of a parsed JSON value holds a lone surrogate. */
function holdsLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(holdsLoneSurrogate);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(
      ([key, item]) => LONE_SURROGATE.test(key) || holdsLoneSurrogate(item),
    );
  }
  return false;
}

/**
 * JSON bodies, strictly: bytes that are not valid UTF-8 are refused (the default parser
 * would quietly turn them into U+FFFD), so are escapes of lone surrogates (`"\ud800"`: no
 * character, and PostgreSQL refuses it in JSON), and `__proto__`/`constructor.prototype`
 * keys are refused as the default parser does.
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
        let value: unknown;
        try {
          value = secureJson.parse(text, { protoAction: 'error', constructorAction: 'error' });
        } catch {
          done(
            new AppError(
              400,
              'PG_ERR_INVALID_JSON_BODY',
              'Bad Request',
              'The body is not valid JSON.',
            ),
          );
          return;
        }
        if (SURROGATE_ESCAPE.test(text) && holdsLoneSurrogate(value)) {
          done(
            new AppError(
              400,
              'PG_ERR_INVALID_UNICODE',
              'Bad Request',
              'The body holds a lone surrogate escape (\\uD800–\\uDFFF without its pair): not a character.',
            ),
          );
          return;
        }
        done(null, value);
      },
    );
  },
  { name: 'json-body' },
);
