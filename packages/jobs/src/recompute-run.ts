import {
  countResponses,
  findRun,
  listPriorities,
  listTeams,
  pairCounts,
  clockTimestamp,
  replaceRunCells,
  runCountedAt,
  segmentHistograms,
  withTenant,
  type Database,
} from '@pulsegap/db';
import { computeRunFigures } from '@pulsegap/domain';
import { sql, type Kysely } from 'kysely';

/**
 * Computes a run's figures (PRODUCT.md §5, §6) from its answer counts by segment, which
 * PostgreSQL aggregates in one pass over the responses, and replaces the stored cells and
 * run summary in one transaction: readers see the previous figures or the new ones, never
 * a mixture. Idempotent: running it twice stores the same figures. A request made
 * (`requestedAt`, PostgreSQL's clock) before the stored figures began counting is already
 * answered by them and is skipped. Returns whether it recomputed.
 */
export async function recomputeRun(
  db: Kysely<Database>,
  organizationId: string,
  runId: string,
  requestedAt: Date | null = null,
): Promise<boolean> {
  return withTenant(db, organizationId, async (trx) => {
    // One recomputation of a run at a time, whichever worker runs it.
    await sql`select pg_advisory_xact_lock(hashtext(${runId}))`.execute(trx);
    if (requestedAt !== null) {
      const countedAt = await runCountedAt(trx, runId);
      if (countedAt !== null && countedAt > requestedAt) return false;
    }
    const run = await findRun(trx, runId);
    if (run === null) return false; // deleted since the job was requested: nothing to do
    // Taken before the counts are read: every response committed before it is counted.
    const countedAt = await clockTimestamp(trx);
    const questions = await trx
      .selectFrom('run_questions')
      .select(['position', 'priority_id', 'dimension'])
      .where('run_id', '=', runId)
      .orderBy('position')
      .execute();
    const priorityIds = [...new Set(questions.map((q) => q.priority_id))];
    const priorities = (await listPriorities(trx)).filter((p) => priorityIds.includes(p.id));
    const positionOf = (priorityId: string, dimension: string) =>
      questions.find((q) => q.priority_id === priorityId && q.dimension === dimension)?.position;
    // Committed clarity pairs a priority's clarity and commitment answers in each response.
    const pairs = priorityIds.flatMap((priorityId) => {
      const first = positionOf(priorityId, 'clarity');
      const second = positionOf(priorityId, 'commitment');
      return first === undefined || second === undefined ? [] : [{ priorityId, first, second }];
    });
    const paired = await pairCounts(trx, runId, pairs);
    const figures = computeRunFigures({
      teams: (await listTeams(trx)).map((t) => ({ id: t.id, parentId: t.parentId })),
      questions: questions.map((q) => ({
        position: q.position,
        priorityId: q.priority_id,
        dimension: q.dimension,
      })),
      priorities: priorities.map((p) => ({ id: p.id, statedWeight: p.statedWeight })),
      counts: await segmentHistograms(trx, runId),
      committedClarity: new Map(
        pairs.map((p, i) => [
          p.priorityId,
          {
            clearAndCommitted: paired[i]?.bothHigh ?? 0,
            answeredBoth: paired[i]?.answeredBoth ?? 0,
          },
        ]),
      ),
      minGroupSize: run.minGroupSize,
    });
    await replaceRunCells(trx, organizationId, runId, {
      computedAt: new Date(),
      countedAt,
      responses: await countResponses(trx, runId),
      cells: figures.cells.map((c) => ({
        priorityId: c.priorityId,
        dimension: c.dimension,
        teamId: c.teamId,
        suppressed: c.statistics.suppressed,
        statistics: c.statistics,
      })),
      summary: { priorities: figures.priorities },
    });
    return true;
  });
}
