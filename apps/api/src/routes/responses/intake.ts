import { sealResponses, type Database, type SealedSubmission } from '@pulsegap/db';
import type { Kysely } from 'kysely';
import { GroupCommit } from '../../group-commit.js';

/** What became of a submitted response. */
export type IntakeOutcome = 'stored' | 'duplicate' | 'closed';

interface Submission {
  readonly organizationId: string;
  readonly response: SealedSubmission;
}

/**
 * Group commit for anonymous responses: batches are kept per run, and each batch is one
 * statement that is its own transaction, storing its sealed responses (`sealResponses`);
 * they reach the responses table only when the run is released. Each caller is
 * answered only after its response is committed. One batch of a run is written at a time:
 * a batch costs one round trip, and while it commits the next one grows, so each commit
 * (and its WAL flush) serves as many responses as possible. (Measured: more batches of a
 * run in flight made smaller batches, more flushes and a slower intake.)
 */
export class ResponseIntake {
  readonly #batches: GroupCommit<Submission, IntakeOutcome>;

  constructor(db: Kysely<Database>) {
    this.#batches = new GroupCommit((runId, batch) => writeBatch(db, runId, batch), {
      maxWriters: 1,
    });
  }

  /** Resolves once the response is committed, or known to be a duplicate or too late. */
  submit(
    organizationId: string,
    runId: string,
    response: SealedSubmission,
  ): Promise<IntakeOutcome> {
    return this.#batches.submit(runId, { organizationId, response });
  }
}

async function writeBatch(
  db: Kysely<Database>,
  runId: string,
  batch: readonly Submission[],
): Promise<IntakeOutcome[]> {
  const organizationId = (batch[0] as Submission).organizationId;
  // A token submitted twice in one batch is stored once; the other copy is a duplicate.
  const seen = new Set<string>();
  const unique = batch.filter((s) => {
    const hash = s.response.tokenHash.toString('hex');
    if (seen.has(hash)) return false;
    seen.add(hash);
    return true;
  });
  const { open, stored } = await sealResponses(
    db,
    organizationId,
    runId,
    unique.map((s) => s.response),
  );
  return batch.map((s) => {
    if (!open) return 'closed';
    const hash = s.response.tokenHash.toString('hex');
    if (!stored.delete(hash)) return 'duplicate';
    return 'stored';
  });
}
