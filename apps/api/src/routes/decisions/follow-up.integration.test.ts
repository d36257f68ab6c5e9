import { storeResponses, withTenant, type Database } from '@pulsegap/db';
import { deliverInvitationsRequest } from '@pulsegap/jobs';
import { openOwnerDatabase } from '@pulsegap/testing';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  collectToken,
  createPriority,
  createTestServer,
  devOutbox,
  expectProblem,
  openInvite,
  releaseNow,
  runJobNow,
  signup,
  submission,
  type TestInvite,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

interface InviteQuestion {
  id: string;
  priorityId: string;
  dimension: string;
  text: string;
  kind: string;
  decisionId: string | null;
}

let t: TestServer;
let owner: Kysely<Database>;
let org: TestOrganization;
let teams: Record<string, string>;
let asked: string;
let notAsked: string;
let opsDecision: string;
let salesDecision: string;
let retiredDecision: string;
let otherPriorityDecision: string;
let pulseId: string;
let runId: string;
let links: { to: string; secret: string }[];

const secretOf = (email: string) => links.find((l) => l.to === email)?.secret ?? '';

async function decide(payload: Record<string, unknown>): Promise<string> {
  const response = await t.server.inject({
    method: 'POST',
    url: '/api/v1/decisions',
    headers: bearer(org.token),
    payload: { reviewOn: '2027-01-15', ...payload },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

function people(prefix: string, team: string, tier: string, parent: string, n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `${prefix}${i}@follow.test,${prefix}${i},${team},${tier},${parent}`,
  );
}

beforeAll(async () => {
  t = await createTestServer();
  owner = openOwnerDatabase();
  org = await signup(t.server, 'Follow-up Co');
  const imported = await t.server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(org.token), 'content-type': 'text/csv' },
    payload: [
      'email,name,team,tier,parent_team',
      ...people('ops', 'Operations', 'frontline', '', 5),
      ...people('wh', 'Warehouse', 'frontline', 'Operations', 5),
      ...people('sales', 'Sales', 'frontline', '', 5),
      ...people('lead', 'Operations', 'leadership', '', 5),
    ].join('\n'),
  });
  expect(imported.statusCode, imported.body).toBe(200);
  const teamList = await t.server.inject({ url: '/api/v1/teams', headers: bearer(org.token) });
  teams = Object.fromEntries(
    teamList.json<{ items: { id: string; name: string }[] }>().items.map((x) => [x.name, x.id]),
  );
  asked = await createPriority(t.server, org.token, { title: 'Reliability', statedWeight: 5 });
  notAsked = await createPriority(t.server, org.token, { title: 'Growth', statedWeight: 3 });
  opsDecision = await decide({
    title: 'Freeze features for the outage fixes',
    priorityId: asked,
    teamId: teams.Operations,
    tradeoff: 'the loyalty programme',
  });
  salesDecision = await decide({
    title: 'Sales owns the status page',
    priorityId: asked,
    teamId: teams.Sales,
    tradeoff: 'cold outreach',
  });
  retiredDecision = await decide({
    title: 'Retired one',
    priorityId: asked,
    teamId: teams.Operations,
    tradeoff: 'nothing',
  });
  const retired = await t.server.inject({
    method: 'PATCH',
    url: `/api/v1/decisions/${retiredDecision}`,
    headers: bearer(org.token),
    payload: { status: 'retired' },
  });
  expect(retired.statusCode, retired.body).toBe(200);
  otherPriorityDecision = await decide({
    title: 'Not this pulse',
    priorityId: notAsked,
    teamId: teams.Operations,
    tradeoff: 'hiring',
  });
  const pulse = await t.server.inject({
    method: 'POST',
    url: '/api/v1/pulses',
    headers: bearer(org.token),
    payload: { title: 'Reliability pulse', priorityIds: [asked], dimensions: ['clarity'] },
  });
  expect(pulse.statusCode, pulse.body).toBe(201);
  pulseId = pulse.json<{ id: string }>().id;
});
afterAll(async () => {
  await t.close();
  await owner.destroy();
});

describe('follow-up items of decisions', () => {
  test('the preview lists the items a run would add', async () => {
    const response = await t.server.inject({
      url: `/api/v1/pulses/${pulseId}/preview`,
      headers: bearer(org.token),
    });
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json<{ decisionItems: Record<string, unknown>[] }>().decisionItems;
    expect(items).toEqual([
      {
        decisionId: opsDecision,
        decisionTitle: 'Freeze features for the outage fixes',
        priorityId: asked,
        kind: 'settled',
        audienceTier: null,
        audienceTeamId: teams.Operations,
        text: 'The decision "Freeze features for the outage fixes" is settled for my team.',
      },
      {
        decisionId: opsDecision,
        decisionTitle: 'Freeze features for the outage fixes',
        priorityId: asked,
        kind: 'stopped',
        audienceTier: null,
        audienceTeamId: teams.Operations,
        text: 'We have actually stopped or slowed "the loyalty programme".',
      },
      expect.objectContaining({ decisionId: salesDecision, kind: 'settled' }),
      expect.objectContaining({ decisionId: salesDecision, kind: 'stopped' }),
    ]);
  });

  test('a run adds two items per open decision of an asked priority, none for retired ones', async () => {
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    expect(run.statusCode, run.body).toBe(201);
    runId = run.json<{ id: string }>().id;
    const { rows } = await sql<{
      position: number;
      kind: string;
      dimension: string;
      priority_id: string;
      decision_id: string | null;
      audience_team_id: string | null;
      audience_tier: string | null;
      text: string;
    }>`
      select position, kind, dimension, priority_id, decision_id, audience_team_id, audience_tier,
             text
        from run_questions where run_id = ${runId} order by position
    `.execute(owner);
    expect(rows.map((r) => [r.kind, r.dimension, r.decision_id, r.audience_team_id])).toEqual([
      ['bank', 'clarity', null, null],
      ['settled', 'settled', opsDecision, teams.Operations],
      ['stopped', 'stopped', opsDecision, teams.Operations],
      ['settled', 'settled', salesDecision, teams.Sales],
      ['stopped', 'stopped', salesDecision, teams.Sales],
    ]);
    expect(rows.every((r) => r.priority_id === asked && r.audience_tier === null)).toBe(true);
    expect(rows[1]?.text).toBe(
      'The decision "Freeze features for the outage fixes" is settled for my team.',
    );
    expect(rows[2]?.text).toBe('We have actually stopped or slowed "the loyalty programme".');
    const decisionIds = rows.map((r) => r.decision_id);
    expect(decisionIds).not.toContain(retiredDecision);
    expect(decisionIds).not.toContain(otherPriorityDecision);
    await runJobNow(t.db, deliverInvitationsRequest(org.organizationId, runId));
    links = (await devOutbox(t.server, org.token)).map((m) => ({
      to: m.to,
      secret: m.link?.split('/').at(-1) ?? '',
    }));
    expect(links).toHaveLength(20);
  });

  test('an invitee is asked only the items of decisions owned by their team or one above it', async () => {
    const kinds = async (email: string) => {
      const invite = await openInvite(t.server, secretOf(email));
      return (invite.questions as unknown as InviteQuestion[]).map((q) => [q.kind, q.decisionId]);
    };
    const ops = [
      ['bank', null],
      ['settled', opsDecision],
      ['stopped', opsDecision],
    ];
    expect(await kinds('ops0@follow.test')).toEqual(ops);
    // Warehouse is under Operations.
    expect(await kinds('wh0@follow.test')).toEqual(ops);
    expect(await kinds('sales0@follow.test')).toEqual([
      ['bank', null],
      ['settled', salesDecision],
      ['stopped', salesDecision],
    ]);
    // Operations' leaders are in Operations too; the items are asked of both tiers.
    expect(await kinds('lead0@follow.test')).toEqual(ops);
  });

  test("an answer to an item not asked of the token's group is refused, and nothing is stored", async () => {
    const salesInvite = await openInvite(t.server, secretOf('sales1@follow.test'));
    const opsInvite = await openInvite(t.server, secretOf('ops1@follow.test'));
    const token = await collectToken(t.server, secretOf('sales1@follow.test'), salesInvite);
    const opsItem = (opsInvite.questions as unknown as InviteQuestion[]).find(
      (q) => q.kind === 'settled',
    );
    const body = submission(salesInvite, token);
    const sealed = async () =>
      Number(
        (
          await sql<{
            n: string;
          }>`select count(*) as n from sealed_responses where run_id = ${runId}`.execute(owner)
        ).rows[0]?.n,
      );
    const before = await sealed();
    const refused = await t.server.inject({
      method: 'POST',
      url: '/api/v1/responses',
      payload: { ...body, answers: [...body.answers, { questionId: opsItem?.id, value: 5 }] },
    });
    const problem = expectProblem(refused, 400);
    expect(problem.errors).toContainEqual({
      path: `body/answers/${body.answers.length}/questionId`,
      message: expect.any(String),
    });
    expect(await sealed()).toBe(before);
    // The same token may still answer what it was asked.
    const accepted = await t.server.inject({
      method: 'POST',
      url: '/api/v1/responses',
      payload: body,
    });
    expect(accepted.statusCode, accepted.body).toBe(201);
  });

  test('after the release, each stored answer to an item lies in its owning team; the release shows it', async () => {
    const answer = async (email: string, value: number) => {
      const invite: TestInvite = await openInvite(t.server, secretOf(email));
      const token = await collectToken(t.server, secretOf(email), invite);
      const response = await t.server.inject({
        method: 'POST',
        url: '/api/v1/responses',
        payload: submission(invite, token, value),
      });
      expect(response.statusCode, response.body).toBe(201);
    };
    for (let i = 0; i < 5; i += 1) await answer(`ops${i}@follow.test`, i < 4 ? 5 : 2);
    for (let i = 0; i < 5; i += 1) await answer(`wh${i}@follow.test`, 4);
    for (const i of [0, 2, 3, 4]) await answer(`sales${i}@follow.test`, 2);
    await releaseNow(t.db, org.organizationId, runId);
    const { rows } = await sql<{ segment_team_id: string | null; answers: (number | null)[] }>`
      select segment_team_id, answers from responses where run_id = ${runId}
    `.execute(owner);
    expect(rows).toHaveLength(15);
    for (const r of rows) {
      const inOps = r.segment_team_id === teams.Operations || r.segment_team_id === teams.Warehouse;
      const inSales = r.segment_team_id === teams.Sales;
      expect(r.answers[1] !== null).toBe(inOps);
      expect(r.answers[2] !== null).toBe(inOps);
      expect(r.answers[3] !== null).toBe(inSales);
      expect(r.answers[4] !== null).toBe(inSales);
    }
    const decisions = await t.server.inject({
      url: '/api/v1/decisions',
      headers: bearer(org.token),
    });
    const ops = decisions
      .json<{ items: { id: string; durability: { runs: { settled: unknown }[] } }[] }>()
      .items.find((d) => d.id === opsDecision);
    expect(ops?.durability.runs).toEqual([
      expect.objectContaining({
        runId,
        settled: expect.objectContaining({ withheld: false, count: 9, n: 10, share: 0.9 }),
        stopped: expect.objectContaining({ withheld: false, count: 9, n: 10 }),
      }),
    ]);
  });

  test('a second run whose settled share falls by 15 points or more flags the decision', async () => {
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    expect(run.statusCode, run.body).toBe(201);
    const secondRun = run.json<{ id: string }>().id;
    // Operations and Warehouse: 7 of 10 agree now (0.9 before); positions 1–2 are its items.
    const response = (teamId: string, value: number) => ({
      segmentTeamId: teamId,
      segmentTier: 'frontline' as const,
      comment: null,
      answers: [3, value, value, null, null],
    });
    await withTenant(t.db, org.organizationId, (trx) =>
      storeResponses(trx, org.organizationId, secondRun, [
        ...Array.from({ length: 5 }, (_, i) => response(teams.Operations ?? '', i < 2 ? 4 : 1)),
        ...Array.from({ length: 5 }, () => response(teams.Warehouse ?? '', 5)),
      ]),
    );
    await releaseNow(t.db, org.organizationId, secondRun);
    const listed = await t.server.inject({ url: '/api/v1/decisions', headers: bearer(org.token) });
    expect(listed.statusCode, listed.body).toBe(200);
    interface Listed {
      id: string;
      durability: {
        runs: { runId: string; settled: Record<string, unknown>; withheldReason: string | null }[];
        latest: Record<string, unknown> | null;
        relitigated: boolean;
        reasons: string[];
      };
    }
    const items = listed.json<{ items: Listed[] }>().items;
    const ops = items.find((d) => d.id === opsDecision);
    expect(ops?.durability.runs.map((r) => [r.runId, r.settled.share])).toEqual([
      [runId, 0.9],
      [secondRun, 0.7],
    ]);
    expect(ops?.durability.relitigated).toBe(true);
    expect(ops?.durability.reasons).toEqual(['drop']);
    expect(ops?.durability.latest).toMatchObject({
      runId: secondRun,
      share: 0.7,
      change: expect.closeTo(-0.2, 9),
      flagged: true,
    });
    // Sales: five answered in the first run (one agreed), none in the second, which is
    // withheld and carries no number; the newest shown point is under the floor.
    const sales = items.find((d) => d.id === salesDecision);
    expect(sales?.durability.runs).toEqual([
      {
        runId,
        closedAt: expect.any(String),
        settled: expect.objectContaining({ withheld: false, count: 1, n: 5, share: 0.2 }),
        stopped: expect.objectContaining({ withheld: false, count: 1, n: 5 }),
        withheldReason: null,
      },
      {
        runId: secondRun,
        closedAt: expect.any(String),
        settled: { runId: secondRun, withheld: true },
        stopped: { runId: secondRun, withheld: true },
        withheldReason: 'small',
      },
    ]);
    expect(sales?.durability.relitigated).toBe(true);
    expect(sales?.durability.reasons).toEqual(['belowFloor']);
    expect(sales?.durability.latest).toMatchObject({ runId });
  });

  test("another pulse's run reads the decision's whole history: its brief names the fall", async () => {
    // A second pulse asking the same priority: its run follows the same open decisions.
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(org.token),
      payload: { title: 'Operations check-in', priorityIds: [asked], dimensions: ['clarity'] },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulse.json<{ id: string }>().id}/runs`,
      headers: bearer(org.token),
    });
    expect(run.statusCode, run.body).toBe(201);
    const thirdRun = run.json<{ id: string }>().id;
    const items = await owner
      .selectFrom('run_questions')
      .select(['position', 'kind', 'decision_id'])
      .where('run_id', '=', thirdRun)
      .orderBy('position')
      .execute();
    const ops = items.filter((q) => q.decision_id === opsDecision).map((q) => q.position);
    expect(ops).toHaveLength(2);
    // Operations and Warehouse: 5 of 10 treat it as settled (0.7 in the other pulse's run).
    const response = (teamId: string, value: number) => ({
      segmentTeamId: teamId,
      segmentTier: 'frontline' as const,
      comment: null,
      answers: items.map((q) => (ops.includes(q.position) ? value : null)),
    });
    await withTenant(t.db, org.organizationId, (trx) =>
      storeResponses(trx, org.organizationId, thirdRun, [
        ...Array.from({ length: 5 }, () => response(teams.Operations ?? '', 5)),
        ...Array.from({ length: 5 }, () => response(teams.Warehouse ?? '', 2)),
      ]),
    );
    await releaseNow(t.db, org.organizationId, thirdRun);
    const brief = await t.server.inject({
      url: `/api/v1/runs/${thirdRun}/brief`,
      headers: bearer(org.token),
    });
    expect(brief.statusCode, brief.body).toBe(200);
    const named = brief.json<{ relitigated: { decisionId: string; sentence: string }[] }>()
      .relitigated;
    // Read against this pulse alone, 50% would be a first point "under the 60%"; against the
    // decision's history, it is a fall from the other pulse's 70%.
    expect(named.find((r) => r.decisionId === opsDecision)?.sentence).toBe(
      'The decision “Freeze features for the outage fixes” (Reliability) is being relitigated: 50% of Operations treat it as settled, down from 70% in the run before.',
    );
  });

  test('a second GET /decisions serves the releases kept from the first, to their organization only', async () => {
    const durability = async (token: string) => {
      const listed = await t.server.inject({ url: '/api/v1/decisions', headers: bearer(token) });
      expect(listed.statusCode, listed.body).toBe(200);
      return listed
        .json<{ items: { id: string; durability: unknown }[] }>()
        .items.map((d) => [d.id, d.durability]);
    };
    const first = await durability(org.token);
    expect(first).not.toEqual([]);
    // Were a release read and parsed again, these documents would fail to parse (a 500).
    const { rows: stored } = await sql<{ run_id: string; document: unknown }>`
      select run_id, document from run_releases where organization_id = ${org.organizationId}
    `.execute(owner);
    expect(stored.length).toBeGreaterThan(0);
    await sql`update run_releases set document = '{}'::jsonb
               where organization_id = ${org.organizationId}`.execute(owner);
    try {
      expect(await durability(org.token)).toEqual(first);
      // Another organization sees neither the decisions nor a kept release of their runs.
      const other = await signup(t.server, 'Elsewhere Co');
      expect(await durability(other.token)).toEqual([]);
      const brief = await t.server.inject({
        url: `/api/v1/runs/${runId}/brief`,
        headers: bearer(other.token),
      });
      expect(brief.statusCode, brief.body).toBe(404);
    } finally {
      for (const row of stored) {
        await sql`update run_releases set document = ${JSON.stringify(row.document)}::jsonb
                   where run_id = ${row.run_id}`.execute(owner);
      }
    }
  });
});
