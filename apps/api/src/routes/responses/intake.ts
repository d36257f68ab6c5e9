import {
  enqueueJob,
  storeResponses,
  withTenant,
  type Database,
  type NewResponse,
} from '@pulsegap/db';
import { recomputeRunRequest } from '@pulsegap/jobs';
import type { Kysely } from 'kysely';

/** What became of a submitted response. */
export type IntakeOutcome = 'stored' | 'duplicate' | 'closed';

interface Pending {
  readonly runId: string;
  readonly response: NewResponse;
  resolve(outcome: IntakeOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit for anonymous responses. Submissions that arrive while a transaction is
 * being written wait for the next one, so under load each transaction stores many
 * responses (shuffled, see `storeResponses`) and each caller is answered only after its
 * response is committed. One transaction at a time per organization (row-level security
 * scopes a transaction to one). Each batch also asks, once per run, for the run's figures
 * to be recomputed.
 */
export class ResponseIntake {
  readonly #db: Kysely<Database>;
  readonly #maxBatch: number;
  readonly #queues = new Map<string, Pending[]>();
  readonly #writing = new Set<string>();

  constructor(db: Kysely<Database>, options: { maxBatch?: number } = {}) {
    this.#db = db;
    this.#maxBatch = options.maxBatch ?? 500;
  }

  /** Resolves once the response is committed, or known to be a duplicate or too late. */
  submit(organizationId: string, runId: string, response: NewResponse): Promise<IntakeOutcome> {
    return new Promise((resolve, reject) => {
      const queue = this.#queues.get(organizationId) ?? [];
      queue.push({ runId, response, resolve, reject });
      this.#queues.set(organizationId, queue);
      if (!this.#writing.has(organizationId)) {
        this.#writing.add(organizationId);
        // Let the submissions that arrive in this turn of the event loop join the batch.
        setImmediate(() => {
          void this.#drain(organizationId);
        });
      }
    });
  }

  async #drain(organizationId: string): Promise<void> {
    for (;;) {
      const queue = this.#queues.get(organizationId) ?? [];
      if (queue.length === 0) {
        this.#queues.delete(organizationId);
        this.#writing.delete(organizationId);
        return;
      }
      const batch = queue.splice(0, this.#maxBatch);
      try {
        const outcomes = await this.#write(organizationId, batch);
        batch.forEach((p, i) => {
          p.resolve(outcomes[i] ?? 'duplicate');
        });
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  }

  async #write(organizationId: string, batch: readonly Pending[]): Promise<IntakeOutcome[]> {
    return withTenant(this.#db, organizationId, async (trx) => {
      const runIds = [...new Set(batch.map((p) => p.runId))];
      // FOR SHARE: a run closed concurrently is closed before or after this whole batch.
      const open = new Set(
        (
          await trx
            .selectFrom('runs')
            .select('id')
            .where('id', 'in', runIds)
            .where('closed_at', 'is', null)
            .where('closes_at', '>', new Date())
            .forShare()
            .execute()
        ).map((r) => r.id),
      );
      const outcomes: IntakeOutcome[] = batch.map((p) => (open.has(p.runId) ? 'stored' : 'closed'));
      const seen = new Set<string>();
      const byRun = new Map<string, { index: number; response: NewResponse }[]>();
      batch.forEach((p, index) => {
        if (outcomes[index] !== 'stored') return;
        const hash = p.response.tokenHash.toString('hex');
        if (seen.has(hash)) {
          outcomes[index] = 'duplicate';
          return;
        }
        seen.add(hash);
        const list = byRun.get(p.runId) ?? [];
        list.push({ index, response: p.response });
        byRun.set(p.runId, list);
      });
      for (const [runId, entries] of byRun) {
        const stored = await storeResponses(
          trx,
          organizationId,
          runId,
          entries.map((e) => e.response),
        );
        for (const e of entries) {
          if (!stored.has(e.response.tokenHash.toString('hex'))) outcomes[e.index] = 'duplicate';
        }
        // New answers mark the run for recomputation, in the same transaction (coalesced).
        if (stored.size > 0) await enqueueJob(trx, recomputeRunRequest(organizationId, runId));
      }
      return outcomes;
    });
  }
}
