import { sql, type Kysely } from 'kysely';
import type { Database, ReminderKind, ReminderState } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** A reminder of a run. */
export interface RunReminder {
  readonly id: string;
  readonly runId: string;
  readonly kind: ReminderKind;
  readonly dueAt: Date;
  readonly state: ReminderState;
  readonly afterInvitation: string | null;
}

function toReminder(row: {
  id: string;
  run_id: string;
  kind: ReminderKind;
  due_at: Date;
  state: ReminderState;
  after_invitation: string | null;
}): RunReminder {
  return {
    id: row.id,
    runId: row.run_id,
    kind: row.kind,
    dueAt: row.due_at,
    state: row.state,
    afterInvitation: row.after_invitation,
  };
}

/** Plans reminders of a run (none twice of a planned kind); returns the new ones' ids. */
export async function addRunReminders(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  reminders: readonly { kind: ReminderKind; dueAt: Date }[],
): Promise<string[]> {
  if (reminders.length === 0) return [];
  const rows = await trx
    .insertInto('run_reminders')
    .values(
      reminders.map((r) => ({
        organization_id: organizationId,
        run_id: runId,
        kind: r.kind,
        due_at: r.dueAt,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** A run's reminders, in time order. */
export async function runReminders(
  trx: TenantTransaction,
  runIds: readonly string[],
): Promise<RunReminder[]> {
  if (runIds.length === 0) return [];
  const rows = await trx
    .selectFrom('run_reminders')
    .selectAll()
    .where('run_id', 'in', [...runIds])
    .orderBy('due_at')
    .orderBy('id')
    .execute();
  return rows.map(toReminder);
}

/** The reminder, locked until the transaction ends; null when it is not the tenant's. */
export async function lockReminder(
  trx: TenantTransaction,
  reminderId: string,
): Promise<RunReminder | null> {
  const row = await trx
    .selectFrom('run_reminders')
    .selectAll()
    .where('id', '=', reminderId)
    .forUpdate()
    .executeTakeFirst();
  return row === undefined ? null : toReminder(row);
}

/** Moves a reminder on: its state, and the last invitation it reached (null when done). */
export async function updateReminder(
  trx: TenantTransaction,
  reminderId: string,
  change: { state: ReminderState; afterInvitation: string | null },
): Promise<void> {
  await trx
    .updateTable('run_reminders')
    .set({ state: change.state, after_invitation: change.afterInvitation })
    .where('id', '=', reminderId)
    .execute();
}

/** Reminders due by now across organizations, ids only (the workers' sweep). */
export async function dueReminders(
  db: Kysely<Database>,
  limit: number,
): Promise<{ organizationId: string; reminderId: string }[]> {
  const { rows } = await sql<{ organization_id: string; reminder_id: string }>`
    select organization_id, reminder_id from due_reminders(${limit}::integer)
  `.execute(db);
  return rows.map((r) => ({ organizationId: r.organization_id, reminderId: r.reminder_id }));
}

/**
 * The next invitation of a run a reminder may reach, after `after` in id order: one that went
 * out and whose token has not been collected. It is locked until the transaction ends, so a
 * token claimed meanwhile waits for the reminder, and one claimed before is seen.
 */
export async function nextUncollectedInvitation(
  trx: TenantTransaction,
  runId: string,
  after: string | null,
): Promise<{ id: string; email: string; name: string } | null> {
  let query = trx
    .selectFrom('invitations')
    .innerJoin('people', 'people.id', 'invitations.person_id')
    .select(['invitations.id', 'people.email', 'people.name'])
    .where('invitations.run_id', '=', runId)
    .where('invitations.delivered', '=', true)
    .where('invitations.token_collected', '=', false);
  if (after !== null) query = query.where('invitations.id', '>', after);
  const row = await query
    .orderBy('invitations.id')
    .limit(1)
    .forUpdate('invitations')
    .executeTakeFirst();
  return row ?? null;
}

/** How many invitations of a run went out and have no token collected. */
export async function countUncollectedInvitations(
  trx: TenantTransaction,
  runId: string,
): Promise<number> {
  const row = await trx
    .selectFrom('invitations')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('run_id', '=', runId)
    .where('delivered', '=', true)
    .where('token_collected', '=', false)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Records that an occurrence's launch notice is asked for; false when it was already. */
export async function claimLaunchNotice(
  trx: TenantTransaction,
  organizationId: string,
  pulseId: string,
  scheduledFor: Date,
): Promise<boolean> {
  const row = await trx
    .insertInto('launch_notices')
    .values({ organization_id: organizationId, pulse_id: pulseId, scheduled_for: scheduledFor })
    .onConflict((oc) => oc.doNothing())
    .returning('pulse_id')
    .executeTakeFirst();
  return row !== undefined;
}
