import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, UserRole } from '../schema.js';
import { withTenant, type TenantTransaction } from '../tenant.js';
import { recordAudit } from './audit.js';

/** What login needs to know of a user, found before the tenant is known. */
export interface LoginCandidate {
  readonly userId: string;
  readonly organizationId: string;
  readonly passwordHash: string;
  readonly role: UserRole;
}

/** Creates an organization and its first admin in one transaction, and audits it. */
export async function createOrganizationWithAdmin(
  db: Kysely<Database>,
  input: { name: string; email: string; passwordHash: string },
): Promise<{ organizationId: string; userId: string }> {
  const organizationId = randomUUID();
  return withTenant(db, organizationId, async (trx) => {
    await createOrganization(trx, organizationId, input.name);
    const userId = await createUser(trx, organizationId, {
      email: input.email,
      passwordHash: input.passwordHash,
      role: 'admin',
    });
    await recordAudit(trx, organizationId, {
      actorUserId: userId,
      action: 'organization.created',
      subject: `organization/${organizationId}`,
      detail: { name: input.name, admin: { id: userId, email: input.email.toLowerCase() } },
    });
    return { organizationId, userId };
  });
}

/** Inserts the organization the transaction is scoped to. */
export async function createOrganization(
  trx: TenantTransaction,
  organizationId: string,
  name: string,
): Promise<void> {
  await trx.insertInto('organizations').values({ id: organizationId, name }).execute();
}

/** Adds a user to the current organization; the email is unique across all organizations. */
export async function createUser(
  trx: TenantTransaction,
  organizationId: string,
  input: { email: string; passwordHash: string; role: UserRole },
): Promise<string> {
  const row = await trx
    .insertInto('users')
    .values({
      organization_id: organizationId,
      email: input.email.toLowerCase(),
      password_hash: input.passwordHash,
      role: input.role,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The organization's users (who signs in, with what role), by email. */
export async function listUsers(
  trx: TenantTransaction,
): Promise<{ id: string; email: string; role: UserRole }[]> {
  return trx.selectFrom('users').select(['id', 'email', 'role']).orderBy('email').execute();
}

/** The one path that reads a user across tenants: a narrow owner-defined function. */
export async function findLoginCandidate(
  db: Kysely<Database>,
  email: string,
): Promise<LoginCandidate | null> {
  const { rows } = await sql<{
    user_id: string;
    organization_id: string;
    password_hash: string;
    role: UserRole;
  }>`select * from auth_login_lookup(${email})`.execute(db);
  const row = rows[0];
  return row === undefined
    ? null
    : {
        userId: row.user_id,
        organizationId: row.organization_id,
        passwordHash: row.password_hash,
        role: row.role,
      };
}
