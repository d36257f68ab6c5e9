import { sql } from 'kysely';
import type { TenantTransaction } from '../tenant.js';

/**
 * What an audit event records: a change to the roster, users, priorities, pulses, settings,
 * runs, decisions or live rooms.
 */
export type AuditAction =
  | 'organization.created'
  | 'roster.imported'
  | 'user.created'
  | 'priority.created'
  | 'item.created'
  | 'pulse.created'
  | 'pulse.updated'
  | 'pulse.deleted'
  | 'settings.updated'
  | 'run.started'
  | 'run.skipped'
  | 'run.reminded'
  | 'run.closed'
  | 'decision.created'
  | 'decision.updated'
  | 'decision.retired'
  | 'room.opened'
  | 'room.headcount'
  | 'room.closed';

/** A change to record. */
export interface AuditEvent {
  /** The user who made it; null when the service made it on its own (a run's deadline). */
  readonly actorUserId: string | null;
  readonly action: AuditAction;
  /** What changed: `<kind>/<id>` (`pulse/…`, `run/…`), or `roster` or `settings`. */
  readonly subject: string;
  /**
   * What the change was, as JSON: counts, fields and their old and new values. Never what
   * anyone answered, and nothing that would tell who answered.
   */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** A recorded event, as the API shows it. */
export interface AuditEntry {
  readonly at: Date;
  readonly actor: { readonly id: string; readonly email: string | null } | null;
  readonly action: string;
  readonly subject: string;
  readonly detail: unknown;
}

/** Where a page of the audit log ends: the last event's exact time and its id. */
export interface AuditPosition {
  /** PostgreSQL's time of the event to the microsecond, ISO 8601 in UTC. */
  readonly at: string;
  readonly id: string;
}

/**
 * Appends an event to the organization's audit log in the caller's transaction, so it is
 * kept exactly when the change it describes is. The actor's email is copied from `users`
 * as it is now.
 */
export async function recordAudit(
  trx: TenantTransaction,
  organizationId: string,
  event: AuditEvent,
): Promise<void> {
  const actor = event.actorUserId;
  await trx
    .insertInto('audit_events')
    .values((eb) => ({
      organization_id: organizationId,
      actor_user_id: actor,
      actor_email:
        actor === null
          ? null
          : eb.selectFrom('users').select('users.email').where('users.id', '=', actor),
      action: event.action,
      subject: event.subject,
      detail: JSON.stringify(event.detail),
    }))
    .execute();
}

/**
 * The organization's audit log, newest first: up to `limit` events from just after `after`
 * (or from the newest), and the position of the last one when more follow.
 */
export async function listAuditEvents(
  trx: TenantTransaction,
  options: { limit: number; after: AuditPosition | null },
): Promise<{ entries: AuditEntry[]; next: AuditPosition | null }> {
  let query = trx
    .selectFrom('audit_events')
    .select([
      'id',
      'at',
      sql<string>`to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('at_exact'),
      'actor_user_id',
      'actor_email',
      'action',
      'subject',
      'detail',
    ])
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1);
  const after = options.after;
  if (after !== null) {
    query = query.where(sql<boolean>`(at, id) < (${after.at}::timestamptz, ${after.id}::uuid)`);
  }
  const rows = await query.execute();
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    entries: page.map((r) => ({
      at: r.at,
      actor: r.actor_user_id === null ? null : { id: r.actor_user_id, email: r.actor_email },
      action: r.action,
      subject: r.subject,
      detail: r.detail,
    })),
    next:
      rows.length > options.limit && last !== undefined ? { at: last.at_exact, id: last.id } : null,
  };
}
