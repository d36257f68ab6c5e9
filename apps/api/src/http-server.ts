import type { Config } from '@pulsegap/config';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import app, { type AppOptions } from './app.js';

const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * A Fastify instance with the app registered: request logging through pino, body limits,
 * TypeBox validation. Used by the processes and by the tests (with `inject`); the caller
 * may still add hooks before it listens.
 */
export async function createHttpServer(options: AppOptions): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: loggerOptions(options.config),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: (_address: string, hop: number) => hop < options.config.trustProxyHops,
    ajv: { customOptions: { removeAdditional: false } },
  })
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>();
  await fastify.register(app, options);
  return fastify;
}

function loggerOptions(config: Config) {
  return {
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
  };
}
