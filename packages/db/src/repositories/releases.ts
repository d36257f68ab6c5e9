import {
  parseRelease,
  type RunRelease,
  type SegmentComment,
  type SegmentSize,
  type SnapshotTeam,
} from '@pulsegap/domain';
import { sql, type Kysely } from 'kysely';
import type { Database, TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** Count of one answer value to one question in one segment: a histogram bin. */
export interface SegmentBin {
  /** The segment's team; null for responses stored under the whole organization. */
  readonly segmentTeamId: string | null;
  readonly tier: TierValue;
  /** The question's position in the run. */
  readonly position: number;
  readonly value: number;
  readonly count: number;
}

/**
 * Per-value answer counts of a run by stored segment and question, aggregated in SQL in one
 * pass over the run's responses: everything the run's cells are computed from.
 */
export async function segmentHistograms(
  trx: TenantTransaction,
  runId: string,
): Promise<SegmentBin[]> {
  const { rows } = await sql<{
    segment_team_id: string | null;
    segment_tier: TierValue;
    position: number;
    value: number;
    count: number;
  }>`
    select r.segment_team_id, r.segment_tier, a.position::int - 1 as position,
           a.value::int as value, count(*)::int as count
      from responses r
     cross join lateral unnest(r.answers) with ordinality as a(value, position)
     where r.run_id = ${runId} and a.value is not null
     group by r.segment_team_id, r.segment_tier, a.position, a.value
  `.execute(trx);
  return rows.map((r) => ({
    segmentTeamId: r.segment_team_id,
    tier: r.segment_tier,
    position: r.position,
    value: r.value,
    count: r.count,
  }));
}

/** Two questions of a run whose answers are counted together, per response. */
export interface QuestionPair {
  readonly first: number;
  readonly second: number;
}

/**
 * How many responses answered both questions of a pair (in all and per tier), and how many of
 * those 4+ on both.
 */
export interface PairCount {
  readonly answeredBoth: number;
  readonly answeredBothByTier: { readonly leadership: number; readonly frontline: number };
  readonly bothHigh: number;
}

/**
 * For each pair of question positions, over the run's whole organization: responses that
 * answered both, and responses that answered 4 or 5 to both (committed clarity pairs a
 * priority's clarity and commitment answers within one response).
 */
export async function pairCounts(
  trx: TenantTransaction,
  runId: string,
  pairs: readonly QuestionPair[],
): Promise<PairCount[]> {
  if (pairs.length === 0) return [];
  const columns = pairs.map((p, i) => {
    // Positions are integers of the run's own questions; PostgreSQL arrays start at 1.
    const first = sql.lit(p.first + 1);
    const second = sql.lit(p.second + 1);
    const both = sql`answers[${first}] is not null and answers[${second}] is not null`;
    return sql`
      count(*) filter (where ${both})::int as ${sql.ref(`both_${i}`)},
      count(*) filter (where ${both} and segment_tier = 'leadership')::int
        as ${sql.ref(`leaders_${i}`)},
      count(*) filter (where ${both} and segment_tier = 'frontline')::int
        as ${sql.ref(`frontline_${i}`)},
      count(*) filter (where answers[${first}] >= 4 and answers[${second}] >= 4)::int
        as ${sql.ref(`high_${i}`)}`;
  });
  const { rows } = await sql<Record<string, number>>`
    select ${sql.join(columns)} from responses where run_id = ${runId}
  `.execute(trx);
  const row = rows[0] ?? {};
  return pairs.map((_, i) => ({
    answeredBoth: row[`both_${i}`] ?? 0,
    answeredBothByTier: {
      leadership: row[`leaders_${i}`] ?? 0,
      frontline: row[`frontline_${i}`] ?? 0,
    },
    bothHigh: row[`high_${i}`] ?? 0,
  }));
}

/** Respondents of a run per stored segment (team, or null for the whole organization) and tier. */
export async function respondentsBySegment(
  trx: TenantTransaction,
  runId: string,
): Promise<SegmentSize[]> {
  const rows = await trx
    .selectFrom('responses')
    .select(['segment_team_id', 'segment_tier', (eb) => eb.fn.countAll<number>().as('n')])
    .where('run_id', '=', runId)
    .groupBy(['segment_team_id', 'segment_tier'])
    .execute();
  return rows.map((r) => ({ teamId: r.segment_team_id, tier: r.segment_tier, count: r.n }));
}

/** A run's comments with the stored segment of their responses, never with anything that dates them. */
export async function runComments(
  trx: TenantTransaction,
  runId: string,
): Promise<SegmentComment[]> {
  const rows = await trx
    .selectFrom('responses')
    .select(['segment_team_id', 'segment_tier', 'comment'])
    .where('run_id', '=', runId)
    .where('comment', 'is not', null)
    .execute();
  return rows.map((r) => ({
    teamId: r.segment_team_id,
    tier: r.segment_tier,
    text: r.comment ?? '',
  }));
}

/** A response waiting sealed in an open (or closing) run, as a release reads it. */
export interface SealedResponse {
  readonly segmentTeamId: string | null;
  readonly segmentTier: TierValue;
  /** Empty for a response stored before sealing existed (its token stays spent). */
  readonly sealed: Buffer;
}

/**
 * A run's sealed responses, in pages of `pageSize`, read once in the order they lie on disk
 * (a cursor over the run's own partition, in the caller's transaction). Each next page is
 * asked for before the one in hand is given out, so PostgreSQL reads it meanwhile.
 */
export async function* sealedResponsePages(
  trx: TenantTransaction,
  runId: string,
  pageSize: number,
): AsyncGenerator<SealedResponse[]> {
  await sql`
    declare sealed_page no scroll cursor for
      select segment_team_id, segment_tier, sealed from sealed_responses where run_id = ${runId}
  `.execute(trx);
  const fetchPage = async (): Promise<SealedResponse[]> => {
    const { rows } = await sql<{
      segment_team_id: string | null;
      segment_tier: TierValue;
      sealed: Buffer;
    }>`fetch forward ${sql.lit(pageSize)} from sealed_page`.execute(trx);
    return rows.map((r) => ({
      segmentTeamId: r.segment_team_id,
      segmentTier: r.segment_tier,
      sealed: r.sealed,
    }));
  };
  for (let page = await fetchPage(); page.length > 0;) {
    const next = page.length === pageSize ? fetchPage() : Promise.resolve([]);
    // Awaited below; if the caller stops first, the transaction ends and takes it along.
    next.catch(() => undefined);
    yield page;
    page = await next;
  }
  await sql`close sealed_page`.execute(trx);
}

/**
 * Empties a released run's partition of `sealed_responses` (TRUNCATE, in the caller's
 * transaction: the file goes at commit, no dead row is left in a page), once its responses
 * are stored in the responses table and its release is saved.
 */
export async function discardSealedResponses(trx: TenantTransaction, runId: string): Promise<void> {
  await sql`select discard_sealed_responses(${runId})`.execute(trx);
}

/**
 * Drops the emptied partitions of released runs, at most `limit`, each only if its lock
 * comes within a moment (the workers' sweep; the rest wait for the next). Returns how many.
 */
export async function dropDiscardedSealedResponses(
  db: Kysely<Database>,
  limit: number,
): Promise<number> {
  const { rows } = await sql<{ dropped: number }>`
    select drop_discarded_sealed_responses(${limit}) as dropped
  `.execute(db);
  return rows[0]?.dropped ?? 0;
}

/** The team tree of a run as it was when the run started. */
export async function runTeams(trx: TenantTransaction, runId: string): Promise<SnapshotTeam[]> {
  const rows = await trx
    .selectFrom('run_teams')
    .select(['team_id', 'name', 'parent_id', 'merged_tiers'])
    .where('run_id', '=', runId)
    .orderBy('name')
    .orderBy('team_id')
    .execute();
  return rows.map((r) => ({
    id: r.team_id,
    name: r.name,
    parentId: r.parent_id,
    mergedTiers: r.merged_tiers,
  }));
}

/**
 * Stores a run's release and marks the run released (and closed, at `closedAt`, if it was
 * not closed by hand), in the caller's transaction.
 */
export async function saveRelease(
  trx: TenantTransaction,
  organizationId: string,
  release: RunRelease,
): Promise<void> {
  await trx
    .insertInto('run_releases')
    .values({
      run_id: release.runId,
      organization_id: organizationId,
      document: JSON.stringify(release),
    })
    .execute();
  await trx
    .updateTable('runs')
    .set({ released_at: new Date(release.releasedAt), closed_at: new Date(release.closedAt) })
    .where('id', '=', release.runId)
    .execute();
}

/** A run's release, checked against the release document; null before the run is released. */
export async function readRelease(
  trx: TenantTransaction,
  runId: string,
): Promise<RunRelease | null> {
  const row = await trx
    .selectFrom('run_releases')
    .select('document')
    .where('run_id', '=', runId)
    .executeTakeFirst();
  return row === undefined ? null : parseRelease(row.document);
}

/** The releases of a pulse's runs opened before `before` (all when null), oldest first. */
export async function releasesOfPulse(
  trx: TenantTransaction,
  pulseId: string,
  before: Date | null = null,
): Promise<RunRelease[]> {
  let query = trx
    .selectFrom('run_releases')
    .innerJoin('runs', 'runs.id', 'run_releases.run_id')
    .select('run_releases.document')
    .where('runs.pulse_id', '=', pulseId);
  if (before !== null) query = query.where('runs.opened_at', '<', before);
  const rows = await query.orderBy('runs.opened_at').orderBy('runs.id').execute();
  return rows.map((r) => parseRelease(r.document));
}

/**
 * The releases of runs opened before `before`, of any pulse, that asked about any of
 * `decisionIds` (their follow-up items), oldest first: the history a decision's durability
 * is read from.
 */
export async function releasesAskingDecisions(
  trx: TenantTransaction,
  decisionIds: readonly string[],
  before: Date,
): Promise<RunRelease[]> {
  if (decisionIds.length === 0) return [];
  const rows = await trx
    .selectFrom('run_releases')
    .innerJoin('runs', 'runs.id', 'run_releases.run_id')
    .select('run_releases.document')
    .where('runs.opened_at', '<', before)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('run_questions')
          .select('run_questions.id')
          .whereRef('run_questions.run_id', '=', 'runs.id')
          .where('run_questions.decision_id', 'in', [...decisionIds]),
      ),
    )
    .orderBy('runs.opened_at')
    .orderBy('runs.id')
    .execute();
  return rows.map((r) => parseRelease(r.document));
}
