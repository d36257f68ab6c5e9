import { admitResponses, withTenant, type Database, type NewResponse } from '@pulsegap/db';
import { recomputeRunRequest } from '@pulsegap/jobs';
import type { Kysely } from 'kysely';
import { GroupCommit } from '../../group-commit.js';

/** What became of a submitted response. */
export type IntakeOutcome = 'stored' | 'duplicate' | 'closed';

interface Submission {
  readonly runId: string;
  readonly response: NewResponse;
}

/**
 * Group commit for anonymous responses: each batch is one transaction of one organization,
 * storing its responses in token-hash order (see `admitResponses`), and each caller is
 * answered only after its response is committed. Each batch also asks, once per run, for
 * the run's figures to be recomputed.
 */
export class ResponseIntake {
  readonly #batches: GroupCommit<Submission, IntakeOutcome>;

  constructor(db: Kysely<Database>) {
    this.#batches = new GroupCommit((organizationId, batch) =>
      writeBatch(db, organizationId, batch),
    );
  }

  /** Resolves once the response is committed, or known to be a duplicate or too late. */
  submit(organizationId: string, runId: string, response: NewResponse): Promise<IntakeOutcome> {
    return this.#batches.submit(organizationId, { runId, response });
  }
}

async function writeBatch(
  db: Kysely<Database>,
  organizationId: string,
  batch: readonly Submission[],
): Promise<IntakeOutcome[]> {
  const outcomes: IntakeOutcome[] = batch.map(() => 'duplicate');
  const seen = new Set<string>();
  const byRun = new Map<string, { index: number; response: NewResponse }[]>();
  batch.forEach((p, index) => {
    const hash = p.response.tokenHash.toString('hex');
    if (seen.has(hash)) return;
    seen.add(hash);
    const list = byRun.get(p.runId) ?? [];
    list.push({ index, response: p.response });
    byRun.set(p.runId, list);
  });
  await withTenant(db, organizationId, async (trx) => {
    // Runs in a fixed order: concurrent batches take their locks in the same order.
    for (const [runId, entries] of [...byRun].sort(([x], [y]) => x.localeCompare(y))) {
      const { open, stored } = await admitResponses(
        trx,
        organizationId,
        runId,
        entries.map((e) => e.response),
        // New answers mark the run for recomputation, in the same transaction (coalesced).
        recomputeRunRequest(organizationId, runId),
      );
      for (const e of entries) {
        if (!open) outcomes[e.index] = 'closed';
        else if (stored.has(e.response.tokenHash.toString('hex'))) outcomes[e.index] = 'stored';
      }
    }
  });
  return outcomes;
}
