import type { Database } from '@pulsegap/db';
import {
  createJobContext,
  deliverReminder,
  requestDueMessages,
  type JobContext,
} from '@pulsegap/jobs';
import { openOwnerDatabase, testConfig } from '@pulsegap/testing';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ALWAYS_SENDING,
  addUser,
  bearer,
  devOutbox,
  collectToken,
  createTestServer,
  expectProblem,
  openInvite,
  rosterRows,
  startAnsweringRun,
  type AnsweringRun,
  type TestServer,
} from '../../test-support.js';

interface RunItem {
  id: string;
  reminders: { kind: string; dueAt: string; state: string }[];
}

let t: TestServer;
let owner: Kysely<Database>;
let context: JobContext;

/** Sending hours that are always open: a window from midnight to midnight, every day. */
const people = [
  ...rosterRows('rm.example', 'lead', 'Ops', 'leadership', 5),
  ...rosterRows('rm.example', 'desk', 'Ops', 'frontline', 6),
];

async function answeringRun(name: string, quietHours = ALWAYS_SENDING): Promise<AnsweringRun> {
  const run = await startAnsweringRun(t.server, t.db, {
    organization: name,
    people,
    dimensions: ['staffing'],
  });
  const settings = await api(run, 'GET', '/settings');
  const put = await api(run, 'PUT', '/settings', { ...settings.json<object>(), quietHours });
  expect(put.statusCode, put.body).toBe(200);
  return run;
}

function api(
  run: AnsweringRun,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  url: string,
  payload?: object,
) {
  return t.server.inject({
    method,
    url: `/api/v1${url}`,
    headers: bearer(run.org.token),
    payload,
  });
}

const reminderMessages = async (run: AnsweringRun) =>
  (await devOutbox(t.server, run.org.token)).filter((m) =>
    m.text.includes('A reminder to everyone invited'),
  );

async function remindersOf(run: AnsweringRun) {
  const response = await api(run, 'GET', `/pulses/${run.pulseId}/runs`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ items: RunItem[] }>().items.find((r) => r.id === run.runId)?.reminders;
}

/** Collects the tokens of the first `count` invitees; returns their addresses. */
async function collectTokens(run: AnsweringRun, count: number): Promise<string[]> {
  const collectors = run.links.slice(0, count);
  for (const link of collectors) {
    await collectToken(t.server, link.secret, await openInvite(t.server, link.secret));
  }
  return collectors.map((l) => l.to);
}

/** Runs the reminder deliveries the outbox holds for this organization. */
async function deliverQueued(run: AnsweringRun) {
  const rows = await owner
    .selectFrom('run_reminders')
    .select('id')
    .where('run_id', '=', run.runId)
    .where('state', '=', 'queued')
    .execute();
  for (const row of rows) await deliverReminder(context, run.org.organizationId, row.id);
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

describe('POST /runs/:id/reminders', () => {
  test('reminds exactly those who have not collected a token, once, in neutral words', async () => {
    const run = await answeringRun('Reminded');
    const collectors = await collectTokens(run, 3);

    const response = await api(run, 'POST', `/runs/${run.runId}/reminders`);
    expect(response.statusCode, response.body).toBe(202);
    const asked = response.json<{ queued: number; sendsAt: string }>();
    expect(asked.queued).toBe(people.length - 3);
    // The count tells an admin nothing the run's live participation does not already show.
    const listed = await api(run, 'GET', `/pulses/${run.pulseId}/runs`);
    const participation = listed
      .json<{
        items: { id: string; participation: { invited: number; tokensCollected: number } }[];
      }>()
      .items.find((r) => r.id === run.runId)?.participation;
    expect(asked.queued).toBe(
      (participation?.invited ?? NaN) - (participation?.tokensCollected ?? NaN),
    );
    expect(Math.abs(Date.parse(asked.sendsAt) - Date.now())).toBeLessThan(60_000);

    // Two deliveries at once (a queue that handed the job out twice) send each one once.
    await Promise.all([deliverQueued(run), deliverQueued(run)]);
    const sent = await reminderMessages(run);
    const expected = run.links.map((l) => l.to).filter((to) => !collectors.includes(to));
    expect(sent.map((m) => m.to).toSorted()).toEqual(expected.toSorted());
    for (const message of sent) {
      expect(message.text).not.toMatch(
        /not (yet )?(answered|responded|taken part)|haven.t|missing/i,
      );
      expect(message.link).toBe(`${testConfig().publicUrl}/answer/${run.secretOf(message.to)}`);
    }
    expect(await remindersOf(run)).toEqual(
      expect.arrayContaining([
        { kind: 'manual', dueAt: expect.any(String) as string, state: 'sent' },
      ]),
    );

    // Once a day: the second asks again tomorrow, and sends nothing.
    const again = await api(run, 'POST', `/runs/${run.runId}/reminders`);
    const problem = expectProblem(again, 409) as unknown as { code: string; nextAllowedAt: string };
    expect(problem.code).toBe('PG_ERR_REMINDER_TOO_SOON');
    expect(Date.parse(problem.nextAllowedAt) - Date.parse(asked.sendsAt)).toBeCloseTo(
      24 * 3_600_000,
      -4,
    );
    await deliverQueued(run);
    expect(await reminderMessages(run)).toHaveLength(sent.length);

    // Kept in the audit log, by count.
    const audit = await api(run, 'GET', '/audit?limit=5');
    expect(audit.json<{ items: { action: string; detail: unknown }[] }>().items).toContainEqual(
      expect.objectContaining({
        action: 'run.reminded',
        detail: { queued: people.length - 3, sendsAt: asked.sendsAt },
      }),
    );
  });

  test('a closed run, an unknown run, an executive, a bad id', async () => {
    const run = await answeringRun('Closed reminders');
    expect((await api(run, 'POST', `/runs/${run.runId}/close`)).statusCode).toBe(200);
    const closed = await api(run, 'POST', `/runs/${run.runId}/reminders`);
    expect(expectProblem(closed, 409).code).toBe('PG_ERR_RUN_CLOSED');
    const unknown = await api(run, 'POST', '/runs/00000000-0000-4000-8000-000000000000/reminders');
    expect(expectProblem(unknown, 404).code).toBe('PG_ERR_NOT_FOUND');
    const bad = await api(run, 'POST', '/runs/not-a-uuid/reminders');
    expect(expectProblem(bad, 400).code).toBe('PG_ERR_VALIDATION');
    const executive = await addUser(t.server, run.org.token, 'executive');
    const forbidden = await t.server.inject({
      method: 'POST',
      url: `/api/v1/runs/${run.runId}/reminders`,
      headers: bearer(executive.token),
    });
    expect(expectProblem(forbidden, 403).code).toBe('PG_ERR_FORBIDDEN');
    const manual = await owner
      .selectFrom('run_reminders')
      .select('id')
      .where('run_id', '=', run.runId)
      .where('kind', '=', 'manual')
      .execute();
    expect(manual).toEqual([]);
  });

  test('outside the sending hours it waits for the next opening, then goes out', async () => {
    // A window that opens two hours from now (UTC, every day) for an hour.
    const hhmm = (offsetHours: number) =>
      new Date(Date.now() + offsetHours * 3_600_000).toISOString().slice(11, 16);
    const run = await answeringRun('Quiet reminders', {
      from: hhmm(2),
      to: hhmm(3),
      weekdays: [1, 2, 3, 4, 5, 6, 7],
    });
    const response = await api(run, 'POST', `/runs/${run.runId}/reminders`);
    expect(response.statusCode, response.body).toBe(202);
    const { sendsAt } = response.json<{ sendsAt: string }>();
    const opening = Date.parse(sendsAt);
    expect(opening - Date.now()).toBeGreaterThan(2 * 3_600_000 - 120_000);
    expect(opening - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);

    // Swept before the opening, it stays due; nothing is sent.
    await requestDueMessages(context, new Date());
    await deliverQueued(run);
    expect(await reminderMessages(run)).toEqual([]);
    expect((await remindersOf(run))?.map((r) => r.state)).toEqual(expect.arrayContaining(['due']));
    // Swept at the opening, it goes out.
    await requestDueMessages(context, new Date(opening + 60_000));
    await deliverQueued(run);
    expect(await reminderMessages(run)).toHaveLength(people.length);
  });

  test('sending hours that never open before the close: refused, nothing planned', async () => {
    const run = await answeringRun('Never open', { from: '09:00', to: '17:00', weekdays: [] });
    const response = await api(run, 'POST', `/runs/${run.runId}/reminders`);
    expect(expectProblem(response, 409).code).toBe('PG_ERR_OUTSIDE_SENDING_HOURS');
    expect((await remindersOf(run))?.filter((r) => r.kind === 'manual')).toEqual([]);
  });
});

describe('planned reminders', () => {
  test('a 72-hour run reminds at half-window and 24 h before close, only those without a token', async () => {
    const run = await answeringRun('Planned reminders');
    const planned = await remindersOf(run);
    const runs = await api(run, 'GET', `/pulses/${run.pulseId}/runs`);
    const { openedAt, closesAt } = runs
      .json<{ items: { id: string; openedAt: string; closesAt: string }[] }>()
      .items.find((r) => r.id === run.runId) ?? { openedAt: '', closesAt: '' };
    expect(planned).toEqual([
      {
        kind: 'half-window',
        dueAt: new Date(Date.parse(openedAt) + 36 * 3_600_000).toISOString(),
        state: 'due',
      },
      {
        kind: 'before-close',
        dueAt: new Date(Date.parse(closesAt) - 24 * 3_600_000).toISOString(),
        state: 'due',
      },
    ]);
    const collectors = await collectTokens(run, 2);

    // Half the window has passed.
    await owner
      .updateTable('run_reminders')
      .set({ due_at: new Date(Date.now() - 60_000) })
      .where('run_id', '=', run.runId)
      .where('kind', '=', 'half-window')
      .execute();
    await requestDueMessages(context);
    await deliverQueued(run);
    const sent = await reminderMessages(run);
    expect(sent).toHaveLength(people.length - 2);
    for (const to of collectors) expect(sent.map((m) => m.to)).not.toContain(to);
    expect((await remindersOf(run))?.map((r) => r.state)).toEqual(['sent', 'due']);

    // The run closes before its last reminder: that one is skipped, nothing is sent.
    expect((await api(run, 'POST', `/runs/${run.runId}/close`)).statusCode).toBe(200);
    await owner
      .updateTable('run_reminders')
      .set({ due_at: new Date(Date.now() - 60_000) })
      .where('run_id', '=', run.runId)
      .where('kind', '=', 'before-close')
      .execute();
    await requestDueMessages(context);
    await deliverQueued(run);
    expect(await reminderMessages(run)).toHaveLength(sent.length);
    expect((await remindersOf(run))?.map((r) => r.state)).toEqual(['sent', 'skipped']);
  });

  test('a pulse may turn them off or move them; bad values are refused', async () => {
    const run = await answeringRun('No reminders');
    const off = await api(run, 'PATCH', `/pulses/${run.pulseId}`, {
      reminders: { halfWindow: false, hoursBeforeClose: null },
    });
    expect(off.statusCode, off.body).toBe(204);
    const pulse = await api(run, 'GET', `/pulses/${run.pulseId}`);
    expect(pulse.json<{ reminders: unknown }>().reminders).toEqual({
      halfWindow: false,
      hoursBeforeClose: null,
    });
    const next = await api(run, 'POST', `/pulses/${run.pulseId}/runs`);
    expect(next.statusCode, next.body).toBe(201);
    const runs = await api(run, 'GET', `/pulses/${run.pulseId}/runs`);
    const started = runs
      .json<{ items: RunItem[] }>()
      .items.find((r) => r.id === next.json<{ id: string }>().id);
    expect(started?.reminders).toEqual([]);
    for (const bad of [
      { hoursBeforeClose: 0 },
      { hoursBeforeClose: 2.5 },
      { halfWindow: 'yes' },
      { every: 3 },
    ]) {
      const refused = await api(run, 'PATCH', `/pulses/${run.pulseId}`, {
        reminders: bad,
      });
      expect(expectProblem(refused, 400).code).toBe('PG_ERR_VALIDATION');
    }
  });
});
