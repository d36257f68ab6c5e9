import { withTenant, type Database, type TenantTransaction } from '@pulsegap/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';

declare module 'fastify' {
  interface FastifyInstance {
    /** The database as the application role: row-level security applies to every query. */
    db: Kysely<Database>;
    /** Runs `work` in a transaction scoped to the caller's organization. */
    tenant<T>(request: FastifyRequest, work: (trx: TenantTransaction) => Promise<T>): Promise<T>;
  }
}

/** Shares the database with every route; its owner closes it. */
export default fp(
  (fastify: FastifyInstance, options: { db: Kysely<Database> }) => {
    fastify.decorate('db', options.db);
    fastify.decorate('tenant', function tenant<
      T,
    >(request: FastifyRequest, work: (trx: TenantTransaction) => Promise<T>): Promise<T> {
      return withTenant(options.db, request.auth.organizationId, work);
    });
  },
  { name: 'database', dependencies: ['auth'] },
);
