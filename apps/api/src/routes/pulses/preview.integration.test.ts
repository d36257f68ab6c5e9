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

interface Preview {
  invited: number;
  startable: boolean;
  problem: string | null;
  minGroupSize: number;
  commentMinGroupSize: number;
  tiers: { tier: string; invited: number; underK: boolean }[];
  segments: { teamId: string | null; tier: string; invited: number }[];
  merged: { teamId: string; tier: string; invited: number; intoTeamId: string | null }[];
  organization: {
    invited: Record<string, number>;
    figures: boolean;
    comments: Record<string, boolean>;
  };
  teams: {
    teamId: string;
    name: string;
    parentId: string | null;
    invited: Record<string, number>;
    figures: boolean;
    comments: Record<string, boolean>;
  }[];
  questions: number;
  estimatedMinutes: number;
  warnings: string[];
  decisionItems: { decisionId: string; kind: string; audienceTeamId: string | null }[];
}

let t: TestServer;
let org: TestOrganization;
let teamIds: Record<string, string>;
let priorities: string[];

const inject = (
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  payload?: object,
  token = org.token,
) => t.server.inject({ method, url: `/api/v1${url}`, headers: bearer(token), payload });

const pulseCount = async () =>
  (await inject('GET', '/pulses')).json<{ items: unknown[] }>().items.length;

beforeAll(async () => {
  t = await createTestServer();
  org = await signup(t.server, 'Previewed');
  // Sales (six leaders, four frontline) over East (12), West (6) and North (2); Ops (5).
  const csv = [
    'email,name,team,tier,parent_team',
    ...rosterRows('pv.example', 'lead', 'Sales', 'leadership', 6).map((r) => `${r},`),
    ...rosterRows('pv.example', 'desk', 'Sales', 'frontline', 4).map((r) => `${r},`),
    ...rosterRows('pv.example', 'east', 'East', 'frontline', 12).map((r) => `${r},Sales`),
    ...rosterRows('pv.example', 'west', 'West', 'frontline', 6).map((r) => `${r},Sales`),
    ...rosterRows('pv.example', 'north', 'North', 'frontline', 2).map((r) => `${r},Sales`),
    ...rosterRows('pv.example', 'ops', 'Ops', 'frontline', 5).map((r) => `${r},`),
  ].join('\n');
  const imported = await t.server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(org.token), 'content-type': 'text/csv' },
    payload: csv,
  });
  expect(imported.statusCode, imported.body).toBe(200);
  const teams = await inject('GET', '/teams');
  teamIds = Object.fromEntries(
    teams
      .json<{ items: { id: string; name: string }[] }>()
      .items.map((team) => [team.name, team.id]),
  );
  priorities = [
    await createPriority(t.server, org.token, { title: 'Self-serve onboarding', statedWeight: 5 }),
    await createPriority(t.server, org.token, { title: 'Cost control', statedWeight: 3 }),
    await createPriority(t.server, org.token, { title: 'Partner channel', statedWeight: 2 }),
  ];
});

afterAll(async () => {
  await t.close();
});

describe('GET /pulses/:id/preview', () => {
  test('says who is invited, what is merged upward and which teams executives could see', async () => {
    const created = await inject('POST', '/pulses', {
      title: 'Quarterly alignment',
      priorityIds: priorities.slice(0, 2),
      dimensions: ['clarity', 'staffing', 'feasibility'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const pulseId = created.json<{ id: string }>().id;

    const response = await inject('GET', `/pulses/${pulseId}/preview`);
    expect(response.statusCode, response.body).toBe(200);
    const preview = response.json<Preview>();
    expect(preview).toMatchObject({
      invited: 35,
      startable: true,
      problem: null,
      minGroupSize: 5,
      commentMinGroupSize: 10,
      tiers: [
        { tier: 'leadership', invited: 6, underK: false },
        { tier: 'frontline', invited: 29, underK: false },
      ],
      questions: 6,
      estimatedMinutes: 2,
    });
    expect(preview.merged).toEqual([
      { teamId: teamIds.North, tier: 'frontline', invited: 2, intoTeamId: teamIds.Sales },
    ]);
    const byName = Object.fromEntries(preview.teams.map((team) => [team.name, team]));
    expect(preview.teams.map((team) => team.name).toSorted()).toEqual([
      'East',
      'North',
      'Ops',
      'Sales',
      'West',
    ]);
    expect(byName.North).toMatchObject({ parentId: teamIds.Sales, figures: false });
    expect(byName.East).toMatchObject({
      invited: { leadership: 0, frontline: 12 },
      figures: true,
      comments: { leadership: false, frontline: true },
    });
    expect(preview.organization.comments).toEqual({ leadership: false, frontline: true });
    expect(preview.warnings).toEqual([expect.stringContaining('1 of 5 teams')]);

    // The run started next is made of exactly the segments the preview named.
    const run = await inject('POST', `/pulses/${pulseId}/runs`);
    expect(run.statusCode, run.body).toBe(201);
    expect(run.json<{ invited: number }>().invited).toBe(preview.invited);
    const keys = await inject('GET', `/runs/${run.json<{ id: string }>().id}/keys`);
    const segments = keys
      .json<{ items: { segment: { teamId: string | null; tier: string } }[] }>()
      .items.map((k) => `${k.segment.tier}/${k.segment.teamId ?? 'organization'}`);
    expect(segments.toSorted()).toEqual(
      preview.segments.map((s) => `${s.tier}/${s.teamId ?? 'organization'}`).toSorted(),
    );
  });

  test('an unknown pulse is 404; executives get 403', async () => {
    const unknown = await inject('GET', '/pulses/00000000-0000-4000-8000-000000000000/preview');
    expect(expectProblem(unknown, 404).code).toBe('PG_ERR_NOT_FOUND');
    const executive = await addUser(t.server, org.token, 'executive');
    const pulses = await inject('GET', '/pulses');
    const [pulse] = pulses.json<{ items: { id: string }[] }>().items;
    const forbidden = await inject(
      'GET',
      `/pulses/${pulse?.id}/preview`,
      undefined,
      executive.token,
    );
    expect(expectProblem(forbidden, 403).code).toBe('PG_ERR_FORBIDDEN');
  });
});

describe('POST /pulses/preview', () => {
  test('previews a draft, stores nothing, and warns about a long pulse', async () => {
    const before = await pulseCount();
    const response = await inject('POST', '/pulses/preview', {
      title: 'Everything',
      priorityIds: priorities,
      audience: { tiers: ['frontline'], teams: [teamIds.Sales] },
    });
    expect(response.statusCode, response.body).toBe(200);
    const preview = response.json<Preview>();
    expect(preview).toMatchObject({
      invited: 24,
      startable: true,
      tiers: [{ tier: 'frontline', invited: 24, underK: false }],
      questions: 21,
      estimatedMinutes: 4,
    });
    expect(preview.warnings[0]).toContain('21 questions take about 4 minutes');
    expect(preview.teams.map((team) => team.name)).not.toContain('Ops');
    expect(await pulseCount()).toBe(before);
  });

  test('a draft whose audience leaves a tier under k says it would not start', async () => {
    const response = await inject('POST', '/pulses/preview', {
      title: 'Sales only',
      priorityIds: priorities.slice(0, 1),
      audience: { teams: [teamIds.East] },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<Preview>()).toMatchObject({
      startable: false,
      problem: expect.stringContaining('0 leadership people') as string,
      tiers: [
        { tier: 'leadership', invited: 0, underK: true },
        { tier: 'frontline', invited: 12, underK: false },
      ],
    });
  });

  test('a bad draft is 400 with the field, as POST /pulses would answer', async () => {
    const response = await inject('POST', '/pulses/preview', {
      title: 'Bad',
      priorityIds: priorities.slice(0, 1),
      audience: { teams: ['00000000-0000-4000-8000-000000000000'] },
      schedule: { cron: '99 99 99 99 99', timezone: 'Mars/Olympus' },
    });
    const problem = expectProblem(response, 400);
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'body/audience/teams/0' }),
        expect.objectContaining({ path: 'body/schedule/cron' }),
        expect.objectContaining({ path: 'body/schedule/timezone' }),
      ]),
    );
  });
});

describe('a schedule whose runs could not start', () => {
  const weekly = { cron: '0 9 * * 1', timezone: 'Europe/Berlin' };

  test('is refused when the pulse is made, and nothing is stored', async () => {
    const before = await pulseCount();
    const response = await inject('POST', '/pulses', {
      title: 'East weekly',
      priorityIds: priorities.slice(0, 1),
      audience: { teams: [teamIds.East] },
      schedule: weekly,
    });
    const problem = expectProblem(response, 400);
    expect(problem.errors).toEqual([
      { path: 'body/audience', message: expect.stringContaining('0 leadership people') as string },
    ]);
    expect(await pulseCount()).toBe(before);
  });

  test('is refused when a change would make one, and accepted paused', async () => {
    const created = await inject('POST', '/pulses', {
      title: 'East by hand',
      priorityIds: priorities.slice(0, 1),
      audience: { teams: [teamIds.East] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const pulseId = created.json<{ id: string }>().id;
    const refused = await inject('PATCH', `/pulses/${pulseId}`, { schedule: weekly });
    expect(expectProblem(refused, 400).errors).toEqual([
      expect.objectContaining({ path: 'body/audience' }),
    ]);
    expect(
      (await inject('GET', `/pulses/${pulseId}`)).json<{ schedule: unknown }>().schedule,
    ).toBeNull();

    const paused = await inject('PATCH', `/pulses/${pulseId}`, {
      schedule: { ...weekly, paused: true },
    });
    expect(paused.statusCode, paused.body).toBe(204);
    const resumed = await inject('PATCH', `/pulses/${pulseId}`, { paused: false });
    expect(expectProblem(resumed, 400).errors).toEqual([
      expect.objectContaining({ path: 'body/audience' }),
    ]);
    const widened = await inject('PATCH', `/pulses/${pulseId}`, {
      paused: false,
      audience: { teams: [teamIds.Sales] },
    });
    expect(widened.statusCode, widened.body).toBe(204);
  });
});

// Last: the decisions made here add follow-up items to every later preview of priorities[0].
describe('the count of a pulse with predictions and open decisions', () => {
  test('is what the most-asked invitee answers, for a stored pulse and for a draft', async () => {
    const decide = async (teamId: string | undefined, title: string) => {
      const created = await inject('POST', '/decisions', {
        title,
        priorityId: priorities[0],
        teamId,
        tradeoff: 'the partner summit',
        reviewOn: '2027-03-01',
      });
      expect(created.statusCode, created.body).toBe(201);
      return created.json<{ id: string }>().id;
    };
    const salesDecision = await decide(teamIds.Sales, 'Sales answers onboarding tickets');
    const opsDecision = await decide(teamIds.Ops, 'Ops writes the runbooks');
    const draft = {
      title: 'Predicted',
      priorityIds: priorities.slice(0, 1),
      dimensions: ['clarity', 'staffing', 'feasibility'],
      predictions: true,
    };
    const created = await inject('POST', '/pulses', draft);
    expect(created.statusCode, created.body).toBe(201);
    const stored = await inject('GET', `/pulses/${created.json<{ id: string }>().id}/preview`);
    const unsaved = await inject('POST', '/pulses/preview', draft);
    for (const response of [stored, unsaved]) {
      expect(response.statusCode, response.body).toBe(200);
      const preview = response.json<Preview>();
      expect(preview.decisionItems.map((i) => [i.decisionId, i.kind, i.audienceTeamId])).toEqual([
        [salesDecision, 'settled', teamIds.Sales],
        [salesDecision, 'stopped', teamIds.Sales],
        [opsDecision, 'settled', teamIds.Ops],
        [opsDecision, 'stopped', teamIds.Ops],
      ]);
      // Sales's leaders: three of the bank, two predictions, Sales's two follow-ups. Ops's
      // people answer five (no predictions); nobody is asked both decisions' items.
      expect(preview).toMatchObject({ questions: 7, estimatedMinutes: 2 });
    }
    // Without its leaders, nobody is asked the predictions: Ops's five, East's five.
    const frontline = await inject('POST', '/pulses/preview', {
      ...draft,
      audience: { tiers: ['frontline'] },
    });
    expect(frontline.statusCode, frontline.body).toBe(200);
    expect(frontline.json<Preview>()).toMatchObject({ questions: 5, estimatedMinutes: 1.5 });
  });
});
