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
 * Group commit for anonymous responses. Submissions that arrive while transactions are
 * being written wait for the next one, so under load each transaction stores many
 * responses (in token-hash order, see `storeResponses`), and each caller is answered only
 * after its response is committed. A transaction holds one organization's responses
 * (row-level security scopes it to one), and at most `maxWriters` of an organization's are
 * written at once. Each batch also asks, once per run, for the run's figures to be
 * recomputed.
 */
export class ResponseIntake {
  readonly #db: Kysely<Database>;
  readonly #maxBatch: number;
  readonly #maxWriters: number;
  readonly #queues = new Map<string, Pending[]>();
  readonly #writers = new Map<string, number>();

  constructor(db: Kysely<Database>, options: { maxBatch?: number; maxWriters?: number } = {}) {
    this.#db = db;
    this.#maxBatch = options.maxBatch ?? 500;
    // A few transactions of one organization may be written at once, so PostgreSQL can use
    // more than one core; each still takes everything waiting when it starts.
    this.#maxWriters = options.maxWriters ?? 3;
  }

  /** Resolves once the response is committed, or known to be a duplicate or too late. */
  submit(organizationId: string, runId: string, response: NewResponse): Promise<IntakeOutcome> {
    return new Promise((resolve, reject) => {
      const queue = this.#queues.get(organizationId) ?? [];
      queue.push({ runId, response, resolve, reject });
      this.#queues.set(organizationId, queue);
      const writers = this.#writers.get(organizationId) ?? 0;
      if (writers < this.#maxWriters && queue.length === 1) {
        this.#writers.set(organizationId, writers + 1);
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
        const writers = (this.#writers.get(organizationId) ?? 1) - 1;
        if (writers === 0) {
          this.#queues.delete(organizationId);
          this.#writers.delete(organizationId);
        } else {
          this.#writers.set(organizationId, writers);
        }
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
      // Runs in a fixed order too: concurrent batches take their locks in the same order.
      for (const [runId, entries] of [...byRun].sort(([x], [y]) => x.localeCompare(y))) {
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
