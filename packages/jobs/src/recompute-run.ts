import {
  listRuns,
  organizationHistograms,
  countResponses,
  replaceRunCells,
  withTenant,
  type Database,
  type StoredCell,
} from '@pulsegap/db';
import { addToHistogram, computeCell, emptyHistogram, type Histogram } from '@pulsegap/domain';
import { sql, type Kysely } from 'kysely';

/**
 * Computes a run's organization-level cells from per-value answer counts aggregated in SQL
 * and replaces the stored cells in one transaction. Idempotent: running it twice stores
 * the same figures.
 */
export async function recomputeRun(
  db: Kysely<Database>,
  organizationId: string,
  runId: string,
): Promise<void> {
  await withTenant(db, organizationId, async (trx) => {
    // One recomputation of a run at a time, whichever worker runs it.
    await sql`select pg_advisory_xact_lock(hashtext(${runId}))`.execute(trx);
    const run = (await listRuns(trx, { runId }))[0];
    if (run === undefined) return; // deleted since the job was requested: nothing to do
    const questions = await trx
      .selectFrom('run_questions')
      .select(['priority_id', 'dimension'])
      .where('run_id', '=', runId)
      .orderBy('position')
      .execute();
    const bins = await organizationHistograms(trx, runId);
    const histograms = new Map<string, { leadership: Histogram; frontline: Histogram }>();
    for (const bin of bins) {
      const key = cellKey(bin.priorityId, bin.dimension);
      const h = histograms.get(key) ?? {
        leadership: emptyHistogram(),
        frontline: emptyHistogram(),
      };
      histograms.set(key, { ...h, [bin.tier]: addToHistogram(h[bin.tier], bin.value, bin.count) });
    }
    const cells: StoredCell[] = questions.map((q) => {
      const h = histograms.get(cellKey(q.priority_id, q.dimension));
      const statistics = computeCell({
        leadership: h?.leadership ?? emptyHistogram(),
        frontline: h?.frontline ?? emptyHistogram(),
        minGroupSize: run.minGroupSize,
      });
      return {
        priorityId: q.priority_id,
        dimension: q.dimension,
        teamId: null,
        suppressed: statistics.suppressed,
        statistics,
      };
    });
    await replaceRunCells(trx, organizationId, runId, {
      computedAt: new Date(),
      responses: await countResponses(trx, runId),
      cells,
    });
  });
}

function cellKey(priorityId: string, dimension: string): string {
  return `${priorityId}/${dimension}`;
}
