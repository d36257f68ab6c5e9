import { sql, type Kysely } from 'kysely';
import type { Database, TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** An invitation as its holder's routes see it. */
export interface InvitationView {
  readonly id: string;
  readonly runId: string;
  readonly segmentTeamId: string | null;
  readonly segmentTier: TierValue;
  readonly tokenCollected: boolean;
}

/** A run's public key for one segment. */
export interface SegmentKeyView {
  readonly id: string;
  readonly runId: string;
  readonly segmentTeamId: string | null;
  readonly segmentTier: TierValue;
  readonly publicKey: Buffer;
  readonly fingerprint: string;
}

/** A question of a run, with the title of its priority. */
export interface RunQuestionView {
  readonly id: string;
  readonly priorityId: string;
  readonly priorityTitle: string;
  readonly dimension: string;
  readonly text: string;
  /** Where its answer is kept in a response's answers (0 first). */
  readonly position: number;
}

/** The organization of the invitation whose secret hashes to `secretHash`, before the tenant is known. */
export async function organizationOfInvitation(
  db: Kysely<Database>,
  secretHash: Buffer,
): Promise<string | null> {
  const { rows } = await sql<{ id: string | null }>`
    select organization_of_invitation(${secretHash}) as id
  `.execute(db);
  return rows[0]?.id ?? null;
}

/** The organization of a run, before the tenant is known. */
export async function organizationOfRun(
  db: Kysely<Database>,
  runId: string,
): Promise<string | null> {
  const { rows } = await sql<{ id: string | null }>`
    select organization_of_run(${runId}::uuid) as id
  `.execute(db);
  return rows[0]?.id ?? null;
}

export async function findInvitation(
  trx: TenantTransaction,
  secretHash: Buffer,
): Promise<InvitationView | null> {
  const row = await trx
    .selectFrom('invitations')
    .select(['id', 'run_id', 'segment_team_id', 'segment_tier', 'token_collected'])
    .where('secret_hash', '=', secretHash)
    .executeTakeFirst();
  return row === undefined
    ? null
    : {
        id: row.id,
        runId: row.run_id,
        segmentTeamId: row.segment_team_id,
        segmentTier: row.segment_tier,
        tokenCollected: row.token_collected,
      };
}

/**
 * Records that the one token of the invitation whose secret hashes to `secretHash` is being
 * issued, in one statement: only while it has none and its run is open. Returns the
 * invitation, or null when any of that does not hold (the caller finds out which). The
 * row stays locked until the caller's transaction ends, so a second request waits and
 * then finds the token taken.
 */
export async function claimToken(
  trx: TenantTransaction,
  secretHash: Buffer,
): Promise<InvitationView | null> {
  const { rows } = await sql<{
    id: string;
    run_id: string;
    segment_team_id: string | null;
    segment_tier: TierValue;
  }>`
    update invitations i set token_collected = true
    from runs r
    where i.secret_hash = ${secretHash} and r.id = i.run_id and not i.token_collected
      and r.closed_at is null and r.closes_at > now()
    returning i.id, i.run_id, i.segment_team_id, i.segment_tier
  `.execute(trx);
  const row = rows[0];
  return row === undefined
    ? null
    : {
        id: row.id,
        runId: row.run_id,
        segmentTeamId: row.segment_team_id,
        segmentTier: row.segment_tier,
        tokenCollected: true,
      };
}

export async function runQuestions(
  trx: TenantTransaction,
  runId: string,
): Promise<RunQuestionView[]> {
  const rows = await trx
    .selectFrom('run_questions')
    .innerJoin('priorities', 'priorities.id', 'run_questions.priority_id')
    .select([
      'run_questions.id',
      'run_questions.priority_id',
      'priorities.title',
      'run_questions.dimension',
      'run_questions.text',
      'run_questions.position',
    ])
    .where('run_questions.run_id', '=', runId)
    .orderBy('run_questions.position')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    priorityId: r.priority_id,
    priorityTitle: r.title,
    dimension: r.dimension,
    text: r.text,
    position: r.position,
  }));
}

const keyColumns = [
  'id',
  'run_id',
  'segment_team_id',
  'segment_tier',
  'public_key',
  'fingerprint',
] as const;

function toKeyView(row: {
  id: string;
  run_id: string;
  segment_team_id: string | null;
  segment_tier: TierValue;
  public_key: Buffer;
  fingerprint: string;
}): SegmentKeyView {
  return {
    id: row.id,
    runId: row.run_id,
    segmentTeamId: row.segment_team_id,
    segmentTier: row.segment_tier,
    publicKey: row.public_key,
    fingerprint: row.fingerprint,
  };
}

/** The key of a run's segment, if made already. */
export async function findSegmentKey(
  trx: TenantTransaction,
  runId: string,
  segment: { teamId: string | null; tier: TierValue },
): Promise<SegmentKeyView | null> {
  let query = trx
    .selectFrom('segment_keys')
    .select(keyColumns)
    .where('run_id', '=', runId)
    .where('segment_tier', '=', segment.tier);
  query =
    segment.teamId === null
      ? query.where('segment_team_id', 'is', null)
      : query.where('segment_team_id', '=', segment.teamId);
  const row = await query.executeTakeFirst();
  return row === undefined ? null : toKeyView(row);
}

/**
 * Stores a segment's key unless one exists; either way returns the one stored, so two
 * requests racing to make a segment's key end with the same key.
 */
export async function saveSegmentKey(
  trx: TenantTransaction,
  organizationId: string,
  key: {
    id: string;
    runId: string;
    segment: { teamId: string | null; tier: TierValue };
    publicKey: Buffer;
    privateKeySealed: Buffer;
    fingerprint: string;
  },
): Promise<SegmentKeyView> {
  await sql`
    insert into segment_keys (id, organization_id, run_id, segment_team_id, segment_tier,
      public_key, private_key_sealed, fingerprint)
    values (${key.id}, ${organizationId}, ${key.runId}, ${key.segment.teamId}, ${key.segment.tier},
      ${key.publicKey}, ${key.privateKeySealed}, ${key.fingerprint})
    on conflict (run_id, segment_team_id, segment_tier) do nothing
  `.execute(trx);
  const stored = await findSegmentKey(trx, key.runId, key.segment);
  if (stored === null) throw new Error('segment key vanished after insert');
  return stored;
}

/** A segment key with its sealed private key, for signing. */
export async function sealedPrivateKey(
  trx: TenantTransaction,
  keyId: string,
): Promise<Buffer | null> {
  const row = await trx
    .selectFrom('segment_keys')
    .select('private_key_sealed')
    .where('id', '=', keyId)
    .executeTakeFirst();
  return row?.private_key_sealed ?? null;
}

export async function getSegmentKey(
  trx: TenantTransaction,
  keyId: string,
): Promise<SegmentKeyView | null> {
  const row = await trx
    .selectFrom('segment_keys')
    .select(keyColumns)
    .where('id', '=', keyId)
    .executeTakeFirst();
  return row === undefined ? null : toKeyView(row);
}

export async function listSegmentKeys(
  trx: TenantTransaction,
  runId: string,
): Promise<SegmentKeyView[]> {
  const rows = await trx
    .selectFrom('segment_keys')
    .select(keyColumns)
    .where('run_id', '=', runId)
    .orderBy('segment_tier')
    .orderBy('fingerprint')
    .execute();
  return rows.map(toKeyView);
}

/** One message the service would have e-mailed. */
export interface OutboundMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly link: string | null;
}

export async function recordOutboundMessage(
  trx: TenantTransaction,
  organizationId: string,
  message: OutboundMessage,
): Promise<void> {
  await trx
    .insertInto('outbound_messages')
    .values({
      organization_id: organizationId,
      recipient: message.to,
      subject: message.subject,
      body: message.text,
      link: message.link,
    })
    .execute();
}

export async function listOutboundMessages(trx: TenantTransaction): Promise<OutboundMessage[]> {
  const rows = await trx
    .selectFrom('outbound_messages')
    .select(['recipient', 'subject', 'body', 'link'])
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(1000)
    .execute();
  return rows.map((r) => ({ to: r.recipient, subject: r.subject, text: r.body, link: r.link }));
}

/** Invitations of a run whose message has not gone out, with whom to write to. */
export async function undeliveredInvitations(
  trx: TenantTransaction,
  runId: string,
  limit: number,
): Promise<{ id: string; email: string; name: string }[]> {
  return trx
    .selectFrom('invitations')
    .innerJoin('people', 'people.id', 'invitations.person_id')
    .select(['invitations.id', 'people.email', 'people.name'])
    .where('invitations.run_id', '=', runId)
    .where('invitations.delivered', '=', false)
    .orderBy('invitations.id')
    .limit(limit)
    .execute();
}

export async function markDelivered(trx: TenantTransaction, invitationId: string): Promise<void> {
  await trx
    .updateTable('invitations')
    .set({ delivered: true })
    .where('id', '=', invitationId)
    .execute();
}
