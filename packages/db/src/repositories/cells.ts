import { sql } from 'kysely';
import type { TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** Count of one answer value in one question of one tier: a histogram bin. */
export interface HistogramBin {
  readonly priorityId: string;
  readonly dimension: string;
  readonly tier: TierValue;
  readonly value: number;
  readonly count: number;
}

/** A stored cell: run × priority × dimension × (organization | team). */
export interface StoredCell {
  readonly priorityId: string;
  readonly dimension: string;
  readonly teamId: string | null;
  readonly suppressed: boolean;
  readonly statistics: unknown;
}

/** Per-value answer counts of a run for the whole organization, aggregated in SQL. */
export async function organizationHistograms(
  trx: TenantTransaction,
  runId: string,
): Promise<HistogramBin[]> {
  const { rows } = await sql<{
    priority_id: string;
    dimension: string;
    segment_tier: TierValue;
    value: number;
    count: number;
  }>`
    select q.priority_id, q.dimension, h.segment_tier, h.value, h.count
    from (
      select r.segment_tier, a.position, a.value, count(*)::int as count
      from responses r
      cross join lateral unnest(r.answers) with ordinality as a(value, position)
      where r.run_id = ${runId} and a.value is not null
      group by r.segment_tier, a.position, a.value
    ) h
    join run_questions q on q.run_id = ${runId} and q.position = h.position - 1
  `.execute(trx);
  return rows.map((r) => ({
    priorityId: r.priority_id,
    dimension: r.dimension,
    tier: r.segment_tier,
    value: r.value,
    count: r.count,
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
  result: { computedAt: Date; responses: number; cells: readonly StoredCell[] },
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
      responses: result.responses,
    })
    .onConflict((oc) =>
      oc
        .column('run_id')
        .doUpdateSet({ computed_at: result.computedAt, responses: result.responses }),
    )
    .execute();
}

/** A run's stored cells and when they were computed (null: not yet). */
export async function readRunCells(
  trx: TenantTransaction,
  runId: string,
): Promise<{ computedAt: Date | null; cells: StoredCell[] }> {
  const computed = await trx
    .selectFrom('run_results')
    .select('computed_at')
    .where('run_id', '=', runId)
    .executeTakeFirst();
  const rows = await trx
    .selectFrom('cells')
    .innerJoin('run_questions', (join) =>
      join
        .onRef('run_questions.run_id', '=', 'cells.run_id')
        .onRef('run_questions.priority_id', '=', 'cells.priority_id')
        .onRef('run_questions.dimension', '=', 'cells.dimension'),
    )
    .select([
      'cells.priority_id',
      'cells.dimension',
      'cells.team_id',
      'cells.suppressed',
      'cells.statistics',
    ])
    .where('cells.run_id', '=', runId)
    .orderBy('run_questions.position')
    .orderBy('cells.team_id', (ob) => ob.nullsFirst())
    .execute();
  return {
    computedAt: computed?.computed_at ?? null,
    cells: rows.map((r) => ({
      priorityId: r.priority_id,
      dimension: r.dimension,
      teamId: r.team_id,
      suppressed: r.suppressed,
      statistics: r.statistics,
    })),
  };
}
