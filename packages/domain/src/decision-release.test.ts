import { describe, expect, test } from 'vitest';
import {
  durabilityOfReleases,
  relitigatedDecisions,
  releaseDecisions,
  type DecisionQuestion,
  type DecisionReleaseInput,
  type DurabilityRelease,
  type ReleasedDecision,
} from './decision-release.js';
import { RELITIGATION_DROP } from './decisions.js';
import type { SegmentCount } from './run-figures.js';
import { derivableSmallGroups } from './suppression.js';
import { wilsonInterval } from './statistics.js';

// Operations (ops) with Warehouse (wh) under it; Sales (sales) beside them.
const teams = [
  { id: 'ops', parentId: null },
  { id: 'wh', parentId: 'ops' },
  { id: 'sales', parentId: null },
];

/** The two items of decision `id`, asked of `team`, at positions `at` and `at + 1`. */
function items(id: string, team: string, at: number): DecisionQuestion[] {
  return [
    { position: at, kind: 'settled', decisionId: id, audienceTeamId: team },
    { position: at + 1, kind: 'stopped', decisionId: id, audienceTeamId: team },
  ];
}

/** `agree` answers of 5 and `n − agree` of 2 to both items at `at`, in one stored segment. */
function answers(team: string | null, at: number, agree: number, n: number): SegmentCount[] {
  return [at, at + 1].flatMap((position) => [
    { segmentTeamId: team, tier: 'frontline' as const, position, value: 5, count: agree },
    { segmentTeamId: team, tier: 'frontline' as const, position, value: 2, count: n - agree },
  ]);
}

function input(overrides: Partial<DecisionReleaseInput>): DecisionReleaseInput {
  return {
    teams,
    decisions: [{ id: 'd-ops', title: 'Freeze', priorityId: 'p' }],
    questions: items('d-ops', 'ops', 1),
    counts: [],
    respondents: [],
    minGroupSize: 5,
    incomplete: new Set(),
    ...overrides,
  };
}

describe('releaseDecisions', () => {
  test("the share at 4–5 of the owning team's roll-up, both tiers, with its Wilson interval", () => {
    const [released] = releaseDecisions(
      input({
        counts: [
          ...answers('ops', 1, 3, 4),
          ...answers('wh', 1, 4, 6),
          // Leaders of Operations answer too.
          { segmentTeamId: 'ops', tier: 'leadership', position: 1, value: 4, count: 2 },
          // Sales was not asked: nothing of it is counted, whatever is stored.
          ...answers('sales', 1, 5, 5),
        ],
        respondents: [
          { teamId: 'ops', tier: 'frontline', count: 4 },
          { teamId: 'ops', tier: 'leadership', count: 2 },
          { teamId: 'wh', tier: 'frontline', count: 6 },
          { teamId: 'sales', tier: 'frontline', count: 5 },
        ],
      }),
    );
    expect(released).toEqual({
      decisionId: 'd-ops',
      title: 'Freeze',
      priorityId: 'p',
      teamId: 'ops',
      settled: { count: 9, n: 12, share: 0.75, ci95: wilsonInterval(9, 12) ?? [0, 1] },
      stopped: { count: 7, n: 10, share: 0.7, ci95: wilsonInterval(7, 10) ?? [0, 1] },
      suppressed: false,
      suppressionReason: null,
    } satisfies ReleasedDecision);
  });

  test('a team under k shows no number and says why', () => {
    const [released] = releaseDecisions(
      input({
        counts: answers('ops', 1, 4, 4),
        respondents: [{ teamId: 'ops', tier: 'frontline', count: 4 }],
      }),
    );
    expect(released).toMatchObject({
      settled: null,
      stopped: null,
      suppressed: true,
      suppressionReason: 'small',
    });
  });

  test('a team whose roll-up misses people merged upward is withheld (merged)', () => {
    const [released] = releaseDecisions(
      input({
        counts: answers('ops', 1, 6, 8),
        respondents: [{ teamId: 'ops', tier: 'frontline', count: 8 }],
        incomplete: new Set(['ops']),
      }),
    );
    expect(released).toMatchObject({
      settled: null,
      suppressed: true,
      suppressionReason: 'merged',
    });
  });

  test('differencing: decisions of a parent and its child, the parent minus the child under k, show one of them only', () => {
    const counts = [
      // Operations' own people: 3 (under k), Warehouse: 6.
      ...answers('ops', 1, 3, 3),
      ...answers('wh', 1, 2, 6),
      ...answers('wh', 3, 2, 6),
    ];
    const respondents = [
      { teamId: 'ops', tier: 'frontline' as const, count: 3 },
      { teamId: 'wh', tier: 'frontline' as const, count: 6 },
    ];
    const released = releaseDecisions(
      input({
        decisions: [
          { id: 'd-ops', title: 'Parent', priorityId: 'p' },
          { id: 'd-wh', title: 'Child', priorityId: 'p' },
        ],
        questions: [...items('d-ops', 'ops', 1), ...items('d-wh', 'wh', 3)],
        counts,
        respondents,
      }),
    );
    const shown = released.filter((d) => d.settled !== null);
    const withheld = released.filter((d) => d.settled === null);
    // Both reach k alone (9 and 6), yet 9 − 6 = 3 would describe Operations' own three.
    expect(shown).toHaveLength(1);
    expect(withheld).toHaveLength(1);
    expect(withheld[0]?.suppressionReason).toBe('complementary');
    // Nothing under k can be derived from the groups shown.
    expect(
      derivableSmallGroups(
        {
          teams: teams.map((t) => ({
            ...t,
            ownCount: respondents.find((r) => r.teamId === t.id)?.count ?? 0,
          })),
          organizationOwnCount: 0,
          minGroupSize: 5,
        },
        new Set(shown.map((d) => d.teamId)),
      ),
    ).toEqual([]);
  });

  test('nested decisions whose difference reaches k are both shown', () => {
    const released = releaseDecisions(
      input({
        decisions: [
          { id: 'd-ops', title: 'Parent', priorityId: 'p' },
          { id: 'd-wh', title: 'Child', priorityId: 'p' },
        ],
        questions: [...items('d-ops', 'ops', 1), ...items('d-wh', 'wh', 3)],
        counts: [...answers('ops', 1, 3, 5), ...answers('wh', 1, 2, 6), ...answers('wh', 3, 2, 6)],
        respondents: [
          { teamId: 'ops', tier: 'frontline', count: 5 },
          { teamId: 'wh', tier: 'frontline', count: 6 },
        ],
      }),
    );
    expect(released.map((d) => [d.decisionId, d.settled?.n ?? null])).toEqual([
      ['d-ops', 11],
      ['d-wh', 6],
    ]);
  });

  test('a decision the run did not ask about has no entry', () => {
    expect(releaseDecisions(input({ questions: [] }))).toEqual([]);
  });
});

describe('durabilityOfReleases', () => {
  const entry = (settled: [number, number] | null, stopped: [number, number] | null = settled) => {
    const estimate = (x: [number, number] | null) =>
      x === null
        ? null
        : { count: x[0], n: x[1], share: x[0] / x[1], ci95: wilsonInterval(x[0], x[1]) ?? [0, 1] };
    return {
      decisionId: 'd',
      title: 'T',
      priorityId: 'p',
      teamId: 'ops',
      settled: estimate(settled),
      stopped: estimate(stopped),
      suppressed: settled === null && stopped === null,
      suppressionReason: settled === null || stopped === null ? ('small' as const) : null,
    };
  };
  const release = (
    runId: string,
    decisions: ReleasedDecision[] | undefined,
  ): DurabilityRelease => ({
    runId,
    closedAt: `2027-01-0${runId.slice(-1)}T00:00:00.000Z`,
    minGroupSize: 5,
    decisions,
  });

  test('a fall of 15 points or more flags the decision as relitigated', () => {
    const view = durabilityOfReleases('d', [
      release('r1', [entry([9, 10])]),
      release('r2', [entry([15, 20])]),
    ]);
    expect(RELITIGATION_DROP).toBe(0.15);
    expect(view.runs.map((r) => (r.settled.withheld ? null : r.settled.share))).toEqual([
      0.9, 0.75,
    ]);
    expect(view.relitigated).toBe(true);
    expect(view.reasons).toEqual(['drop']);
    expect(view.latest).toMatchObject({ runId: 'r2', share: 0.75, flagged: true });
  });

  test('withheld runs carry no number and are skipped as references', () => {
    const view = durabilityOfReleases('d', [
      release('r1', [entry([9, 10])]),
      release('r2', [entry(null)]),
      release('r3', undefined),
      release('r4', [entry([8, 10])]),
    ]);
    expect(view.runs.map((r) => r.runId)).toEqual(['r1', 'r2', 'r4']);
    expect(view.runs[1]).toEqual({
      runId: 'r2',
      closedAt: '2027-01-02T00:00:00.000Z',
      settled: { runId: 'r2', withheld: true },
      stopped: { runId: 'r2', withheld: true },
      withheldReason: 'small',
    });
    expect(view.relitigated).toBe(false);
    expect(view.latest).toMatchObject({ runId: 'r4', change: expect.closeTo(-0.1, 9) });
  });

  test('never asked: an empty series, not relitigated', () => {
    expect(durabilityOfReleases('d', [release('r1', [])])).toEqual({
      runs: [],
      latest: null,
      relitigated: false,
      reasons: [],
    });
  });
});

describe('relitigatedDecisions: what the brief names', () => {
  const estimate = (count: number, n: number) => ({
    count,
    n,
    share: count / n,
    ci95: wilsonInterval(count, n) ?? ([0, 1] as const),
  });
  const decision = (settled: [number, number] | null): ReleasedDecision => ({
    decisionId: 'd',
    title: 'Pause the portal',
    priorityId: 'p',
    teamId: 'ops',
    settled: settled === null ? null : estimate(...settled),
    stopped: settled === null ? null : estimate(...settled),
    suppressed: settled === null,
    suppressionReason: settled === null ? 'small' : null,
  });
  const release = (runId: string, settled: [number, number] | null): DurabilityRelease => ({
    runId,
    closedAt: `2027-01-0${runId.slice(-1)}T00:00:00.000Z`,
    minGroupSize: 5,
    decisions: [decision(settled)],
  });
  const names = { priority: () => 'Customer Focus', team: () => 'Customer Operations' };

  test('a fall of 15 points names the decision, the team, both shares and a question', () => {
    const [named] = relitigatedDecisions(release('r2', [6, 10]), [release('r1', [9, 10])], names);
    expect(named).toMatchObject({
      decisionId: 'd',
      settledShare: 0.6,
      previousShare: expect.closeTo(0.9, 9),
      reasons: ['drop'],
    });
    expect(named?.sentence).toBe(
      'The decision “Pause the portal” (Customer Focus) is being relitigated: 60% of Customer Operations treat it as settled, down from 90% in the run before.',
    );
    expect(named?.question).toMatch(/What would it take for “Pause the portal” to hold/);
  });

  test('a first shown share under 60% is named with the floor', () => {
    const [named] = relitigatedDecisions(release('r1', [5, 10]), [], names);
    expect(named?.reasons).toEqual(['belowFloor']);
    expect(named?.previousShare).toBeNull();
    expect(named?.sentence).toMatch(
      /50% of Customer Operations treat it as settled, under the 60%/,
    );
  });

  test('a decision that holds, or whose share this run withholds, is not named', () => {
    expect(relitigatedDecisions(release('r2', [8, 10]), [release('r1', [9, 10])], names)).toEqual(
      [],
    );
    // Withheld now: an earlier flag is not this run's to name, and no number reappears.
    expect(relitigatedDecisions(release('r2', null), [release('r1', [4, 10])], names)).toEqual([]);
    expect(
      relitigatedDecisions({ ...release('r1', null), decisions: undefined }, [], names),
    ).toEqual([]);
  });
});
