import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  addUser,
  bearer,
  createTestServer,
  expectProblem,
  openInvite,
  rosterRows,
  signup,
  startAnsweringRun,
  storeAnswers,
  type AnswersByDimension,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

const BUDGET = {
  key: 'custom-budget',
  statement: 'My team has the budget that {P} needs this quarter.',
};

describe('custom Likert items', () => {
  let t: TestServer;
  let org: TestOrganization;

  beforeAll(async () => {
    t = await createTestServer();
    org = await signup(t.server, 'Custom Items Co');
  });

  afterAll(async () => {
    await t.close();
  });

  const post = (payload: Record<string, unknown>, token = org.token) =>
    t.server.inject({ method: 'POST', url: '/api/v1/items', headers: bearer(token), payload });
  const list = async (token = org.token) => {
    const response = await t.server.inject({ url: '/api/v1/items', headers: bearer(token) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ items: { key: string; statement: string; custom: boolean }[] }>().items;
  };

  test('an admin adds one; it is listed after the bank’s seven, and audited', async () => {
    const created = await post(BUDGET);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toEqual({ key: 'custom-budget' });
    const executive = await addUser(t.server, org.token, 'executive');
    const items = await list(executive.token);
    expect(items.map((i) => i.key)).toEqual([
      'clarity',
      'importance',
      'staffing',
      'feasibility',
      'tradeoffs',
      'ownership',
      'commitment',
      'custom-budget',
    ]);
    expect(items.at(-1)).toEqual({ ...BUDGET, custom: true });
    expect(items[2]).toEqual(expect.objectContaining({ key: 'staffing', custom: false }));
    expectProblem(await post({ ...BUDGET, key: 'custom-other' }, executive.token), 403);
    const audit = await t.server.inject({ url: '/api/v1/audit', headers: bearer(org.token) });
    expect(audit.json<{ items: { action: string; subject: string }[] }>().items).toContainEqual(
      expect.objectContaining({ action: 'item.created', subject: 'item/custom-budget' }),
    );
  });

  test('bad input is refused with 400 or 409 and changes nothing', async () => {
    const before = await list();
    for (const key of [
      'budget',
      'staffing',
      'custom-Budget',
      'custom-a b',
      `custom-${'x'.repeat(40)}`,
    ]) {
      const problem = expectProblem(await post({ ...BUDGET, key }), 400);
      expect(JSON.stringify(problem.errors)).toContain('body/key');
    }
    const noTitle = expectProblem(
      await post({ key: 'custom-x', statement: 'My team has the budget it needs.' }),
      400,
    );
    expect(JSON.stringify(noTitle.errors)).toContain('{P}');
    expectProblem(await post({ key: 'custom-x', statement: '{P}?' }), 400);
    expectProblem(await post({ key: 'custom-x' }), 400);
    expectProblem(await post({ key: 'custom-x', statement: 'A NUL \u0000 in {P} here.' }), 400);
    const duplicate = expectProblem(
      await post({ key: 'custom-budget', statement: 'Another statement about {P}.' }),
      409,
    );
    expect(duplicate.code).toBe('PG_ERR_ITEM_EXISTS');
    expect(await list()).toEqual(before);
  });

  test('a pulse naming a key that is no item is refused', async () => {
    const priority = await t.server.inject({
      method: 'POST',
      url: '/api/v1/priorities',
      headers: bearer(org.token),
      payload: { title: 'Anything', statedWeight: 3 },
    });
    const problem = expectProblem(
      await t.server.inject({
        method: 'POST',
        url: '/api/v1/pulses',
        headers: bearer(org.token),
        payload: {
          title: 'Pulse',
          priorityIds: [priority.json<{ id: string }>().id],
          dimensions: ['staffing', 'custom-nothing'],
        },
      }),
      400,
    );
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'body/dimensions/1' })]);
  });

  test('a run asks it per priority, and its cells are released with statistics', async () => {
    const started = await startAnsweringRun(t.server, t.db, {
      organization: 'Custom Run Co',
      people: [
        ...rosterRows('ci.test', 'lead', 'Board', 'leadership', 5),
        ...rosterRows('ci.test', 'front', 'Floor', 'frontline', 5),
      ],
      dimensions: ['staffing', 'custom-budget'],
      prepare: async (other) => {
        const created = await post(BUDGET, other.token);
        expect(created.statusCode, created.body).toBe(201);
      },
    });
    const invite = await openInvite(t.server, started.links[0]?.secret ?? '');
    expect(invite.questions).toEqual([
      expect.objectContaining({ dimension: 'staffing' }),
      expect.objectContaining({
        dimension: 'custom-budget',
        text: 'My team has the budget that Customer Focus needs this quarter.',
      }),
    ]);

    const responses: AnswersByDimension[] = [
      ...[5, 5, 4, 4, 5].map((v) => ({
        tier: 'leadership' as const,
        values: { 'custom-budget': v, staffing: 4 },
      })),
      ...[1, 2, 2, 1, 3].map((v) => ({
        tier: 'frontline' as const,
        values: { 'custom-budget': v, staffing: 3 },
      })),
    ];
    await storeAnswers(t.db, started.org.organizationId, started.runId, responses);
    const gaps = await t.server.inject({
      url: `/api/v1/runs/${started.runId}/gaps`,
      headers: bearer(started.org.token),
    });
    expect(gaps.statusCode, gaps.body).toBe(200);
    const cell = gaps
      .json<{
        cells: {
          dimension: string;
          teamId: string | null;
          gap: number | null;
          suppressed: boolean;
          leadership: { n: number; mean: number } | null;
          qValue: number | null;
        }[];
      }>()
      .cells.find((c) => c.dimension === 'custom-budget' && c.teamId === null);
    expect(cell).toEqual(
      expect.objectContaining({
        suppressed: false,
        leadership: expect.objectContaining({ n: 5, mean: 4.6 }),
        qValue: expect.any(Number),
      }),
    );
    expect(cell?.gap).toBeCloseTo(4.6 - 1.8, 10);
    const csv = await t.server.inject({
      url: `/api/v1/runs/${started.runId}/export.csv`,
      headers: bearer(started.org.token),
    });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.body).toMatch(/,custom-budget,,/);
    const trends = await t.server.inject({
      url: `/api/v1/pulses/${started.pulseId}/trends`,
      headers: bearer(started.org.token),
    });
    expect(trends.json<{ items: { dimension: string }[] }>().items.map((i) => i.dimension)).toEqual(
      ['staffing', 'custom-budget'],
    );
  });
});
