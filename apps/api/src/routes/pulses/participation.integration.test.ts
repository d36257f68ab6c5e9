import { randomUUID } from 'node:crypto';
import { deriveKey } from '@pulsegap/config';
import { audienceMembers, createRun, listTeams, withTenant } from '@pulsegap/db';
import { hashInvitationSecret, invitationSecret } from '@pulsegap/jobs';
import { testConfig } from '@pulsegap/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  collectToken,
  createPriority,
  createTestServer,
  openInvite,
  releaseNow,
  rosterRows,
  signup,
  submission,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

const K = 5;

interface Counts {
  invited: number;
  tokensCollected: number;
  responses: number;
}
type TierCounts = { leadership: Counts; frontline: Counts } | null;
interface RunItem {
  id: string;
  state: string;
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

const counts = (invited: number, tokensCollected = 0, responses = 0): Counts => ({
  invited,
  tokensCollected,
  responses,
});

// Participation is shown for the whole organization and each team's roll-up, planned like
// the figures: at k on the invited counts, with complementary suppression, so no group of
// fewer than k can be told apart by subtraction (PRODUCT.md §5, participation).
describe('participation per team', () => {
  let t: TestServer;
  let org: TestOrganization;
  let priorityId: string;
  let teamId: Map<string, string>;

  beforeAll(async () => {
    t = await createTestServer();
    org = await signup(t.server, 'Participation Co');
    const imported = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: { ...bearer(org.token), 'content-type': 'text/csv' },
      payload: [
        'email,name,team,tier',
        ...rosterRows('part.test', 'b', 'Big', 'frontline', K),
        ...rosterRows('part.test', 's', 'Small', 'frontline', K - 1),
        ...rosterRows('part.test', 'l', 'Board', 'leadership', K + 1),
      ].join('\n'),
    });
    expect(imported.statusCode, imported.body).toBe(200);
    priorityId = await createPriority(t.server, org.token, {
      title: 'Customer Focus',
      statedWeight: 5,
    });
    const teams = await t.server.inject({ url: '/api/v1/teams', headers: bearer(org.token) });
    teamId = new Map(
      teams.json<{ items: { id: string; name: string }[] }>().items.map((x) => [x.name, x.id]),
    );
  });
  afterAll(() => t.close());

  async function createPulse(audience?: { tiers: string[] }): Promise<string> {
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(org.token),
      payload: {
        title: 'Pulse',
        priorityIds: [priorityId],
        dimensions: ['staffing'],
        minGroupSize: K,
        ...(audience === undefined ? {} : { audience }),
      },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    return pulse.json<{ id: string }>().id;
  }

  async function runsOf(pulseId: string): Promise<RunItem[]> {
    const runs = await t.server.inject({
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    expect(runs.statusCode, runs.body).toBe(200);
    return runs.json<{ items: RunItem[] }>().items;
  }

  test('a run started through the API never gives a team under k its own id', async () => {
    // The frontline alone: Big (5) and Small (4), nine in all.
    const pulseId = await createPulse({ tiers: ['frontline'] });
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    expect(run.statusCode, run.body).toBe(201);
    expect(run.json<{ invited: number }>().invited).toBe(2 * K - 1);
    // Small's invitations were merged into the whole organization when the run started,
    // and the organization's own segment, under k with them alone, took Big's in too:
    // no token names a group under k, and no team shows or hides a number of its own.
    const [item] = await runsOf(pulseId);
    expect(item?.state).toBe('open');
    expect(item?.participation).toEqual({
      ...counts(2 * K - 1),
      // Leaders were not asked: the leadership tier is under k, so no tier is shown.
      tiers: null,
    });
    expect(item?.teams).toEqual([]);
    expect(item?.withheld).toEqual([]);
  });

  test('a run asking both tiers shows each team of k, and a tier only where both tiers reach k', async () => {
    const pulseId = await createPulse();
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    expect(run.statusCode, run.body).toBe(201);
    const [item] = await runsOf(pulseId);
    expect(item?.participation).toEqual({
      ...counts(3 * K),
      tiers: { leadership: counts(K + 1), frontline: counts(2 * K - 1) },
    });
    // Board's leaders are a team of their own; the frontline is the organization's.
    expect(item?.teams).toEqual([
      { teamId: teamId.get('Board'), team: 'Board', ...counts(K + 1), tiers: null },
    ]);
    expect(item?.withheld).toEqual([]);
  });

  test('a team of fewer than k invitations carrying its id is withheld, and so is the sibling that would give it away', async () => {
    // Segments merge by the same k when a run starts, so invitations naming a team under k
    // cannot come about through the API: the run is made here with every invitee in their
    // own team's segment, as a run started before segments merged might be, and only the
    // participation plan can hide Small.
    const pulseId = await createPulse();
    const invitationKey = deriveKey(testConfig(), 'invitation-secrets');
    const secrets = new Map<string, string>();
    await withTenant(t.db, org.organizationId, async (trx) => {
      const members = await audienceMembers(trx, { teamIds: null, tiers: null });
      expect(members).toHaveLength(3 * K);
      await createRun(trx, org.organizationId, {
        pulseId,
        openedAt: new Date(),
        closesAt: new Date(Date.now() + 3600_000),
        minGroupSize: K,
        commentMinGroupSize: 10,
        openQuestion: true,
        audience: { teams: null, tiers: null },
        // No segment merged: every team's roll-up is whole.
        teams: (await listTeams(trx)).map((team) => ({ ...team, mergedTiers: [] })),
        questions: [{ priorityId, dimension: 'staffing', text: 'We are staffed for this.' }],
        invitees: members.map((member) => {
          const id = randomUUID();
          const secret = invitationSecret(invitationKey, id);
          secrets.set(member.email, secret);
          return {
            id,
            personId: member.personId,
            secretHash: hashInvitationSecret(secret),
            segmentTeamId: member.teamId,
            segmentTier: member.tier,
          };
        }),
      });
    });

    const answer = async (email: string, respond: boolean) => {
      const secret = secrets.get(email) ?? '';
      const invite = await openInvite(t.server, secret);
      const token = await collectToken(t.server, secret, invite);
      if (!respond) return invite;
      const response = await t.server.inject({
        method: 'POST',
        url: '/api/v1/responses',
        payload: submission(invite, token),
      });
      expect(response.statusCode, response.body).toBe(201);
      return invite;
    };
    expect((await answer('s0@part.test', true)).segment).toMatchObject({
      team: 'Small',
      tier: 'frontline',
    });
    await answer('s1@part.test', false);
    expect((await answer('b0@part.test', true)).segment).toMatchObject({
      team: 'Big',
      tier: 'frontline',
    });
    await answer('b1@part.test', false);
    await answer('b2@part.test', false);
    expect((await answer('l0@part.test', true)).segment).toMatchObject({
      team: 'Board',
      tier: 'leadership',
    });

    const [item] = await runsOf(pulseId);
    // The run's totals count everyone, Small included, and so do its tiers.
    expect(item?.participation).toEqual({
      ...counts(3 * K, 6, 3),
      tiers: { leadership: counts(K + 1, 1, 1), frontline: counts(2 * K - 1, 5, 2) },
    });
    // Small (4) is under k. Big (5) reaches k, but the organization minus Big minus Board
    // is Small: Big is withheld too. Board is shown; its frontline (none) is not a group.
    expect(item?.teams).toEqual([
      { teamId: teamId.get('Board'), team: 'Board', ...counts(K + 1, 1, 1), tiers: null },
    ]);
    expect(item?.withheld).toHaveLength(2);
    expect(item?.withheld).toEqual(
      expect.arrayContaining([
        { teamId: teamId.get('Small'), team: 'Small', reason: 'small' },
        { teamId: teamId.get('Big'), team: 'Big', reason: 'complementary' },
      ]),
    );

    // Released, the run shows the same plan with the same counts, for good.
    await releaseNow(t.db, org.organizationId, item?.id ?? '');
    const [released] = await runsOf(pulseId);
    expect(released?.state).toBe('released');
    expect({ ...released, state: 'open' }).toEqual({
      ...item,
      closedAt: released?.closedAt,
      releasedAt: released?.releasedAt,
    });
  });
});
