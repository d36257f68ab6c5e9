import { createJobContext, requestDueMessages, runJob, type JobContext } from '@pulsegap/jobs';
import { openOwnerDatabase, testConfig } from '@pulsegap/testing';
import type { Database } from '@pulsegap/db';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ALWAYS_SENDING,
  addUser,
  bearer,
  devOutbox,
  createPriority,
  createTestServer,
  rosterRows,
  signup,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

let t: TestServer;
let owner: Kysely<Database>;
let context: JobContext;

/** A daily cron at the UTC time `hours` from now (to the minute). */
function dailyIn(hours: number): string {
  const at = new Date(Date.now() + hours * 3_600_000);
  return `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
}

async function organization(name: string, launchNoticeHours: number): Promise<TestOrganization> {
  const org = await signup(t.server, name);
  const csv = [
    'email,name,team,tier,parent_team',
    ...rosterRows('ln.example', 'lead', 'Ops', 'leadership', 5).map((r) => `${r},`),
    ...rosterRows('ln.example', 'desk', 'Ops', 'frontline', 6).map((r) => `${r},`),
    ...rosterRows('ln.example', 'tiny', 'Night shift', 'frontline', 2).map((r) => `${r},Ops`),
  ].join('\n');
  const imported = await t.server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(org.token), 'content-type': 'text/csv' },
    payload: csv,
  });
  expect(imported.statusCode, imported.body).toBe(200);
  const settings = await t.server.inject({
    method: 'PUT',
    url: '/api/v1/settings',
    headers: bearer(org.token),
    payload: {
      timezone: 'UTC',
      minGroupSize: 5,
      commentMinGroupSize: 10,
      quietHours: ALWAYS_SENDING,
      launchNoticeHours,
    },
  });
  expect(settings.statusCode, settings.body).toBe(200);
  return org;
}

async function scheduledPulse(org: TestOrganization, cron: string): Promise<string> {
  const priorityId = await createPriority(t.server, org.token, { title: 'Focus', statedWeight: 4 });
  const created = await t.server.inject({
    method: 'POST',
    url: '/api/v1/pulses',
    headers: bearer(org.token),
    payload: {
      title: 'Daily check',
      priorityIds: [priorityId],
      dimensions: ['staffing', 'feasibility'],
      schedule: { cron, timezone: 'UTC', openForHours: 12 },
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json<{ id: string }>().id;
}

/** Notices whose job has run here (once each, as the outbox hands each out once). */
const sent = new Set<string>();

/**
 * Sweeps, then runs the launch notices the sweep (or any other worker) asked for; returns
 * how many occurrences of the pulse have had their notice asked for.
 */
async function sweepAndSend(org: TestOrganization, pulseId: string) {
  await requestDueMessages(context);
  const notices = await owner
    .selectFrom('launch_notices')
    .select('scheduled_for')
    .where('pulse_id', '=', pulseId)
    .execute();
  for (const notice of notices) {
    const key = `${pulseId}/${notice.scheduled_for.toISOString()}`;
    if (sent.has(key)) continue;
    sent.add(key);
    await runJob(context, 'send-launch-notice', {
      organizationId: org.organizationId,
      pulseId,
      scheduledFor: notice.scheduled_for.toISOString(),
    });
  }
  return notices.length;
}

beforeAll(async () => {
  t = await createTestServer();
  owner = openOwnerDatabase();
  context = createJobContext(testConfig(), t.db);
});

afterAll(async () => {
  await owner.destroy();
  await t.close();
});

describe('launch notice', () => {
  test('admins hear, once, what a scheduled run will send and to whom, with a link to pause', async () => {
    const org = await organization('Noticed', 48);
    const colleague = await addUser(t.server, org.token, 'admin');
    const executive = await addUser(t.server, org.token, 'executive');
    const pulseId = await scheduledPulse(org, dailyIn(3));

    expect(await sweepAndSend(org, pulseId)).toBe(1);
    expect(await sweepAndSend(org, pulseId)).toBe(1);
    const notices = (await devOutbox(t.server, org.token)).filter((m) =>
      m.subject.startsWith('Daily check starts'),
    );
    expect(notices.map((m) => m.to).toSorted()).toEqual([colleague.email, org.email].toSorted());
    expect(notices.map((m) => m.to)).not.toContain(executive.email);
    const [notice] = notices;
    expect(notice?.text).toContain('It will invite 13 people (5 leadership, 8 frontline)');
    expect(notice?.text).toContain('2 questions');
    expect(notice?.text).toContain('- Ops: 5 leadership, 8 frontline');
    expect(notice?.text).toContain('- Night shift (2 frontline) with Ops');
    expect(notice?.link).toBe(`${testConfig().publicUrl}/#/pulses/${pulseId}`);
    expect(notice?.text).toContain(notice?.link ?? 'a link');
  });

  test('none for a run further away than the notice time, none when turned off or paused', async () => {
    const far = await organization('Far notice', 2);
    const farPulse = await scheduledPulse(far, dailyIn(5));
    expect(await sweepAndSend(far, farPulse)).toBe(0);

    const off = await organization('No notice', 0);
    const offPulse = await scheduledPulse(off, dailyIn(1));
    expect(await sweepAndSend(off, offPulse)).toBe(0);

    const paused = await organization('Paused notice', 48);
    const pausedPulse = await scheduledPulse(paused, dailyIn(1));
    const pause = await t.server.inject({
      method: 'PATCH',
      url: `/api/v1/pulses/${pausedPulse}`,
      headers: bearer(paused.token),
      payload: { paused: true },
    });
    expect(pause.statusCode, pause.body).toBe(204);
    expect(await sweepAndSend(paused, pausedPulse)).toBe(0);
    for (const org of [far, off, paused]) {
      expect(
        (await devOutbox(t.server, org.token)).filter((m) => m.subject.includes('starts')),
      ).toEqual([]);
    }
  });
});
