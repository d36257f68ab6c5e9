import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

/** Where `npm run build -w @pulsegap/web` puts the pages (the same from src/ and dist/). */
export const WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Serves the built pages at the site root; without a build, says how to make one. */
export default fp(
  async (fastify: FastifyInstance, options: { root?: string }) => {
    const root = options.root ?? WEB_ROOT;
    if (!existsSync(root)) {
      fastify.get('/', (_request, reply) =>
        reply.type('text/plain').send('The pages are not built: run `npm run build`.'),
      );
      return;
    }
    // The pages' files log nothing: the answer page loads its scripts, styles and icon right
    // after its link is opened, so their log lines would date when someone answered.
    await fastify.register(fastifyStatic, {
      root,
      index: 'index.html',
      wildcard: false,
      logLevel: 'silent',
    });
    // A personal link opens the answer page; the secret in the path is never logged.
    fastify.get(
      '/answer/:secret',
      { logLevel: 'silent', schema: { hide: true } },
      (_request, reply) => reply.sendFile('answer.html'),
    );
    // The live room's phone page, with the room's code in the path or asking for it. Silent like
    // the answer page: a line per phone would date who joined when.
    const roomPage = (_request: unknown, reply: FastifyReply) => reply.sendFile('room.html');
    fastify.get('/room', { logLevel: 'silent', schema: { hide: true } }, roomPage);
    fastify.get('/room/:code', { logLevel: 'silent', schema: { hide: true } }, roomPage);
  },
  { name: 'web' },
);
