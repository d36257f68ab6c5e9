import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  addUser,
  bearer,
  createTestServer,
  expectProblem,
  signup,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

const DEFAULTS = {
  timezone: 'UTC',
  minGroupSize: 5,
  commentMinGroupSize: 10,
  quietHours: { from: '09:00', to: '17:00', weekdays: [1, 2, 3, 4, 5] },
  launchNoticeHours: 48,
};

let t: TestServer;

beforeAll(async () => {
  t = await createTestServer();
});
afterAll(() => t.close());

const getSettings = (token: string) =>
  t.server.inject({ method: 'GET', url: '/api/v1/settings', headers: bearer(token) });
const putSettings = (token: string, payload: unknown) =>
  t.server.inject({
    method: 'PUT',
    url: '/api/v1/settings',
    headers: bearer(token),
    payload: payload as object,
  });
const auditActions = async (token: string) => {
  const response = await t.server.inject({
    method: 'GET',
    url: '/api/v1/audit?limit=200',
    headers: bearer(token),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ items: { action: string }[] }>().items.map((e) => e.action);
};

describe('GET /settings', () => {
  test('a new organization has the defaults; admins and executives read them', async () => {
    const org = await signup(t.server, 'Defaults');
    const executive = await addUser(t.server, org.token, 'executive');
    for (const token of [org.token, executive.token]) {
      const response = await getSettings(token);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual(DEFAULTS);
    }
    expectProblem(await t.server.inject({ method: 'GET', url: '/api/v1/settings' }), 401);
  });
});

describe('PUT /settings', () => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await signup(t.server, 'Settings');
  });

  test('raises the floor and changes the rest; the change is audited, old and new', async () => {
    const next = {
      timezone: 'Europe/Berlin',
      minGroupSize: 7,
      commentMinGroupSize: 12,
      quietHours: { from: '08:30', to: '18:00', weekdays: [5, 1, 3] },
    };
    const response = await putSettings(org.token, next);
    expect(response.statusCode, response.body).toBe(200);
    // Left out, the launch notice keeps its value.
    const stored = {
      ...next,
      quietHours: { ...next.quietHours, weekdays: [1, 3, 5] },
      launchNoticeHours: 48,
    };
    expect(response.json()).toEqual(stored);
    expect((await getSettings(org.token)).json()).toEqual(stored);

    const audit = await t.server.inject({
      method: 'GET',
      url: '/api/v1/audit?limit=1',
      headers: bearer(org.token),
    });
    expect(audit.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({
        action: 'settings.updated',
        subject: 'settings',
        actor: expect.objectContaining({ email: org.email }),
        detail: {
          changes: {
            timezone: { old: 'UTC', new: 'Europe/Berlin' },
            minGroupSize: { old: 5, new: 7 },
            commentMinGroupSize: { old: 10, new: 12 },
            quietHours: { old: DEFAULTS.quietHours, new: stored.quietHours },
          },
        },
      }),
    ]);
  });

  test('the launch notice is set, turned off with 0, and kept in the audit log', async () => {
    const own = await signup(t.server, 'Notices');
    const response = await putSettings(own.token, { ...DEFAULTS, launchNoticeHours: 0 });
    expect(response.statusCode, response.body).toBe(200);
    expect((await getSettings(own.token)).json()).toMatchObject({ launchNoticeHours: 0 });
    expect(await auditActions(own.token)).toContain('settings.updated');
    for (const bad of [-1, 721, 2.5]) {
      const refused = await putSettings(own.token, { ...DEFAULTS, launchNoticeHours: bad });
      expect(expectProblem(refused, 400).errors).toEqual([
        expect.objectContaining({ path: 'body/launchNoticeHours' }),
      ]);
    }
    expect((await getSettings(own.token)).json()).toMatchObject({ launchNoticeHours: 0 });
  });

  test('the same settings again change nothing and add no audit event', async () => {
    const before = await auditActions(org.token);
    const current = (await getSettings(org.token)).json<object>();
    const response = await putSettings(org.token, current);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual(current);
    expect(await auditActions(org.token)).toEqual(before);
  });

  test.for([
    [
      'a lower k',
      { minGroupSize: 6 },
      [{ path: 'body/minGroupSize', message: 'can only go up: it is 7' }],
    ],
    [
      'a lower comment threshold',
      { commentMinGroupSize: 11 },
      [{ path: 'body/commentMinGroupSize', message: 'can only go up: it is 12' }],
    ],
    [
      'both lower, k under 3',
      { minGroupSize: 2, commentMinGroupSize: 2 },
      [
        { path: 'body/minGroupSize', message: 'can only go up: it is 7' },
        { path: 'body/commentMinGroupSize', message: 'can only go up: it is 12' },
      ],
    ],
    [
      'a comment threshold under k',
      { minGroupSize: 20, commentMinGroupSize: 15 },
      [{ path: 'body/commentMinGroupSize', message: 'must be at least minGroupSize (20)' }],
    ],
  ] as const)('%s is refused with 400 and changes nothing', async ([, change, errors]) => {
    const before = (await getSettings(org.token)).json<typeof DEFAULTS>();
    const audited = await auditActions(org.token);
    const response = await putSettings(org.token, { ...before, timezone: 'Asia/Tokyo', ...change });
    expect(expectProblem(response, 400).errors).toEqual(errors);
    expect((await getSettings(org.token)).json()).toEqual(before);
    expect(await auditActions(org.token)).toEqual(audited);
  });

  test.for([
    ['a time zone that is not one', { timezone: 'Mars/Olympus' }, 'body/timezone'],
    ['an offset for a time zone', { timezone: '+01:00' }, 'body/timezone'],
    [
      'a time of 9:00',
      { quietHours: { ...DEFAULTS.quietHours, from: '9:00' } },
      'body/quietHours/from',
    ],
    [
      'a time of 24:00',
      { quietHours: { ...DEFAULTS.quietHours, to: '24:00' } },
      'body/quietHours/to',
    ],
    [
      'weekday 0',
      { quietHours: { ...DEFAULTS.quietHours, weekdays: [0, 1] } },
      'body/quietHours/weekdays/0',
    ],
    [
      'weekday 8',
      { quietHours: { ...DEFAULTS.quietHours, weekdays: [8] } },
      'body/quietHours/weekdays/0',
    ],
    [
      'a weekday twice',
      { quietHours: { ...DEFAULTS.quietHours, weekdays: [1, 1] } },
      'body/quietHours/weekdays',
    ],
    ['an unknown field', { theme: 'dark' }, 'body/theme'],
    [
      'an unknown field of quietHours',
      { quietHours: { ...DEFAULTS.quietHours, tz: 'UTC' } },
      'body/quietHours/tz',
    ],
    ['a fractional k', { minGroupSize: 7.5 }, 'body/minGroupSize'],
    ['a k that is a string', { minGroupSize: '8' }, 'body/minGroupSize'],
  ] as const)('%s is a 400 naming %s', async ([, change, path]) => {
    const before = (await getSettings(org.token)).json<typeof DEFAULTS>();
    const response = await putSettings(org.token, { ...before, ...change });
    expect(expectProblem(response, 400).errors).toContainEqual(expect.objectContaining({ path }));
    expect((await getSettings(org.token)).json()).toEqual(before);
  });

  test('a missing field is a 400', async () => {
    const current = (await getSettings(org.token)).json<typeof DEFAULTS>();
    const partial = { timezone: current.timezone, minGroupSize: current.minGroupSize };
    expect(expectProblem(await putSettings(org.token, partial), 400).errors).toContainEqual(
      expect.objectContaining({
        path: 'body',
        message: expect.stringMatching(/quietHours|commentMinGroupSize/),
      }),
    );
  });

  test('executives may read the settings, not change them', async () => {
    const executive = await addUser(t.server, org.token, 'executive');
    const before = (await getSettings(org.token)).json<typeof DEFAULTS>();
    expectProblem(await putSettings(executive.token, { ...before, minGroupSize: 30 }), 403);
    expect((await getSettings(org.token)).json()).toEqual(before);
  });

  test('one organization’s settings are its own', async () => {
    const other = await signup(t.server, 'Untouched');
    expect((await getSettings(other.token)).json()).toEqual(DEFAULTS);
  });
});
