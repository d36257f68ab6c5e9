import { deliverInvitationsRequest } from '@pulsegap/jobs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  collectToken,
  createPriority,
  createTestServer,
  runJobNow,
  signup,
  type TestInvite,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

/** What `GET /invite/:secret` says, with the group an invitee's answers count for. */
interface InviteWithGroup extends TestInvite {
  readonly group: { size: number; minGroupSize: number; commentMinGroupSize: number };
  readonly tokenCollected: boolean;
}

const rows = (prefix: string, team: string, tier: string, n: number, parent = '') =>
  Array.from(
    { length: n },
    (_, i) => `${prefix}${i}@group.test,${prefix}${i},${team},${tier},${parent}`,
  );

// The answer page tells people how large the group their answers count for is, and the
// run's thresholds (PRODUCT.md §7): `group.size` counts the run's invitees of the segment.
describe('GET /invite/:secret group', () => {
  let t: TestServer;
  let org: TestOrganization;
  let priorityId: string;
  /** Secrets by run, then by invitee e-mail. */
  const secrets = new Map<string, Map<string, string>>();

  async function startRun(pulse: Record<string, unknown>): Promise<string> {
    const created = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(org.token),
      payload: {
        title: 'Group pulse',
        priorityIds: [priorityId],
        dimensions: ['staffing'],
        ...pulse,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${created.json<{ id: string }>().id}/runs`,
      headers: bearer(org.token),
    });
    expect(run.statusCode, run.body).toBe(201);
    const runId = run.json<{ id: string }>().id;
    await runJobNow(t.db, deliverInvitationsRequest(org.organizationId, runId));
    // The run's links are those of the outbox no earlier run sent.
    const outbox = await t.server.inject({ url: '/api/v1/dev/outbox', headers: bearer(org.token) });
    const earlier = new Set([...secrets.values()].flatMap((byEmail) => [...byEmail.values()]));
    const byEmail = new Map<string, string>();
    for (const { to, link } of outbox.json<{ items: { to: string; link: string }[] }>().items) {
      const secret = link.split('/').at(-1) ?? '';
      if (!earlier.has(secret)) byEmail.set(to, secret);
    }
    secrets.set(runId, byEmail);
    return runId;
  }

  async function inviteOf(runId: string, email: string): Promise<InviteWithGroup> {
    const secret = secrets.get(runId)?.get(email);
    if (secret === undefined) throw new Error(`${email} has no link of run ${runId}`);
    const response = await t.server.inject({ url: `/api/v1/invite/${secret}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<InviteWithGroup>();
  }

  let runA: string;
  let runB: string;

  beforeAll(async () => {
    t = await createTestServer();
    org = await signup(t.server, 'Group Co');
    const imported = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: { ...bearer(org.token), 'content-type': 'text/csv' },
      payload: [
        'email,name,team,tier,parent_team',
        ...rows('sl', 'Support', 'leadership', 5),
        ...rows('sf', 'Support', 'frontline', 6),
        // Three frontline people of a sub-team: under k they join Support's frontline.
        ...rows('bf', 'Billing', 'frontline', 3, 'Support'),
        ...rows('xf', 'Sales', 'frontline', 5),
        // Two leaders of a team without a parent: under k they join the whole organization's
        // segment, which then takes Support's leaders too, so that it is not a group of two.
        ...rows('tl', 'Tiny', 'leadership', 2),
      ].join('\n'),
    });
    expect(imported.statusCode, imported.body).toBe(200);
    priorityId = await createPriority(t.server, org.token, { title: 'Focus', statedWeight: 4 });

    runA = await startRun({ minGroupSize: 5, commentMinGroupSize: 12 });
    // Frontline only, with k = 6: Sales (5) goes to the top, which then takes Support's 9.
    runB = await startRun({
      minGroupSize: 6,
      commentMinGroupSize: 11,
      audience: { tiers: ['frontline'] },
    });
  });
  afterAll(() => t.close());

  test('counts the invitees of the segment, merged teams included, with the run’s thresholds', async () => {
    const thresholds = { minGroupSize: 5, commentMinGroupSize: 12 };
    expect(secrets.get(runA)?.size).toBe(21);
    expect(await inviteOf(runA, 'sf0@group.test')).toMatchObject({
      segment: { team: 'Support', tier: 'frontline' },
      group: { size: 9, ...thresholds },
    });
    expect(await inviteOf(runA, 'bf0@group.test')).toMatchObject({
      segment: { team: 'Support', tier: 'frontline' },
      group: { size: 9, ...thresholds },
    });
    expect(await inviteOf(runA, 'sl0@group.test')).toMatchObject({
      segment: { team: null, tier: 'leadership' },
      group: { size: 7, ...thresholds },
    });
    expect(await inviteOf(runA, 'xf0@group.test')).toMatchObject({
      segment: { team: 'Sales', tier: 'frontline' },
      group: { size: 5, ...thresholds },
    });
    // The whole organization's segment of a tier holds who was merged into it: never
    // fewer than k.
    expect(await inviteOf(runA, 'tl0@group.test')).toMatchObject({
      segment: { team: null, tier: 'leadership' },
      group: { size: 7, ...thresholds },
    });
  });

  test('is the group of the invitation’s own run', async () => {
    expect(secrets.get(runB)?.size).toBe(14);
    expect(await inviteOf(runB, 'bf1@group.test')).toMatchObject({
      segment: { team: null, tier: 'frontline' },
      group: { size: 14, minGroupSize: 6, commentMinGroupSize: 11 },
    });
    expect(await inviteOf(runB, 'sf1@group.test')).toMatchObject({
      segment: { team: null, tier: 'frontline' },
      group: { size: 14, minGroupSize: 6, commentMinGroupSize: 11 },
    });
  });

  test('counts invitees, not tokens, and keeps every other field', async () => {
    const email = 'xf1@group.test';
    const before = await inviteOf(runA, email);
    const secret = secrets.get(runA)?.get(email) ?? '';
    await collectToken(t.server, secret, before);
    const after = await inviteOf(runA, email);
    expect(after.group).toEqual(before.group);
    expect(after.tokenCollected).toBe(true);
    expect(Object.keys(after).sort()).toEqual(
      [
        'runId',
        'title',
        'closesAt',
        'questions',
        'priorities',
        'openQuestion',
        'openQuestionText',
        'segment',
        'group',
        'keyId',
        'publicKey',
        'fingerprint',
        'tokenCollected',
      ].sort(),
    );
  });
});
