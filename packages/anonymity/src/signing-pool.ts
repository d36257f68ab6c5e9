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
parentPort.on('message', ({ job, newKeys, keyNumber, message }) => {
  try {
    for (const [number, key] of newKeys) keys.set(number, key);
    const signature = privateDecrypt(
      { key: keys.get(keyNumber), padding: constants.RSA_NO_PADDING },
      message,
    );
    parentPort.postMessage({ job, result: signature }, [signature.buffer]);
  } catch (error) {
    parentPort.postMessage({ job, error: String(error) });
  }
});
`;

interface Thread {
  readonly worker: Worker;
  readonly keys: Set<number>;
  readonly pending: Map<number, { resolve(result: unknown): void; reject(error: Error): void }>;
  /** Retires the thread once it has been idle for the pool's `idleMs`; set while idle. */
  idle: NodeJS.Timeout | undefined;
}

/** Most threads by default: each takes about 9 MiB, and 4 sign some 13,000 a second. */
export const DEFAULT_SIGNING_THREADS = 4;

/** How long a thread may sit idle before it stops, by default. */
export const DEFAULT_SIGNING_IDLE_MS = 30_000;

/** Options of a `SigningPool`. */
export interface SigningPoolOptions {
  /** How long a thread may sit idle before it stops (default 30 s); the next burst starts it again. */
  readonly idleMs?: number;
}

/**
 * Threads for the RSA private-key operation of blind signatures. One signature costs about
 * 0.3 ms of CPU, and `privateDecrypt` has no asynchronous form, so on the event loop it
 * would cap a process at one core of signing and hold up every other request meanwhile.
 * (Checking a token with the public key costs a tenth of that and runs where it is asked
 * for: `verifyToken`.) The pool keeps at most `size` threads (default: the cores, at most
 * `DEFAULT_SIGNING_THREADS`, since each thread takes about 9 MiB), starts one only when
 * every running thread is busy, stops one that has been idle for `idleMs`, and never
 * keeps the process alive; `close()` stops them all.
 *
 * A general-purpose pool (piscina) would not know which keys a thread already holds, so
 * every signature would clone its private key to a thread; here each thread gets a key once.
 */
export class SigningPool {
  readonly #size: number;
  readonly #idleMs: number;
  readonly #threads: Thread[] = [];
  readonly #keyNumbers = new WeakMap<KeyObject, number>();
  #nextKey = 0;
  #nextJob = 0;
  #closed = false;

  constructor(
    size = Math.min(availableParallelism(), DEFAULT_SIGNING_THREADS),
    options: SigningPoolOptions = {},
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('a pool needs a thread');
    const idleMs = options.idleMs ?? DEFAULT_SIGNING_IDLE_MS;
    if (!(idleMs > 0)) throw new RangeError('idleMs must be positive');
    this.#size = size;
    this.#idleMs = idleMs;
  }

  /** Most threads the pool runs at once. */
  get size(): number {
    return this.#size;
  }

  /** Threads running now (idle ones included, until they retire). */
  get threads(): number {
    return this.#threads.length;
  }

  /** m^d mod n of `message` (already checked by the caller), on the least busy thread. */
  async rawSign(privateKey: KeyObject, message: Buffer): Promise<Buffer> {
    // A copy of its own to move to the thread (a Buffer may be a view of a shared pool).
    const bytes = new Uint8Array(message);
    const signature = await this.#run(
      (thread, newKeys) => ({
        newKeys,
        keyNumber: this.#keyNumber(thread, privateKey, newKeys),
        message: bytes,
      }),
      [bytes.buffer],
    );
    return Buffer.from(signature as Uint8Array);
  }

  /** Sends one job to the least busy thread; `build` names the keys it needs there. */
  #run(
    build: (thread: Thread, newKeys: [number, KeyObject][]) => Record<string, unknown>,
    transfer: ArrayBuffer[] = [],
  ): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('the signing pool is closed'));
    const thread = this.#leastBusy();
    const job = this.#nextJob++;
    const newKeys: [number, KeyObject][] = [];
    const message = { job, ...build(thread, newKeys) };
    return new Promise((resolve, reject) => {
      thread.pending.set(job, { resolve, reject });
      if (thread.idle !== undefined) {
        clearTimeout(thread.idle);
        thread.idle = undefined;
      }
      if (thread.pending.size === 1) thread.worker.ref();
      thread.worker.postMessage(message, transfer);
    });
  }

  /** The number `key` goes by in the threads, adding it to `newKeys` if `thread` lacks it. */
  #keyNumber(thread: Thread, key: KeyObject, newKeys: [number, KeyObject][]): number {
    let number = this.#keyNumbers.get(key);
    if (number === undefined) {
      number = this.#nextKey++;
      this.#keyNumbers.set(key, number);
    }
    if (!thread.keys.has(number)) {
      thread.keys.add(number);
      newKeys.push([number, key]);
    }
    return number;
  }

  /** Stops the threads; signatures still pending are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    const threads = this.#threads.splice(0);
    for (const t of threads) clearTimeout(t.idle);
    await Promise.all(threads.map((t) => t.worker.terminate()));
    for (const t of threads) {
      for (const p of t.pending.values()) p.reject(new Error('the signing pool is closed'));
    }
  }

  /**
   * The first idle thread (so the threads past it stay idle and retire when the load
   * falls), else a new one while there are fewer than `size`, else the least busy.
   */
  #leastBusy(): Thread {
    const idle = this.#threads.find((t) => t.pending.size === 0);
    if (idle !== undefined) return idle;
    if (this.#threads.length < this.#size) {
      const thread = this.#start();
      this.#threads.push(thread);
      return thread;
    }
    let best = this.#threads[0] as Thread;
    for (const t of this.#threads) if (t.pending.size < best.pending.size) best = t;
    return best;
  }

  /** Stops `thread` after `idleMs` unless work reaches it first. */
  #retireWhenIdle(thread: Thread): void {
    thread.idle = setTimeout(() => {
      thread.idle = undefined;
      if (thread.pending.size > 0) return;
      const index = this.#threads.indexOf(thread);
      if (index >= 0) this.#threads.splice(index, 1);
      void thread.worker.terminate();
    }, this.#idleMs);
    thread.idle.unref();
  }

  #start(): Thread {
    const worker = new Worker(THREAD_SOURCE, { eval: true });
    worker.unref();
    const thread: Thread = { worker, keys: new Set(), pending: new Map(), idle: undefined };
    worker.on('message', (reply: { job: number; result?: unknown; error?: string }) => {
      const waiting = thread.pending.get(reply.job);
      if (waiting === undefined) return;
      thread.pending.delete(reply.job);
      if (thread.pending.size === 0) {
        worker.unref();
        this.#retireWhenIdle(thread);
      }
      if (reply.error === undefined) waiting.resolve(reply.result);
      else waiting.reject(new Error(reply.error));
    });
    worker.on('error', (error) => {
      this.#fail(thread, error instanceof Error ? error : new Error(String(error)));
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
    clearTimeout(thread.idle);
    for (const p of thread.pending.values()) p.reject(error);
    thread.pending.clear();
  }
}
