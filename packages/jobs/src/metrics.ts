/**
 * The operators' signals of the job system and the database, in Prometheus' terms
 * (prom-client): how long jobs and releases take, how many jobs wait in each queue, how
 * much work the outbox still owes, and how the connection pool stands. Nothing here names
 * an organization, a run or a person, and nothing is counted per response: no job is ever
 * asked for by an answer (the intake writes no outbox row), so none of these dates one.
 */
import { outboxBacklog, type Database, type PoolStats } from '@pulsegap/db';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Kysely } from 'kysely';
import { withTimeout } from './runtimes/common.js';

/** How a queue stands: jobs waiting, running, delayed (retries, schedulers' next) and failed. */
export interface QueueDepth {
  readonly queue: string;
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
}

/** What the job handlers report (see `createJobMetrics`). */
export interface JobMetrics {
  /** One job run to its end: its name, whether it finished, and how long it took. */
  observeJob(job: string, outcome: 'done' | 'failed', seconds: number): void;
  /** One run released (`closeAndRelease` that did release): how long it took. */
  observeRelease(seconds: number): void;
}

/** A fresh registry with Node's process metrics (memory, CPU, event loop, GC), prefixed. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pulsegap_' });
  return registry;
}

// A release of 100,000 responses takes about 10 s (docs/PERFORMANCE.md); most jobs far less.
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Histograms of job durations by job name and of run releases, registered in `registry`.
 * The release's histogram has no label at all: which run, or whose, is not a metric.
 */
export function createJobMetrics(registry: Registry): JobMetrics {
  const jobs = new Histogram({
    name: 'pulsegap_job_duration_seconds',
    help: 'Jobs run by this process, by job name and outcome, and how long each took.',
    labelNames: ['job', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  const releases = new Histogram({
    name: 'pulsegap_run_release_duration_seconds',
    help: 'Runs released by this process (responses stored, figures computed once), and how long each release took.',
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  return {
    observeJob: (job, outcome, seconds) => {
      jobs.observe({ job, outcome }, seconds);
    },
    observeRelease: (seconds) => {
      releases.observe(seconds);
    },
  };
}

/** Where `registerServiceMetrics` reads its gauges from at each scrape. */
export interface ServiceMetricsSources {
  /** The application role's database (for the outbox backlog). */
  readonly db: Kysely<Database>;
  /** The pool's state (`DatabaseHandle.poolStats`); `null` answers report no pool gauge. */
  readonly poolStats: () => PoolStats | null;
  /** The queues' depths, when this process can see the queues (Redis configured). */
  readonly queueDepths?: () => Promise<readonly QueueDepth[]>;
  /** How long a scrape waits for the database or Redis (default 2 s). */
  readonly timeoutMs?: number;
}

/**
 * Gauges read when scraped: the outbox backlog by job name and state (`owed`: not yet handed
 * to a queue; `relayed`: handed on, its job not finished), the database pool, and the queue
 * depths. A source that does not answer in time leaves its gauge empty for that scrape, so
 * a database or Redis outage never stalls `/metrics`.
 */
export function registerServiceMetrics(registry: Registry, sources: ServiceMetricsSources): void {
  const timeoutMs = sources.timeoutMs ?? 2000;
  new Gauge({
    name: 'pulsegap_outbox_rows',
    help: 'Work the outbox owes, by job name and state: owed (not yet handed to a queue) or relayed (handed on, not finished).',
    labelNames: ['job', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const backlog = await withTimeout(
        outboxBacklog(sources.db),
        timeoutMs,
        'outbox backlog timed out',
      ).catch(() => null);
      for (const row of backlog ?? []) {
        this.set({ job: row.jobName, state: 'owed' }, row.owed);
        this.set({ job: row.jobName, state: 'relayed' }, row.relayed);
      }
    },
  });
  new Gauge({
    name: 'pulsegap_db_pool_connections',
    help: "The database pool's connections by state (total, idle) and the requests waiting for one (waiting).",
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const stats = sources.poolStats();
      if (stats === null) return;
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
  const { queueDepths } = sources;
  if (queueDepths === undefined) return;
  new Gauge({
    name: 'pulsegap_queue_jobs',
    help: 'Jobs in each BullMQ queue by state (waiting, active, delayed, failed).',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const depths = await withTimeout(queueDepths(), timeoutMs, 'queue depths timed out').catch(
        () => null,
      );
      for (const depth of depths ?? []) {
        for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) {
          this.set({ queue: depth.queue, state }, depth[state]);
        }
      }
    },
  });
}
