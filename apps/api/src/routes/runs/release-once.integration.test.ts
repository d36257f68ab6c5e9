import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHttpServer } from '../../http-server.js';
import { testConfig } from '@pulsegap/testing';
import {
  addUser,
  closeByHand,
  expectNotReleased,
  holds,
  linksOfRun,
  listTeams,
  read,
  readReports,
  releaseByWorker,
  send,
  startRun,
  takeToken,
  answer,
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

const K = 5;
const DOMAIN = 'once.test';
type Tier = 'leadership' | 'frontline';
const TIERS: readonly Tier[] = ['leadership', 'frontline'];

interface Counts {
  invited: number;
  tokensCollected: number;
  responses: number;
}
type TierCounts = Record<Tier, Counts> | null;
interface RunItem {
  id: string;
  state: 'open' | 'closing' | 'released';
  closesAt: string;
  closedAt: string | null;
  releasedAt: string | null;
  participation: {
    invited: number;
    tokensCollected: number | null;
    responses: number | null;
    tiers: TierCounts;
  };
  teams: (Counts & { teamId: string; team: string; tiers: TierCounts })[];
  withheld: { teamId: string; team: string; reason: string }[];
}

/** An invitee as HR knows them: who, which tier, and the segment their token names. */
interface Invitee {
  readonly email: string;
  readonly secret: string;
  readonly tier: Tier;
  readonly segmentTeamId: string | null;
}

/** One shown participation counter: a group (team roll-up or organization), maybe a tier. */
interface Counter {
  readonly key: string;
  readonly group: string | null;
  readonly tier: Tier | null;
  readonly value: number;
}
type Kind = 'tokensCollected' | 'responses';

function countersOf(item: RunItem, kind: Kind): Counter[] {
  const counters: Counter[] = [];
  const organization = item.participation[kind];
  if (organization !== null)
    counters.push({ key: 'org', group: null, tier: null, value: organization });
  const groups: { key: string; group: string | null; total: number | null; tiers: TierCounts }[] = [
    { key: 'org', group: null, total: null, tiers: item.participation.tiers },
    ...item.teams.map((t) => ({ key: t.teamId, group: t.teamId, total: t[kind], tiers: t.tiers })),
  ];
  for (const g of groups) {
    if (g.total !== null) counters.push({ key: g.key, group: g.group, tier: null, value: g.total });
    for (const tier of TIERS) {
      const counts = g.tiers?.[tier];
      if (counts !== undefined) {
        counters.push({ key: `${g.key}/${tier}`, group: g.group, tier, value: counts[kind] });
      }
    }
  }
  return counters;
}

/** The participation item with its counts left out: which groups are shown, and how. */
function planOf(item: RunItem): string {
  return JSON.stringify(item, (key, value: unknown) =>
    key === 'tokensCollected' || key === 'responses' ? undefined : value,
  );
}

const person = (prefix: string, team: string, tier: Tier, n: number, parent = '') =>
  Array.from({ length: n }, (_, i) => ({
    email: `${prefix}${i}@${DOMAIN}`,
    line: `${prefix}${i}@${DOMAIN},${prefix}${i},${team},${tier},${parent}`,
    tier,
  }));

// Exec and the frontline teams reach k; Board's two leaders and Legal's two frontline people
// are merged into the whole organization's segments when the run starts. Product has no
// people of its own: its roll-up is Eng and Design.
const ROSTER = [
  ...person('exec', 'Exec', 'leadership', 6),
  ...person('board', 'Board', 'leadership', 2),
  ...person('eng', 'Eng', 'frontline', 6, 'Product'),
  ...person('design', 'Design', 'frontline', 5, 'Product'),
  ...person('sales', 'Sales', 'frontline', 7),
  ...person('legal', 'Legal', 'frontline', 2),
];

/** Everyone, teams taking turns, so tiers and teams alternate. */
function turns<T extends { email: string }>(people: readonly T[]): T[] {
  const byPrefix = new Map<string, T[]>();
  for (const p of people) {
    const prefix = p.email.replace(/\d+@.*$/, '');
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), p]);
  }
  const queues = [...byPrefix.values()];
  const order: T[] = [];
  while (queues.some((q) => q.length > 0)) {
    for (const q of queues) {
      const next = q.shift();
      if (next !== undefined) order.push(next);
    }
  }
  return order;
}

/** What each person answers: leaders optimistic, the frontline not, varied within a tier. */
function valuesOf(tier: Tier, i: number): Record<string, number> {
  return tier === 'leadership'
    ? { staffing: 4 + (i % 2), feasibility: 5 - (i % 2), clarity: 4 }
    : { staffing: 1 + (i % 3), feasibility: 2 + (i % 2), clarity: 2 + (i % 4) };
}

describe('an executive reading every report, while a run is open and for ever after', () => {
  let t: TestServer;
  let run: AnsweringRun;
  let executive: string;
  let teams: TeamItem[];
  let invitees: Invitee[];

  beforeAll(async () => {
    t = await createTestServer();
    run = await startAnsweringRun(t.server, t.db, {
      organization: 'Release Once Co',
      header: 'email,name,team,tier,parent_team',
      people: ROSTER.map((p) => p.line),
      dimensions: ['staffing', 'feasibility', 'clarity'],
    });
    executive = await addUser(t.server, run.org.token, 'executive');
    teams = await listTeams(t.server, run.org.token);
    const teamId = new Map(teams.map((team) => [team.name, team.id]));
    invitees = [];
    for (const p of ROSTER) {
      const secret = run.secretOf(p.email);
      const invite = await t.server.inject({ url: `/api/v1/invite/${secret}` });
      expect(invite.statusCode, invite.body).toBe(200);
      const segment = invite.json<{ segment: { team: string | null; tier: Tier } }>().segment;
      invitees.push({
        email: p.email,
        secret,
        tier: p.tier,
        segmentTeamId: segment.team === null ? null : (teamId.get(segment.team) ?? 'unknown'),
      });
    }
  });
  afterAll(() => t.close());

  async function runItem(server = t.server, runId = run.runId): Promise<RunItem> {
    const runs = await server.inject({
      url: `/api/v1/pulses/${run.pulseId}/runs`,
      headers: bearer(executive),
    });
    expect(runs.statusCode, runs.body).toBe(200);
    const item = runs.json<{ items: RunItem[] }>().items.find((i) => i.id === runId);
    if (item === undefined) throw new Error(`run ${runId} is not listed`);
    return item;
  }

  /** Who could have caused the change from `before` to `after`, to someone reading both. */
  function suspects(before: RunItem, after: RunItem, kind: Kind): Invitee[] {
    const was = new Map(countersOf(before, kind).map((c) => [c.key, c.value]));
    const changes = countersOf(after, kind).map((c) => ({
      ...c,
      delta: c.value - (was.get(c.key) ?? NaN),
    }));
    for (const c of changes) expect([0, 1], `${kind} of ${c.key}`).toContain(c.delta);
    expect(changes.some((c) => c.delta === 1)).toBe(true);
    return invitees.filter((p) =>
      changes.every(
        (c) =>
          ((c.tier === null || c.tier === p.tier) && holds(teams, c.group, p.segmentTeamId)) ===
          (c.delta === 1),
      ),
    );
  }

  /** Every report of the run, participation, trends and keys, in one go. */
  async function readEverything(server = t.server, runId = run.runId): Promise<Read[]> {
    return [
      ...(await readReports(server, executive, runId)),
      await read(server, executive, `/api/v1/pulses/${run.pulseId}/trends`),
      await read(server, executive, `/api/v1/runs/${runId}/keys`),
      {
        url: 'participation',
        status: 200,
        type: 'application/json',
        body: JSON.stringify(await runItem(server, runId)),
      },
    ];
  }

  /** Each step of each person while open: who did it, and who else could have, to a reader. */
  const steps: { actor: string; kind: Kind; suspects: string[] }[] = [];

  test('while open: every report is the same 409, and participation differs only in the counts of the groups its plan shows', async () => {
    // The adversary reads everything after every single step of every person (collecting
    // a token, sending answers), hoping that two consecutive reads differ in a way only the
    // newest person explains.
    const first = await runItem();
    expect(first.state).toBe('open');
    const firstReports = await readReports(t.server, executive, run.runId);
    for (const r of firstReports) expectNotReleased(r, first.closesAt);
    // The groups shown are fixed by who was invited: small Board and Legal are nowhere.
    const plan = planOf(first);
    expect(first.teams.every((team) => team.invited >= K)).toBe(true);

    let before = first;
    const step = async (actor: Invitee, kind: Kind) => {
      for (const [i, r] of (await readReports(t.server, executive, run.runId)).entries()) {
        expectNotReleased(r, first.closesAt);
        // Byte for byte the same as the first read: a 409 that counted would leak.
        expect(r.body).toBe(firstReports[i]?.body);
      }
      const trends = await read(t.server, executive, `/api/v1/pulses/${run.pulseId}/trends`);
      expect(trends.status).toBe(200);
      expect(trends.body).not.toContain(run.runId);
      const after = await runItem();
      expect(after.state).toBe('open');
      expect(planOf(after)).toBe(plan);
      const who = suspects(before, after, kind);
      expect(who.map((p) => p.email)).toContain(actor.email);
      steps.push({ actor: actor.email, kind, suspects: who.map((p) => p.email) });
      before = after;
    };

    for (const [i, p] of turns(invitees).entries()) {
      const ballot = await takeToken(t.server, p.secret);
      await step(p, 'tokensCollected');
      const comment = i % 3 === 0 ? `what is hard, by someone (${i})` : undefined;
      const sent = await send(t.server, ballot, valuesOf(p.tier, i), comment);
      expect(sent.statusCode, sent.body).toBe(201);
      await step(p, 'responses');
    }
    expect(before.participation).toMatchObject({
      invited: invitees.length,
      tokensCollected: invitees.length,
      responses: invitees.length,
    });
  }, 180_000);

  // The adversary subtracts shown counts across teams, parents and tiers: were Legal's two
  // people alone in the organization's own frontline segment, the organization's frontline
  // count minus Product's and Sales' totals would tell when one of the two collected a token
  // or answered.
  test('no single token collection or response can be narrowed to fewer than k invitees by subtracting two participation reads', () => {
    expect(steps).toHaveLength(2 * invitees.length);
    const exposed = steps.filter((s) => s.suspects.length < K);
    expect(exposed).toEqual([]);
  });

  test('after close: every read of the release is byte-identical, on any replica, whatever runs after', async () => {
    // The adversary reads the release many times, from other replicas, and again after a
    // later run has started and been released, hoping that something moved.
    await closeByHand(t.server, run.org.token, run.runId);
    const closing = await readReports(t.server, executive, run.runId);
    const state = await runItem();
    if (state.state === 'closing') {
      // Read before anything released it: closed, yet nothing shown before the release.
      for (const r of closing) expectNotReleased(r, state.closesAt);
    }
    await releaseByWorker(t.db, run.org.organizationId, run.runId);

    const released = await readEverything();
    for (const r of released) expect(r.status, `${r.url}: ${r.body}`).toBe(200);
    const gaps = JSON.parse(released[0]?.body ?? '{}') as {
      cells: { teamId: string | null; suppressed: boolean; gap: number | null }[];
    };
    // The release has figures to protect: the whole organization's cells are shown.
    expect(gaps.cells.filter((c) => c.teamId === null && !c.suppressed)).toHaveLength(3);
    expect((await runItem()).state).toBe('released');

    // Other reads in between, as a busy dashboard makes them.
    for (const url of ['/api/v1/teams', '/api/v1/pulses', `/api/v1/pulses/${run.pulseId}`]) {
      expect((await read(t.server, run.org.token, url)).status).toBe(200);
    }
    const gzipped = await read(t.server, executive, `/api/v1/runs/${run.runId}/gaps`, {
      'accept-encoding': 'gzip',
    });
    expect(gzipped.status).toBe(200);
    expect(await readEverything()).toEqual(released);

    // Another replica, which has cached nothing, serves the same bytes.
    const replica = await createHttpServer({ config: testConfig(), db: t.db });
    try {
      expect(await readEverything(replica)).toEqual(released);
    } finally {
      await replica.close();
    }

    // A later run starts: the earlier release does not move.
    const later = await startRun(t.server, run.org.token, run.pulseId);
    expect(await readEverything()).toEqual(released);
    for (const r of await readReports(t.server, executive, later.id)) {
      expectNotReleased(r, later.closesAt);
    }

    // The later run is answered and released: still nothing moves in the earlier one but the
    // trend, which gains the later run's point and keeps the earlier one as it was.
    const links = await linksOfRun(t.server, t.db, run.org.organizationId, run.org.token, later.id);
    expect(links).toHaveLength(invitees.length);
    for (const [i, link] of links.entries()) {
      await answer(t.server, link.secret, i % 2 === 0 ? 5 : 1);
    }
    await closeByHand(t.server, run.org.token, later.id);
    await releaseByWorker(t.db, run.org.organizationId, later.id);
    const afterLater = await readEverything();
    const isTrends = (r: Read) => r.url.endsWith('/trends');
    expect(afterLater.filter((r) => !isTrends(r))).toEqual(released.filter((r) => !isTrends(r)));
    const earlierPoints = (r: Read | undefined) =>
      (
        JSON.parse(r?.body ?? '{}') as {
          items: { priorityId: string; dimension: string; points: { runId: string }[] }[];
        }
      ).items.map((i) => ({ ...i, points: i.points.filter((p) => p.runId === run.runId) }));
    expect(earlierPoints(afterLater.find(isTrends))).toEqual(
      earlierPoints(released.find(isTrends)),
    );
  }, 120_000);
});
