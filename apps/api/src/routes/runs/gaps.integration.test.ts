import { gunzipSync } from 'node:zlib';
import {
  benjaminiHochberg,
  cliffsDeltaOfValues,
  hedgesGOfValues,
  mannWhitneyTestOfValues,
  welchTestOfValues,
} from '@pulsegap/domain';
import { deriveKey } from '@pulsegap/config';
import { closeAndRelease } from '@pulsegap/jobs';
import { openOwnerDatabase, testConfig } from '@pulsegap/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createPriority,
  createTestServer,
  expectProblem,
  PASSWORD,
  signup,
  storeAnswers,
  uniqueEmail,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

// One run from roster to figures: HR sets everything up through the API, responses are
// stored as the run's release stores them, the run is closed and released, and an
// executive reads exact statistics, which exist only once the run is released.
describe('a run from roster to gaps', () => {
  let t: TestServer;
  let org: TestOrganization;
  let executiveToken: string;
  let priorityId: string;
  let pulseId: string;
  let runId: string;
  let closesAt: string;

  beforeAll(async () => {
    t = await createTestServer();
    org = await signup(t.server, 'Flow Inc');
  });
  afterAll(() => t.close());

  const admin = () => bearer(org.token);

  test('HR adds an executive, who can sign in', async () => {
    const email = uniqueEmail('exec');
    const created = await t.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin(),
      payload: { email, password: PASSWORD, role: 'executive' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const login = await t.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: email.toUpperCase(), password: PASSWORD },
    });
    expect(login.statusCode, login.body).toBe(200);
    expect(login.json()).toEqual({ token: expect.any(String), expiresIn: 3600 });
    executiveToken = login.json<{ token: string }>().token;
  });

  test('HR imports a roster CSV with departments', async () => {
    const rows = ['email,name,team,tier,parent_team'];
    for (let i = 0; i < 6; i += 1)
      rows.push(`lead${i}@flow.test,Lead ${i},Support,leadership,Operations`);
    for (let i = 0; i < 8; i += 1)
      rows.push(`front${i}@flow.test,"Front, ${i}",Support,frontline,`);
    const response = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: { ...admin(), 'content-type': 'text/csv' },
      payload: `\uFEFF${rows.join('\r\n')}\r\n`,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ created: 14, updated: 0, deactivated: 0 });
    const teams = await t.server.inject({ url: '/api/v1/teams', headers: bearer(executiveToken) });
    const items = teams.json<{ items: { id: string; name: string; parentId: string | null }[] }>()
      .items;
    const operations = items.find((team) => team.name === 'Operations');
    expect(items.find((team) => team.name === 'Support')?.parentId).toBe(operations?.id);
    const people = await t.server.inject({ url: '/api/v1/people', headers: admin() });
    expect(people.json<{ items: { name: string }[] }>().items.map((p) => p.name)).toContain(
      'Front, 0',
    );
  });

  test('HR records a priority and creates a pulse from the question bank', async () => {
    priorityId = await createPriority(t.server, org.token, {
      title: 'Customer Focus',
      description: 'Answer fast',
      statedWeight: 5,
    });
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: admin(),
      payload: {
        title: 'Q4 pulse',
        priorityIds: [priorityId],
        dimensions: ['staffing', 'clarity'],
      },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    pulseId = pulse.json<{ id: string }>().id;
    const listed = await t.server.inject({ url: '/api/v1/pulses', headers: admin() });
    expect(listed.json()).toEqual({
      items: [
        expect.objectContaining({
          id: pulseId,
          title: 'Q4 pulse',
          priorityIds: [priorityId],
          dimensions: ['staffing', 'clarity'],
          openQuestion: true,
          minGroupSize: 5,
          commentMinGroupSize: 10,
          latestRunId: null,
        }),
      ],
    });
  });

  test('HR starts a run: everyone is invited, secrets are stored only as hashes', async () => {
    const started = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: admin(),
    });
    expect(started.statusCode, started.body).toBe(201);
    const body = started.json<{ id: string; invited: number; closesAt: string }>();
    runId = body.id;
    closesAt = body.closesAt;
    expect(body.invited).toBe(14);
    const hoursOpen = (Date.parse(body.closesAt) - Date.now()) / 3600_000;
    expect(hoursOpen).toBeGreaterThan(71.9);
    expect(hoursOpen).toBeLessThanOrEqual(72);

    const pulse = await t.server.inject({ url: `/api/v1/pulses/${pulseId}`, headers: admin() });
    expect(pulse.json<{ latestRunId: string }>().latestRunId).toBe(runId);

    const owner = openOwnerDatabase();
    try {
      const invitations = await owner
        .selectFrom('invitations')
        .select(['secret_hash'])
        .where('run_id', '=', runId)
        .execute();
      expect(invitations).toHaveLength(14);
      for (const i of invitations) expect(i.secret_hash).toHaveLength(32); // SHA-256, not the secret
      const questions = await owner
        .selectFrom('run_questions')
        .select(['dimension', 'text'])
        .where('run_id', '=', runId)
        .orderBy('position')
        .execute();
      expect(questions).toEqual([
        {
          dimension: 'staffing',
          text: 'My team is staffed to deliver Customer Focus alongside our other commitments.',
        },
        {
          dimension: 'clarity',
          text: 'I understand what Customer Focus asks of my team in practice.',
        },
      ]);
    } finally {
      await owner.destroy();
    }
  });

  test('the executive reads exact per-tier statistics and the gap, once the run is released', async () => {
    // While the run is open, nothing but participation is shown: the figures are a 409
    // that says when they will be released.
    const before = await t.server.inject({
      url: `/api/v1/runs/${runId}/gaps`,
      headers: bearer(executiveToken),
    });
    const problem = expectProblem(before, 409);
    expect(problem).toMatchObject({
      code: 'PG_ERR_NOT_RELEASED',
      title: 'Results are not released yet',
      closesAt,
    });
    expect(before.body).not.toContain('cells');

    // Leadership answers staffing 4,4,5,5,5,3 and clarity 5 ×6; frontline staffing 1,2,2,2,3,1,2,3 and clarity 4 ×8.
    const leadership = [4, 4, 5, 5, 5, 3];
    const frontline = [1, 2, 2, 2, 3, 1, 2, 3];
    await storeAnswers(t.db, org.organizationId, runId, [
      ...leadership.map((v) => ({
        tier: 'leadership' as const,
        values: { staffing: v, clarity: 5 },
      })),
      ...frontline.map((v) => ({
        tier: 'frontline' as const,
        values: { staffing: v, clarity: 4 },
      })),
    ]);
    const gaps = await t.server.inject({
      url: `/api/v1/runs/${runId}/gaps`,
      headers: bearer(executiveToken),
    });
    expect(gaps.statusCode, gaps.body).toBe(200);
    const body = gaps.json<{
      runId: string;
      computedAt: string;
      releasedAt: string;
      minGroupSize: number;
      cells: Record<string, unknown>[];
      teams: { id: string; name: string; parentId: string | null }[];
    }>();
    expect(body).toMatchObject({ runId, minGroupSize: 5 });
    // The team tree as the run's snapshot holds it: Support under Operations, names only.
    const teams = await t.server.inject({ url: '/api/v1/teams', headers: admin() });
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect([...body.teams].sort(byName)).toEqual(
      teams.json<{ items: typeof body.teams }>().items.sort(byName),
    );
    expect(body.teams.map((team) => team.name).sort()).toEqual(['Operations', 'Support']);
    expect(Date.parse(body.releasedAt)).not.toBeNaN();
    expect(body.computedAt).toBe(body.releasedAt);

    // Released once: a second release changes nothing, and every read serves the first.
    expect(
      await closeAndRelease(
        t.db,
        deriveKey(testConfig(), 'response-sealing'),
        org.organizationId,
        runId,
      ),
    ).toBe('already-released');
    const again = await t.server.inject({
      url: `/api/v1/runs/${runId}/gaps`,
      headers: bearer(executiveToken),
    });
    expect(again.body).toBe(gaps.body);
    // Every response counts for the whole organization here (no team segment): the teams'
    // cells are there, withheld as too small.
    const organization = body.cells.filter((c) => c.teamId === null);
    expect(organization).toHaveLength(2);
    const teamCells = body.cells.filter((c) => c.teamId !== null);
    expect(teamCells.length).toBeGreaterThan(0);
    for (const cell of teamCells) {
      expect(cell).toMatchObject({ suppressed: true, suppressionReason: 'small', gap: null });
    }
    const staffing = organization[0] as {
      leadership: { n: number; mean: number; sd: number; top2: number };
      frontline: { n: number; mean: number; sd: number; top2: number };
      gap: number;
      ci95: [number, number];
      pValue: number;
      qValue: number;
      cliffsDelta: number;
      hedgesG: number;
    };
    expect(organization[0]).toMatchObject({
      priorityId,
      dimension: 'staffing',
      teamId: null,
      suppressed: false,
    });
    expect(staffing.leadership.n).toBe(6);
    expect(staffing.leadership.mean).toBeCloseTo(26 / 6, 12);
    expect(staffing.leadership.sd).toBeCloseTo(
      Math.sqrt(((4 - 26 / 6) ** 2 * 2 + (5 - 26 / 6) ** 2 * 3 + (3 - 26 / 6) ** 2) / 5),
      12,
    );
    expect(staffing.leadership.top2).toBeCloseTo(5 / 6, 12);
    expect(staffing.frontline).toMatchObject({ n: 8, mean: 2, top2: 0 });
    expect(staffing.frontline.sd).toBeCloseTo(Math.sqrt(4 / 7), 12);
    expect(staffing.gap).toBeCloseTo(26 / 6 - 2, 12);
    // The inferential figures, against the plain raw-array implementations.
    const welch = welchTestOfValues(leadership, frontline);
    expect(staffing.ci95[0]).toBeCloseTo(welch?.ci95[0] ?? NaN, 12);
    expect(staffing.ci95[1]).toBeCloseTo(welch?.ci95[1] ?? NaN, 12);
    const p = mannWhitneyTestOfValues(leadership, frontline)?.pValue ?? NaN;
    expect(staffing.pValue).toBeCloseTo(p, 12);
    // Two shown cells (staffing and clarity); the clarity one's p-value is the larger.
    const clarityP = mannWhitneyTestOfValues([5, 5, 5, 5, 5, 5], [4, 4, 4, 4, 4, 4, 4, 4])?.pValue;
    expect(staffing.qValue).toBeCloseTo(benjaminiHochberg([p, clarityP ?? null])[0] ?? NaN, 12);
    expect(staffing.cliffsDelta).toBeCloseTo(cliffsDeltaOfValues(leadership, frontline) ?? NaN, 12);
    expect(staffing.hedgesG).toBeCloseTo(hedgesGOfValues(leadership, frontline) ?? NaN, 12);
    expect(organization[1]).toMatchObject({
      dimension: 'clarity',
      leadership: { n: 6, mean: 5, sd: 0, top2: 1 },
      frontline: { n: 8, mean: 4, sd: 0, top2: 1 },
      gap: 1,
    });

    // Gzipped for a client that takes it: the same document.
    const zipped = await t.server.inject({
      url: `/api/v1/runs/${runId}/gaps`,
      headers: { ...bearer(executiveToken), 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8'))).toEqual(gaps.json());

    // The run is listed as released, at the time the figures say, after it closed.
    const runs = await t.server.inject({ url: `/api/v1/pulses/${pulseId}/runs`, headers: admin() });
    const [listedRun] = runs.json<{
      items: {
        id: string;
        state: string;
        closedAt: string | null;
        releasedAt: string | null;
        participation: { invited: number; tokensCollected: number | null };
      }[];
    }>().items;
    expect(listedRun).toMatchObject({
      id: runId,
      state: 'released',
      releasedAt: body.releasedAt,
      participation: { invited: 14, tokensCollected: 0 },
    });
    expect(Date.parse(listedRun?.closedAt ?? '')).toBeLessThanOrEqual(Date.parse(body.releasedAt));
  });

  test('a pulse whose k the roster cannot meet in a tier does not start a run', async () => {
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: admin(),
      payload: {
        title: 'Too strict',
        priorityIds: [priorityId],
        dimensions: ['ownership'],
        minGroupSize: 7,
      },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    const strictPulseId = pulse.json<{ id: string }>().id;
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${strictPulseId}/runs`,
      headers: admin(),
    });
    // Six leaders: even the whole organization's leadership figures would be under k = 7.
    expect(expectProblem(run, 409)).toMatchObject({
      code: 'PG_ERR_TIER_UNDER_K',
      tier: 'leadership',
      count: 6,
      minGroupSize: 7,
    });
    const runs = await t.server.inject({
      url: `/api/v1/pulses/${strictPulseId}/runs`,
      headers: admin(),
    });
    expect(runs.json()).toEqual({ items: [] });
  });

  test('a cell with fewer than k answers in a tier is suppressed and carries no numbers', async () => {
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: admin(),
      payload: {
        title: 'Small',
        priorityIds: [priorityId],
        dimensions: ['ownership'],
        minGroupSize: 6,
      },
    });
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulse.json<{ id: string }>().id}/runs`,
      headers: admin(),
    });
    expect(run.statusCode, run.body).toBe(201);
    const smallRunId = run.json<{ id: string }>().id;
    // Six leaders were invited (k = 6), but only five answer.
    await storeAnswers(
      t.db,
      org.organizationId,
      smallRunId,
      [...Array<number>(5).fill(0), ...Array<number>(8).fill(1)].map((i) => ({
        tier: i === 0 ? ('leadership' as const) : ('frontline' as const),
        values: { ownership: 3 },
      })),
    );
    const gaps = await t.server.inject({
      url: `/api/v1/runs/${smallRunId}/gaps`,
      headers: admin(),
    });
    expect(gaps.statusCode, gaps.body).toBe(200);
    const body = gaps.json<{ minGroupSize: number; cells: { teamId: string | null }[] }>();
    expect(body.minGroupSize).toBe(6);
    expect(body.cells.filter((c) => c.teamId === null)).toEqual([
      {
        priorityId,
        dimension: 'ownership',
        teamId: null,
        suppressed: true,
        suppressionReason: 'small',
        leadership: null,
        frontline: null,
        gap: null,
        ci95: null,
        pValue: null,
        qValue: null,
        cliffsDelta: null,
        hedgesG: null,
      },
    ]);
  });
});
