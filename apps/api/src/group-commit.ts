/**
 * Group commit: items submitted while a batch is being written wait for the next one, so
 * under load each database round trip and commit serves many requests, and each caller is
 * answered only once its own batch is done. Batches are kept per lane (the caller's key,
 * e.g. a run, so that a batch belongs to one tenant), at most `maxBatch` items each, and
 * at most `maxWriters` of a lane are written at once (8 by default): a batch spends most of
 * its time waiting for round trips and the commit, so several in flight keep both the
 * server and PostgreSQL busy.
 */
export class GroupCommit<Item, Outcome> {
  readonly #write: (lane: string, items: readonly Item[]) => Promise<readonly Outcome[]>;
  readonly #maxBatch: number;
  readonly #maxWriters: number;
  readonly #queues = new Map<string, Pending<Item, Outcome>[]>();
  readonly #writers = new Map<string, number>();

  /**
   * `write` handles one batch of a lane and returns one outcome per item, in order; if it
   * throws, every item of the batch is rejected with its error.
   */
  constructor(
    write: (lane: string, items: readonly Item[]) => Promise<readonly Outcome[]>,
    options: { maxBatch?: number; maxWriters?: number } = {},
  ) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#maxWriters = options.maxWriters ?? 8;
  }

  /** Resolves with the item's outcome once the batch it joined is written. */
  submit(lane: string, item: Item): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const queue = this.#queues.get(lane) ?? [];
      queue.push({ item, resolve, reject });
      this.#queues.set(lane, queue);
      const writers = this.#writers.get(lane) ?? 0;
      if (writers < this.#maxWriters && queue.length === 1) {
        this.#writers.set(lane, writers + 1);
        // Let the items that arrive in this turn of the event loop join the batch.
        setImmediate(() => {
          void this.#drain(lane);
        });
      }
    });
  }

  async #drain(lane: string): Promise<void> {
    for (;;) {
      const queue = this.#queues.get(lane) ?? [];
      if (queue.length === 0) {
        const writers = (this.#writers.get(lane) ?? 1) - 1;
        if (writers === 0) {
          this.#queues.delete(lane);
          this.#writers.delete(lane);
        } else {
          this.#writers.set(lane, writers);
        }
        return;
      }
      const batch = queue.splice(0, this.#maxBatch);
      try {
        const outcomes = await this.#write(
          lane,
          batch.map((p) => p.item),
        );
        batch.forEach((p, i) => {
          if (i < outcomes.length) p.resolve(outcomes[i] as Outcome);
          else p.reject(new Error('a batch returned too few outcomes'));
        });
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
      // One turn of the event loop before the next batch: the answers just settled go out
      // first, and requests already received join the batch they would otherwise miss.
      // (Measured on the intake: batches grew and the rate rose by about 3 %.)
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

interface Pending<Item, Outcome> {
  readonly item: Item;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}
