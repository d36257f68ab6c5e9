import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bearer, createTestServer, signup, type TestServer } from '../../test-support.js';

// More teams than one statement takes parameters (65,535 / 2 = 32,767 team names).
const ROWS = 17_000;

describe('a roster naming 34,000 teams', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(() => t.close());

  test('is imported whole, each team under its parent', async () => {
    const org = await signup(t.server, 'Many Teams');
    const rows = Array.from(
      { length: ROWS },
      (_, i) =>
        `p${String(i)}@teams.example,Person ${String(i)},Team ${String(i)},frontline,Unit ${String(i)}`,
    );
    const response = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: { ...bearer(org.token), 'content-type': 'text/csv' },
      payload: ['email,name,team,tier,parent_team', ...rows].join('\n'),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ created: ROWS, updated: 0, deactivated: 0 });

    const teams = await t.server.inject({ url: '/api/v1/teams', headers: bearer(org.token) });
    const items = teams.json<{ items: { id: string; name: string; parentId: string | null }[] }>()
      .items;
    expect(items).toHaveLength(2 * ROWS);
    const byName = new Map(items.map((team) => [team.name, team]));
    for (const i of [0, 8_500, ROWS - 1]) {
      expect(byName.get(`Team ${String(i)}`)?.parentId).toBe(byName.get(`Unit ${String(i)}`)?.id);
    }
  }, 120_000);
});
