import { sql, type Kysely } from 'kysely';
import type { Database, TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/**
 * One anonymous response to store: its segment, optional comment, and its answers as
 * values by the run's question position (`answers[0]` answers the question at position 0),
 * `null` where a question was not answered. Nothing in it says who or when.
 */
export interface NewResponse {
  readonly segmentTeamId: string | null;
  readonly segmentTier: TierValue;
  readonly comment: string | null;
  readonly answers: readonly (number | null)[];
}

/**
 * Stores responses of one run in the caller's transaction, one row each, with random ids
 * and in the order given: the release passes them shuffled, all of a run at once, so
 * neither ids, storage order nor the transaction say who answered when.
 */
export async function storeResponses(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  responses: readonly NewResponse[],
): Promise<void> {
  // 6 parameters a row, far below PostgreSQL's 65,535 a statement; chunks of 500 keep the
  // statement's text and parameters small in memory.
  for (let start = 0; start < responses.length; start += 500) {
    await trx
      .insertInto('responses')
      .values(
        responses.slice(start, start + 500).map((r) => ({
          organization_id: organizationId,
          run_id: runId,
          segment_team_id: r.segmentTeamId,
          segment_tier: r.segmentTier,
          comment: r.comment,
          answers: [...r.answers],
        })),
      )
      .execute();
  }
}

/** An accepted response, sealed (`sealResponse`), with its token's segment and hash. */
export interface SealedSubmission {
  readonly segmentTeamId: string | null;
  readonly segmentTier: TierValue;
  readonly tokenHash: Buffer;
  readonly sealed: Buffer;
}

/** What `sealResponses` did: whether the run was open, and the token hashes (hex) stored. */
export interface Admission {
  readonly open: boolean;
  readonly stored: Set<string>;
}

/**
 * The intake's write, in one statement that is its own transaction (`seal_responses`),
 * scoped to the organization as `withTenant` would: if the run is open (checked under
 * `FOR SHARE`, so a concurrent close comes before or after the whole batch), stores the
 * sealed responses, refusing a token hash stored already. Nothing is stored for a run that
 * is closed. It resolves only once the statement has committed. The hashes and the sealed
 * responses (all of one length, as a run's are) travel as two binary parameters.
 */
export async function sealResponses(
  db: Kysely<Database>,
  organizationId: string,
  runId: string,
  submissions: readonly SealedSubmission[],
): Promise<Admission> {
  const length = submissions[0]?.sealed.length ?? 0;
  if (submissions.some((s) => s.sealed.length !== length || s.tokenHash.length !== 32)) {
    throw new RangeError('a batch holds sealed responses of one length and 32-byte token hashes');
  }
  const { rows } = await sql<{ open: boolean; refused: Buffer[] }>`
    select open, refused from seal_responses(
      ${organizationId}::uuid, ${runId}::uuid,
      ${submissions.map((s) => s.segmentTeamId)}::uuid[],
      ${submissions.map((s) => s.segmentTier)}::text[],
      ${Buffer.concat(submissions.map((s) => s.tokenHash))}::bytea,
      ${Buffer.concat(submissions.map((s) => s.sealed))}::bytea,
      ${length}::integer)
  `.execute(db);
  const row = rows[0];
  const open = row?.open ?? false;
  const refused = new Set((row?.refused ?? []).map((hash) => hash.toString('hex')));
  const stored = new Set<string>();
  if (open) {
    for (const s of submissions) {
      const hash = s.tokenHash.toString('hex');
      if (!refused.has(hash)) stored.add(hash);
    }
  }
  return { open, stored };
}
