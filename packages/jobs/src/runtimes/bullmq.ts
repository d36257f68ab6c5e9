import {
  checkRelayedJobs,
  finishOutboxJob,
  relayOutbox,
  scheduledPulses,
  type PendingJob,
} from '@pulsegap/db';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  InvalidJobPayloadError,
  isJobName,
  JOBS,
  pulseRecurrence,
  RECURRENCES,
  SCHEDULE_SYNC_MS,
  type JobName,
  type Recurrence,
} from '../contract.js';
import type { JobContext } from '../context.js';
import { runJob } from '../handlers/index.js';
import type { QueueDepth } from '../metrics.js';
import { RELAY_BATCH, withTimeout, type JobLogger, type JobRuntime } from './common.js';
import { queueDepthsOf } from './queue-depths.js';

/** Options of a BullMQ-backed runtime. */
export interface BullmqRuntimeOptions {
  readonly context: JobContext;
  readonly redisUrl: string;
  readonly logger: JobLogger;
  /** Prefix of the queues' Redis keys (`QUEUE_PREFIX`, default `pulsegap`; tests use a unique one). */
  readonly prefix?: string;
  readonly concurrency?: number;
  readonly pollMs?: number;
  /** How often to look for runs whose release is due (default 10 s): its scheduler's interval. */
  readonly sweepMs?: number;
  /** How often the schedulers are brought in line with the pulses (default 10 s). */
  readonly scheduleSyncMs?: number;
  /** How long the relay and `close()` wait for Redis before giving up (default 5 s). */
  readonly redisTimeoutMs?: number;
  /**
   * How often the relay checks the jobs it handed on that have not finished against the
   * queue, handing it again those it no longer holds and retrying those that failed
   * (default twice `lockDurationMs`).
   */
  readonly recheckMs?: number;
  /**
   * How long a worker's hold on a running job lasts without renewal, and how often workers
   * look for jobs whose worker died (stalled) to take them up (default 30 s).
   */
  readonly lockDurationMs?: number;
}

/** A BullMQ runtime, with what the worker's health listener asks of it. */
export interface BullmqRuntime extends JobRuntime {
  /** Whether it runs: started and not told to close. */
  readonly running: boolean;
  /** Whether Redis answers a PING within `timeoutMs`. */
  redisAnswers(timeoutMs: number): Promise<boolean>;
  /** The depth of each job's queue now. */
  queueDepths(): Promise<QueueDepth[]>;
}

/**
 * Whether `redis` answers a PING within `timeoutMs`. The relay's connection queues nothing
 * while it is not connected, so a connection (re)starting is waited for, within the time.
 */
async function redisAnswers(redis: Redis, timeoutMs: number): Promise<boolean> {
  let onReady: (() => void) | undefined;
  try {
    await withTimeout(
      (async () => {
        if (redis.status !== 'ready') {
          await new Promise<void>((resolve) => {
            onReady = resolve;
            redis.once('ready', resolve);
          });
        }
        return redis.ping();
      })(),
      timeoutMs,
      'Redis did not answer',
    );
    return true;
  } catch {
    return false;
  } finally {
    if (onReady !== undefined) redis.off('ready', onReady);
  }
}

/** How long a relay pass waits for Redis to answer before it leaves the work for the next. */
const REDIS_LOOK_MS = 1000;

/** How often a job may stall (its worker gone) and be taken up again before it fails. */
const MAX_STALLED = 10;

/** The queue's job id of an outbox row: its key and its row id. */
function jobIdOf(job: PendingJob): string {
  return `${job.key}-${job.id}`;
}

/** The outbox row of a queued job (null: not from the outbox). */
function outboxIdOf(jobId: string | undefined): string | null {
  return /-(\d+)$/.exec(jobId ?? '')?.[1] ?? null;
}

/**
 * Server mode: relays the outbox to BullMQ (`jobId` from the outbox row, so a relay that
 * hands a job on again adds nothing twice while the queue holds it) and runs a BullMQ
 * worker per job. A row stays owed until its job has finished: the worker deletes it then.
 * Every `recheckMs` the relay looks up each relayed row's job in the queue: one the queue
 * no longer holds (Redis restarted empty) is handed on again, one that failed (retries
 * spent, or stalled too often) is retried. Jobs are idempotent. A Redis outage leaves the
 * rows owed: work is delayed, never lost. The recurring jobs (`RECURRENCES`) run once when
 * it starts, then on BullMQ job schedulers, synced at start and at every recheck.
 */
export function startBullmqRuntime(options: BullmqRuntimeOptions): BullmqRuntime {
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
  const lockDurationMs = options.lockDurationMs ?? 30_000;
  const recheckMs = options.recheckMs ?? 2 * lockDurationMs;
  const { context } = options;
  const queues = new Map<JobName, Queue>(
    [...JOBS.keys()].map((name) => {
      const queue = new Queue(name, { connection: producer, prefix });
      queue.on('error', reportRedisError);
      return [name, queue];
    }),
  );
  /** The queue of a job, or null for a name without a handler (logged as failed). */
  const queueOfName = (name: JobName): Queue => {
    const queue = queues.get(name);
    if (queue === undefined) throw new Error(`no queue for job ${name}`);
    return queue;
  };
  const queueOf = (job: PendingJob): Queue | null => {
    const queue = isJobName(job.name) ? queues.get(job.name) : undefined;
    if (queue !== undefined) return queue;
    // As the in-process runtime does: an unknown job fails for good and its row goes.
    const error = new InvalidJobPayloadError(`no handler for job ${job.name}`);
    options.logger.error({ err: error, job: job.name, key: job.key }, 'job failed');
    return null;
  };
  const workers = [...JOBS.keys()].map((name) => {
    const process = async (job: Job) => {
      // A job of a recurrence (a scheduler's) has no outbox row.
      const outboxId = job.repeatJobKey === undefined ? outboxIdOf(job.id) : null;
      try {
        // The relay sets the job's timestamp to when it saw the committed request.
        await runJob(context, job.name, job.data, { requestedAt: new Date(job.timestamp) });
      } catch (error) {
        if (!(error instanceof InvalidJobPayloadError)) throw error;
        // Retrying cannot help: the work is dropped, and kept in the failed set.
        if (outboxId !== null) await finishOutboxJob(context.db, outboxId);
        throw new UnrecoverableError(error.message);
      }
      if (outboxId !== null) await finishOutboxJob(context.db, outboxId);
    };
    const worker = new Worker(name, process, {
      connection: consumer,
      prefix,
      concurrency: options.concurrency ?? 2,
      maxStalledCount: MAX_STALLED,
      lockDuration: lockDurationMs,
      stalledInterval: lockDurationMs,
    });
    worker.on('failed', (job, error) => {
      options.logger.error({ err: error, job: name, jobId: job?.id }, 'job failed');
    });
    worker.on('error', reportRedisError);
    return worker;
  });

  const addToQueue = (queue: Queue, job: PendingJob) =>
    queue.add(job.name, job.payload, {
      jobId: jobIdOf(job),
      timestamp: job.requestedAt.getTime(),
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
      // A completed job would keep its times, dating the work (and the responses) that
      // asked for it; a failed one is kept a week for operators (it names only ids).
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  // Bounded: while Redis is unreachable BullMQ waits for it, and the outbox rows stay locked.
  const dispatch = (jobs: readonly PendingJob[]) =>
    withTimeout(
      (async () => {
        const dropped: string[] = [];
        for (const job of jobs) {
          const queue = queueOf(job);
          if (queue === null) dropped.push(job.id);
          else await addToQueue(queue, job);
        }
        return dropped;
      })(),
      redisTimeoutMs,
      'Redis did not accept the jobs in time',
    );
  const recheck = (jobs: readonly PendingJob[]) =>
    withTimeout(
      (async () => {
        const dropped: string[] = [];
        for (const job of jobs) {
          const queue = queueOf(job);
          if (queue === null) {
            dropped.push(job.id);
            continue;
          }
          const queued = await queue.getJob(jobIdOf(job));
          if (queued === undefined) {
            options.logger.info(
              { job: job.name, jobId: jobIdOf(job) },
              'job lost; handed on again',
            );
            await addToQueue(queue, job);
          } else if (await queued.isFailed()) {
            options.logger.info({ job: job.name, jobId: jobIdOf(job) }, 'failed job retried');
            await queued.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
          }
        }
        return dropped;
      })(),
      redisTimeoutMs,
      'Redis did not answer the check in time',
    );

  /** The service's recurrences and one per scheduled pulse, as the database has them now. */
  const recurrences = async (): Promise<Recurrence[]> => [
    ...RECURRENCES.map((r) =>
      r.id === 'sweep-due-releases' && 'everyMs' in r && options.sweepMs !== undefined
        ? { ...r, everyMs: options.sweepMs }
        : r,
    ),
    ...(await scheduledPulses(context.db)).map(pulseRecurrence),
  ];
  /**
   * One BullMQ job scheduler per recurrence, made or updated (so every worker upserting it
   * makes one schedule between them); a scheduler of no recurrence (a pulse deleted, paused
   * or unscheduled) is removed. Run when the runtime starts, every `SCHEDULE_SYNC_MS` and
   * at every recheck: the database is the truth, and Redis restarted empty has none.
   */
  const syncSchedulers = async () => {
    const wanted = await recurrences();
    await withTimeout(
      (async () => {
        const ids = new Set(wanted.map((r) => r.id));
        for (const recurrence of wanted) {
          // One schedule BullMQ refuses does not keep the others from being synced.
          await queueOfName(recurrence.job.name)
            .upsertJobScheduler(
              recurrence.id,
              'everyMs' in recurrence
                ? { every: recurrence.everyMs }
                : { pattern: recurrence.cron, tz: recurrence.timezone },
              {
                name: recurrence.job.name,
                data: recurrence.job.payload,
                opts: { removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } },
              },
            )
            .catch((error: unknown) => {
              options.logger.error(
                { err: error, scheduler: recurrence.id },
                'job scheduler refused',
              );
            });
        }
        for (const queue of queues.values()) {
          for (const scheduler of await queue.getJobSchedulers()) {
            if (!ids.has(scheduler.key)) await queue.removeJobScheduler(scheduler.key);
          }
        }
      })(),
      redisTimeoutMs,
      'Redis did not take the job schedulers in time',
    );
  };
  /**
   * The service's recurrences once, here and now: a runtime that starts closes overdue runs.
   * (A pulse's occurrence is not started here: a scheduler's next job waits in Redis while
   * no worker runs and fires late, and the run it starts closes on time.)
   */
  const runRecurrencesNow = async () => {
    for (const recurrence of RECURRENCES) {
      await runJob(context, recurrence.job.name, recurrence.job.payload);
    }
  };

  let closed = false;
  let running: Promise<void> = Promise.resolve();
  let started = false;
  let syncedAt = -Infinity;
  let checkedAt = performance.now();
  // Read through a function: `closed` changes while a pass waits.
  const stopping = () => closed;
  const pass = async () => {
    if (stopping()) return;
    if (!started) {
      await runRecurrencesNow();
      started = true;
    }
    // Every step below waits for Redis as long as `redisTimeoutMs` when it is gone: one short
    // look first, so a pass (and a runtime closing during one) does not wait three times over.
    // The outbox keeps the work until Redis answers again.
    if (!(await redisAnswers(producer, Math.min(redisTimeoutMs, REDIS_LOOK_MS)))) return;
    if (performance.now() - syncedAt >= (options.scheduleSyncMs ?? SCHEDULE_SYNC_MS)) {
      syncedAt = performance.now();
      // Schedules wait for Redis; the outbox is relayed all the same.
      await syncSchedulers().catch((error: unknown) => {
        options.logger.error({ err: error }, 'job schedulers not synced; will retry');
      });
    }
    // Each step may wait for Redis as long as `redisTimeoutMs`: a closing runtime takes no
    // further step, so its last pass ends within one such wait.
    while (!stopping() && (await relayOutbox(context.db, RELAY_BATCH, dispatch)) === RELAY_BATCH);
    if (!stopping() && performance.now() - checkedAt >= recheckMs) {
      checkedAt = performance.now();
      await checkRelayedJobs(context.db, RELAY_BATCH, recheck);
    }
  };
  const tick = (): Promise<void> => {
    running = running.then(pass).catch((error: unknown) => {
      options.logger.error({ err: error }, 'outbox relay failed; will retry');
    });
    return running;
  };
  // A pass still under way (Redis slow or gone) is not queued behind: the timer waits for
  // it, so passes never pile up and a closing runtime waits for one pass at most.
  let busy = false;
  const timer = setInterval(() => {
    if (closed || busy) return;
    busy = true;
    void tick().finally(() => {
      busy = false;
    });
  }, options.pollMs ?? 250);

  let closing: Promise<void> | null = null;
  return {
    get running() {
      return !closed;
    },
    redisAnswers: (timeoutMs) => redisAnswers(producer, timeoutMs),
    queueDepths: () => queueDepthsOf(queues.values()),
    async drain() {
      await runRecurrencesNow();
      await tick();
      // A job scheduler always holds its next iteration, delayed: not work pending.
      const pending = async (queue: Queue) => {
        const counts = await queue.getJobCounts('waiting', 'active');
        const delayed = (await queue.getDelayed()).filter((j) => j.repeatJobKey === undefined);
        return (counts.waiting ?? 0) + (counts.active ?? 0) + delayed.length;
      };
      for (;;) {
        const counts = await Promise.all([...queues.values()].map(pending));
        if (counts.every((n) => n === 0)) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(timer);
        // The relay's last pass ends within one short look at Redis. BullMQ's close lets the
        // jobs under way finish, but with Redis gone it waits for it forever: it is waited for
        // only while Redis answers, and within one bounded time, so the process stops within
        // its own deadline.
        const closedBy = Date.now() + redisTimeoutMs;
        await running;
        context.mailer.close();
        const closers = Promise.all([...workers, ...queues.values()].map((c) => c.close()));
        const reachable = await redisAnswers(
          producer,
          Math.min(REDIS_LOOK_MS, Math.max(0, closedBy - Date.now())),
        );
        await withTimeout(
          reachable ? closers : Promise.reject(new Error('Redis does not answer')),
          Math.max(0, closedBy - Date.now()),
          'Redis did not answer while closing',
        ).catch((error: unknown) => {
          closers.catch(() => undefined);
          options.logger.error({ err: error }, 'job runtime closed without Redis');
        });
        producer.disconnect();
        consumer.disconnect();
      })();
      return closing;
    },
  };
}
