import { recordAudit, withTenant } from '@pulsegap/db';
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

interface Entry {
  at: string;
  actor: { id: string; email: string | null } | null;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}
interface Page {
  items: Entry[];
  nextCursor: string | null;
}

let t: TestServer;
let org: TestOrganization;
let other: TestOrganization;
let adminId: string;
const rosterEmails: string[] = [];

const getAudit = (token: string, query = '') =>
  t.server.inject({ method: 'GET', url: `/api/v1/audit${query}`, headers: bearer(token) });

async function page(token: string, query = ''): Promise<Page> {
  const response = await getAudit(token, query);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Page>();
}

/** Every event, following nextCursor with pages of `limit`. */
async function everyEvent(token: string, limit: number): Promise<Entry[]> {
  const entries: Entry[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages += 1) {
    const query: string = `?limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`;
    const next = await page(token, query);
    expect(next.items.length).toBeLessThanOrEqual(limit);
    entries.push(...next.items);
    if (next.nextCursor === null) return entries;
    expect(next.items).toHaveLength(limit);
    cursor = next.nextCursor;
  }
  throw new Error('the audit log did not end');
}

beforeAll(async () => {
  t = await createTestServer();
  org = await signup(t.server, 'Audited');
  other = await signup(t.server, 'Elsewhere');
  adminId = (await page(org.token)).items[0]?.actor?.id ?? '';
  const rows = [
    ...rosterRows('audit.example', 'lead', 'Sales', 'leadership', 2),
    ...rosterRows('audit.example', 'front', 'Sales', 'frontline', 3),
  ];
  rosterEmails.push(...rows.map((r) => r.split(',')[0] ?? ''));
  const imported = await t.server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(org.token), 'content-type': 'text/csv' },
    payload: ['email,name,team,tier', ...rows].join('\n'),
  });
  expect(imported.statusCode, imported.body).toBe(200);
  const deactivating = await t.server.inject({
    method: 'POST',
    url: '/api/v1/people/import?deactivateMissing=true&confirmDeactivation=true',
    headers: bearer(org.token),
    payload: {
      people: [{ email: rosterEmails[0], name: 'Renamed', team: 'Sales', tier: 'leadership' }],
    },
  });
  expect(deactivating.statusCode, deactivating.body).toBe(200);
});
afterAll(() => t.close());

describe('GET /audit', () => {
  test('signing up is the first event, by the new admin', async () => {
    const { items, nextCursor } = await page(other.token);
    expect(nextCursor).toBeNull();
    expect(items).toEqual([
      {
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        actor: { id: expect.any(String), email: other.email },
        action: 'organization.created',
        subject: `organization/${other.organizationId}`,
        detail: { name: 'Elsewhere', admin: { id: expect.any(String), email: other.email } },
      },
    ]);
  });

  test('a roster import is kept as counts, naming nobody on the roster', async () => {
    const { items } = await page(org.token);
    const imports = items.filter((e) => e.action === 'roster.imported');
    expect(imports.map((e) => e.detail)).toEqual([
      { format: 'json', rows: 1, deactivateMissing: true, created: 0, updated: 1, deactivated: 4 },
      { format: 'csv', rows: 5, deactivateMissing: false, created: 5, updated: 0, deactivated: 0 },
    ]);
    for (const entry of imports) {
      expect(entry).toMatchObject({ subject: 'roster', actor: { id: adminId, email: org.email } });
    }
    const text = JSON.stringify(items);
    for (const email of rosterEmails) expect(text).not.toContain(email);
    expect(text).not.toContain('Renamed');
  });

  test('a user and a priority made are kept with who made them, newest first', async () => {
    const executive = await addUser(t.server, org.token, 'executive');
    const priorityId = await createPriority(t.server, org.token, {
      title: 'Customer Focus',
      statedWeight: 4,
    });
    const { items } = await page(org.token, '?limit=2');
    expect(items).toEqual([
      expect.objectContaining({
        action: 'priority.created',
        subject: `priority/${priorityId}`,
        actor: { id: adminId, email: org.email },
        detail: { title: 'Customer Focus', description: '', statedWeight: 4 },
      }),
      expect.objectContaining({
        action: 'user.created',
        subject: `user/${executive.id}`,
        actor: { id: adminId, email: org.email },
        detail: { email: executive.email, role: 'executive' },
      }),
    ]);
    const [newer, older] = items;
    expect(Date.parse(newer?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(older?.at ?? ''));
  });

  test('is for admins: executives get 403, no token 401', async () => {
    const executive = await addUser(t.server, org.token, 'executive');
    expect(expectProblem(await getAudit(executive.token), 403).code).toBe('PG_ERR_FORBIDDEN');
    expectProblem(await t.server.inject({ method: 'GET', url: '/api/v1/audit' }), 401);
  });

  test('pages follow nextCursor without gaps or repeats, events of one moment too', async () => {
    for (let i = 0; i < 12; i += 1) {
      await createPriority(t.server, org.token, { title: `Priority ${i}`, statedWeight: 3 });
    }
    // Events written in one transaction share their time: the id orders them.
    await withTenant(t.db, org.organizationId, async (trx) => {
      for (let i = 0; i < 7; i += 1) {
        await recordAudit(trx, org.organizationId, {
          actorUserId: null,
          action: 'run.closed',
          subject: `run/${i}`,
          detail: { at: 'deadline' },
        });
      }
    });
    const all = (await page(org.token, '?limit=200')).items;
    expect(all.length).toBeGreaterThanOrEqual(25);
    expect(all.filter((e) => e.action === 'run.closed')).toHaveLength(7);
    expect(all.find((e) => e.action === 'run.closed')?.actor).toBeNull();
    const times = all.map((e) => Date.parse(e.at));
    expect(times).toEqual(times.toSorted((a, b) => b - a));
    for (const limit of [1, 3, 7, 50]) {
      expect(await everyEvent(org.token, limit)).toEqual(all);
    }
    expect(await page(org.token)).toMatchObject({ items: all.slice(0, 50) });
  });

  test.for([
    ['?cursor=not-a-cursor', 'querystring/cursor'],
    [`?cursor=${Buffer.from('["yesterday","x"]').toString('base64url')}`, 'querystring/cursor'],
    ['?cursor=', 'querystring/cursor'],
    ['?limit=0', 'querystring/limit'],
    ['?limit=201', 'querystring/limit'],
    ['?limit=ten', 'querystring/limit'],
    ['?since=yesterday', 'querystring/since'],
  ] as const)('%s is a 400 naming %s', async ([query, path]) => {
    const problem = expectProblem(await getAudit(org.token, query), 400);
    expect(problem.errors).toContainEqual(expect.objectContaining({ path }));
  });

  test('another organization sees none of these events, even with this one’s cursor', async () => {
    const mine = await page(org.token, '?limit=2');
    const theirs = await page(other.token, '?limit=200');
    expect(theirs.items.map((e) => e.action)).toEqual(['organization.created']);
    const ours = new Set(mine.items.map((e) => e.subject));
    for (const e of theirs.items) expect(ours.has(e.subject)).toBe(false);
    const borrowed = await page(other.token, `?cursor=${mine.nextCursor ?? ''}`);
    expect(borrowed.items.every((e) => e.subject === `organization/${other.organizationId}`)).toBe(
      true,
    );
  });
});
