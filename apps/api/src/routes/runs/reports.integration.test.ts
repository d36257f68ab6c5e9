import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createTestServer,
  expectProblem,
  rosterRows,
  signup,
  startAnsweringRun,
  storeAnswers,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

// Leadership says Customer Focus is staffed and feasible; the frontline of every team says
// it is not. Sales (East and West beneath it) and Support answer in their own segments.
const DIMENSIONS = ['staffing', 'feasibility', 'clarity', 'commitment'] as const;
const REPORTS = ['gaps', 'collisions', 'comments', 'brief', 'export.csv'] as const;
/** Leaders answering the first run, as many as the comment threshold (10). */
const LEADERS = 10;

describe('reports of a run: collisions, team cells, comments, CSV, trends', () => {
  let t: TestServer;
  let org: TestOrganization;
  let pulseId: string;
  let runIds: string[];
  let teamIds: Record<string, string>;

  async function startRun(): Promise<string> {
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    expect(run.statusCode, run.body).toBe(201);
    return run.json<{ id: string }>().id;
  }

  /** Stores responses: per segment, answers by dimension; a comment on every response. Releases the run. */
  async function answer(
    runId: string,
    groups: {
      team: string | null;
      tier: 'leadership' | 'frontline';
      n: number;
      values: number[];
    }[],
  ) {
    await storeAnswers(
      t.db,
      org.organizationId,
      runId,
      groups.flatMap((g) =>
        Array.from({ length: g.n }, (_, i) => ({
          teamId: g.team === null ? null : (teamIds[g.team] ?? null),
          tier: g.tier,
          values: Object.fromEntries(DIMENSIONS.map((d, k) => [d, g.values[k]])),
          comment: `${g.team ?? 'organization'} ${g.tier} comment ${i}`,
        })),
      ),
    );
  }

  beforeAll(async () => {
    t = await createTestServer();
    const people = [
      ...rosterRows('r.test', 'x', 'Sales', 'leadership', LEADERS).map((row) => `${row},`),
      ...rosterRows('r.test', 'east', 'East', 'frontline', 6).map((row) => `${row},Sales`),
      ...rosterRows('r.test', 'west', 'West', 'frontline', 6).map((row) => `${row},Sales`),
      ...rosterRows('r.test', 'support', 'Support', 'frontline', 3).map((row) => `${row},`),
    ];
    const started = await startAnsweringRun(t.server, t.db, {
      organization: 'Reports Co',
      header: 'email,name,team,tier,parent_team',
      people,
      dimensions: DIMENSIONS,
    });
    ({ org, pulseId } = started);
    const teams = await t.server.inject({ url: '/api/v1/teams', headers: bearer(org.token) });
    teamIds = Object.fromEntries(
      teams.json<{ items: { id: string; name: string }[] }>().items.map((x) => [x.name, x.id]),
    );
    runIds = [started.runId];
    await answer(runIds[0] ?? '', [
      { team: null, tier: 'leadership', n: LEADERS, values: [5, 4, 5, 5] },
      { team: 'East', tier: 'frontline', n: 6, values: [1, 2, 4, 4] },
      { team: 'West', tier: 'frontline', n: 6, values: [2, 2, 4, 5] },
      { team: 'Support', tier: 'frontline', n: 3, values: [2, 1, 5, 5] },
    ]);
  });
  afterAll(() => t.close());

  test('the collision is found, significant, with each tier’s means', async () => {
    const response = await t.server.inject({
      url: `/api/v1/runs/${runIds[0]}/collisions`,
      headers: bearer(org.token),
    });
    expect(response.statusCode, response.body).toBe(200);
    const [item] = response.json<{ items: Record<string, unknown>[] }>().items;
    expect(item).toMatchObject({
      title: 'Customer Focus',
      statedWeight: 5,
      significant: true,
      leadership: { staffing: 5, feasibility: 4 },
    });
    const frontline = item?.frontline as { staffing: number; feasibility: number };
    expect(frontline.staffing).toBeCloseTo((6 * 1 + 6 * 2 + 3 * 2) / 15, 12);
    // 5/5 × mean gap over staffing and feasibility / 4.
    const meanGap = (5 - frontline.staffing + (4 - frontline.feasibility)) / 2;
    expect(item?.collisionScore).toBeCloseTo(meanGap / 4, 12);
  });

  test('team cells: roll-ups shown, small teams withheld, no sibling left to subtract', async () => {
    const response = await t.server.inject({
      url: `/api/v1/runs/${runIds[0]}/gaps`,
      headers: bearer(org.token),
    });
    const cells = response
      .json<{ cells: { dimension: string; teamId: string | null; suppressed: boolean }[] }>()
      .cells.filter((c) => c.dimension === 'staffing');
    const of = (team: string) => cells.find((c) => c.teamId === teamIds[team]);
    // Frontline: East 6 and West 6 (Sales 12), Support 3. Support is under k; showing
    // Sales with the organization (15) would give Support away (15 − 12), and so would
    // East and West together: Sales and one of its two teams are withheld as well.
    expect(of('Support')).toMatchObject({ suppressed: true, suppressionReason: 'small' });
    expect(of('Sales')).toMatchObject({ suppressed: true, suppressionReason: 'complementary' });
    const organization = cells.find((c) => c.teamId === null);
    expect(organization).toMatchObject({ suppressed: false, frontline: { n: 15 } });
    const shownTeams = ['East', 'West'].filter((team) => of(team)?.suppressed === false);
    expect(shownTeams).toHaveLength(1);
    expect(of(shownTeams[0] ?? '')).toMatchObject({ frontline: { n: 6 } });
  });

  test('figures kept for one organization are never served to another', async () => {
    const url = `/api/v1/runs/${runIds[0]}/gaps`;
    expect((await t.server.inject({ url, headers: bearer(org.token) })).statusCode).toBe(200);
    const other = await signup(t.server, 'Other Co');
    const refused = await t.server.inject({ url, headers: bearer(other.token) });
    expect(refused.statusCode).toBe(404);
    expect((await t.server.inject({ url, headers: bearer(org.token) })).statusCode).toBe(200);
  });

  test('comments: per group and tier, only where that tier reaches the comment threshold, in one random order', async () => {
    const read = () =>
      t.server.inject({ url: `/api/v1/runs/${runIds[0]}/comments`, headers: bearer(org.token) });
    const response = await read();
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{
      runId: string;
      commentMinGroupSize: number;
      items: { teamId: string | null; team: string | null; tier: string; comments: string[] }[];
      withheld: { teamId: string | null; team: string | null; tier: string; reason: string }[];
    }>();
    expect(body.runId).toBe(runIds[0]);
    expect(body.commentMinGroupSize).toBe(10);
    const given = (team: string | null, tier: string, n: number) =>
      Array.from({ length: n }, (_, i) => `${team ?? 'organization'} ${tier} comment ${i}`);
    const leadership = given(null, 'leadership', LEADERS);
    const frontline = [
      ...given('East', 'frontline', 6),
      ...given('West', 'frontline', 6),
      ...given('Support', 'frontline', 3),
    ];
    // The whole organization, once per tier: ten leaders, fifteen of the frontline. A
    // tier's list holds its own comments only, and leaders never count towards the
    // frontline's threshold (nor the other way round).
    expect(body.items.map((i) => [i.teamId, i.team, i.tier])).toEqual([
      [null, null, 'leadership'],
      [null, null, 'frontline'],
    ]);
    const [leaders, front] = body.items;
    expect(leaders?.comments.toSorted()).toEqual(leadership.toSorted());
    expect(front?.comments.toSorted()).toEqual(frontline.toSorted());
    // Shuffled once, at release: not the order they were stored in (1 in 15! by chance).
    expect(front?.comments).not.toEqual(frontline);
    // The frontline's teams are under 10 each, and Sales (12) would give Support's three
    // away against the whole organization (15 − 12): withheld as well.
    expect(body.withheld).toHaveLength(4);
    expect(body.withheld).toEqual(
      expect.arrayContaining([
        { teamId: teamIds.East, team: 'East', tier: 'frontline', reason: 'small' },
        { teamId: teamIds.West, team: 'West', tier: 'frontline', reason: 'small' },
        { teamId: teamIds.Support, team: 'Support', tier: 'frontline', reason: 'small' },
        { teamId: teamIds.Sales, team: 'Sales', tier: 'frontline', reason: 'complementary' },
      ]),
    );
    // Every read serves the release: the same lists, in the same order.
    expect((await read()).body).toBe(response.body);
  });

  test('the CSV export holds every shown cell and nothing withheld', async () => {
    const [csv, gaps] = await Promise.all([
      t.server.inject({ url: `/api/v1/runs/${runIds[0]}/export.csv`, headers: bearer(org.token) }),
      t.server.inject({ url: `/api/v1/runs/${runIds[0]}/gaps`, headers: bearer(org.token) }),
    ]);
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse<Record<string, string>>(csv.body, { columns: true });
    const shown = gaps
      .json<{ cells: { suppressed: boolean; gap: number | null }[] }>()
      .cells.filter((c) => !c.suppressed);
    expect(rows).toHaveLength(shown.length);
    expect(rows.map((r) => Number(r.gap))).toEqual(shown.map((c) => c.gap));
    expect(rows[0]).toMatchObject({ priority: 'Customer Focus', dimension: 'staffing' });
  });

  test('the brief presents the significant collision with its numbers, and questions', async () => {
    const response = await t.server.inject({
      url: `/api/v1/runs/${runIds[0]}/brief`,
      headers: bearer(org.token),
    });
    expect(response.statusCode, response.body).toBe(200);
    const brief = response.json<{
      findings: { kind: string; text: string }[];
      questions: { text: string }[];
      notes: string[];
    }>();
    expect(brief.findings[0]?.kind).toBe('collision');
    expect(brief.findings[0]?.text).toMatch(/Customer Focus/);
    expect(brief.findings[0]?.text).toMatch(/95% CI \d\.\d–\d\.\d/);
    expect(brief.findings.length).toBeLessThanOrEqual(5);
    expect(brief.questions.length).toBeGreaterThanOrEqual(2);
    expect(brief.questions.length).toBeLessThanOrEqual(3);
    const markdown = await t.server.inject({
      url: `/api/v1/runs/${runIds[0]}/brief?format=md`,
      headers: bearer(org.token),
    });
    expect(markdown.statusCode).toBe(200);
    expect(markdown.headers['content-type']).toMatch(/^text\/markdown/);
    expect(markdown.body).toContain('Customer Focus');
    expect(markdown.body).toContain(brief.questions[0]?.text.slice(0, 20) ?? 'missing');
  });

  test('trends: one point per released run, oldest first; an open run has no reports yet', async () => {
    const second = await startRun();
    const trends = () =>
      t.server.inject({ url: `/api/v1/pulses/${pulseId}/trends`, headers: bearer(org.token) });
    type Trends = {
      items: {
        dimension: string;
        points: { runId: string; closedAt: string; frontlineMean: number | null }[];
      }[];
    };
    // While the second run is open, every report of it is the same 409, and the trends
    // leave it out.
    for (const report of REPORTS) {
      const open = await t.server.inject({
        url: `/api/v1/runs/${second}/${report}`,
        headers: bearer(org.token),
      });
      expect(expectProblem(open, 409).code, report).toBe('PG_ERR_NOT_RELEASED');
    }
    const before = await trends();
    expect(before.statusCode, before.body).toBe(200);
    const staffingBefore = before.json<Trends>().items.find((i) => i.dimension === 'staffing');
    expect(staffingBefore?.points.map((p) => p.runId)).toEqual(runIds);

    runIds.push(second);
    await answer(second, [
      { team: null, tier: 'leadership', n: 8, values: [5, 5, 5, 5] },
      { team: 'East', tier: 'frontline', n: 6, values: [3, 3, 4, 2] },
      { team: 'West', tier: 'frontline', n: 6, values: [3, 3, 4, 2] },
    ]);
    const response = await trends();
    expect(response.statusCode, response.body).toBe(200);
    const staffing = response.json<Trends>().items.find((i) => i.dimension === 'staffing');
    expect(staffing?.points.map((p) => p.runId)).toEqual(runIds);
    expect(staffing?.points[1]?.frontlineMean).toBe(3);
    // Each point is dated by its run's close, the second after the first.
    const closed = staffing?.points.map((p) => Date.parse(p.closedAt)) ?? [];
    expect(closed.every((at) => !Number.isNaN(at))).toBe(true);
    expect(closed[1]).toBeGreaterThanOrEqual(closed[0] ?? Infinity);
  });
});
