import { createJobContext, startScheduledRun, type JobContext } from '@pulsegap/jobs';
import { nextOccurrences } from '@pulsegap/domain/schedule';
import { openOwnerDatabase, testConfig } from '@pulsegap/testing';
import type { Kysely } from 'kysely';
import type { Database } from '@pulsegap/db';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createPriority,
  createTestServer,
  signup,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

const SCHEDULE = { cron: '0 9 * * MON', timezone: 'Europe/Berlin', openForHours: 72 };
const DOMAIN = 'scheduled.test';

/** Leaders and frontline staff of two depots, as CSV rows. */
function roster(people: readonly (readonly [string, string, string])[]): string {
  return [
    'email,name,team,tier',
    ...people.map(([name, team, tier]) => `${name}@${DOMAIN},${name},${team},${tier}`),
  ].join('\n');
}

const FIRST: readonly (readonly [string, string, string])[] = [
  ...Array.from({ length: 6 }, (_, i) => [`lead${String(i)}`, 'North', 'leadership'] as const),
  ...Array.from({ length: 6 }, (_, i) => [`north${String(i)}`, 'North', 'frontline'] as const),
  ...Array.from({ length: 6 }, (_, i) => [`south${String(i)}`, 'South', 'frontline'] as const),
];

// A pulse's schedule starts one run per occurrence, however often the occurrence is taken.
describe('the run of a scheduled occurrence', () => {
  let t: TestServer;
  let owner: Kysely<Database>;
  let org: TestOrganization;
  let context: JobContext;
  let pulseId: string;

  const importRoster = async (people: typeof FIRST) => {
    const response = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import?deactivateMissing=true',
      headers: { ...bearer(org.token), 'content-type': 'text/csv' },
      payload: roster(people),
    });
    expect(response.statusCode, response.body).toBe(200);
  };
  const runsOfOccurrences = () =>
    owner
      .selectFrom('runs')
      .select(['id', 'scheduled_for', 'opened_at', 'closes_at', 'invited'])
      .where('pulse_id', '=', pulseId)
      .orderBy('opened_at')
      .execute();
  const invitees = async (runId: string) =>
    (
      await owner
        .selectFrom('invitations')
        .innerJoin('people', 'people.id', 'invitations.person_id')
        .leftJoin('teams', 'teams.id', 'invitations.segment_team_id')
        .select(['people.email', 'teams.name as team', 'invitations.segment_tier as tier'])
        .where('invitations.run_id', '=', runId)
        .execute()
    ).map((i) => `${i.email.split('@')[0] ?? ''} ${i.team ?? '-'} ${i.tier}`);

  beforeAll(async () => {
    t = await createTestServer();
    owner = openOwnerDatabase();
    context = createJobContext(testConfig(), t.db);
    org = await signup(t.server, 'Scheduled Co');
    await importRoster(FIRST);
    const priorityId = await createPriority(t.server, org.token, {
      title: 'Depot staffing',
      statedWeight: 4,
    });
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(org.token),
      payload: {
        title: 'Weekly depot pulse',
        priorityIds: [priorityId],
        dimensions: ['staffing'],
        schedule: SCHEDULE,
      },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    pulseId = pulse.json<{ id: string }>().id;
  });
  afterAll(async () => {
    context.mailer.close();
    await owner.destroy();
    await t.close();
  });

  test('taken three times at once and once more: one run, one invitation per person', async () => {
    const [occurrence] = nextOccurrences(SCHEDULE, new Date(), 1);
    if (occurrence === undefined) throw new Error('no occurrence');
    const now = new Date(occurrence.getTime() + 60_000);
    const outcomes = await Promise.all(
      [0, 1, 2].map(() => startScheduledRun(context, org.organizationId, pulseId, occurrence, now)),
    );
    expect(outcomes.sort()).toEqual(['already started', 'already started', 'started']);
    expect(await startScheduledRun(context, org.organizationId, pulseId, occurrence, now)).toBe(
      'already started',
    );
    const runs = await runsOfOccurrences();
    expect(runs).toHaveLength(1);
    const [run] = runs;
    // It opens at the occurrence and closes when its window ends, however late it started.
    expect(run?.scheduled_for?.toISOString()).toBe(occurrence.toISOString());
    expect(run?.opened_at.toISOString()).toBe(occurrence.toISOString());
    expect(run?.closes_at.getTime()).toBe(occurrence.getTime() + 72 * 3_600_000);
    expect(run?.invited).toBe(FIRST.length);
    expect(await invitees(run?.id ?? '')).toHaveLength(FIRST.length);
  });

  test('not an occurrence of the schedule, a window already over, or a paused pulse: skipped', async () => {
    const [occurrence] = nextOccurrences(SCHEDULE, new Date(Date.now() + 8 * 86_400_000), 1);
    if (occurrence === undefined) throw new Error('no occurrence');
    const before = (await runsOfOccurrences()).length;
    const offBeat = new Date(occurrence.getTime() + 3_600_000);
    expect(await startScheduledRun(context, org.organizationId, pulseId, offBeat, offBeat)).toBe(
      'skipped',
    );
    const late = new Date(occurrence.getTime() + 73 * 3_600_000);
    expect(await startScheduledRun(context, org.organizationId, pulseId, occurrence, late)).toBe(
      'skipped',
    );
    const paused = await t.server.inject({
      method: 'PATCH',
      url: `/api/v1/pulses/${pulseId}`,
      headers: bearer(org.token),
      payload: { paused: true },
    });
    expect(paused.statusCode, paused.body).toBe(204);
    expect(
      await startScheduledRun(context, org.organizationId, pulseId, occurrence, occurrence),
    ).toBe('skipped');
    expect(await runsOfOccurrences()).toHaveLength(before);
    const resumed = await t.server.inject({
      method: 'PATCH',
      url: `/api/v1/pulses/${pulseId}`,
      headers: bearer(org.token),
      payload: { paused: false },
    });
    expect(resumed.statusCode, resumed.body).toBe(204);
  });

  test('the next occurrence invites the roster as it is then: new people in, leavers out, movers in their new team', async () => {
    // north0 moves to South, south5 leaves, two people join.
    await importRoster([
      ...FIRST.filter(([name]) => name !== 'south5' && name !== 'north0'),
      ['north0', 'South', 'frontline'],
      ['new0', 'North', 'frontline'],
      ['new1', 'South', 'frontline'],
    ]);
    const [occurrence] = nextOccurrences(SCHEDULE, new Date(Date.now() + 15 * 86_400_000), 1);
    if (occurrence === undefined) throw new Error('no occurrence');
    expect(
      await startScheduledRun(context, org.organizationId, pulseId, occurrence, occurrence),
    ).toBe('started');
    const run = (await runsOfOccurrences()).at(-1);
    const invited = await invitees(run?.id ?? '');
    expect(invited).toHaveLength(FIRST.length + 1);
    expect(invited).toEqual(
      expect.arrayContaining([
        'north0 South frontline',
        'new0 North frontline',
        'new1 South frontline',
      ]),
    );
    expect(invited.some((i) => i.startsWith('south5 '))).toBe(false);
  });
});
