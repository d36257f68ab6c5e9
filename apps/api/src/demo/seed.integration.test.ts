import { deriveKey } from '@pulsegap/config';
import {
  listRuns,
  readRelease,
  withTenant,
  type DatabaseHandle,
  type RunRecord,
} from '@pulsegap/db';
import type { RunRelease } from '@pulsegap/domain';
import { createJobContext, startInProcessRuntime } from '@pulsegap/jobs';
import { openTestDatabase, testConfig } from '@pulsegap/testing';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { seedDemo } from './seed.js';

describe('the demo', () => {
  let handle: DatabaseHandle;
  let organizationId: string;
  /** The demo pulse's runs, newest first, each with its release. */
  let runs: { run: RunRecord; release: RunRelease | null }[];

  beforeAll(async () => {
    handle = await openTestDatabase();
    const keys = {
      invitationKey: deriveKey(testConfig(), 'invitation-secrets'),
      segmentKeySealing: deriveKey(testConfig(), 'segment-key-sealing'),
    };
    organizationId = await seedDemo(handle.db, keys);
    expect(await seedDemo(handle.db, keys)).toBe(organizationId); // idempotent
    // The demo's runs are past their deadlines: the runtime's sweep closes and releases them.
    // (A runtime of another test file on the same database may take a release request
    // first: then it is that one's to finish, so this waits for the releases themselves.)
    const runtime = startInProcessRuntime({
      context: createJobContext(testConfig(), handle.db),
      logger: console,
      pollMs: 60_000,
    });
    const read = () =>
      withTenant(handle.db, organizationId, async (trx) => {
        const pulse = await trx.selectFrom('pulses').select('id').executeTakeFirstOrThrow();
        const listed = await listRuns(trx, pulse.id);
        return Promise.all(
          listed.map(async (run) => ({ run, release: await readRelease(trx, run.id) })),
        );
      });
    try {
      await vi.waitFor(
        async () => {
          await runtime.drain();
          runs = await read();
          expect(runs.every((r) => r.release !== null)).toBe(true);
        },
        { timeout: 30_000, interval: 200 },
      );
    } finally {
      await runtime.close();
    }
  }, 60_000);
  afterAll(() => handle.close());

  test('tells a story: a weight-5 priority the frontline cannot staff, over three released runs', async () => {
    await withTenant(handle.db, organizationId, async (trx) => {
      const people = await trx.selectFrom('people').select('id').execute();
      expect(people.length).toBeGreaterThanOrEqual(350);
      expect(people.length).toBeLessThanOrEqual(450);
      const teams = await trx.selectFrom('teams').select(['name', 'parent_id']).execute();
      expect(teams.filter((t) => t.parent_id !== null)).toHaveLength(13);
      const priorities = await trx.selectFrom('priorities').selectAll().execute();
      expect(priorities).toHaveLength(4);
      const focus = priorities.find((p) => p.stated_weight === 5);
      expect(runs).toHaveLength(3);
      for (const { run, release } of runs) {
        // Closed at its deadline by itself, and released after.
        expect(run.closedAt).toEqual(run.closesAt);
        expect(run.releasedAt?.getTime()).toBeGreaterThanOrEqual(run.closesAt.getTime());
        expect(release?.runId).toBe(run.id);
      }

      const release = runs[0]?.release;
      if (release == null || focus === undefined) throw new Error('demo incomplete');
      const gap = (dimension: string) =>
        release.cells.find(
          (c) => c.priorityId === focus.id && c.dimension === dimension && c.teamId === null,
        )?.gap ?? NaN;
      expect(gap('staffing')).toBeGreaterThan(1.5);
      expect(gap('feasibility')).toBeGreaterThan(1.5);
      expect(gap('clarity')).toBeLessThan(1);
      // Every figure rests on the stored responses: most of those invited answered.
      const { n } = await trx
        .selectFrom('responses')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('run_id', '=', release.runId)
        .executeTakeFirstOrThrow();
      expect(Number(n) / (runs[0]?.run.invited ?? Infinity)).toBeGreaterThan(0.5);
    });
  });

  test("shows leadership's blind spot: leaders expect the frontline to call Customer Focus staffed", () => {
    const release = runs[0]?.release;
    if (release == null) throw new Error('demo incomplete');
    const staffing = release.blindSpots?.find(
      (b) => b.title === 'Customer Focus' && b.dimension === 'staffing',
    );
    expect(staffing?.suppressed).toBe(false);
    expect(staffing?.difference).toBeGreaterThan(1.2);
    // Elsewhere leaders know the frontline's view about right.
    const others = (release.blindSpots ?? []).filter((b) => b.title !== 'Customer Focus');
    expect(others.length).toBeGreaterThan(0);
    for (const other of others) expect(Math.abs(other.difference ?? 9)).toBeLessThan(0.6);
    expect(release.brief.blindSpot?.sentence).toMatch(
      /^Leadership expected the frontline to rate staffing for Customer Focus 3\.\d; it rated 2\.\d /,
    );
    // The predictions never enter a cell: one organization-wide staffing cell per priority.
    const cells = release.cells.filter((c) => c.dimension === 'staffing' && c.teamId === null);
    expect(cells).toHaveLength(4);
  });

  test('follows up a decision: settled after the first run, relitigated after the second', () => {
    const [newest, middle, oldest] = runs.map((r) => r.release);
    // The decision came after the first run: that run asked nothing about it.
    expect(oldest?.decisions ?? []).toEqual([]);
    const [before] = middle?.decisions ?? [];
    const [after] = newest?.decisions ?? [];
    expect(before?.title).toBe('Support staffs Customer Focus before new self-service work');
    expect(before?.suppressed).toBe(false);
    expect(after?.suppressed).toBe(false);
    const settledBefore = before?.settled?.share ?? 0;
    const settledAfter = after?.settled?.share ?? 1;
    // Settled at first (at least 60 %), then under 60 % and 15 points or more lower.
    expect(settledBefore).toBeGreaterThanOrEqual(0.6);
    expect(settledAfter).toBeLessThan(0.6);
    expect(settledBefore - settledAfter).toBeGreaterThanOrEqual(0.15);
    // The newest brief names it, for the room to take up again.
    expect(newest?.brief.relitigated?.map((r) => r.sentence)).toEqual([
      expect.stringMatching(
        /^The decision “Support staffs Customer Focus before new self-service work” \(Customer Focus\) is being relitigated: \d+% of Customer Operations treat it as settled, down from \d+% in the run before\.$/,
      ),
    ]);
    expect(middle?.brief.relitigated).toEqual([]);
    // Asked of Customer Operations only: far fewer answers than the run's respondents.
    expect(after?.settled?.n ?? 0).toBeGreaterThanOrEqual(50);
    expect(after?.settled?.n ?? 0).toBeLessThan(200);
  });

  test('a small team shows some of its cells and withholds those with fewer than k answers', async () => {
    const security = await withTenant(handle.db, organizationId, (trx) =>
      trx.selectFrom('teams').select('id').where('name', '=', 'Security').executeTakeFirstOrThrow(),
    );
    const cells = (runs[0]?.release?.cells ?? []).filter((c) => c.teamId === security.id);
    const byDimension = (dimension: string) => cells.filter((c) => c.dimension === dimension);
    expect(byDimension('staffing').length).toBeGreaterThan(0);
    for (const cell of byDimension('tradeoffs')) {
      expect(cell).toMatchObject({ suppressed: true, suppressionReason: 'small', gap: null });
    }
    expect(byDimension('tradeoffs').length).toBeGreaterThan(0);
    expect(cells.some((c) => !c.suppressed)).toBe(true);
  });

  test('has a trend: one priority improving after the first run, the weight-5 one drifting', async () => {
    const titles = await withTenant(handle.db, organizationId, (trx) =>
      trx.selectFrom('priorities').select(['id', 'title']).execute(),
    );
    const idOf = (title: string) => titles.find((p) => p.title === title)?.id;
    // Oldest first: the organization's staffing gap of a priority in each released run.
    const staffingGaps = (title: string) =>
      runs
        .toReversed()
        .map(
          ({ release }) =>
            release?.cells.find(
              (c) =>
                c.priorityId === idOf(title) && c.dimension === 'staffing' && c.teamId === null,
            )?.gap ?? NaN,
        );
    const platform = staffingGaps('Platform Modernization');
    expect(platform[0]).toBeGreaterThan((platform[2] ?? 0) + 0.5);
    const focus = staffingGaps('Customer Focus');
    expect(focus[2]).toBeGreaterThan((focus[0] ?? 0) + 0.3);
  });

  test('releases comments: the frontline of Customer Operations teams, leaders at the top', () => {
    const release = runs[0]?.release;
    const items = release?.comments.items ?? [];
    const frontline = items.filter((group) => group.tier === 'frontline' && group.teamId !== null);
    expect(frontline.length).toBeGreaterThan(0);
    expect(frontline.flatMap((group) => group.comments).join(' ')).toMatch(
      /queue|four hours|ticket/,
    );
    const leaders = items.find((group) => group.tier === 'leadership' && group.teamId === null);
    expect(leaders?.comments.length).toBeGreaterThanOrEqual(3);
    // The platform work got a team after the first run: only later runs say so.
    const said = (run: number) =>
      (runs.toReversed()[run]?.release?.comments.items ?? []).flatMap((group) => group.comments);
    expect(said(0).some((c) => c.includes('a team of its own'))).toBe(false);
    expect(said(2).some((c) => c.includes('a team of its own'))).toBe(true);
  });

  // The demo's responses are written straight into the responses table, before the
  // release: the release counts them with the sealed ones.
  test('shows in each released run that more than half of those invited answered', () => {
    for (const { run, release } of runs) {
      const organization = release?.participation.organization;
      expect(organization?.invited).toBe(run.invited);
      expect((organization?.responses ?? 0) / run.invited).toBeGreaterThan(0.5);
    }
  });
});
