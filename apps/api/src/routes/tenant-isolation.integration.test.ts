import type { Database } from '@pulsegap/db';
import { openOwnerDatabase } from '@pulsegap/testing';
import type { HTTPMethods } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createPriority,
  createTestServer,
  expectProblem,
  signup,
  uniqueEmail,
  type TestOrganization,
  type TestServer,
} from '../test-support.js';

/** One organization with everything a route may take the id of. */
interface Tenant extends TestOrganization {
  readonly emails: readonly string[];
  readonly priorityId: string;
  readonly pulseId: string;
  readonly runId: string;
}

/**
 * Every route that takes an id of a tenant's thing. A new `/:id` route is one more line:
 * which id it takes, and what it answers the tenant that owns it.
 */
const ROUTES_BY_ID: readonly {
  method: HTTPMethods;
  path: string;
  id: (tenant: Tenant) => string;
  ownerStatus: number;
  payload?: object;
}[] = [
  { method: 'GET', path: '/pulses/:id', id: (t) => t.pulseId, ownerStatus: 200 },
  { method: 'GET', path: '/pulses/:id/runs', id: (t) => t.pulseId, ownerStatus: 200 },
  { method: 'GET', path: '/runs/:id/gaps', id: (t) => t.runId, ownerStatus: 200 },
  { method: 'GET', path: '/runs/:id/collisions', id: (t) => t.runId, ownerStatus: 200 },
  { method: 'GET', path: '/runs/:id/comments', id: (t) => t.runId, ownerStatus: 200 },
  { method: 'GET', path: '/runs/:id/export.csv', id: (t) => t.runId, ownerStatus: 200 },
  { method: 'GET', path: '/runs/:id/brief', id: (t) => t.runId, ownerStatus: 200 },
  { method: 'GET', path: '/pulses/:id/trends', id: (t) => t.pulseId, ownerStatus: 200 },
  { method: 'POST', path: '/pulses/:id/runs', id: (t) => t.pulseId, ownerStatus: 201 },
  { method: 'POST', path: '/runs/:id/close', id: (t) => t.runId, ownerStatus: 200 },
  {
    method: 'PATCH',
    path: '/pulses/:id',
    id: (t) => t.pulseId,
    ownerStatus: 204,
    payload: { title: 'Taken over', paused: true, minGroupSize: 6 },
  },
  // Last: the owner's own call deletes the pulse the routes above take.
  { method: 'DELETE', path: '/pulses/:id', id: (t) => t.pulseId, ownerStatus: 204 },
];

const urlOf = (route: (typeof ROUTES_BY_ID)[number], tenant: Tenant) =>
  `/api/v1${route.path.replace(':id', route.id(tenant))}`;

describe('tenant isolation', () => {
  let t: TestServer;
  let owner: Kysely<Database>;
  let a: Tenant;
  let b: Tenant;

  async function tenant(name: string): Promise<Tenant> {
    const organization = await signup(t.server, name);
    const h = bearer(organization.token);
    const emails = [
      uniqueEmail('lead'),
      uniqueEmail('front'),
      uniqueEmail('ops'),
      uniqueEmail('ops'),
    ];
    const roster = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: { ...h, 'content-type': 'text/csv' },
      payload: [
        'email,name,team,tier',
        `${emails[0]},Lee,Sales,leadership`,
        `${emails[1]},Fran,Sales,frontline`,
        `${emails[2]},Olu,Operations,leadership`,
        `${emails[3]},Ode,Operations,frontline`,
      ].join('\n'),
    });
    expect(roster.statusCode, roster.body).toBe(200);
    const priorityId = await createPriority(t.server, organization.token, {
      title: `${name} growth`,
      statedWeight: 5,
    });
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: h,
      payload: { title: `${name} pulse`, priorityIds: [priorityId] },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    const pulseId = pulse.json<{ id: string }>().id;
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: h,
    });
    expect(run.statusCode, run.body).toBe(201);
    return { ...organization, emails, priorityId, pulseId, runId: run.json<{ id: string }>().id };
  }

  /** Everything of one organization the routes could change, read past row-level security. */
  async function state(organizationId: string) {
    const org = organizationId;
    const [teams, people, priorities, pulses, runs, invitations, audit] = await Promise.all([
      owner
        .selectFrom('teams')
        .select(['id', 'name', 'parent_id'])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
      owner
        .selectFrom('people')
        .select(['id', 'email', 'name', 'team_id', 'tier', 'active'])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
      owner
        .selectFrom('priorities')
        .select(['id', 'title', 'stated_weight'])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
      owner
        .selectFrom('pulses')
        .select(['id', 'title', 'paused', 'min_group_size', 'deleted_at'])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
      owner
        .selectFrom('runs')
        .select(['id', 'pulse_id', 'closes_at', 'closed_at'])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
      owner
        .selectFrom('invitations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('organization_id', '=', org)
        .executeTakeFirstOrThrow(),
      owner
        .selectFrom('audit_events')
        .select('id')
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
    ]);
    return { teams, people, priorities, pulses, runs, invitations: invitations.n, audit };
  }

  beforeAll(async () => {
    t = await createTestServer();
    owner = openOwnerDatabase();
    a = await tenant('Alpha');
    b = await tenant('Beta');
  });
  afterAll(async () => {
    await owner.destroy();
    await t.close();
  });

  test.for(ROUTES_BY_ID)(
    "$method $path with the other organization's id is a 404 and changes nothing",
    async (route) => {
      const before = await state(b.organizationId);
      const response = await t.server.inject({
        method: route.method,
        url: urlOf(route, b),
        headers: bearer(a.token),
        ...(route.payload === undefined ? {} : { payload: route.payload }),
      });
      expect(expectProblem(response, 404).code).toBe('PG_ERR_NOT_FOUND');
      expect(await state(b.organizationId)).toEqual(before);
    },
  );

  test("the other organization's run is still open, and still its only run", async () => {
    const runs = await t.server.inject({
      method: 'GET',
      url: `/api/v1/pulses/${b.pulseId}/runs`,
      headers: bearer(b.token),
    });
    expect(runs.statusCode, runs.body).toBe(200);
    const items = runs.json<{ items: { id: string; closedAt: string | null }[] }>().items;
    expect(items).toEqual([expect.objectContaining({ id: b.runId, closedAt: null })]);
  });

  test.for(['/pulses', '/priorities', '/teams', '/people'])(
    'GET %s lists only the caller’s organization',
    async (path) => {
      const expected = await state(a.organizationId);
      const theirs = await state(b.organizationId);
      const idsOf: Record<string, { id: string }[]> = {
        '/pulses': expected.pulses,
        '/priorities': expected.priorities,
        '/teams': expected.teams,
        '/people': expected.people,
      };
      const foreign: Record<string, { id: string }[]> = {
        '/pulses': theirs.pulses,
        '/priorities': theirs.priorities,
        '/teams': theirs.teams,
        '/people': theirs.people,
      };
      const response = await t.server.inject({
        method: 'GET',
        url: `/api/v1${path}`,
        headers: bearer(a.token),
      });
      expect(response.statusCode, response.body).toBe(200);
      const listed = response.json<{ items: { id: string }[] }>().items.map((i) => i.id);
      const own = (idsOf[path] ?? []).map((r) => r.id);
      expect(own.length).toBeGreaterThan(0);
      expect(listed.toSorted()).toEqual(own.toSorted());
      for (const { id } of foreign[path] ?? []) expect(listed).not.toContain(id);
    },
  );

  test('GET /people shows only the caller’s people', async () => {
    const response = await t.server.inject({
      method: 'GET',
      url: '/api/v1/people',
      headers: bearer(a.token),
    });
    const emails = response.json<{ items: { email: string }[] }>().items.map((p) => p.email);
    expect(emails.toSorted()).toEqual([...a.emails].sort());
  });

  test("POST /pulses with the other organization's priority or team is a 400", async () => {
    const beforeA = await state(a.organizationId);
    const beforeB = await state(b.organizationId);
    const [teamOfB] = beforeB.teams;
    const withPriority = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(a.token),
      payload: { title: 'Borrowed', priorityIds: [b.priorityId] },
    });
    expect(expectProblem(withPriority, 400).errors).toContainEqual(
      expect.objectContaining({ path: 'body/priorityIds/0' }),
    );
    const withTeam = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(a.token),
      payload: {
        title: 'Borrowed',
        priorityIds: [a.priorityId],
        audience: { teams: [teamOfB?.id] },
      },
    });
    expect(expectProblem(withTeam, 400).errors).toContainEqual(
      expect.objectContaining({ path: 'body/audience/teams/0' }),
    );
    expect(await state(a.organizationId)).toEqual(beforeA);
    expect(await state(b.organizationId)).toEqual(beforeB);
  });

  test("an import with deactivateMissing never touches the other organization's roster", async () => {
    const beforeB = await state(b.organizationId);
    const shared = b.emails[0] ?? '';
    const response = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import?deactivateMissing=true',
      headers: { ...bearer(a.token), 'content-type': 'text/csv' },
      payload: `email,name,team,tier\n${shared},Somebody Else,Sales,frontline\n`,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ created: 1, updated: 0, deactivated: a.emails.length });
    expect(await state(b.organizationId)).toEqual(beforeB);
  });

  test('settings and the audit log are the caller’s own', async () => {
    const beforeB = await state(b.organizationId);
    const changed = await t.server.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(a.token),
      payload: {
        timezone: 'Europe/Lisbon',
        minGroupSize: 5,
        commentMinGroupSize: 11,
        quietHours: { from: '08:00', to: '16:00', weekdays: [1, 2, 3, 4] },
      },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const settingsOfB = await t.server.inject({
      method: 'GET',
      url: '/api/v1/settings',
      headers: bearer(b.token),
    });
    expect(settingsOfB.json()).toMatchObject({ timezone: 'UTC', commentMinGroupSize: 10 });

    const subjects = async (tenant: Tenant) => {
      const response = await t.server.inject({
        method: 'GET',
        url: '/api/v1/audit?limit=200',
        headers: bearer(tenant.token),
      });
      expect(response.statusCode, response.body).toBe(200);
      return JSON.stringify(response.json());
    };
    const ofA = await subjects(a);
    const ofB = await subjects(b);
    expect(ofA).toContain(`pulse/${a.pulseId}`);
    expect(ofB).toContain(`pulse/${b.pulseId}`);
    for (const id of [b.organizationId, b.pulseId, b.priorityId, ...b.emails]) {
      expect(ofA).not.toContain(id);
    }
    for (const id of [a.organizationId, a.pulseId, a.priorityId, ...a.emails]) {
      expect(ofB).not.toContain(id);
    }
    expect(await state(b.organizationId)).toEqual(beforeB);
  });

  // Last: proves each route answers its own organization, so the 404s above are isolation.
  test.for(ROUTES_BY_ID)('$method $path with the caller’s own id works', async (route) => {
    const response = await t.server.inject({
      method: route.method,
      url: urlOf(route, a),
      headers: bearer(a.token),
      ...(route.payload === undefined ? {} : { payload: route.payload }),
    });
    expect(response.statusCode, response.body).toBe(route.ownerStatus);
  });
});
