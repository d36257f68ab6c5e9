import { dropDiscardedSealedResponses, dueReleases, enqueueJob, type Database } from '@pulsegap/db';
import type { Kysely } from 'kysely';
import { releaseRunRequest } from './contract.js';

/**
 * Asks for the release of every run that is due (closed by hand, or past its deadline, and
 * not released), through the outbox, where pending requests for one run coalesce. Both
 * runtimes call it when they start, so runs whose deadline passed while no worker ran are
 * closed then, and run it as the recurring job `sweep-due-releases` every few seconds
 * after, so a run closes at its deadline by itself.
 * It also drops the partitions of sealed responses that releases emptied (a few a sweep).
 * Returns how many runs were due.
 */
export async function requestDueReleases(db: Kysely<Database>): Promise<number> {
  // One page a sweep: due runs stay due until released, so the next sweep gets the rest.
  const due = await dueReleases(db, 100);
  for (const run of due) await enqueueJob(db, releaseRunRequest(run.organizationId, run.runId));
  await dropDiscardedSealedResponses(db, 20);
  return due.length;
}
