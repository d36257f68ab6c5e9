import { decryptPrivateKey, keyFingerprint } from '@pulsegap/anonymity';
import { createJobContext, sealingLabel, stockSegmentKeysAhead } from '@pulsegap/jobs';
import { testConfig } from '@pulsegap/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  asOwner,
  createPulse,
  importRoster,
  linksOfRun,
  listTeams,
  startRun,
  takeToken,
} from '../../attack-support.js';
import {
  bearer,
  createPriority,
  createTestServer,
  expectProblem,
  openInvite,
  rosterRows,
  signup,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

interface KeyItem {
  keyId: string;
  segment: { teamId: string | null; tier: string };
  fingerprint: string;
}

describe('starting a run', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(() => t.close());

  /** A new organization with `roster` imported and one priority. */
  async function organization(
    name: string,
    roster: readonly string[],
  ): Promise<{ org: TestOrganization; priorityId: string }> {
    const org = await signup(t.server, name);
    await importRoster(t.server, org.token, roster);
    const priorityId = await createPriority(t.server, org.token, {
      title: 'Customer Focus',
      statedWeight: 4,
    });
    return { org, priorityId };
  }

  /** Rows of an organization's tables that a run start would have written, counted by the owner. */
  async function startedRows(organizationId: string) {
    return asOwner(organizationId, async (owner) => {
      const { rows } = await sql<Record<string, number>>`
        select
          (select count(*)::int from runs where organization_id = ${organizationId}) as runs,
          (select count(*)::int from run_questions where organization_id = ${organizationId}) as questions,
          (select count(*)::int from run_teams where organization_id = ${organizationId}) as teams,
          (select count(*)::int from invitations where organization_id = ${organizationId}) as invitations,
          (select count(*)::int from segment_keys where organization_id = ${organizationId}) as keys,
          (select count(*)::int from outbox where payload ->> 'organizationId' = ${organizationId}) as jobs,
          (select count(*)::int from outbound_messages where organization_id = ${organizationId}) as mail
      `.execute(owner);
      return rows[0];
    });
  }

  test('an organization with four leaders: 409 naming the tier, the count and the fix; nothing is created; limited to the frontline it starts', async () => {
    // The adversary (or an honest HR admin) runs a pulse over four leaders: even the whole
    // organization's leadership figures, and its key, would describe fewer than k people.
    const { org, priorityId } = await organization('Four Leaders Co', [
      ...rosterRows('four.test', 'ceo', 'Exec', 'leadership', 1),
      ...rosterRows('four.test', 'lead', 'Ops', 'leadership', 3),
      ...rosterRows('four.test', 'ops', 'Ops', 'frontline', 10),
    ]);
    const pulseId = await createPulse(t.server, org.token, {
      priorityIds: [priorityId],
      dimensions: ['staffing'],
    });
    const before = await startedRows(org.organizationId);
    const refused = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    const problem = expectProblem(refused, 409) as ReturnType<typeof expectProblem> &
      Record<string, unknown>;
    expect(problem).toMatchObject({
      code: 'PG_ERR_TIER_UNDER_K',
      tier: 'leadership',
      count: 4,
      minGroupSize: 5,
    });
    // It says what is wrong and how to fix it.
    expect(problem.detail).toMatch(/4 leadership people/);
    expect(problem.detail).toMatch(/at least 5/);
    expect(problem.detail).toMatch(/add leadership people/i);
    expect(problem.detail).toMatch(/limit the pulse.s audience to frontline/i);

    // Nothing was created: no run, question, snapshot, invitation, key, job or mail (the
    // import asked for keys to be made ahead; the refused start added nothing to that).
    expect(before).toEqual({
      runs: 0,
      questions: 0,
      teams: 0,
      invitations: 0,
      keys: 0,
      jobs: 1,
      mail: 0,
    });
    expect(await startedRows(org.organizationId)).toEqual(before);
    const runs = await t.server.inject({
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    expect(runs.json()).toEqual({ items: [] });
    const pulse = await t.server.inject({
      url: `/api/v1/pulses/${pulseId}`,
      headers: bearer(org.token),
    });
    expect(pulse.json<{ latestRunId: string | null }>().latestRunId).toBeNull();

    // Limited to one team, the tier counts that team's leaders only.
    const opsId = (await listTeams(t.server, org.token)).find((team) => team.name === 'Ops')?.id;
    const opsPulse = await createPulse(t.server, org.token, {
      priorityIds: [priorityId],
      dimensions: ['staffing'],
      audience: { teams: [opsId] },
    });
    const opsRefused = expectProblem(
      await t.server.inject({
        method: 'POST',
        url: `/api/v1/pulses/${opsPulse}/runs`,
        headers: bearer(org.token),
      }),
      409,
    );
    expect(opsRefused).toMatchObject({ code: 'PG_ERR_TIER_UNDER_K', tier: 'leadership', count: 3 });

    // A raised k applies to the frontline too: ten are fewer than eleven.
    const strict = await createPulse(t.server, org.token, {
      priorityIds: [priorityId],
      dimensions: ['staffing'],
      audience: { tiers: ['frontline'] },
      minGroupSize: 11,
      commentMinGroupSize: 11,
    });
    expect(
      expectProblem(
        await t.server.inject({
          method: 'POST',
          url: `/api/v1/pulses/${strict}/runs`,
          headers: bearer(org.token),
        }),
        409,
      ),
    ).toMatchObject({
      code: 'PG_ERR_TIER_UNDER_K',
      tier: 'frontline',
      count: 10,
      minGroupSize: 11,
    });
    expect((await startedRows(org.organizationId))?.runs).toBe(0);

    // The fix the problem names: the audience limited to the frontline starts.
    const frontline = await createPulse(t.server, org.token, {
      priorityIds: [priorityId],
      dimensions: ['staffing'],
      audience: { tiers: ['frontline'] },
    });
    const run = await startRun(t.server, org.token, frontline);
    expect(run.invited).toBe(10);
    const keys = await t.server.inject({ url: `/api/v1/runs/${run.id}/keys` });
    const items = keys.json<{ items: KeyItem[] }>().items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((k) => k.segment.tier === 'frontline')).toBe(true);
  });

  test("every segment's key is made with the run, in its creating transaction, before any link is opened", async () => {
    // The adversary holding a copy of the database reads when each key was made: a key made
    // on first use dates when someone of that segment first opened their link.
    const { org, priorityId } = await organization('Keys At Start Co', [
      ...rosterRows('start.test', 'exec', 'Exec', 'leadership', 5),
      ...rosterRows('start.test', 'board', 'Board', 'leadership', 2),
      ...rosterRows('start.test', 'ops', 'Ops', 'frontline', 6),
      ...rosterRows('start.test', 'sales', 'Sales', 'frontline', 5),
      ...rosterRows('start.test', 'legal', 'Legal', 'frontline', 2),
    ]);
    const pulseId = await createPulse(t.server, org.token, {
      priorityIds: [priorityId],
      dimensions: ['staffing'],
    });
    const run = await startRun(t.server, org.token, pulseId);

    const copy = () =>
      asOwner(org.organizationId, async (owner) => {
        const runRow = await sql<{ xmin: string }>`
          select xmin::text as xmin from runs where id = ${run.id}
        `.execute(owner);
        const keys = await sql<{ id: string; xmin: string; segment: string }>`
          select id, xmin::text as xmin,
                 segment_tier || '/' || coalesce(segment_team_id::text, '') as segment
            from segment_keys where run_id = ${run.id}
        `.execute(owner);
        const segments = await sql<{ segment: string; xmin: string }>`
          select distinct segment_tier || '/' || coalesce(segment_team_id::text, '') as segment,
                 xmin::text as xmin
            from invitations where run_id = ${run.id}
        `.execute(owner);
        const invited = await sql<{ segment: string; n: number }>`
          select segment_tier || '/' || coalesce(segment_team_id::text, '') as segment,
                 count(*)::int as n
            from invitations where run_id = ${run.id} group by 1
        `.execute(owner);
        const snapshot = await sql<{ xmin: string }>`
          select distinct xmin::text as xmin from run_teams where run_id = ${run.id}
        `.execute(owner);
        return {
          runXmin: runRow.rows[0]?.xmin,
          keys: keys.rows,
          segments: segments.rows,
          invited: new Map(invited.rows.map((r) => [r.segment, r.n])),
          snapshot: snapshot.rows.map((r) => r.xmin),
        };
      });

    const atStart = await copy();
    // One key per segment an invitation names (Board's and Legal's two are merged away),
    // and none for a group under k.
    expect(atStart.keys.map((k) => k.segment).sort()).toEqual(
      [...new Set(atStart.segments.map((s) => s.segment))].sort(),
    );
    expect(atStart.keys.length).toBeGreaterThanOrEqual(2);
    for (const [segment, invited] of atStart.invited) {
      expect(invited, segment).toBeGreaterThanOrEqual(5);
    }
    // All of them in the transaction that created the run, with its invitations and snapshot.
    for (const k of atStart.keys) expect(k.xmin).toBe(atStart.runXmin);
    for (const s of atStart.segments) expect(s.xmin).toBe(atStart.runXmin);
    expect(atStart.snapshot).toEqual([atStart.runXmin]);

    // Published at once, before anyone opened a link.
    const published = await t.server.inject({ url: `/api/v1/runs/${run.id}/keys` });
    expect(published.statusCode, published.body).toBe(200);
    const items = published.json<{ items: KeyItem[] }>().items;
    expect(items.map((k) => k.keyId).sort()).toEqual(atStart.keys.map((k) => k.id).sort());
    const teams = new Map(
      (await listTeams(t.server, org.token)).map((team) => [team.id, team.name]),
    );
    expect(items.map((k) => `${k.segment.tier}/${k.segment.teamId ?? ''}`).sort()).toEqual(
      atStart.keys.map((k) => k.segment).sort(),
    );
    // The list is public: ids only, no team's name.
    for (const k of items) {
      expect(Object.keys(k.segment).sort()).toEqual(['teamId', 'tier']);
      if (k.segment.teamId !== null) expect(teams.has(k.segment.teamId)).toBe(true);
    }

    // Everyone opens their link: every invite names a published key, and no key is made,
    // remade or touched.
    const links = await linksOfRun(t.server, t.db, org.organizationId, org.token, run.id);
    expect(links).toHaveLength(20);
    for (const link of links) {
      const invite = await openInvite(t.server, link.secret);
      expect(atStart.keys.map((k) => k.id)).toContain(invite.keyId);
    }
    expect((await copy()).keys).toEqual(atStart.keys);
  });

  test('a run takes the keys made ahead for it, in its transaction, and asks for them to be made again', async () => {
    const { org, priorityId } = await organization('Key Stock Co', [
      ...rosterRows('stock.test', 'exec', 'Exec', 'leadership', 5),
      ...rosterRows('stock.test', 'ops', 'Ops', 'frontline', 6),
      ...rosterRows('stock.test', 'sales', 'Sales', 'frontline', 5),
    ]);
    const pulse = () =>
      createPulse(t.server, org.token, { priorityIds: [priorityId], dimensions: ['staffing'] });
    const context = createJobContext(testConfig(), t.db);
    const stock = () =>
      asOwner(org.organizationId, async (owner) => {
        const { rows } = await sql<{
          id: string;
          public_key: Buffer;
          private_key_sealed: Buffer;
          fingerprint: string;
        }>`
          select id, public_key, private_key_sealed, fingerprint from segment_key_stock
           where organization_id = ${org.organizationId} order by id
        `.execute(owner);
        return rows;
      });
    const keysOf = (runId: string) =>
      asOwner(org.organizationId, async (owner) => {
        const { rows } = await sql<{ id: string; public_key: Buffer; xmin: string }>`
          select id, public_key, xmin::text as xmin from segment_keys
           where run_id = ${runId} order by id
        `.execute(owner);
        return rows;
      });
    const stockJobs = () =>
      asOwner(org.organizationId, async (owner) => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from outbox
           where job_key = ${`stock-segment-keys-${org.organizationId}`}
        `.execute(owner);
        return rows[0]?.n;
      });

    // The first run has no stock: it makes its three keys and asks for the next run's.
    const first = await startRun(t.server, org.token, await pulse());
    expect(await keysOf(first.id)).toHaveLength(3);
    expect(await stock()).toEqual([]);
    expect(await stockJobs()).toBe(1);

    // Made ahead: one per segment a run of the whole roster would have, sealed to its id;
    // asked again, nothing more.
    await stockSegmentKeysAhead(context, org.organizationId);
    const stocked = await stock();
    expect(stocked).toHaveLength(3);
    for (const key of stocked) {
      expect(key.fingerprint).toBe(keyFingerprint(key.public_key));
      expect(() =>
        decryptPrivateKey(key.private_key_sealed, context.segmentKeySealing, sealingLabel(key.id)),
      ).not.toThrow();
    }
    await stockSegmentKeysAhead(context, org.organizationId);
    expect((await stock()).map((k) => k.id)).toEqual(stocked.map((k) => k.id));

    // The next run takes them, under the same ids, in its own transaction; none is left.
    const second = await startRun(t.server, org.token, await pulse());
    const taken = await keysOf(second.id);
    expect(taken.map((k) => [k.id, k.public_key])).toEqual(
      stocked.map((k) => [k.id, k.public_key]),
    );
    const runXmin = await asOwner(org.organizationId, async (owner) => {
      const { rows } = await sql<{ xmin: string }>`
        select xmin::text as xmin from runs where id = ${second.id}
      `.execute(owner);
      return rows[0]?.xmin;
    });
    for (const k of taken) expect(k.xmin).toBe(runXmin);
    expect(await stock()).toEqual([]);

    // And they sign: an invitee of the run gets a token under a taken key.
    const links = await linksOfRun(t.server, t.db, org.organizationId, org.token, second.id);
    const ballot = await takeToken(t.server, links[0]?.secret ?? '');
    expect(taken.map((k) => k.id)).toContain(ballot.invite.keyId);
  });

  // PRODUCT BUG (a team's participation leaves out a team beneath it): Board's and Legal's
  // two people are merged into the organization's segments at start, which are then under
  // k, so `mergeSmallSegments` moves "the smallest remaining segment" there too: Design (5
  // frontline people, k of them), past its parent Product. Design gets no key of its own
  // (PRODUCT.md §6.1 merges only segments under k, and upward) and `GET /pulses/:id/runs`
  // shows Product with 6 invited (Eng alone) though 11 of its people were invited.
  test('participation of a team counts every invitee of its roll-up, or is withheld', async () => {
    const rows = (prefix: string, team: string, tier: string, n: number, parent = '') =>
      rosterRows('rollup.test', prefix, team, tier, n).map((row) => `${row},${parent}`);
    const roster = [
      ...rows('exec', 'Exec', 'leadership', 6),
      ...rows('board', 'Board', 'leadership', 2),
      ...rows('eng', 'Eng', 'frontline', 6, 'Product'),
      ...rows('design', 'Design', 'frontline', 5, 'Product'),
      ...rows('sales', 'Sales', 'frontline', 7),
      ...rows('legal', 'Legal', 'frontline', 2),
    ];
    const org = await signup(t.server, 'Roll-up Co');
    await importRoster(t.server, org.token, roster, 'email,name,team,tier,parent_team');
    const priorityId = await createPriority(t.server, org.token, {
      title: 'Customer Focus',
      statedWeight: 4,
    });
    const pulseId = await createPulse(t.server, org.token, {
      priorityIds: [priorityId],
      dimensions: ['staffing'],
    });
    const run = await startRun(t.server, org.token, pulseId);
    const teams = await listTeams(t.server, org.token);
    const nameOf = new Map(teams.map((team) => [team.id, team.name]));
    const parentOf = new Map(teams.map((team) => [team.name, team.parentId]));
    const inRollUp = (team: string, group: string) => {
      for (
        let at: string | null = team;
        at !== null;
        at = nameOf.get(parentOf.get(at) ?? '') ?? null
      ) {
        if (at === group) return true;
      }
      return false;
    };
    const runs = await t.server.inject({
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    const item = runs
      .json<{ items: { id: string; teams: { team: string; invited: number }[] }[] }>()
      .items.find((i) => i.id === run.id);
    expect(item?.teams.length).toBeGreaterThan(0);
    for (const shown of item?.teams ?? []) {
      const expected = roster.filter((row) => inRollUp(row.split(',')[2] ?? '', shown.team));
      expect(shown.invited, shown.team).toBe(expected.length);
    }
  });
});
