import { deriveKey, type Config } from '@pulsegap/config';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Keys derived from the master secret, one per purpose. */
    keys: { invitationSecrets: Buffer; segmentKeySealing: Buffer };
  }
}

/** Derives the service's keys once, from `SECRET_KEY`. */
export default fp(
  (fastify: FastifyInstance, options: { config: Pick<Config, 'secretKey'> }) => {
    fastify.decorate('keys', {
      invitationSecrets: deriveKey(options.config, 'invitation-secrets'),
      segmentKeySealing: deriveKey(options.config, 'segment-key-sealing'),
    });
  },
  { name: 'keys' },
);
