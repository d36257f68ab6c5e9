import { SigningPool } from '@pulsegap/anonymity';
import { deriveKey, type Config } from '@pulsegap/config';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Keys derived from the master secret, one per purpose. */
    keys: {
      invitationSecrets: Buffer;
      segmentKeySealing: Buffer;
      responseSealing: Buffer;
      /** Seals the room's answers until they are shown (see services/room.ts). */
      roomSealing: Buffer;
    };
    /** Threads for blind signatures (`SIGNING_THREADS` at most); closed with the server. */
    signingPool: SigningPool;
  }
}

/** Derives the service's keys once, from `SECRET_KEY`, and keeps the signing threads. */
export default fp(
  (
    fastify: FastifyInstance,
    options: { config: Pick<Config, 'secretKey' | 'signingThreads'>; signingPool?: SigningPool },
  ) => {
    fastify.decorate('keys', {
      invitationSecrets: deriveKey(options.config, 'invitation-secrets'),
      segmentKeySealing: deriveKey(options.config, 'segment-key-sealing'),
      responseSealing: deriveKey(options.config, 'response-sealing'),
      roomSealing: deriveKey(options.config, 'room-sealing'),
    });
    if (options.signingPool !== undefined) {
      fastify.decorate('signingPool', options.signingPool);
    } else {
      const pool = new SigningPool(options.config.signingThreads);
      fastify.decorate('signingPool', pool);
      fastify.addHook('onClose', () => pool.close());
    }
  },
  { name: 'keys' },
);
