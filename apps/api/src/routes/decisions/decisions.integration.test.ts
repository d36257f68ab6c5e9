import { openOwnerDatabase } from '@pulsegap/testing';
import type { Database } from '@pulsegap/db';
import type { InjectOptions } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  addUser,
  bearer,
  createPriority,
  createTestServer,
  expectProblem,
  signup,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

interface Decision {
  id: string;
  title: string;
  priorityId: string;
  priorityTitle: string;
  teamId: string;
  teamName: string;
  tradeoff: string;
  reviewOn: string;
  status: 'open' | 'retired';
  sessionId: string | null;
  createdAt: string;
  updatedAt: string;
  durability: { runs: unknown[]; latest: unknown; relitigated: boolean; reasons: string[] };
  reach: 'all' | 'some' | 'none';
}

interface AuditEntry {
  actor: { id: string; email: string | null } | null;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}

let t: TestServer;
let owner: Kysely<Database>;
let org: TestOrganization;
let other: TestOrganization;
let executive: { id: string; email: string; token: string };
let priorityId: string;
let otherPriorityId: string;
let teams: Record<string, string>;
let otherTeamId: string;

async function importRoster(token: string, rows: string[]): Promise<void> {
  const response = await t.server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(token), 'content-type': 'text/csv' },
    payload: ['email,name,team,tier,parent_team', ...rows].join('\n'),
  });
  expect(response.statusCode, response.body).toBe(200);
}

async function teamIds(token: string): Promise<Record<string, string>> {
  const response = await t.server.inject({ url: '/api/v1/teams', headers: bearer(token) });
  expect(response.statusCode, response.body).toBe(200);
  return Object.fromEntries(
    response.json<{ items: { id: string; name: string }[] }>().items.map((x) => [x.name, x.id]),
  );
}

const list = async (token = org.token): Promise<Decision[]> => {
  const response = await t.server.inject({ url: '/api/v1/decisions', headers: bearer(token) });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ items: Decision[] }>().items;
};

function valid(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Freeze new integrations until the migration ships',
    priorityId,
    teamId: teams.Operations,
    tradeoff: 'Partner integration requests',
    reviewOn: '2027-03-31',
    ...overrides,
  };
}

async function create(token: string, payload: Record<string, unknown>): Promise<string> {
  const response = await t.server.inject({
    method: 'POST',
    url: '/api/v1/decisions',
    headers: bearer(token),
    payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

async function auditOf(subject: string): Promise<AuditEntry[]> {
  const response = await t.server.inject({
    url: '/api/v1/audit?limit=200',
    headers: bearer(org.token),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response
    .json<{ items: AuditEntry[] }>()
    .items.filter((e) => e.subject === subject)
    .reverse();
}

/** Every decision row and audit event of the organization: bad input must change none. */
async function storedState(): Promise<string> {
  const { rows } = await sql<{ state: string }>`
    select coalesce((select json_agg(d order by d.id)::text from decisions d
                      where d.organization_id = ${org.organizationId}), '') ||
           (select count(*)::text from audit_events where organization_id = ${org.organizationId})
           as state
  `.execute(owner);
  return rows[0]?.state ?? '';
}

beforeAll(async () => {
  t = await createTestServer();
  owner = openOwnerDatabase();
  org = await signup(t.server, 'Decided Co');
  other = await signup(t.server, 'Other Co');
  await importRoster(org.token, [
    'a@decided.test,A,Operations,frontline,',
    'b@decided.test,B,Warehouse,frontline,Operations',
    'c@decided.test,C,Sales,leadership,',
  ]);
  await importRoster(other.token, ['x@other.test,X,Elsewhere,frontline,']);
  teams = await teamIds(org.token);
  otherTeamId = (await teamIds(other.token)).Elsewhere ?? '';
  priorityId = await createPriority(t.server, org.token, { title: 'Platform', statedWeight: 4 });
  otherPriorityId = await createPriority(t.server, other.token, {
    title: 'Theirs',
    statedWeight: 2,
  });
  executive = await addUser(t.server, org.token, 'executive');
});
afterAll(async () => {
  await t.close();
  await owner.destroy();
});

describe('the decision log', () => {
  test('an executive records a decision; it is listed with its names and audited', async () => {
    const id = await create(executive.token, valid({ title: '  Freeze integrations  ' }));
    const found = (await list()).find((d) => d.id === id);
    expect(found).toEqual({
      id,
      title: 'Freeze integrations',
      priorityId,
      priorityTitle: 'Platform',
      teamId: teams.Operations,
      teamName: 'Operations',
      tradeoff: 'Partner integration requests',
      reviewOn: '2027-03-31',
      status: 'open',
      sessionId: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      durability: { runs: [], latest: null, relitigated: false, reasons: [] },
      // Operations and Warehouse hold one frontline person each: a group under k, merged
      // beyond Operations, so a run would ask its items of nobody (and the log says so, with
      // no count: a team's size under k is shown nowhere).
      reach: 'none',
    });
    const [entry, ...more] = await auditOf(`decision/${id}`);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actor: { id: executive.id, email: executive.email },
      action: 'decision.created',
      detail: {
        title: 'Freeze integrations',
        priorityId,
        teamId: teams.Operations,
        tradeoff: 'Partner integration requests',
        reviewOn: '2027-03-31',
        sessionId: null,
      },
    });
    // Another organization sees none of it.
    expect((await list(other.token)).map((d) => d.id)).not.toContain(id);
  });

  test('a decision may name a room session of the organization', async () => {
    const session = await makeSession();
    const id = await create(org.token, valid({ sessionId: session }));
    expect((await list()).find((d) => d.id === id)?.sessionId).toBe(session);
  });

  test('revising a decision returns it and audits the changed fields only', async () => {
    const id = await create(org.token, valid({ title: 'Revise me' }));
    const response = await t.server.inject({
      method: 'PATCH',
      url: `/api/v1/decisions/${id}`,
      headers: bearer(executive.token),
      payload: {
        title: 'Revised',
        reviewOn: '2027-06-30',
        tradeoff: 'Partner integration requests',
        teamId: teams.Warehouse,
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    const revised = response.json<Decision>();
    expect(revised).toMatchObject({
      id,
      title: 'Revised',
      reviewOn: '2027-06-30',
      teamId: teams.Warehouse,
      teamName: 'Warehouse',
      status: 'open',
    });
    expect(new Date(revised.updatedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(revised.createdAt).getTime(),
    );
    const entries = await auditOf(`decision/${id}`);
    expect(entries.map((e) => e.action)).toEqual(['decision.created', 'decision.updated']);
    expect(entries[1]?.detail).toEqual({
      title: { before: 'Revise me', after: 'Revised' },
      reviewOn: { before: '2027-03-31', after: '2027-06-30' },
      teamId: { before: teams.Operations, after: teams.Warehouse },
    });
  });

  test('retiring a decision and opening it again are audited', async () => {
    const id = await create(org.token, valid({ title: 'Retire me' }));
    const patch = (status: string) =>
      t.server.inject({
        method: 'PATCH',
        url: `/api/v1/decisions/${id}`,
        headers: bearer(org.token),
        payload: { status },
      });
    const retired = await patch('retired');
    expect(retired.statusCode, retired.body).toBe(200);
    expect(retired.json<Decision>().status).toBe('retired');
    expect((await list()).find((d) => d.id === id)?.status).toBe('retired');
    const reopened = await patch('open');
    expect(reopened.json<Decision>().status).toBe('open');
    const entries = await auditOf(`decision/${id}`);
    expect(entries.map((e) => [e.action, e.detail])).toEqual([
      ['decision.created', expect.any(Object)],
      ['decision.retired', { status: { before: 'open', after: 'retired' } }],
      ['decision.updated', { status: { before: 'retired', after: 'open' } }],
    ]);
  });

  test('a patch that changes nothing records nothing', async () => {
    const id = await create(org.token, valid({ title: 'Same' }));
    const response = await t.server.inject({
      method: 'PATCH',
      url: `/api/v1/decisions/${id}`,
      headers: bearer(org.token),
      payload: { title: 'Same' },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect((await auditOf(`decision/${id}`)).map((e) => e.action)).toEqual(['decision.created']);
  });
});

async function makeSession(
  organizationId = org.organizationId,
  token = org.token,
): Promise<string> {
  // A room session belongs to a run: a run of a one-dimension pulse is started for it.
  const pulse = await t.server.inject({
    method: 'POST',
    url: '/api/v1/pulses',
    headers: bearer(token),
    payload: {
      title: 'For a room',
      priorityIds: [organizationId === org.organizationId ? priorityId : otherPriorityId],
      dimensions: ['clarity'],
    },
  });
  expect(pulse.statusCode, pulse.body).toBe(201);
  const { rows } = await sql<{ id: string }>`
    with run as (
      insert into runs (organization_id, pulse_id, opened_at, closes_at, invited,
                        min_group_size, comment_min_group_size, open_question)
      values (${organizationId}, ${pulse.json<{ id: string }>().id}, now(), now() + interval '1 day',
              0, 5, 10, false)
      returning id)
    insert into room_sessions (organization_id, run_id, code, threshold, prompt)
    select ${organizationId}, run.id, upper(substr(md5(random()::text), 1, 8)), 5, 'Why?' from run
    returning id
  `.execute(owner);
  return rows[0]?.id ?? '';
}

describe('bad input changes nothing', () => {
  let decisionId: string;
  let foreignDecisionId: string;
  let foreignSession: string;
  beforeAll(async () => {
    decisionId = await create(org.token, valid({ title: 'Target' }));
    foreignDecisionId = await create(
      other.token,
      valid({ priorityId: otherPriorityId, teamId: otherTeamId }),
    );
    foreignSession = await makeSession(other.organizationId, other.token);
  });

  const post = (payload: unknown): InjectOptions => ({
    method: 'POST',
    url: '/api/v1/decisions',
    headers: bearer(org.token),
    payload: payload as Record<string, unknown>,
  });
  const patch =
    (payload: unknown, id = () => decisionId): (() => InjectOptions) =>
    () => ({
      method: 'PATCH',
      url: `/api/v1/decisions/${id()}`,
      headers: bearer(org.token),
      payload: payload as Record<string, unknown>,
    });

  const cases: [string, () => InjectOptions, number, string | null][] = [
    ['an empty title', () => post(valid({ title: '' })), 400, 'body/title'],
    ['a blank title', () => post(valid({ title: '   ' })), 400, 'body/title'],
    ['a title over 300', () => post(valid({ title: 'x'.repeat(301) })), 400, 'body/title'],
    ['an empty tradeoff', () => post(valid({ tradeoff: '' })), 400, 'body/tradeoff'],
    [
      'a tradeoff over 1000',
      () => post(valid({ tradeoff: 'x'.repeat(1001) })),
      400,
      'body/tradeoff',
    ],
    ['no priority', () => post({ ...valid(), priorityId: undefined }), 400, 'body'],
    ['a malformed priority', () => post(valid({ priorityId: 'nope' })), 400, 'body/priorityId'],
    [
      'an unknown priority',
      () => post(valid({ priorityId: crypto.randomUUID() })),
      400,
      'body/priorityId',
    ],
    [
      "another organization's priority",
      () => post(valid({ priorityId: otherPriorityId })),
      400,
      'body/priorityId',
    ],
    ['an unknown team', () => post(valid({ teamId: crypto.randomUUID() })), 400, 'body/teamId'],
    ["another organization's team", () => post(valid({ teamId: otherTeamId })), 400, 'body/teamId'],
    [
      'an unknown session',
      () => post(valid({ sessionId: crypto.randomUUID() })),
      400,
      'body/sessionId',
    ],
    [
      "another organization's session",
      () => post(valid({ sessionId: foreignSession })),
      400,
      'body/sessionId',
    ],
    [
      'a date the calendar lacks',
      () => post(valid({ reviewOn: '2027-02-30' })),
      400,
      'body/reviewOn',
    ],
    ['a month 13', () => post(valid({ reviewOn: '2027-13-01' })), 400, 'body/reviewOn'],
    [
      'a date with a time',
      () => post(valid({ reviewOn: '2027-03-31T00:00:00Z' })),
      400,
      'body/reviewOn',
    ],
    ['year zero', () => post(valid({ reviewOn: '0000-01-01' })), 400, 'body/reviewOn'],
    ['an unknown field', () => post(valid({ owner: 'me' })), 400, 'body/owner'],
    ['a NUL in the title', () => post(valid({ title: 'a\u0000b' })), 400, null],
    ['an empty patch', patch({}), 400, 'body'],
    ['a patch with an unknown status', patch({ status: 'done' }), 400, 'body/status'],
    ['a patch with a blank title', patch({ title: ' ' }), 400, 'body/title'],
    ['a patch to an unknown team', patch({ teamId: crypto.randomUUID() }), 400, 'body/teamId'],
    ['a patch to a bad date', patch({ reviewOn: '2027-04-31' }), 400, 'body/reviewOn'],
    [
      'a patch of the priority',
      patch({ priorityId: '00000000-0000-4000-8000-000000000000' }),
      400,
      'body/priorityId',
    ],
    ['a patch of an unknown decision', patch({ title: 'x' }, () => crypto.randomUUID()), 404, null],
    [
      "a patch of another organization's decision",
      patch({ title: 'x' }, () => foreignDecisionId),
      404,
      null,
    ],
    ['a patch of a malformed id', patch({ title: 'x' }, () => 'nope'), 400, 'params/id'],
  ];

  test.each(cases)('%s', async (_name, request, status, path) => {
    const before = await storedState();
    const problem = expectProblem(await t.server.inject(request()), status);
    if (path !== null) {
      expect(problem.errors).toContainEqual({ path, message: expect.any(String) });
    }
    expect(await storedState()).toBe(before);
  });

  test("another organization's decision is unchanged by a patch naming it", async () => {
    const theirs = (await list(other.token)).find((d) => d.id === foreignDecisionId);
    expect(theirs?.title).toBe('Freeze new integrations until the migration ships');
  });

  test('only admins and executives read and write the log', async () => {
    expectProblem(await t.server.inject({ url: '/api/v1/decisions' }), 401);
    expectProblem(await t.server.inject({ ...post(valid()), headers: {} }), 401);
  });
});
