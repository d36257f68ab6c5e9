import type { Database } from '@pulsegap/db';
import { openOwnerDatabase } from '@pulsegap/testing';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  addUser,
  bearer,
  createPriority,
  createTestServer,
  expectProblem,
  rosterRows,
  signup,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

const MISSING_ID = '6f1c1b7e-2f0a-4c39-9d55-0b7f2c1a9e10';

interface Pulse {
  id: string;
  title: string;
  audience: { teams: string[] | null; tiers: string[] | null };
  schedule: { cron: string; timezone: string; openForHours: number } | null;
  nextOccurrences: string[];
  openForHours: number;
  minGroupSize: number;
  commentMinGroupSize: number;
  paused: boolean;
}
interface AuditEntry {
  action: string;
  subject: string;
  actor: { id: string; email: string | null } | null;
  detail: Record<string, unknown>;
}

let t: TestServer;
let owner: Kysely<Database>;
let org: TestOrganization;
let priorityId: string;
let teamId: string;

const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.server.inject({
    method,
    url: `/api/v1${url}`,
    headers: bearer(org.token),
    ...(payload === undefined ? {} : { payload }),
  });

async function newPulse(extra: object = {}): Promise<string> {
  const response = await api('POST', '/pulses', {
    title: 'Pulse',
    priorityIds: [priorityId],
    ...extra,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

async function pulse(id: string): Promise<Pulse> {
  const response = await api('GET', `/pulses/${id}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Pulse>();
}

async function latestAudit(): Promise<AuditEntry | undefined> {
  const response = await api('GET', '/audit?limit=1');
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ items: AuditEntry[] }>().items[0];
}

beforeAll(async () => {
  t = await createTestServer();
  owner = openOwnerDatabase();
  org = await signup(t.server, 'Changes');
  const roster = await t.server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(org.token), 'content-type': 'text/csv' },
    payload: [
      'email,name,team,tier',
      ...rosterRows('changes.example', 'lead', 'Sales', 'leadership', 6),
      ...rosterRows('changes.example', 'front', 'Sales', 'frontline', 6),
    ].join('\n'),
  });
  expect(roster.statusCode, roster.body).toBe(200);
  priorityId = await createPriority(t.server, org.token, { title: 'Focus', statedWeight: 4 });
  const teams = await api('GET', '/teams');
  teamId = teams.json<{ items: { id: string }[] }>().items[0]?.id ?? '';
});
afterAll(async () => {
  await owner.destroy();
  await t.close();
});

describe('POST /pulses under the organization’s floor', () => {
  let floored: TestOrganization;
  let flooredPriority: string;
  const post = (payload: object) =>
    t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(floored.token),
      payload: { title: 'Floored', priorityIds: [flooredPriority], ...payload },
    });

  beforeAll(async () => {
    floored = await signup(t.server, 'Floored');
    flooredPriority = await createPriority(t.server, floored.token, {
      title: 'P',
      statedWeight: 2,
    });
    const raised = await t.server.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(floored.token),
      payload: {
        timezone: 'UTC',
        minGroupSize: 7,
        commentMinGroupSize: 12,
        quietHours: { from: '09:00', to: '17:00', weekdays: [1, 2, 3, 4, 5] },
      },
    });
    expect(raised.statusCode, raised.body).toBe(200);
  });

  test.for([
    [{}, { minGroupSize: 7, commentMinGroupSize: 12 }],
    [{ minGroupSize: 9 }, { minGroupSize: 9, commentMinGroupSize: 12 }],
    [{ minGroupSize: 15 }, { minGroupSize: 15, commentMinGroupSize: 15 }],
    [{ commentMinGroupSize: 20 }, { minGroupSize: 7, commentMinGroupSize: 20 }],
  ] as const)('%o takes the floor where it sets nothing: %o', async ([asked, stored]) => {
    const response = await post(asked);
    expect(response.statusCode, response.body).toBe(201);
    const made = await t.server.inject({
      method: 'GET',
      url: `/api/v1/pulses/${response.json<{ id: string }>().id}`,
      headers: bearer(floored.token),
    });
    expect(made.json()).toMatchObject(stored);
  });

  test.for([
    [{ minGroupSize: 6 }, [{ path: 'body/minGroupSize', message: expect.stringMatching(/\(7\)/) }]],
    [
      { commentMinGroupSize: 11 },
      [{ path: 'body/commentMinGroupSize', message: expect.stringMatching(/\(12\)/) }],
    ],
    [
      { minGroupSize: 14, commentMinGroupSize: 13 },
      [{ path: 'body/commentMinGroupSize', message: 'must be at least minGroupSize (14)' }],
    ],
    [
      { minGroupSize: 8, commentMinGroupSize: 8 },
      [{ path: 'body/commentMinGroupSize', message: expect.stringMatching(/\(12\)/) }],
    ],
  ] as const)(
    '%o under the floor or under k is a 400, and nothing is made',
    async ([asked, errors]) => {
      const before = await owner
        .selectFrom('pulses')
        .select('id')
        .where('organization_id', '=', floored.organizationId)
        .execute();
      expect(expectProblem(await post(asked), 400).errors).toEqual(errors);
      const after = await owner
        .selectFrom('pulses')
        .select('id')
        .where('organization_id', '=', floored.organizationId)
        .execute();
      expect(after).toEqual(before);
    },
  );

  test('a pulse made is audited with what it asks', async () => {
    const response = await post({ minGroupSize: 8 });
    const id = response.json<{ id: string }>().id;
    const audit = await t.server.inject({
      method: 'GET',
      url: '/api/v1/audit?limit=1',
      headers: bearer(floored.token),
    });
    expect(audit.json<{ items: AuditEntry[] }>().items[0]).toMatchObject({
      action: 'pulse.created',
      subject: `pulse/${id}`,
      actor: { email: floored.email },
      detail: {
        title: 'Floored',
        priorityIds: [flooredPriority],
        minGroupSize: 8,
        commentMinGroupSize: 12,
        schedule: null,
      },
    });
  });
});

describe('PATCH /pulses/:id', () => {
  test('changes the title and the audience; the audit log shows old and new', async () => {
    const id = await newPulse();
    const response = await api('PATCH', `/pulses/${id}`, {
      title: '  Quarterly  ',
      audience: { teams: [teamId], tiers: ['frontline'] },
    });
    expect(response.statusCode, response.body).toBe(204);
    expect(response.body).toBe('');
    expect(await pulse(id)).toMatchObject({
      title: 'Quarterly',
      audience: { teams: [teamId], tiers: ['frontline'] },
    });
    expect(await latestAudit()).toEqual({
      at: expect.any(String),
      actor: { id: expect.any(String), email: org.email },
      action: 'pulse.updated',
      subject: `pulse/${id}`,
      detail: {
        title: 'Pulse',
        changes: {
          title: { old: 'Pulse', new: 'Quarterly' },
          audience: {
            old: { teams: null, tiers: null },
            new: { teams: [teamId], tiers: ['frontline'] },
          },
        },
      },
    });
  });

  test('sets, pauses, resumes and removes the schedule', async () => {
    const id = await newPulse();
    const schedule = { cron: '0 9 * * 1', timezone: 'Europe/Berlin', openForHours: 48 };
    expect((await api('PATCH', `/pulses/${id}`, { schedule })).statusCode).toBe(204);
    expect(await pulse(id)).toMatchObject({ schedule, openForHours: 48, paused: false });
    // The next five Mondays, 09:00 in Berlin, whatever the season.
    const next = (await pulse(id)).nextOccurrences;
    expect(next).toHaveLength(5);
    for (const at of next) {
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(at));
      expect(local).toBe('Mon 09:00');
    }
    expect(Date.parse(next[0] ?? '')).toBeGreaterThan(Date.now());
    expect(Date.parse(next[4] ?? '') - Date.parse(next[0] ?? '')).toBeGreaterThanOrEqual(
      4 * 7 * 24 * 3_600_000 - 3_600_000,
    );

    expect((await api('PATCH', `/pulses/${id}`, { paused: true })).statusCode).toBe(204);
    expect(await pulse(id)).toMatchObject({ schedule, paused: true, nextOccurrences: [] });
    expect((await latestAudit())?.detail).toEqual({
      title: 'Pulse',
      changes: { paused: { old: false, new: true } },
    });

    const resumed = await api('PATCH', `/pulses/${id}`, {
      schedule: { ...schedule, paused: false },
    });
    expect(resumed.statusCode, resumed.body).toBe(204);
    expect(await pulse(id)).toMatchObject({ schedule, paused: false });

    expect((await api('PATCH', `/pulses/${id}`, { schedule: null })).statusCode).toBe(204);
    expect(await pulse(id)).toMatchObject({
      schedule: null,
      openForHours: 48,
      nextOccurrences: [],
    });
  });

  test('every two weeks: runs fourteen days apart, kept when the window changes', async () => {
    const id = await newPulse();
    const schedule = { cron: '0 9 * * 1', timezone: 'Europe/Berlin', everyWeeks: 2 };
    const set = await api('PATCH', `/pulses/${id}`, {
      schedule: { ...schedule, openForHours: 72 },
    });
    expect(set.statusCode, set.body).toBe(204);
    const first = (await pulse(id)).nextOccurrences;
    expect(await pulse(id)).toMatchObject({ schedule: { ...schedule, openForHours: 72 } });
    for (let i = 1; i < first.length; i += 1) {
      const days = (Date.parse(first[i] ?? '') - Date.parse(first[i - 1] ?? '')) / 86_400_000;
      expect(Math.round(days)).toBe(14);
    }
    // A longer window leaves the weeks as they were.
    const longer = await api('PATCH', `/pulses/${id}`, {
      schedule: { ...schedule, openForHours: 200 },
    });
    expect(longer.statusCode, longer.body).toBe(204);
    expect((await pulse(id)).nextOccurrences).toEqual(first);
    for (const everyWeeks of [0, 5, 1.5]) {
      const refused = await api('PATCH', `/pulses/${id}`, {
        schedule: { ...schedule, everyWeeks },
      });
      expect(expectProblem(refused, 400).errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: 'body/schedule/everyWeeks' })]),
      );
    }
    // Weekly, a window of 200 hours would overlap the next run.
    const overlapping = await api('PATCH', `/pulses/${id}`, {
      schedule: { ...schedule, everyWeeks: 1, openForHours: 200 },
    });
    expect(expectProblem(overlapping, 400).errors).toEqual([
      expect.objectContaining({ path: 'body/schedule/openForHours' }),
    ]);
  });

  test('a change that changes nothing is accepted and not audited', async () => {
    const id = await newPulse({ title: 'Same' });
    const before = await latestAudit();
    expect((await api('PATCH', `/pulses/${id}`, { title: 'Same', paused: false })).statusCode).toBe(
      204,
    );
    expect(await latestAudit()).toEqual(before);
  });

  test('raises thresholds; lowering either is a 400 naming its current value, and changes nothing', async () => {
    const id = await newPulse({ minGroupSize: 6, commentMinGroupSize: 12 });
    const raised = await api('PATCH', `/pulses/${id}`, { minGroupSize: 8 });
    expect(raised.statusCode, raised.body).toBe(204);
    expect(await pulse(id)).toMatchObject({ minGroupSize: 8, commentMinGroupSize: 12 });

    const before = await pulse(id);
    const audited = await latestAudit();
    for (const [change, errors] of [
      [{ minGroupSize: 7 }, [{ path: 'body/minGroupSize', message: 'can only go up: it is 8' }]],
      [
        { commentMinGroupSize: 10 },
        [{ path: 'body/commentMinGroupSize', message: 'can only go up: it is 12' }],
      ],
      [{ minGroupSize: 2 }, [{ path: 'body/minGroupSize', message: 'can only go up: it is 8' }]],
      [
        { title: 'Lowered', minGroupSize: 5, commentMinGroupSize: 5 },
        [
          { path: 'body/minGroupSize', message: 'can only go up: it is 8' },
          { path: 'body/commentMinGroupSize', message: 'can only go up: it is 12' },
        ],
      ],
    ] as const) {
      expect(expectProblem(await api('PATCH', `/pulses/${id}`, change), 400).errors).toEqual(
        errors,
      );
    }
    expect(await pulse(id)).toEqual(before);
    expect(await latestAudit()).toEqual(audited);

    const both = await api('PATCH', `/pulses/${id}`, { minGroupSize: 20 });
    expect(both.statusCode, both.body).toBe(204);
    expect(await pulse(id)).toMatchObject({ minGroupSize: 20, commentMinGroupSize: 20 });
  });

  test('a threshold raised under the organization’s floor is refused', async () => {
    const floorOrg = await signup(t.server, 'Floor Later');
    const p = await createPriority(t.server, floorOrg.token, { title: 'P', statedWeight: 1 });
    const made = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(floorOrg.token),
      payload: { title: 'Early', priorityIds: [p] },
    });
    const id = made.json<{ id: string }>().id;
    const settings = await t.server.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(floorOrg.token),
      payload: {
        timezone: 'UTC',
        minGroupSize: 9,
        commentMinGroupSize: 15,
        quietHours: { from: '09:00', to: '17:00', weekdays: [1, 2, 3, 4, 5] },
      },
    });
    expect(settings.statusCode, settings.body).toBe(200);
    const patch = (payload: object) =>
      t.server.inject({
        method: 'PATCH',
        url: `/api/v1/pulses/${id}`,
        headers: bearer(floorOrg.token),
        payload,
      });
    expect(expectProblem(await patch({ minGroupSize: 8 }), 400).errors).toEqual([
      { path: 'body/minGroupSize', message: expect.stringMatching(/\(9\)/) },
    ]);
    expect(expectProblem(await patch({ commentMinGroupSize: 14 }), 400).errors).toEqual([
      { path: 'body/commentMinGroupSize', message: expect.stringMatching(/\(15\)/) },
    ]);
    expect((await patch({ title: 'Renamed' })).statusCode).toBe(204);
    expect((await patch({ minGroupSize: 9, commentMinGroupSize: 15 })).statusCode).toBe(204);
  });

  test.for([
    [
      'an unknown field',
      { colour: 'blue' },
      [{ path: 'body/colour', message: 'is not a known field' }],
    ],
    ['no field at all', {}, [expect.objectContaining({ path: 'body' })]],
    ['an empty title', { title: ' ' }, [expect.objectContaining({ path: 'body/title' })]],
    [
      'an unknown field in the schedule',
      { schedule: { cron: '0 9 * * 1', timezone: 'UTC', every: 'week' } },
      [{ path: 'body/schedule/every', message: 'is not a known field' }],
    ],
    [
      'a bad schedule',
      { schedule: { cron: 'every monday', timezone: 'Mars/Olympus' } },
      [
        expect.objectContaining({ path: 'body/schedule/cron' }),
        expect.objectContaining({ path: 'body/schedule/timezone' }),
      ],
    ],
    [
      'paused beside and inside the schedule, disagreeing',
      { paused: true, schedule: { cron: '0 9 * * 1', timezone: 'UTC', paused: false } },
      [expect.objectContaining({ path: 'body/paused' })],
    ],
    [
      'a team that is not one of the organization',
      { audience: { teams: [MISSING_ID] } },
      [{ path: 'body/audience/teams/0', message: 'is not a team of this organization' }],
    ],
    [
      'a paused that is not a boolean',
      { paused: 'yes' },
      [expect.objectContaining({ path: 'body/paused' })],
    ],
  ] as const)('%s is a 400, and the pulse stays as it was', async ([, payload, errors]) => {
    const id = await newPulse();
    const before = await pulse(id);
    const problem = expectProblem(await api('PATCH', `/pulses/${id}`, payload), 400);
    // A nullable schedule's validator also says the value is not null.
    expect(problem.errors).toEqual(expect.arrayContaining([...errors]));
    expect(await pulse(id)).toEqual(before);
  });

  test('an unknown id is a 404, a malformed one a 400; executives get 403', async () => {
    expectProblem(await api('PATCH', `/pulses/${MISSING_ID}`, { title: 'X' }), 404);
    expect(expectProblem(await api('PATCH', '/pulses/42', { title: 'X' }), 400).errors).toEqual([
      expect.objectContaining({ path: 'params/id' }),
    ]);
    const id = await newPulse();
    const executive = await addUser(t.server, org.token, 'executive');
    const refused = await t.server.inject({
      method: 'PATCH',
      url: `/api/v1/pulses/${id}`,
      headers: bearer(executive.token),
      payload: { title: 'Mine now' },
    });
    expectProblem(refused, 403);
    expect((await pulse(id)).title).toBe('Pulse');
  });
});

describe('DELETE /pulses/:id', () => {
  test('the pulse is gone from the lists and starts no run; its runs stay', async () => {
    const id = await newPulse({
      title: 'Doomed',
      schedule: { cron: '0 9 * * 1', timezone: 'UTC' },
    });
    const run = await api('POST', `/pulses/${id}/runs`);
    expect(run.statusCode, run.body).toBe(201);
    const runId = run.json<{ id: string }>().id;

    const deleted = await api('DELETE', `/pulses/${id}`);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(deleted.body).toBe('');

    expectProblem(await api('GET', `/pulses/${id}`), 404);
    const listed = (await api('GET', '/pulses')).json<{ items: { id: string }[] }>().items;
    expect(listed.map((p) => p.id)).not.toContain(id);
    expectProblem(await api('POST', `/pulses/${id}/runs`), 404);
    expectProblem(await api('PATCH', `/pulses/${id}`, { paused: false }), 404);
    expectProblem(await api('DELETE', `/pulses/${id}`), 404);

    const kept = await owner
      .selectFrom('runs')
      .select(['id', 'pulse_id'])
      .where('pulse_id', '=', id)
      .execute();
    expect(kept).toEqual([{ id: runId, pulse_id: id }]);
    const stored = await owner
      .selectFrom('pulses')
      .select(['title', 'deleted_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored.title).toBe('Doomed');
    expect(stored.deleted_at).toBeInstanceOf(Date);

    expect(await latestAudit()).toMatchObject({
      action: 'pulse.deleted',
      subject: `pulse/${id}`,
      actor: { email: org.email },
      detail: { title: 'Doomed', latestRunId: runId },
    });
  });

  test('an unknown id is a 404, a malformed one a 400; executives get 403', async () => {
    expectProblem(await api('DELETE', `/pulses/${MISSING_ID}`), 404);
    expectProblem(await api('DELETE', '/pulses/not-a-uuid'), 400);
    const id = await newPulse();
    const executive = await addUser(t.server, org.token, 'executive');
    const refused = await t.server.inject({
      method: 'DELETE',
      url: `/api/v1/pulses/${id}`,
      headers: bearer(executive.token),
    });
    expectProblem(refused, 403);
    expect((await pulse(id)).id).toBe(id);
  });
});
