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
  const width = responses[0]?.answers.length ?? 0;
  if (responses.some((r) => r.answers.length !== width)) {
    throw new RangeError('every response of a run answers the same questions');
  }
  // One statement per chunk, its columns as arrays (the answers as one flat array sliced by
  // the question count): a few parameters instead of six a row, and the rows inserted in
  // the order given.
  for (let start = 0; start < responses.length; start += 5000) {
    const chunk = responses.slice(start, start + 5000);
    await sql`
      insert into responses (organization_id, run_id, segment_team_id, segment_tier, comment,
                             answers)
      select ${organizationId}::uuid, ${runId}::uuid, v.segment_team_id, v.segment_tier,
             v.comment, (${smallintArray(chunk.flatMap((r) => r.answers))}::smallint[])
               [(v.n::integer - 1) * ${width}::integer + 1 : v.n::integer * ${width}::integer]
        from unnest(${chunk.map((r) => r.segmentTeamId)}::uuid[],
                    ${chunk.map((r) => r.segmentTier)}::text[],
                    ${chunk.map((r) => r.comment)}::text[])
               with ordinality as v(segment_team_id, segment_tier, comment, n)
       order by v.n
    `.execute(trx);
  }
}

/** An array literal of small integers or nulls, e.g. `{1,NULL,5}`. */
function smallintArray(values: readonly (number | null)[]): string {
  return `{${values
    .map((v) => {
      if (v === null) return 'NULL';
      if (!Number.isInteger(v)) throw new RangeError(`${v} is not an integer`);
      return String(v);
    })
    .join(',')}}`;
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
