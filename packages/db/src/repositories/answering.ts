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
  /** `bank`, `custom`, `prediction`, … (see `RunQuestionKind`). */
  readonly kind: string;
  /** The tier it is asked of; null: both. */
  readonly audienceTier: TierValue | null;
  /** The team it is asked of, with the teams beneath it; null: everyone. */
  readonly audienceTeamId: string | null;
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
 * How many people a run invited in one segment (team, or `null` for the whole organization,
 * and tier): the group a response of that segment is stored under, as its invitee sees it.
 */
export async function segmentInvitees(
  trx: TenantTransaction,
  runId: string,
  segment: { teamId: string | null; tier: TierValue },
): Promise<number> {
  let query = trx
    .selectFrom('invitations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('run_id', '=', runId)
    .where('segment_tier', '=', segment.tier);
  query =
    segment.teamId === null
      ? query.where('segment_team_id', 'is', null)
      : query.where('segment_team_id', '=', segment.teamId);
  const row = await query.executeTakeFirstOrThrow();
  return row.n;
}

/** Where an invitation belongs: what the token route needs before it knows the tenant. */
export interface InvitationPlace {
  readonly organizationId: string;
  readonly runId: string;
  readonly segmentTeamId: string | null;
  readonly segmentTier: TierValue;
}

/**
 * The invitations whose secrets hash to `secretHashes`, by hash (hex), in one statement and
 * before the tenant is known (through the owner-defined `invitations_of_secrets`). A hash
 * that names no invitation is absent from the result.
 */
export async function invitationsOfSecrets(
  db: Kysely<Database>,
  secretHashes: readonly Buffer[],
): Promise<Map<string, InvitationPlace>> {
  const { rows } = await sql<{
    secret_hash: Buffer;
    organization_id: string;
    run_id: string;
    segment_team_id: string | null;
    segment_tier: TierValue;
  }>`
    select * from invitations_of_secrets(${byteaArray(secretHashes)})
  `.execute(db);
  return new Map(
    rows.map((r) => [
      r.secret_hash.toString('hex'),
      {
        organizationId: r.organization_id,
        runId: r.run_id,
        segmentTeamId: r.segment_team_id,
        segmentTier: r.segment_tier,
      },
    ]),
  );
}

/** A request for a link's token: its secret's hash and the digest of its blinded message. */
export interface TokenClaim {
  readonly secretHash: Buffer;
  readonly blindedDigest: Buffer;
}

/** How `claimTokens` names a granted claim. */
export function claimKey(claim: TokenClaim): string {
  return `${claim.secretHash.toString('hex')}:${claim.blindedDigest.toString('hex')}`;
}

/**
 * Records that the one token of each invitation asked for is being issued, in one
 * statement for any number of organizations (through the owner-defined `claim_tokens`):
 * for an invitation that has had none, or whose token was claimed with the same blinded
 * message (a retry), while its run is open. Returns the claims granted (`claimKey`); the
 * caller finds out why the others were not.
 */
export async function claimTokens(
  db: Kysely<Database>,
  claims: readonly TokenClaim[],
): Promise<Set<string>> {
  const { rows } = await sql<{ secret_hash: Buffer; blinded_digest: Buffer }>`
    select secret_hash, blinded_digest from claim_tokens(
      ${byteaArray(claims.map((c) => c.secretHash))},
      ${byteaArray(claims.map((c) => c.blindedDigest))})
  `.execute(db);
  return new Set(
    rows.map((r) => claimKey({ secretHash: r.secret_hash, blindedDigest: r.blinded_digest })),
  );
}

/** Gives an invitation its token back when the signature could not be made after the claim. */
export async function releaseToken(trx: TenantTransaction, secretHash: Buffer): Promise<void> {
  await trx
    .updateTable('invitations')
    .set({ token_collected: false, blinded_digest: null })
    .where('secret_hash', '=', secretHash)
    .execute();
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
      'run_questions.kind',
      'run_questions.audience_tier',
      'run_questions.audience_team_id',
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
    kind: r.kind,
    audienceTier: r.audience_tier,
    audienceTeamId: r.audience_team_id,
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

/** A segment key made ahead of a run: its id, keys and fingerprint, the private key sealed. */
export interface StockedSegmentKey {
  readonly id: string;
  readonly publicKey: Buffer;
  readonly privateKeySealed: Buffer;
  readonly fingerprint: string;
}

/** How many segment keys the organization has in stock. */
export async function countStockedSegmentKeys(trx: TenantTransaction): Promise<number> {
  const row = await trx
    .selectFrom('segment_key_stock')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Adds keys made ahead of a run to the organization's stock. */
export async function stockSegmentKeys(
  trx: TenantTransaction,
  organizationId: string,
  keys: readonly StockedSegmentKey[],
): Promise<void> {
  if (keys.length === 0) return;
  await trx
    .insertInto('segment_key_stock')
    .values(
      keys.map((k) => ({
        id: k.id,
        organization_id: organizationId,
        public_key: k.publicKey,
        private_key_sealed: k.privateKeySealed,
        fingerprint: k.fingerprint,
      })),
    )
    .execute();
}

/**
 * Takes up to `count` keys out of the organization's stock (deleted as they are returned,
 * so a key serves one segment only); two transactions taking at once get different keys.
 */
export async function takeStockedSegmentKeys(
  trx: TenantTransaction,
  count: number,
): Promise<StockedSegmentKey[]> {
  if (count <= 0) return [];
  const { rows } = await sql<{
    id: string;
    public_key: Buffer;
    private_key_sealed: Buffer;
    fingerprint: string;
  }>`
    delete from segment_key_stock
     where id in (select id from segment_key_stock limit ${count} for update skip locked)
    returning id, public_key, private_key_sealed, fingerprint
  `.execute(trx);
  return rows.map((r) => ({
    id: r.id,
    publicKey: r.public_key,
    privateKeySealed: r.private_key_sealed,
    fingerprint: r.fingerprint,
  }));
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
  return (
    trx
      .selectFrom('invitations')
      .innerJoin('people', 'people.id', 'invitations.person_id')
      .select(['invitations.id', 'people.email', 'people.name'])
      .where('invitations.run_id', '=', runId)
      .where('invitations.delivered', '=', false)
      .orderBy('invitations.id')
      .limit(limit)
      // Locked until the caller's transaction ends; invitations another delivery holds are
      // left to it.
      .forUpdate('invitations')
      .skipLocked()
      .execute()
  );
}

/** Whether any invitation of a run has not gone out, including those a delivery holds. */
export async function hasUndeliveredInvitations(
  trx: TenantTransaction,
  runId: string,
): Promise<boolean> {
  const row = await trx
    .selectFrom('invitations')
    .select('id')
    .where('run_id', '=', runId)
    .where('delivered', '=', false)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function markDelivered(trx: TenantTransaction, invitationId: string): Promise<void> {
  await trx
    .updateTable('invitations')
    .set({ delivered: true })
    .where('id', '=', invitationId)
    .execute();
}

/** A bytea[] parameter of hashes, sent as hex text so that pg and PGlite pass it alike. */
export function byteaArray(hashes: readonly Buffer[]) {
  return sql`array(select decode(h, 'hex') from unnest(${hashes.map((h) => h.toString('hex'))}::text[]) as h)`;
}
