import { storeResponses, withTenant, type Database, type TierValue } from '@pulsegap/db';
import { openOwnerDatabase } from '@pulsegap/testing';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  bearer,
  createPriority,
  createTestServer,
  releaseNow,
  signup,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

interface ReleasedDecision {
  decisionId: string;
  teamId: string;
  settled: { n: number } | null;
  stopped: { n: number } | null;
  suppressed: boolean;
  suppressionReason: string | null;
}

let t: TestServer;
let owner: Kysely<Database>;
let org: TestOrganization;

beforeAll(async () => {
  t = await createTestServer();
  owner = openOwnerDatabase();
  org = await signup(t.server, 'Nested Co');
});
afterAll(async () => {
  await t.close();
  await owner.destroy();
});

// The adversary reads every release: a decision of Operations (its own people and
// Warehouse's) and one of Warehouse, both at or over k, would give Operations' own answers by
// subtraction when those are fewer than k. The release shows one of them only.
test('decisions of a parent team and its child whose difference is under k are not both shown', async () => {
  const person = (prefix: string, team: string, tier: string, parent: string) => (i: number) =>
    `${prefix}${i}@nested.test,${prefix}${i},${team},${tier},${parent}`;
  const imported = await t.server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(org.token), 'content-type': 'text/csv' },
    payload: [
      'email,name,team,tier,parent_team',
      ...[0, 1, 2, 3, 4].map(person('ops', 'Operations', 'frontline', '')),
      ...[0, 1, 2, 3, 4, 5].map(person('wh', 'Warehouse', 'frontline', 'Operations')),
      ...[0, 1, 2, 3, 4].map(person('lead', 'Leadership', 'leadership', '')),
    ].join('\n'),
  });
  expect(imported.statusCode, imported.body).toBe(200);
  const teamList = await t.server.inject({ url: '/api/v1/teams', headers: bearer(org.token) });
  const teams = Object.fromEntries(
    teamList.json<{ items: { id: string; name: string }[] }>().items.map((x) => [x.name, x.id]),
  );
  const priorityId = await createPriority(t.server, org.token, {
    title: 'Uptime',
    statedWeight: 4,
  });
  const decide = async (title: string, teamId: string | undefined) => {
    const response = await t.server.inject({
      method: 'POST',
      url: '/api/v1/decisions',
      headers: bearer(org.token),
      payload: { title, priorityId, teamId, tradeoff: 'Feature work', reviewOn: '2027-05-01' },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ id: string }>().id;
  };
  const parent = await decide('Operations decides', teams.Operations);
  const child = await decide('Warehouse decides', teams.Warehouse);
  const pulse = await t.server.inject({
    method: 'POST',
    url: '/api/v1/pulses',
    headers: bearer(org.token),
    payload: { title: 'Uptime pulse', priorityIds: [priorityId], dimensions: ['staffing'] },
  });
  const run = await t.server.inject({
    method: 'POST',
    url: `/api/v1/pulses/${pulse.json<{ id: string }>().id}/runs`,
    headers: bearer(org.token),
  });
  expect(run.statusCode, run.body).toBe(201);
  const runId = run.json<{ id: string }>().id;
  const { rows: questions } = await sql<{ position: number; decision_id: string | null }>`
    select position, decision_id from run_questions where run_id = ${runId} order by position
  `.execute(owner);
  const positions = (decisionId: string) =>
    questions.filter((q) => q.decision_id === decisionId).map((q) => q.position);
  // Operations' five own respondents: only three answer its decision's items. Warehouse's
  // six answer both decisions' items (they are under Operations).
  const response = (teamId: string, tier: TierValue, answered: readonly number[]) => {
    const answers = questions.map((q): number | null => (answered.includes(q.position) ? 5 : null));
    answers[0] = 3;
    return { segmentTeamId: teamId, segmentTier: tier, comment: null, answers };
  };
  await withTenant(t.db, org.organizationId, (trx) =>
    storeResponses(trx, org.organizationId, runId, [
      ...[0, 1, 2].map(() => response(teams.Operations ?? '', 'frontline', positions(parent))),
      ...[0, 1].map(() => response(teams.Operations ?? '', 'frontline', [])),
      ...[0, 1, 2, 3, 4, 5].map(() =>
        response(teams.Warehouse ?? '', 'frontline', [...positions(parent), ...positions(child)]),
      ),
      ...[0, 1, 2, 3, 4].map(() => response(teams.Leadership ?? '', 'leadership', [])),
    ]),
  );
  await releaseNow(t.db, org.organizationId, runId);
  const { rows } = await sql<{ document: { decisions: ReleasedDecision[] } }>`
    select document from run_releases where run_id = ${runId}
  `.execute(owner);
  const released = rows[0]?.document.decisions ?? [];
  expect(released.map((d) => d.decisionId).sort()).toEqual([parent, child].sort());
  const shown = released.filter((d) => d.settled !== null);
  const withheld = released.filter((d) => d.settled === null);
  // Both reach k alone (9 and 6); 9 − 6 = 3 would be Operations' own three.
  expect(shown).toHaveLength(1);
  expect(withheld).toEqual([
    expect.objectContaining({
      settled: null,
      stopped: null,
      suppressed: true,
      suppressionReason: 'complementary',
    }),
  ]);
  // The API serves the same: one decision's run carries numbers, the other's none.
  const listed = await t.server.inject({ url: '/api/v1/decisions', headers: bearer(org.token) });
  const points = listed
    .json<{ items: { id: string; durability: { runs: { settled: { withheld: boolean } }[] } }[] }>()
    .items.map((d) => d.durability.runs[0]?.settled.withheld);
  expect(points.sort()).toEqual([false, true]);
});
