import { readRelease, storeResponses, withTenant } from '@pulsegap/db';
import { CLARITY_INDEX_TARGET, wilsonInterval, type RunRelease } from '@pulsegap/domain';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asOwner } from '../../attack-support.js';
import {
  bearer,
  createPriority,
  createTestServer,
  releaseNow,
  rosterRows,
  signup,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

const LEADERS = 6;
const FRONTLINE = 10;

interface Figures {
  clarity: { share: number; ci95: [number, number]; n: number; meetsTarget: boolean } | null;
  committedClarity: { share: number; ci95: [number, number]; n: number } | null;
  drift: { commitmentChange: number; clarityChange: number | null; flagged: boolean } | null;
}
interface Trends {
  pulseId: string;
  clarityTarget: number;
  items: { priorityId: string; dimension: string; points: { runId: string }[] }[];
  priorities: {
    priorityId: string;
    title: string;
    points: ({ runId: string; openedAt: string; closedAt: string } & Figures)[];
  }[];
}

// Two priorities asked about clarity and commitment in two released runs. In the second, two
// leaders skip Partner channel's clarity question, leaving four (under k = 5), and the
// frontline's commitment to Self-serve onboarding collapses while its clarity holds.
describe('GET /pulses/:id/trends: per priority, its clarity, committed clarity and drift', () => {
  let t: TestServer;
  let org: TestOrganization;
  let onboarding: string;
  let partners: string;
  let pulseId: string;
  const runIds: string[] = [];

  /** Starts a run and stores its responses, each answering `${priorityId}/${dimension}`. */
  async function releasedRun(
    responses: { tier: 'leadership' | 'frontline'; values: Record<string, number> }[],
  ): Promise<string> {
    const started = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    expect(started.statusCode, started.body).toBe(201);
    const runId = started.json<{ id: string }>().id;
    await withTenant(t.db, org.organizationId, async (trx) => {
      const questions = await trx
        .selectFrom('run_questions')
        .select(['position', 'priority_id', 'dimension'])
        .where('run_id', '=', runId)
        .execute();
      await storeResponses(
        trx,
        org.organizationId,
        runId,
        responses.map((r) => {
          const answers = Array<number | null>(questions.length).fill(null);
          for (const q of questions) {
            answers[q.position] = r.values[`${q.priority_id}/${q.dimension}`] ?? null;
          }
          return { segmentTeamId: null, segmentTier: r.tier, comment: null, answers };
        }),
      );
    });
    await releaseNow(t.db, org.organizationId, runId);
    runIds.push(runId);
    return runId;
  }

  const release = (runId: string): Promise<RunRelease | null> =>
    withTenant(t.db, org.organizationId, (trx) => readRelease(trx, runId));

  async function trends(): Promise<Trends> {
    const response = await t.server.inject({
      url: `/api/v1/pulses/${pulseId}/trends`,
      headers: bearer(org.token),
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Trends>();
  }

  beforeAll(async () => {
    t = await createTestServer();
    org = await signup(t.server, 'Trends Co');
    const imported = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: { ...bearer(org.token), 'content-type': 'text/csv' },
      payload: [
        'email,name,team,tier',
        ...rosterRows('trends.test', 'lead', 'Board', 'leadership', LEADERS),
        ...rosterRows('trends.test', 'front', 'Support', 'frontline', FRONTLINE),
      ].join('\n'),
    });
    expect(imported.statusCode, imported.body).toBe(200);
    onboarding = await createPriority(t.server, org.token, {
      title: 'Onboarding',
      statedWeight: 5,
    });
    partners = await createPriority(t.server, org.token, {
      title: 'Partner channel',
      statedWeight: 3,
    });
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(org.token),
      payload: {
        title: 'Quarterly',
        priorityIds: [onboarding, partners],
        dimensions: ['clarity', 'commitment'],
      },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    pulseId = pulse.json<{ id: string }>().id;

    const frontline = (commitment: number) =>
      Array.from({ length: FRONTLINE }, (_, i) => ({
        tier: 'frontline' as const,
        values: {
          // Seven of ten clear on onboarding in both runs.
          [`${onboarding}/clarity`]: i < 7 ? 4 : 2,
          [`${onboarding}/commitment`]: commitment,
          [`${partners}/clarity`]: 4,
          [`${partners}/commitment`]: 3,
        },
      }));
    const leaders = (partnerClarityAnswers: number) =>
      Array.from({ length: LEADERS }, (_, i) => ({
        tier: 'leadership' as const,
        values: {
          [`${onboarding}/clarity`]: 5,
          [`${onboarding}/commitment`]: 5,
          ...(i < partnerClarityAnswers ? { [`${partners}/clarity`]: 4 } : {}),
          [`${partners}/commitment`]: 4,
        },
      }));
    await releasedRun([...leaders(LEADERS), ...frontline(4)]);
    // The priority is renamed between the runs; the second run's release has the new title.
    await asOwner(org.organizationId, (owner) =>
      sql`update priorities set title = 'Self-serve onboarding' where id = ${onboarding}`.execute(
        owner,
      ),
    );
    await releasedRun([...leaders(4), ...frontline(2)]);
  }, 120_000);
  afterAll(() => t.close());

  test('one point per released run per priority, in the order of the items’ points', async () => {
    const body = await trends();
    expect(body.pulseId).toBe(pulseId);
    expect(body.clarityTarget).toBe(CLARITY_INDEX_TARGET);
    expect(body.items.length).toBeGreaterThan(0);
    for (const item of body.items) expect(item.points.map((p) => p.runId)).toEqual(runIds);
    // In id order, as the items are; titled as the newest release has them.
    expect(body.priorities.map((p) => [p.priorityId, p.title])).toEqual(
      [
        [onboarding, 'Self-serve onboarding'],
        [partners, 'Partner channel'],
      ].sort(([a], [b]) => ((a ?? '') < (b ?? '') ? -1 : 1)),
    );
    const releases = await Promise.all(runIds.map(release));
    for (const priority of body.priorities) {
      expect(priority.points.map((p) => p.runId)).toEqual(runIds);
      priority.points.forEach((point, i) => {
        expect(point.openedAt).toBe(releases[i]?.openedAt);
        expect(point.closedAt).toBe(releases[i]?.closedAt);
      });
    }
  });

  test('clarity, committed clarity and drift are the releases’ figures', async () => {
    const body = await trends();
    for (const [i, runId] of runIds.entries()) {
      const released = (await release(runId))?.priorities ?? [];
      for (const priority of body.priorities) {
        const point = priority.points[i];
        const figures = released.find((p) => p.id === priority.priorityId);
        expect(figures, `${priority.title} in run ${String(i)}`).toBeDefined();
        expect(point?.clarity).toEqual(figures?.clarity);
        expect(point?.committedClarity).toEqual(figures?.committedClarity);
        expect(point?.drift).toEqual(figures?.drift);
      }
    }
    // Onboarding's first run: 6 leaders and 7 of 10 frontline clear, 13 of 16.
    const first = body.priorities.find((p) => p.priorityId === onboarding)?.points[0];
    expect(first?.clarity).toMatchObject({ n: 16, share: 13 / 16, meetsTarget: true });
    expect(first?.clarity?.ci95).toEqual(wilsonInterval(13, 16));
    expect(first?.drift).toBeNull();
    // Its second run: frontline commitment fell from all to none while clarity held.
    const second = body.priorities.find((p) => p.priorityId === onboarding)?.points[1];
    expect(second?.drift).toEqual({ commitmentChange: -1, clarityChange: 0, flagged: true });
  });

  test('a priority whose clarity group is under k shows clarity (and committed clarity) null', async () => {
    const body = await trends();
    const partnerPoints = body.priorities.find((p) => p.priorityId === partners)?.points;
    expect(partnerPoints?.[0]?.clarity).toMatchObject({ n: 16, share: 1 });
    // Four leaders answered its clarity in the second run: the cell and the index are withheld.
    expect(partnerPoints?.[1]?.clarity).toBeNull();
    // Committed clarity too: the frontline's commitment cell (top2 0) would give the four
    // leaders' part of it away.
    expect(partnerPoints?.[0]?.committedClarity).toMatchObject({ n: 16, count: 6 });
    expect(partnerPoints?.[1]?.committedClarity).toBeNull();
    const clarityItem = body.items.find(
      (item) => item.priorityId === partners && item.dimension === 'clarity',
    );
    expect(clarityItem?.points[1]).toMatchObject({ suppressed: true, leadershipMean: null });
  });

  test('committed clarity is withheld where one tier has fewer than k answering both questions', async () => {
    // Every leader answers clarity or commitment, five of six each, but only four both: both
    // cells are shown, fourteen answered both in all, and yet the leaders' part is four.
    const leaders = Array.from({ length: LEADERS }, (_, i) => ({
      tier: 'leadership' as const,
      values: {
        [`${onboarding}/clarity`]: 5,
        [`${onboarding}/commitment`]: 5,
        ...(i === 0 ? {} : { [`${partners}/clarity`]: 4 }),
        ...(i === 1 ? {} : { [`${partners}/commitment`]: 4 }),
      },
    }));
    const frontline = Array.from({ length: FRONTLINE }, () => ({
      tier: 'frontline' as const,
      values: {
        [`${onboarding}/clarity`]: 4,
        [`${onboarding}/commitment`]: 4,
        [`${partners}/clarity`]: 4,
        [`${partners}/commitment`]: 4,
      },
    }));
    const runId = await releasedRun([...leaders, ...frontline]);
    const figures = (await release(runId))?.priorities.find((p) => p.id === partners);
    expect(figures?.clarity).toMatchObject({ n: 15 });
    expect(figures?.committedClarity).toBeNull();
    // The other priority, answered in full by both tiers, keeps its committed clarity.
    expect(
      (await release(runId))?.priorities.find((p) => p.id === onboarding)?.committedClarity,
    ).toMatchObject({ n: 16, count: 16 });
  });
});
