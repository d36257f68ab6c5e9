import { sql } from 'kysely';
import type { TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** A stored cell: run × priority × dimension × (organization | team). */
export interface StoredCell {
  readonly priorityId: string;
  readonly dimension: string;
  readonly teamId: string | null;
  readonly suppressed: boolean;
  readonly statistics: unknown;
}

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
 * Per-value answer counts of a run by segment and question, aggregated in SQL in one pass
 * over the run's responses: everything the run's cells are computed from.
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

/** How many responses answered both questions of a pair, and how many of those 4+ on both. */
export interface PairCount {
  readonly answeredBoth: number;
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
    return sql`
      count(*) filter (where answers[${first}] is not null and answers[${second}] is not null)::int
        as ${sql.ref(`both_${i}`)},
      count(*) filter (where answers[${first}] >= 4 and answers[${second}] >= 4)::int
        as ${sql.ref(`high_${i}`)}`;
  });
  const { rows } = await sql<Record<string, number>>`
    select ${sql.join(columns)} from responses where run_id = ${runId}
  `.execute(trx);
  const row = rows[0] ?? {};
  return pairs.map((_, i) => ({
    answeredBoth: row[`both_${i}`] ?? 0,
    bothHigh: row[`high_${i}`] ?? 0,
  }));
}

/** Number of responses stored for a run. */
export async function countResponses(trx: TenantTransaction, runId: string): Promise<number> {
  const row = await trx
    .selectFrom('responses')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
  return row.n;
}

/**
 * Replaces a run's cells in the caller's transaction, so readers see either the previous
 * results or the new ones, never a mixture.
 */
export async function replaceRunCells(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  result: {
    computedAt: Date;
    /** When the recompute began counting, PostgreSQL's clock (`clockTimestamp`). */
    countedAt: Date;
    responses: number;
    cells: readonly StoredCell[];
    summary: unknown;
  },
): Promise<void> {
  await trx.deleteFrom('cells').where('run_id', '=', runId).execute();
  for (let start = 0; start < result.cells.length; start += 500) {
    await trx
      .insertInto('cells')
      .values(
        result.cells.slice(start, start + 500).map((c) => ({
          organization_id: organizationId,
          run_id: runId,
          priority_id: c.priorityId,
          dimension: c.dimension,
          team_id: c.teamId,
          suppressed: c.suppressed,
          statistics: JSON.stringify(c.statistics),
        })),
      )
      .execute();
  }
  await trx
    .insertInto('run_results')
    .values({
      run_id: runId,
      organization_id: organizationId,
      computed_at: result.computedAt,
      counted_at: result.countedAt,
      responses: result.responses,
      summary: JSON.stringify(result.summary),
    })
    .onConflict((oc) =>
      oc.column('run_id').doUpdateSet({
        computed_at: result.computedAt,
        counted_at: result.countedAt,
        responses: result.responses,
        summary: JSON.stringify(result.summary),
      }),
    )
    .execute();
}

/** What a recompute stored for a run besides its cells. */
export interface RunResult {
  /** When the figures were computed; null: not yet. */
  readonly computedAt: Date | null;
  readonly responses: number;
  /** Run-level figures as the recompute wrote them (`{}` before the first). */
  readonly summary: unknown;
}

/** A stored cell with the run it belongs to. */
export interface StoredRunCell extends StoredCell {
  readonly runId: string;
}

/** A run's stored figures: its result and its cells in question order, organization first. */
export async function readRunCells(
  trx: TenantTransaction,
  runId: string,
  options: { organizationOnly?: boolean } = {},
): Promise<RunResult & { cells: StoredCell[] }> {
  const result = await trx
    .selectFrom('run_results')
    .select(['computed_at', 'responses', 'summary'])
    .where('run_id', '=', runId)
    .executeTakeFirst();
  const cells = await readCells(trx, [runId], options.organizationOnly ?? false);
  return {
    computedAt: result?.computed_at ?? null,
    responses: result?.responses ?? 0,
    summary: result?.summary ?? {},
    cells,
  };
}

/** The whole organization's stored cells of several runs (e.g. a pulse's, for trends). */
export async function readOrganizationCells(
  trx: TenantTransaction,
  runIds: readonly string[],
): Promise<StoredRunCell[]> {
  return readCells(trx, runIds, true);
}

async function readCells(
  trx: TenantTransaction,
  runIds: readonly string[],
  organizationOnly: boolean,
): Promise<StoredRunCell[]> {
  if (runIds.length === 0) return [];
  let query = trx
    .selectFrom('cells')
    .innerJoin('run_questions', (join) =>
      join
        .onRef('run_questions.run_id', '=', 'cells.run_id')
        .onRef('run_questions.priority_id', '=', 'cells.priority_id')
        .onRef('run_questions.dimension', '=', 'cells.dimension'),
    )
    .select([
      'cells.run_id',
      'cells.priority_id',
      'cells.dimension',
      'cells.team_id',
      'cells.suppressed',
      'cells.statistics',
    ])
    .where('cells.run_id', 'in', [...runIds]);
  if (organizationOnly) query = query.where('cells.team_id', 'is', null);
  const rows = await query
    .orderBy('cells.run_id')
    .orderBy('run_questions.position')
    .orderBy('cells.team_id', (ob) => ob.nullsFirst())
    .execute();
  return rows.map((r) => ({
    runId: r.run_id,
    priorityId: r.priority_id,
    dimension: r.dimension,
    teamId: r.team_id,
    suppressed: r.suppressed,
    statistics: r.statistics,
  }));
}

/** Responses of a run per segment team (null: stored under the whole organization), both tiers. */
export async function responsesBySegment(
  trx: TenantTransaction,
  runId: string,
): Promise<{ segmentTeamId: string | null; responses: number }[]> {
  const rows = await trx
    .selectFrom('responses')
    .select(['segment_team_id', (eb) => eb.fn.countAll<number>().as('responses')])
    .where('run_id', '=', runId)
    .groupBy('segment_team_id')
    .execute();
  return rows.map((r) => ({ segmentTeamId: r.segment_team_id, responses: r.responses }));
}

/**
 * A run's comments with the segment team they were given in, in random order (response ids
 * are random), never with anything that dates them.
 */
export async function runComments(
  trx: TenantTransaction,
  runId: string,
): Promise<{ segmentTeamId: string | null; comment: string }[]> {
  const rows = await trx
    .selectFrom('responses')
    .select(['segment_team_id', 'comment'])
    .where('run_id', '=', runId)
    .where('comment', 'is not', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ segmentTeamId: r.segment_team_id, comment: r.comment ?? '' }));
}

/**
 * What identifies a run's stored figures: its minimum group size and when they were last
 * computed (null: not yet), in one query; null when the run is not the tenant's.
 */
export async function readRunStamp(
  trx: TenantTransaction,
  runId: string,
): Promise<{ minGroupSize: number; computedAt: Date | null } | null> {
  const row = await trx
    .selectFrom('runs')
    .leftJoin('run_results', 'run_results.run_id', 'runs.id')
    .select(['runs.min_group_size', 'run_results.computed_at'])
    .where('runs.id', '=', runId)
    .executeTakeFirst();
  return row === undefined
    ? null
    : { minGroupSize: row.min_group_size, computedAt: row.computed_at };
}

/** PostgreSQL's clock now (not the transaction's start): for `countedAt`. */
export async function clockTimestamp(trx: TenantTransaction): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(trx);
  const now = rows[0]?.now;
  if (now === undefined) throw new Error('PostgreSQL gave no clock_timestamp()');
  return new Date(now);
}

/** When the run's stored figures began counting; null before the first recompute. */
export async function runCountedAt(trx: TenantTransaction, runId: string): Promise<Date | null> {
  const row = await trx
    .selectFrom('run_results')
    .select('counted_at')
    .where('run_id', '=', runId)
    .executeTakeFirst();
  return row?.counted_at == null ? null : new Date(row.counted_at);
}
