import { finishOutboxJob, scheduledPulses, takeOutboxJobs, type PendingJob } from '@pulsegap/db';
import { previousOccurrence } from '@pulsegap/domain/schedule';
import {
  InvalidJobPayloadError,
  pulseRecurrence,
  RECURRENCES,
  SCHEDULE_SYNC_MS,
  type Recurrence,
} from '../contract.js';
import type { JobContext } from '../context.js';
import { runJob } from '../handlers/index.js';
import { RELAY_BATCH, type JobLogger, type JobRuntime } from './common.js';

/**
 * Embedded default: the API process takes the outbox's rows itself and runs the handlers
 * in-process, one job at a time, deleting each row once its job has finished. A job that
 * fails is tried up to three times. Rows taken and not finished (the process stopped, or
 * the job failed) are run again when it next starts. The recurring jobs (`RECURRENCES`) run
 * on a timer: each when the runtime starts, then at its interval.
 */
export function startInProcessRuntime(options: {
  context: JobContext;
  logger: JobLogger;
  pollMs?: number;
  /** How often to look for runs whose release is due (default 10 s). */
  sweepMs?: number;
  /** How often the scheduled pulses are read again (default 10 s). */
  scheduleSyncMs?: number;
}): JobRuntime {
  const { context } = options;
  const db = context.db;
  let closed = false;
  let running: Promise<void> = Promise.resolve();

  const every = RECURRENCES.flatMap((r) =>
    'everyMs' in r
      ? [
          {
            ...r,
            everyMs: r.id === 'sweep-due-releases' ? (options.sweepMs ?? r.everyMs) : r.everyMs,
            dueAt: -Infinity,
          },
        ]
      : [],
  );
  // The scheduled pulses, reloaded every SCHEDULE_SYNC_MS; each starts the run of an
  // occurrence once it comes while the runtime runs (one missed while it did not is not
  // started later: nothing kept it).
  let pulses: { recurrence: Recurrence; checkedAt: number }[] = [];
  let pulsesLoadedAt = -Infinity;
  let leftOver = true;
  const pass = async (): Promise<void> => {
    for (const recurrence of every) {
      if (performance.now() < recurrence.dueAt) continue;
      recurrence.dueAt = performance.now() + recurrence.everyMs;
      await runJob(context, recurrence.job.name, recurrence.job.payload);
    }
    if (performance.now() - pulsesLoadedAt >= (options.scheduleSyncMs ?? SCHEDULE_SYNC_MS)) {
      pulsesLoadedAt = performance.now();
      const checked = new Map(pulses.map((p) => [p.recurrence.id, p.checkedAt]));
      pulses = (await scheduledPulses(db)).map(pulseRecurrence).map((recurrence) => ({
        recurrence,
        checkedAt: checked.get(recurrence.id) ?? Date.now(),
      }));
    }
    const now = new Date();
    for (const pulse of pulses) {
      const { recurrence } = pulse;
      if ('everyMs' in recurrence) continue;
      const occurrence = previousOccurrence(recurrence, now);
      if (occurrence !== null && occurrence.getTime() > pulse.checkedAt) {
        await runJob(context, recurrence.job.name, {
          ...recurrence.job.payload,
          scheduledFor: occurrence.toISOString(),
        });
      }
      pulse.checkedAt = now.getTime();
    }
    for (;;) {
      // Taken rows are marked relayed: a request for the same key made while the job runs
      // gets a new row.
      const jobs = await takeOutboxJobs(db, RELAY_BATCH, leftOver);
      leftOver = false;
      if (jobs.length === 0) return;
      for (const job of jobs) {
        if (await runWithRetries(context, job, options.logger)) await finishOutboxJob(db, job.id);
      }
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
      for (const recurrence of every) recurrence.dueAt = -Infinity;
      pulsesLoadedAt = -Infinity;
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

/**
 * Runs a job, trying up to three times. Whether it is finished: done, or a payload no
 * retry can help (dropped). A job that failed otherwise stays owed: it runs again when the
 * runtime next starts.
 */
async function runWithRetries(
  context: JobContext,
  job: PendingJob,
  logger: JobLogger,
): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await runJob(context, job.name, job.payload, { requestedAt: job.requestedAt });
      return true;
    } catch (error) {
      const hopeless = error instanceof InvalidJobPayloadError;
      if (attempt >= 3 || hopeless) {
        logger.error({ err: error, job: job.name, key: job.key }, 'job failed');
        return hopeless;
      }
    }
  }
}
