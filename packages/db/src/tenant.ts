import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

/** A transaction in which row-level security sees exactly one organization. */
export type TenantTransaction = Transaction<Database>;

/**
 * Runs `work` in a transaction scoped to one organization. The setting is transaction-local
 * (`set_config(..., true)`), so it cannot leak to the next user of a pooled connection.
 */
export function withTenant<T>(
  db: Kysely<Database>,
  organizationId: string,
  work: (trx: TenantTransaction) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('app.organization_id', ${organizationId}, true)`.execute(trx);
    return work(trx);
  });
}
