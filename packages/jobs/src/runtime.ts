import { deleteOutboxJobs, pendingJobs, relayOutbox, type PendingJob } from '@pulsegap/db';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { InvalidJobPayloadError, JOBS, runJob, type JobContext } from './definitions.js';
import { DUE_RELEASE_SWEEP_MS, requestDueReleases } from './due-releases.js';

/** The minimal logger the runtimes write to (pino's shape). */
export interface JobLogger {
  info(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** A running job runtime; `close()` stops it and may be called more than once. */
export interface JobRuntime {
  close(): Promise<void>;
  /** Relays and runs everything pending now; resolves when done (tests, seed). */
  drain(): Promise<void>;
}

const RELAY_BATCH = 100;

/**
 * Embedded default: the API process relays the outbox to itself and runs the handlers
 * in-process, one job at a time. A job that fails is retried up to three times.
 */
export function startInProcessRuntime(options: {
  context: JobContext;
  logger: JobLogger;
  pollMs?: number;
  /** How often to look for runs whose release is due (default 10 s). */
  sweepMs?: number;
}): JobRuntime {
  const { context } = options;
  const db = context.db;
  let closed = false;
  let running: Promise<void> = Promise.resolve();

  let sweptAt = -Infinity;
  const pass = async (): Promise<void> => {
    if (performance.now() - sweptAt >= (options.sweepMs ?? DUE_RELEASE_SWEEP_MS)) {
      sweptAt = performance.now();
      await requestDueReleases(db);
    }
    for (;;) {
      const jobs = await pendingJobs(db, RELAY_BATCH);
      if (jobs.length === 0) return;
      // Deleted first: a request for the same key made while the job runs gets a new row.
      await deleteOutboxJobs(
        db,
        jobs.map((j) => j.id),
      );
      for (const job of jobs) await runWithRetries(context, job, options.logger);
    }
  };
  const tick = (): Promise<void> => {
    running = running.then(pass).catch((error: unknown) => {
      options.logger.error({ err: error }, 'job relay failed');
    });
    return running;
  };
  const timer = setInterval(() => {
    if (!closed) void tick();
  }, options.pollMs ?? 250);

  return {
    drain: () => {
      sweptAt = -Infinity;
      return tick();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      context.mailer.close();
    },
  };
}

async function runWithRetries(context: JobContext, job: PendingJob, logger: JobLogger) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await runJob(context, job.name, job.payload, { requestedAt: job.requestedAt });
      return;
    } catch (error) {
      if (attempt >= 3 || error instanceof InvalidJobPayloadError) {
        logger.error({ err: error, job: job.name, key: job.key }, 'job failed');
        return;
      }
    }
  }
}

/** Options of a BullMQ-backed runtime. */
export interface BullmqRuntimeOptions {
  readonly context: JobContext;
  readonly redisUrl: string;
  readonly logger: JobLogger;
  /** Queue name prefix (tests use a unique one). */
  readonly prefix?: string;
  readonly concurrency?: number;
  readonly pollMs?: number;
  /** How often to look for runs whose release is due (default 10 s). */
  readonly sweepMs?: number;
  /** How long the relay and `close()` wait for Redis before giving up (default 5 s). */
  readonly redisTimeoutMs?: number;
}

/**
 * Server mode: relays the outbox to BullMQ (`jobId` from the outbox row, so a relay that
 * retries after a crash adds nothing twice while the job waits; jobs are idempotent if it
 * ran already) and runs a BullMQ worker per job. A relayed row is deleted, and so is a
 * completed job. A Redis outage leaves the outbox rows pending: work is delayed, never lost.
 */
export function startBullmqRuntime(options: BullmqRuntimeOptions): JobRuntime {
  const reportRedisError = (error: Error) => {
    options.logger.error({ err: error }, 'redis connection error');
  };
  // The relay's connection fails fast, so an outage leaves the outbox rows pending instead
  // of holding their locks; the workers' connection waits for Redis to come back.
  const producer = new Redis(options.redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  const consumer = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  producer.on('error', reportRedisError);
  consumer.on('error', reportRedisError);
  const prefix = options.prefix ?? 'pulsegap';
  const redisTimeoutMs = options.redisTimeoutMs ?? 5000;
  const { context } = options;
  const queues = new Map(
    [...JOBS.keys()].map((name) => {
      const queue = new Queue(name, { connection: producer, prefix });
      queue.on('error', reportRedisError);
      return [name, queue];
    }),
  );
  const workers = [...JOBS.keys()].map((name) => {
    const process = async (job: Job) => {
      try {
        // The relay sets the job's timestamp to when it saw the committed request.
        await runJob(context, job.name, job.data, { requestedAt: new Date(job.timestamp) });
      } catch (error) {
        if (error instanceof InvalidJobPayloadError) throw new UnrecoverableError(error.message);
        throw error;
      }
    };
    const worker = new Worker(name, process, {
      connection: consumer,
      prefix,
      concurrency: options.concurrency ?? 2,
    });
    worker.on('failed', (job, error) => {
      options.logger.error({ err: error, job: name, jobId: job?.id }, 'job failed');
    });
    worker.on('error', reportRedisError);
    return worker;
  });

  const dispatch = (jobs: readonly PendingJob[]) =>
    // Bounded: while Redis is unreachable BullMQ waits for it, and the outbox rows stay locked.
    withTimeout(addToQueues(jobs), redisTimeoutMs, 'Redis did not accept the jobs in time');
  const addToQueues = async (jobs: readonly PendingJob[]) => {
    for (const job of jobs) {
      const queue = queues.get(job.name);
      if (queue === undefined) throw new Error(`no queue for job ${job.name}`);
      await queue.add(job.name, job.payload, {
        jobId: `${job.key}-${job.id}`,
        timestamp: job.requestedAt.getTime(),
        attempts: 5,
        backoff: { type: 'exponential', delay: 500 },
        // A completed job would keep its times, dating the work (and the responses) that
        // asked for it; a failed one is kept a week for operators (it names only ids).
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    }
  };

  let closed = false;
  let running: Promise<void> = Promise.resolve();
  let sweptAt = -Infinity;
  const pass = async () => {
    if (performance.now() - sweptAt >= (options.sweepMs ?? DUE_RELEASE_SWEEP_MS)) {
      sweptAt = performance.now();
      await requestDueReleases(context.db);
    }
    while ((await relayOutbox(context.db, RELAY_BATCH, dispatch)) === RELAY_BATCH);
  };
  const tick = (): Promise<void> => {
    running = running.then(pass).catch((error: unknown) => {
      options.logger.error({ err: error }, 'outbox relay failed; will retry');
    });
    return running;
  };
  const timer = setInterval(() => {
    if (!closed) void tick();
  }, options.pollMs ?? 250);

  let closing: Promise<void> | null = null;
  return {
    async drain() {
      sweptAt = -Infinity;
      await tick();
      for (;;) {
        const counts = await Promise.all(
          [...queues.values()].map((q) => q.getJobCounts('waiting', 'active', 'delayed')),
        );
        if (counts.every((c) => (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0))
          return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(timer);
        await running;
        // With Redis gone, BullMQ's close waits for it forever: give it a bounded time.
        context.mailer.close();
        await withTimeout(
          Promise.all([...workers, ...queues.values()].map((c) => c.close())),
          redisTimeoutMs,
          'Redis did not answer while closing',
        ).catch((error: unknown) => {
          options.logger.error({ err: error }, 'job runtime closed without Redis');
        });
        producer.disconnect();
        consumer.disconnect();
      })();
      return closing;
    },
  };
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(message));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
