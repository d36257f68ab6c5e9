import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS } from '../contract.js';
import type { QueueDepth } from '../metrics.js';
import { withTimeout } from './common.js';

/** The depth of each of `queues` now, in one round of `getJobCounts` each. */
export async function queueDepthsOf(queues: Iterable<Queue>): Promise<QueueDepth[]> {
  return Promise.all(
    [...queues].map(async (queue) => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      return {
        queue: queue.name,
        waiting: counts.waiting ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      };
    }),
  );
}

/** Reads the depth of every job's queue for a process that runs no worker (the API). */
export interface QueueInspector {
  depths(): Promise<QueueDepth[]>;
  /** Closes the queues; the connection stays its owner's. */
  close(): Promise<void>;
}

/**
 * Looks at the job queues over `connection` (an ioredis client the caller owns and closes),
 * under the same prefix as the workers' runtime (default `pulsegap`).
 */
export function openQueueInspector(connection: Redis, prefix = 'pulsegap'): QueueInspector {
  const queues = [...JOBS.keys()].map((name) => {
    const queue = new Queue(name, { connection, prefix });
    queue.on('error', () => undefined);
    return queue;
  });
  return {
    depths: () => queueDepthsOf(queues),
    async close() {
      // Bounded: with Redis gone, BullMQ's close waits for it.
      await withTimeout(
        Promise.all(queues.map((q) => q.close())),
        2000,
        'Redis did not answer while closing',
      ).catch(() => undefined);
    },
  };
}
