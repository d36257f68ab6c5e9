import { testConfig } from '@pulsegap/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHttpServer } from '../../http-server.js';
import {
  answer,
  asOwner,
  closeByHand,
  importRoster,
  listTeams,
  read,
  readReports,
  releaseByWorker,
  type Read,
  type TeamItem,
} from '../../attack-support.js';
import {
  bearer,
  createTestServer,
  startAnsweringRun,
  type AnsweringRun,
  type TestServer,
} from '../../test-support.js';

const DOMAIN = 'reorg.test';
const HEADER = 'email,name,team,tier,parent_team';
const person = (prefix: string, team: string, tier: string, i: number, parent = '') =>
  `${prefix}${i}@${DOMAIN},${prefix}${i},${team},${tier},${parent}`;
const people = (prefix: string, team: string, tier: string, n: number, parent = '') =>
  Array.from({ length: n }, (_, i) => person(prefix, team, tier, i, parent));

// Product is Eng and Design; Sales and Ops stand alone. Every frontline team reaches the
// comment threshold (10) but Ops.
const ROSTER = [
  ...people('exec', 'Exec', 'leadership', 5),
  ...people('eng', 'Eng', 'frontline', 10, 'Product'),
  ...people('design', 'Design', 'frontline', 10, 'Product'),
  ...people('sales', 'Sales', 'frontline', 10),
  ...people('ops', 'Ops', 'frontline', 6),
];

interface CommentGroup {
  teamId: string | null;
  team: string | null;
  tier: string;
  comments: string[];
}

describe('an HR admin reorganizing teams between two reads of a closed run', () => {
  let t: TestServer;
  let run: AnsweringRun;

  beforeAll(async () => {
    t = await createTestServer();
    run = await startAnsweringRun(t.server, t.db, {
      organization: 'Reorganization Co',
      header: HEADER,
      people: ROSTER,
      dimensions: ['staffing', 'feasibility'],
    });
    for (const row of ROSTER) {
      const email = row.split(',')[0] ?? '';
      const team = row.split(',')[2] ?? '';
      const leader = email.startsWith('exec');
      await answer(t.server, run.secretOf(email), leader ? 5 : 2, `${team}: ${email}`);
    }
    await closeByHand(t.server, run.org.token, run.runId);
    await releaseByWorker(t.db, run.org.organizationId, run.runId);
  }, 180_000);
  afterAll(() => t.close());

  /** What an executive can read about the closed run; from a fresh replica, which caches nothing. */
  async function readRun(): Promise<Read[]> {
    const replica = await createHttpServer({ config: testConfig(), db: t.db });
    try {
      const runs = await read(replica, run.org.token, `/api/v1/pulses/${run.pulseId}/runs`);
      const item = JSON.parse(runs.body) as { items: { id: string }[] };
      return [
        ...(await readReports(replica, run.org.token, run.runId)),
        await read(replica, run.org.token, `/api/v1/runs/${run.runId}/keys`),
        await read(replica, run.org.token, `/api/v1/pulses/${run.pulseId}/trends`),
        {
          ...runs,
          url: 'participation',
          body: JSON.stringify(item.items.find((i) => i.id === run.runId)),
        },
      ];
    } finally {
      await replica.close();
    }
  }

  test('gaps, comments and participation read the same before and after a re-parent and renames, while GET /teams shows the new tree', async () => {
    // The adversary re-parents Eng under Sales between two reads: if the closed run's team
    // roll-ups followed today's tree, Product's and Sales' comment lists and participation
    // would change, and their differences would single out smaller groups.
    const before = await readRun();
    for (const r of before) expect(r.status, `${r.url}: ${r.body}`).toBe(200);
    const comments = JSON.parse(before[2]?.body ?? '{}') as { items: CommentGroup[] };
    const product = comments.items.find((g) => g.team === 'Product' && g.tier === 'frontline');
    expect(product?.comments).toHaveLength(20);
    expect(comments.items.some((g) => g.team === 'Design')).toBe(true);
    const original = await listTeams(t.server, run.org.token);
    const idOf = (name: string, teams = original) => teams.find((team) => team.name === name)?.id;
    // The gaps name their teams and parents as the run's snapshot has them (today's tree, so far).
    const gapsTeams = (reads: Read[]) => {
      const gaps = reads.find((r) => r.url.endsWith('/gaps'));
      const body = JSON.parse(gaps?.body ?? '{}') as { teams?: TeamItem[] };
      return [...(body.teams ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    };
    const atStart = [...original].sort((a, b) => a.name.localeCompare(b.name));
    expect(gapsTeams(before)).toEqual(atStart);
    expect(gapsTeams(before).find((team) => team.name === 'Eng')?.parentId).toBe(idOf('Product'));

    // Eng moves under Sales; Ops' people move to a team named Operations (a rename by
    // import); Design is renamed in place (as an admin tool would).
    await importRoster(
      t.server,
      run.org.token,
      [
        ...people('eng', 'Eng', 'frontline', 10, 'Sales'),
        ...people('ops', 'Operations', 'frontline', 6),
      ],
      HEADER,
    );
    await asOwner(run.org.organizationId, (owner) =>
      sql`update teams set name = 'Experience' where name = 'Design'`.execute(owner),
    );

    const now = await listTeams(t.server, run.org.token);
    expect(now.find((team) => team.name === 'Eng')?.parentId).toBe(idOf('Sales'));
    expect(idOf('Experience', now)).toBe(idOf('Design'));
    expect(idOf('Design', now)).toBeUndefined();
    expect(idOf('Operations', now)).toEqual(expect.any(String));
    const roster = await t.server.inject({ url: '/api/v1/people', headers: bearer(run.org.token) });
    expect(
      roster
        .json<{ items: { email: string; team: string }[] }>()
        .items.filter((p) => p.email.startsWith('ops'))
        .every((p) => p.team === 'Operations'),
    ).toBe(true);

    // Byte for byte what it was: the release keeps the team tree of the run's start. Its
    // gaps still name Design and Ops, with Eng under Product, and know no Operations.
    const after = await readRun();
    expect(gapsTeams(after)).toEqual(atStart);
    expect(gapsTeams(after).map((team) => team.name)).not.toContain('Operations');
    expect(after).toEqual(before);
    // And the same server, read again.
    expect(await readReports(t.server, run.org.token, run.runId)).toEqual(before.slice(0, 6));
  }, 180_000);
});
