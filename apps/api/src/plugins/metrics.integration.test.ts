import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { enqueueJob, type DatabaseHandle } from '@pulsegap/db';
import {
  createMetricsRegistry,
  JOBS,
  openQueueInspector,
  registerServiceMetrics,
  startSignalsServer,
  type QueueInspector,
  type SignalsServer,
} from '@pulsegap/jobs';
import { openTestDatabase, testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHttpServer } from '../http-server.js';
import {
  bearer,
  collectToken,
  openInvite,
  rosterRows,
  startAnsweringRun,
  submission,
  type AnsweringRun,
} from '../test-support.js';
import { WEB_ROOT } from './web.js';

/** One sample of the text exposition format: `name{label="value",...} number`. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

/**
 * Parses Prometheus' text format (version 0.0.4) strictly: every line is a `# HELP`, a
 * `# TYPE` of a known type, or a sample whose labels and value are well formed, and every
 * sample belongs to a family announced by its TYPE line.
 */
function parseExposition(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type?.[1] !== undefined && type[2] !== undefined) {
      types.set(type[1], type[2]);
      continue;
    }
    if (/^# HELP \S+ /.test(line)) continue;
    const match = SAMPLE.exec(line);
    if (match?.[1] === undefined || match[3] === undefined) {
      throw new Error(`not a sample: ${line}`);
    }
    const labels: Record<string, string> = {};
    const text = match[2] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < text.length) {
      const label = LABEL.exec(text);
      if (label?.[1] === undefined || label[2] === undefined) {
        throw new Error(`bad labels: ${line}`);
      }
      labels[label[1]] = label[2];
    }
    const value = Number(match[3].replace(/^\+Inf$/, 'Infinity'));
    // NaN in any case, as Prometheus reads it (prom-client writes `Nan` for an empty
    // event-loop histogram).
    if (Number.isNaN(value) && !/^nan$/i.test(match[3])) throw new Error(`bad value: ${line}`);
    const family = match[1].replace(/_(bucket|sum|count|total|created)$/, '');
    if (!types.has(match[1]) && !types.has(family)) throw new Error(`no TYPE for ${line}`);
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const TOKEN = 'metrics-token-for-the-test-0123456789abcdef';

describe('/metrics', () => {
  let database: DatabaseHandle;
  let registry: Registry;
  let server: FastifyInstance;
  let signals: SignalsServer;
  let redis: Redis;
  let queues: QueueInspector;
  let run: AnsweringRun;
  const prefix = `metrics-${randomUUID()}`;

  beforeAll(async () => {
    database = await openTestDatabase();
    registry = createMetricsRegistry();
    redis = new Redis(testConfig().redisUrl ?? '', { maxRetriesPerRequest: 1 });
    queues = openQueueInspector(redis, prefix);
    registerServiceMetrics(registry, {
      db: database.db,
      poolStats: () => database.poolStats(),
      queueDepths: () => queues.depths(),
    });
    server = await createHttpServer({ config: testConfig(), db: database.db, metrics: registry });
    signals = await startSignalsServer({ host: '127.0.0.1', port: 0, registry, token: TOKEN });
    run = await startAnsweringRun(server, database.db, {
      organization: 'Metrics Co',
      people: [
        ...rosterRows('metrics.test', 'f', 'Ops', 'frontline', 5),
        ...rosterRows('metrics.test', 'l', 'Board', 'leadership', 5),
      ],
      dimensions: ['staffing'],
    });
  });
  afterAll(async () => {
    await signals.close();
    await server.close();
    await queues.close();
    redis.disconnect();
    await database.close();
  });

  const metricsUrl = () => `http://127.0.0.1:${String(signals.port)}/metrics`;

  async function scrape(): Promise<{ text: string; samples: Sample[] }> {
    const response = await fetch(metricsUrl(), { headers: bearer(TOKEN) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    return { text, samples: parseExposition(text) };
  }

  test('is not served on the public port, and its own listener asks for the token', async () => {
    for (const url of ['/metrics', '/api/v1/metrics']) {
      const response = await server.inject({ url, headers: bearer(TOKEN) });
      expect(response.statusCode, url).toBe(404);
      expect(response.body).not.toContain('pulsegap_http');
    }
    const without = await fetch(metricsUrl());
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toBe('Bearer');
    expect(await without.text()).not.toContain('pulsegap_');
    const wrong = await fetch(metricsUrl(), { headers: bearer(`${TOKEN}x`) });
    expect(wrong.status).toBe(401);
    expect((await fetch(metricsUrl().replace('/metrics', '/'))).status).toBe(404);
  });

  test('counts routes by template, with the database pool, the outbox and the queues', async () => {
    const runId = run.runId;
    const gaps = await server.inject({
      url: `/api/v1/runs/${runId}/gaps`,
      headers: bearer(run.org.token),
    });
    expect(gaps.statusCode).toBe(409);
    const jobName = `metrics-test-${randomUUID()}`;
    await enqueueJob(database.db, { name: jobName, key: jobName, payload: {} });
    try {
      const { samples } = await scrape();
      const gapsCount = samples.find(
        (s) =>
          s.name === 'pulsegap_http_requests_total' &&
          s.labels.route === '/api/v1/runs/:id/gaps' &&
          s.labels.method === 'GET' &&
          s.labels.status_class === '4xx',
      );
      expect(gapsCount?.value).toBe(1);
      expect(
        samples.some(
          (s) =>
            s.name === 'pulsegap_http_request_duration_seconds_count' &&
            s.labels.route === '/api/v1/runs/:id/gaps',
        ),
      ).toBe(true);
      // The import, the pulse and the run are counted under their templates too.
      const routes = new Set(
        samples.filter((s) => s.name === 'pulsegap_http_requests_total').map((s) => s.labels.route),
      );
      expect(routes).toContain('/api/v1/pulses/:id/runs');
      expect(routes).toContain('/api/v1/people/import');

      const owed = samples.find(
        (s) =>
          s.name === 'pulsegap_outbox_rows' &&
          s.labels.job === jobName &&
          s.labels.state === 'owed',
      );
      expect(owed?.value).toBe(1);
      const pool = samples.filter((s) => s.name === 'pulsegap_db_pool_connections');
      expect(pool.map((s) => s.labels.state).sort()).toEqual(['idle', 'total', 'waiting']);
      expect(pool.find((s) => s.labels.state === 'total')?.value).toBeGreaterThan(0);
      const queued = samples.filter((s) => s.name === 'pulsegap_queue_jobs');
      expect(new Set(queued.map((s) => s.labels.queue))).toEqual(new Set(JOBS.keys()));
      expect(new Set(queued.map((s) => s.labels.state))).toEqual(
        new Set(['waiting', 'active', 'delayed', 'failed']),
      );
      // Node's own, prefixed.
      expect(samples.some((s) => s.name === 'pulsegap_process_resident_memory_bytes')).toBe(true);
    } finally {
      await database.db.deleteFrom('outbox').where('job_key', '=', jobName).execute();
    }
  });

  test('an answer, from the link to the receipt, adds to one total only: no route, no duration, no id', async () => {
    const before = await scrape();
    const quietBefore = sumOf(before.samples, 'pulsegap_http_quiet_requests_total');
    const labelledBefore = sumOf(before.samples, 'pulsegap_http_requests_total');

    const secret = run.links[0]?.secret ?? '';
    let requests = 0;
    if (existsSync(join(WEB_ROOT, 'answer.html'))) {
      expect((await server.inject({ url: `/answer/${secret}` })).statusCode).toBe(200);
      requests += 1;
    }
    const invite = await openInvite(server, secret);
    const keys = await server.inject({ url: `/api/v1/runs/${invite.runId}/keys` });
    expect(keys.statusCode).toBe(200);
    const token = await collectToken(server, secret, invite);
    const body = submission(invite, token, 2);
    const sent = await server.inject({ method: 'POST', url: '/api/v1/responses', payload: body });
    expect(sent.statusCode, sent.body).toBe(201);
    const again = await server.inject({ method: 'POST', url: '/api/v1/responses', payload: body });
    expect(again.statusCode).toBe(409);
    // A link mistyped with a trailing slash matches no route: counted the same way.
    expect((await server.inject({ url: `/api/v1/invite/${secret}/` })).statusCode).toBe(404);
    requests += 6;

    const after = await scrape();
    expect(sumOf(after.samples, 'pulsegap_http_quiet_requests_total') - quietBefore).toBe(requests);
    // Not one labelled request more, so no duration either.
    expect(sumOf(after.samples, 'pulsegap_http_requests_total')).toBe(labelledBefore);
    for (const sample of after.samples) {
      expect(sample.labels.route ?? '').not.toMatch(/invite|responses|keys|answer/);
      for (const value of Object.values(sample.labels)) {
        expect(value).not.toMatch(UUID);
        for (const needle of [secret, invite.keyId, body.token.message, run.org.organizationId]) {
          expect(value).not.toContain(needle);
        }
      }
      if (sample.name === 'pulsegap_http_quiet_requests_total') {
        expect(Object.keys(sample.labels)).toEqual(['status_class']);
      }
    }
    expect(after.text).not.toContain(secret);
    expect(after.text).not.toContain(run.org.organizationId);
  });
});

function sumOf(samples: readonly Sample[], name: string): number {
  return samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);
}
