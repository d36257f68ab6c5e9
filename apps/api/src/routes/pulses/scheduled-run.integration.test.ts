import { randomUUID } from 'node:crypto';
import {
  createJobContext,
  JOBS,
  startBullmqRuntime,
  startInProcessRuntime,
  startScheduledRun,
  type JobContext,
} from '@pulsegap/jobs';
import { Queue } from 'bullmq';
import { nextOccurrences } from '@pulsegap/domain/schedule';
import { openOwnerDatabase, testConfig } from '@pulsegap/testing';
import type { Kysely } from 'kysely';
import type { Database } from '@pulsegap/db';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  bearer,
  createPriority,
  createTestServer,
  signup,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

const SCHEDULE = { cron: '0 9 * * MON', timezone: 'Europe/Berlin', openForHours: 72 };
const DOMAIN = 'scheduled.test';

/** Leaders and frontline staff of two depots, as CSV rows. */
function roster(people: readonly (readonly [string, string, string])[]): string {
  return [
    'email,name,team,tier',
    ...people.map(([name, team, tier]) => `${name}@${DOMAIN},${name},${team},${tier}`),
  ].join('\n');
}

const FIRST: readonly (readonly [string, string, string])[] = [
  ...Array.from({ length: 6 }, (_, i) => [`lead${String(i)}`, 'North', 'leadership'] as const),
  ...Array.from({ length: 6 }, (_, i) => [`north${String(i)}`, 'North', 'frontline'] as const),
  ...Array.from({ length: 6 }, (_, i) => [`south${String(i)}`, 'South', 'frontline'] as const),
];

// A pulse's schedule starts one run per occurrence, however often the occurrence is taken.
describe('the run of a scheduled occurrence', () => {
  let t: TestServer;
  let owner: Kysely<Database>;
  let org: TestOrganization;
  let context: JobContext;
  let pulseId: string;

  const importRoster = async (people: typeof FIRST) => {
    const response = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import?deactivateMissing=true',
      headers: { ...bearer(org.token), 'content-type': 'text/csv' },
      payload: roster(people),
    });
    expect(response.statusCode, response.body).toBe(200);
  };
  const runsOfOccurrences = () =>
    owner
      .selectFrom('runs')
      .select(['id', 'scheduled_for', 'opened_at', 'closes_at', 'invited'])
      .where('pulse_id', '=', pulseId)
      .orderBy('opened_at')
      .execute();
  const invitees = async (runId: string) =>
    (
      await owner
        .selectFrom('invitations')
        .innerJoin('people', 'people.id', 'invitations.person_id')
        .leftJoin('teams', 'teams.id', 'invitations.segment_team_id')
        .select(['people.email', 'teams.name as team', 'invitations.segment_tier as tier'])
        .where('invitations.run_id', '=', runId)
        .execute()
    ).map((i) => `${i.email.split('@')[0] ?? ''} ${i.team ?? '-'} ${i.tier}`);

  beforeAll(async () => {
    t = await createTestServer();
    owner = openOwnerDatabase();
    context = createJobContext(testConfig(), t.db);
    org = await signup(t.server, 'Scheduled Co');
    await importRoster(FIRST);
    const priorityId = await createPriority(t.server, org.token, {
      title: 'Depot staffing',
      statedWeight: 4,
    });
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(org.token),
      payload: {
        title: 'Weekly depot pulse',
        priorityIds: [priorityId],
        dimensions: ['staffing'],
        schedule: SCHEDULE,
      },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    pulseId = pulse.json<{ id: string }>().id;
  });
  afterAll(async () => {
    context.mailer.close();
    await owner.destroy();
    await t.close();
  });

  test('taken three times at once and once more: one run, one invitation per person', async () => {
    const [occurrence] = nextOccurrences(SCHEDULE, new Date(), 1);
    if (occurrence === undefined) throw new Error('no occurrence');
    const now = new Date(occurrence.getTime() + 60_000);
    const outcomes = await Promise.all(
      [0, 1, 2].map(() => startScheduledRun(context, org.organizationId, pulseId, occurrence, now)),
    );
    expect(outcomes.sort()).toEqual(['already started', 'already started', 'started']);
    expect(await startScheduledRun(context, org.organizationId, pulseId, occurrence, now)).toBe(
      'already started',
    );
    const runs = await runsOfOccurrences();
    expect(runs).toHaveLength(1);
    const [run] = runs;
    // It opens at the occurrence and closes when its window ends, however late it started.
    expect(run?.scheduled_for?.toISOString()).toBe(occurrence.toISOString());
    expect(run?.opened_at.toISOString()).toBe(occurrence.toISOString());
    expect(run?.closes_at.getTime()).toBe(occurrence.getTime() + 72 * 3_600_000);
    expect(run?.invited).toBe(FIRST.length);
    expect(await invitees(run?.id ?? '')).toHaveLength(FIRST.length);
  });

  test('not an occurrence of the schedule, a window already over, or a paused pulse: skipped', async () => {
    const [occurrence] = nextOccurrences(SCHEDULE, new Date(Date.now() + 8 * 86_400_000), 1);
    if (occurrence === undefined) throw new Error('no occurrence');
    const before = (await runsOfOccurrences()).length;
    const offBeat = new Date(occurrence.getTime() + 3_600_000);
    expect(await startScheduledRun(context, org.organizationId, pulseId, offBeat, offBeat)).toBe(
      'skipped',
    );
    const late = new Date(occurrence.getTime() + 73 * 3_600_000);
    expect(await startScheduledRun(context, org.organizationId, pulseId, occurrence, late)).toBe(
      'skipped',
    );
    // A start that the schedule asked for and that did not happen is in the audit log.
    const audit = await t.server.inject({ url: '/api/v1/audit', headers: bearer(org.token) });
    expect(
      audit.json<{ items: { action: string; subject: string; detail: unknown }[] }>().items,
    ).toContainEqual(
      expect.objectContaining({
        action: 'run.skipped',
        subject: `pulse/${pulseId}`,
        detail: expect.objectContaining({
          scheduledFor: occurrence.toISOString(),
          code: 'WINDOW_OVER',
        }) as unknown,
      }),
    );
    const paused = await t.server.inject({
      method: 'PATCH',
      url: `/api/v1/pulses/${pulseId}`,
      headers: bearer(org.token),
      payload: { paused: true },
    });
    expect(paused.statusCode, paused.body).toBe(204);
    expect(
      await startScheduledRun(context, org.organizationId, pulseId, occurrence, occurrence),
    ).toBe('skipped');
    expect(await runsOfOccurrences()).toHaveLength(before);
    const resumed = await t.server.inject({
      method: 'PATCH',
      url: `/api/v1/pulses/${pulseId}`,
      headers: bearer(org.token),
      payload: { paused: false },
    });
    expect(resumed.statusCode, resumed.body).toBe(204);
  });

  test('the next occurrence invites the roster as it is then: new people in, leavers out, movers in their new team', async () => {
    // north0 moves to South, south5 leaves, two people join.
    await importRoster([
      ...FIRST.filter(([name]) => name !== 'south5' && name !== 'north0'),
      ['north0', 'South', 'frontline'],
      ['new0', 'North', 'frontline'],
      ['new1', 'South', 'frontline'],
    ]);
    const [occurrence] = nextOccurrences(SCHEDULE, new Date(Date.now() + 15 * 86_400_000), 1);
    if (occurrence === undefined) throw new Error('no occurrence');
    expect(
      await startScheduledRun(context, org.organizationId, pulseId, occurrence, occurrence),
    ).toBe('started');
    const run = (await runsOfOccurrences()).at(-1);
    const invited = await invitees(run?.id ?? '');
    expect(invited).toHaveLength(FIRST.length + 1);
    expect(invited).toEqual(
      expect.arrayContaining([
        'north0 South frontline',
        'new0 North frontline',
        'new1 South frontline',
      ]),
    );
    expect(invited.some((i) => i.startsWith('south5 '))).toBe(false);
  });
});

// The runtimes fire the schedules: one BullMQ job scheduler per scheduled pulse (removed
// when the pulse is paused), or the embedded runtime's timer. The schedule here is every
// five seconds, written as the owner (the API refuses a window longer than the interval),
// so a test sees occurrences come.
describe('schedules that fire', () => {
  let t: TestServer;
  let owner: Kysely<Database>;
  let org: TestOrganization;
  const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const logger = { info: () => undefined, error: () => undefined };

  beforeAll(async () => {
    t = await createTestServer();
    owner = openOwnerDatabase();
    org = await signup(t.server, 'Firing Co');
    const imported = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: { ...bearer(org.token), 'content-type': 'text/csv' },
      payload: roster(FIRST),
    });
    expect(imported.statusCode, imported.body).toBe(200);
  });
  afterAll(async () => {
    await owner.destroy();
    await t.close();
  });

  /** A pulse of the organization that recurs every five seconds. */
  const fastPulse = async (title: string) => {
    const priorityId = await createPriority(t.server, org.token, { title, statedWeight: 3 });
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(org.token),
      payload: { title, priorityIds: [priorityId], dimensions: ['staffing'] },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    const id = pulse.json<{ id: string }>().id;
    await owner
      .updateTable('pulses')
      .set({
        schedule_cron: '*/5 * * * * *',
        schedule_timezone: 'Europe/Berlin',
        open_for_hours: 1,
      })
      .where('id', '=', id)
      .execute();
    return id;
  };
  const scheduledRuns = (pulseId: string) =>
    owner
      .selectFrom('runs')
      .select(['scheduled_for'])
      .where('pulse_id', '=', pulseId)
      .where('scheduled_for', 'is not', null)
      .execute();
  const pause = async (pulseId: string) => {
    const response = await t.server.inject({
      method: 'PATCH',
      url: `/api/v1/pulses/${pulseId}`,
      headers: bearer(org.token),
      payload: { paused: true },
    });
    expect(response.statusCode, response.body).toBe(204);
  };

  test('BullMQ: a job scheduler per scheduled pulse starts its runs, and goes when it is paused', async () => {
    const pulseId = await fastPulse('Fired by BullMQ');
    const prefix = `test-${randomUUID()}`;
    const runtime = startBullmqRuntime({
      context: createJobContext(testConfig(), t.db),
      redisUrl: REDIS_URL,
      logger,
      prefix,
      scheduleSyncMs: 200,
    });
    const queue = new Queue('start-scheduled-run', { connection: { url: REDIS_URL }, prefix });
    try {
      await vi.waitFor(
        async () => {
          const schedulers = await queue.getJobSchedulers();
          expect(schedulers).toContainEqual(
            expect.objectContaining({
              key: `pulse-${pulseId}`,
              pattern: '*/5 * * * * *',
              tz: 'Europe/Berlin',
            }),
          );
        },
        { timeout: 5000 },
      );
      await vi.waitFor(
        async () => {
          expect((await scheduledRuns(pulseId)).length).toBeGreaterThanOrEqual(1);
        },
        { timeout: 15_000, interval: 200 },
      );
      for (const run of await scheduledRuns(pulseId)) {
        // Each run is of an occurrence: a multiple of five seconds.
        expect((run.scheduled_for?.getTime() ?? 1) % 5000).toBe(0);
      }
      await pause(pulseId);
      await vi.waitFor(
        async () => {
          const keys = (await queue.getJobSchedulers()).map((s) => s.key);
          expect(keys).not.toContain(`pulse-${pulseId}`);
        },
        { timeout: 5000 },
      );
    } finally {
      await runtime.close();
      for (const name of JOBS.keys()) {
        const q = new Queue(name, { connection: { url: REDIS_URL }, prefix });
        await q.obliterate({ force: true });
        await q.close();
      }
      await queue.close();
    }
  }, 60_000);

  test('embedded: the timer starts the run of each occurrence that comes, once', async () => {
    const pulseId = await fastPulse('Fired by the timer');
    const runtime = startInProcessRuntime({
      context: createJobContext(testConfig(), t.db),
      logger,
      pollMs: 100,
      scheduleSyncMs: 200,
    });
    try {
      await vi.waitFor(
        async () => {
          expect((await scheduledRuns(pulseId)).length).toBeGreaterThanOrEqual(2);
        },
        { timeout: 20_000, interval: 200 },
      );
    } finally {
      await pause(pulseId);
      await runtime.close();
    }
    const occurrences = (await scheduledRuns(pulseId)).map((r) => r.scheduled_for?.getTime());
    expect(new Set(occurrences).size).toBe(occurrences.length);
    for (const at of occurrences) expect((at ?? 1) % 5000).toBe(0);
  }, 60_000);
});
