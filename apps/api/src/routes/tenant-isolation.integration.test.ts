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
  releaseNow,
  signup,
  uniqueEmail,
  type TestOrganization,
  type TestServer,
} from '../test-support.js';

/** One organization with everything a route may take the id of. */
interface Tenant extends TestOrganization {
  readonly emails: readonly string[];
  /** Its roster as CSV rows. */
  readonly roster: readonly string[];
  readonly priorityId: string;
  readonly pulseId: string;
  /** A run still open. */
  readonly runId: string;
  /** A run closed and released, whose reports are served. */
  readonly releasedRunId: string;
  /** A decision of its log. */
  readonly decisionId: string;
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
  // A released run's reports; an open run's are its owner's 409 (not released yet), and
  // never tell another organization that the run exists or when it closes.
  ...['gaps', 'collisions', 'comments', 'export.csv', 'brief'].flatMap((report) => [
    {
      method: 'GET' as const,
      path: `/runs/:id/${report}`,
      id: (t: Tenant) => t.releasedRunId,
      ownerStatus: 200,
    },
    {
      method: 'GET' as const,
      path: `/runs/:id/${report} (open)`,
      id: (t: Tenant) => t.runId,
      ownerStatus: 409,
    },
  ]),
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
  {
    method: 'PATCH',
    path: '/decisions/:id',
    id: (t) => t.decisionId,
    ownerStatus: 200,
    payload: { title: 'Taken over', status: 'retired' },
  },
  // Last: the owner's own call deletes the pulse the routes above take.
  { method: 'DELETE', path: '/pulses/:id', id: (t) => t.pulseId, ownerStatus: 204 },
];

const urlOf = (route: (typeof ROUTES_BY_ID)[number], tenant: Tenant) =>
  `/api/v1${route.path.replace(' (open)', '').replace(':id', route.id(tenant))}`;

const TEAMS = ['Sales', 'Operations'];

describe('tenant isolation', () => {
  let t: TestServer;
  let owner: Kysely<Database>;
  let a: Tenant;
  let b: Tenant;

  async function tenant(name: string): Promise<Tenant> {
    const organization = await signup(t.server, name);
    const h = bearer(organization.token);
    // Five of each tier, over two teams: a run needs at least k of each.
    const rows = [
      ...[3, 2].flatMap((n, i) =>
        Array.from({ length: n }, () => `${uniqueEmail('lead')},Lee,${TEAMS[i]},leadership`),
      ),
      ...[3, 2].flatMap((n, i) =>
        Array.from({ length: n }, () => `${uniqueEmail('front')},Fran,${TEAMS[i]},frontline`),
      ),
    ];
    const emails = rows.map((row) => row.split(',')[0] ?? '');
    const roster = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: { ...h, 'content-type': 'text/csv' },
      payload: ['email,name,team,tier', ...rows].join('\n'),
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
    const startRun = async () => {
      const run = await t.server.inject({
        method: 'POST',
        url: `/api/v1/pulses/${pulseId}/runs`,
        headers: h,
      });
      expect(run.statusCode, run.body).toBe(201);
      return run.json<{ id: string }>().id;
    };
    const releasedRunId = await startRun();
    await releaseNow(t.db, organization.organizationId, releasedRunId);
    const runId = await startRun();
    const teams = await t.server.inject({ url: '/api/v1/teams', headers: h });
    const decision = await t.server.inject({
      method: 'POST',
      url: '/api/v1/decisions',
      headers: h,
      payload: {
        title: `${name} decides`,
        priorityId,
        teamId: teams.json<{ items: { id: string }[] }>().items[0]?.id,
        tradeoff: 'Something else',
        reviewOn: '2027-06-30',
      },
    });
    expect(decision.statusCode, decision.body).toBe(201);
    const decisionId = decision.json<{ id: string }>().id;
    return {
      ...organization,
      emails,
      roster: rows,
      priorityId,
      pulseId,
      runId,
      releasedRunId,
      decisionId,
    };
  }

  /** Everything of one organization the routes could change, read past row-level security. */
  async function state(organizationId: string) {
    const org = organizationId;
    const [teams, people, priorities, pulses, runs, invitations, audit, decisions] =
      await Promise.all([
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
        owner
          .selectFrom('decisions')
          .select(['id', 'title', 'team_id', 'status', 'updated_at'])
          .where('organization_id', '=', org)
          .orderBy('id')
          .execute(),
      ]);
    return {
      teams,
      people,
      priorities,
      pulses,
      runs,
      invitations: invitations.n,
      audit,
      decisions,
    };
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

  test("the other organization's open run is still open, and its runs are still its two", async () => {
    const runs = await t.server.inject({
      method: 'GET',
      url: `/api/v1/pulses/${b.pulseId}/runs`,
      headers: bearer(b.token),
    });
    expect(runs.statusCode, runs.body).toBe(200);
    const items = runs.json<{ items: { id: string; state: string; closedAt: string | null }[] }>()
      .items;
    expect(items).toEqual([
      expect.objectContaining({ id: b.runId, state: 'open', closedAt: null }),
      expect.objectContaining({ id: b.releasedRunId, state: 'released' }),
    ]);
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
      url: '/api/v1/people/import?deactivateMissing=true&confirmDeactivation=true',
      headers: { ...bearer(a.token), 'content-type': 'text/csv' },
      payload: `email,name,team,tier\n${shared},Somebody Else,Sales,frontline\n`,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ created: 1, updated: 0, deactivated: a.emails.length });
    expect(await state(b.organizationId)).toEqual(beforeB);

    // The caller's roster back, so a run of its pulse can start again below.
    const restored = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: { ...bearer(a.token), 'content-type': 'text/csv' },
      payload: ['email,name,team,tier', ...a.roster].join('\n'),
    });
    expect(restored.statusCode, restored.body).toBe(200);
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
