import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

// The thread's whole program: the raw RSA private-key operation, nothing else. Kept as
// source text so the same code runs from the TypeScript sources and from the build. A key
// arrives once per thread (a KeyObject is cloned across threads) and is then named by its
// number.
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { constants, privateDecrypt } = require('node:crypto');
const keys = new Map();
parentPort.on('message', ({ job, keyNumber, key, message }) => {
  try {
    if (key !== undefined) keys.set(keyNumber, key);
    const signature = privateDecrypt(
      { key: keys.get(keyNumber), padding: constants.RSA_NO_PADDING },
      message,
    );
    parentPort.postMessage({ job, signature }, [signature.buffer]);
  } catch (error) {
    parentPort.postMessage({ job, error: String(error) });
  }
});
`;

interface Thread {
  readonly worker: Worker;
  readonly keys: Set<number>;
  readonly pending: Map<number, { resolve(signature: Buffer): void; reject(error: Error): void }>;
}

/**
 * Threads for RSA private-key operations. One signature costs about 0.3 ms of CPU, and
 * `privateDecrypt` has no asynchronous form, so on the event loop it would cap a process at
 * one core of signing and hold up every other request meanwhile. The pool keeps one thread
 * per core by default, started on first use and not keeping the process alive; `close()`
 * stops them.
 */
export class SigningPool {
  readonly #size: number;
  readonly #threads: Thread[] = [];
  readonly #keyNumbers = new WeakMap<KeyObject, number>();
  #nextKey = 0;
  #nextJob = 0;
  #closed = false;

  constructor(size = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('a pool needs a thread');
    this.#size = size;
  }

  /** m^d mod n of `message` (already checked by the caller), on the least busy thread. */
  rawSign(privateKey: KeyObject, message: Buffer): Promise<Buffer> {
    if (this.#closed) return Promise.reject(new Error('the signing pool is closed'));
    const thread = this.#leastBusy();
    let keyNumber = this.#keyNumbers.get(privateKey);
    if (keyNumber === undefined) {
      keyNumber = this.#nextKey++;
      this.#keyNumbers.set(privateKey, keyNumber);
    }
    const job = this.#nextJob++;
    const key = thread.keys.has(keyNumber) ? undefined : privateKey;
    thread.keys.add(keyNumber);
    return new Promise((resolve, reject) => {
      thread.pending.set(job, { resolve, reject });
      if (thread.pending.size === 1) thread.worker.ref();
      thread.worker.postMessage({ job, keyNumber, key, message });
    });
  }

  /** Stops the threads; signatures still pending are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    const threads = this.#threads.splice(0);
    await Promise.all(threads.map((t) => t.worker.terminate()));
    for (const t of threads) {
      for (const p of t.pending.values()) p.reject(new Error('the signing pool is closed'));
    }
  }

  #leastBusy(): Thread {
    if (this.#threads.length < this.#size) {
      const thread = this.#start();
      this.#threads.push(thread);
      return thread;
    }
    let best = this.#threads[0] as Thread;
    for (const t of this.#threads) if (t.pending.size < best.pending.size) best = t;
    return best;
  }

  #start(): Thread {
    const worker = new Worker(THREAD_SOURCE, { eval: true });
    worker.unref();
    const thread: Thread = { worker, keys: new Set(), pending: new Map() };
    worker.on('message', (reply: { job: number; signature?: Uint8Array; error?: string }) => {
      const waiting = thread.pending.get(reply.job);
      if (waiting === undefined) return;
      thread.pending.delete(reply.job);
      if (thread.pending.size === 0) worker.unref();
      if (reply.signature !== undefined) waiting.resolve(Buffer.from(reply.signature));
      else waiting.reject(new Error(reply.error ?? 'signing failed'));
    });
    worker.on('error', (error) => {
      this.#fail(thread, error);
    });
    worker.on('exit', () => {
      this.#fail(thread, new Error('a signing thread stopped'));
    });
    return thread;
  }

  /** A thread that died takes its pending jobs with it; the next call starts a new one. */
  #fail(thread: Thread, error: Error): void {
    const index = this.#threads.indexOf(thread);
    if (index >= 0) this.#threads.splice(index, 1);
    for (const p of thread.pending.values()) p.reject(error);
    thread.pending.clear();
  }
}
