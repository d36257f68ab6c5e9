import { describe, expect, test } from 'vitest';
import { planComments } from './comment-plan.js';
import { DomainError } from './errors.js';
import { histogramFromValues } from './histogram.js';
import { planParticipation } from './participation.js';
import type { Tier } from './question-bank.js';
import {
  organizationCell,
  parseRelease,
  priorityTrends,
  RELEASE_VERSION,
  releasedSeries,
  releaseRun,
  type ReleaseInput,
  type RunRelease,
} from './release.js';
import type { SegmentCount } from './run-figures.js';
import { TeamTree } from './team-tree.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const SALES = uuid(1);
const EAST = uuid(2);
const WEST = uuid(3);
const SUPPORT = uuid(4);
// P2 sorts before P1, and was given second: series are ordered by id, not as given.
const P1 = uuid(200);
const P2 = uuid(100);
const UNASKED = uuid(300);

const teams = [
  { id: SALES, name: 'Sales', parentId: null, mergedTiers: [] },
  { id: EAST, name: 'East', parentId: SALES, mergedTiers: [] },
  { id: WEST, name: 'West', parentId: SALES, mergedTiers: [] },
  { id: SUPPORT, name: 'Support', parentId: null, mergedTiers: [] },
];

// Positions: P1 commitment, clarity, staffing, feasibility (not in bank order); P2 importance.
const questions = [
  { position: 0, priorityId: P1, dimension: 'commitment' },
  { position: 1, priorityId: P1, dimension: 'clarity' },
  { position: 2, priorityId: P1, dimension: 'staffing' },
  { position: 3, priorityId: P1, dimension: 'feasibility' },
  { position: 4, priorityId: P2, dimension: 'importance' },
];

/** Each stored segment's answers, one list per question position. */
type Answers = readonly (readonly number[])[];
const leaders: Answers = [
  [5, 4, 5, 4, 5, 5],
  [5, 5, 4, 4, 5, 4],
  [5, 5, 4, 5, 4, 5],
  [5, 4, 4, 5, 5, 4],
  [5, 5, 5, 4, 4, 4],
];
const east: Answers = [
  [2, 3, 2, 1, 2, 3],
  [4, 4, 5, 4, 2, 4],
  [1, 2, 2, 1, 2, 1],
  [2, 1, 2, 2, 1, 2],
  [3, 3, 4, 3, 3, 3],
];
// West's three frontline respondents, merged up into Sales's segment at close.
const salesFrontline: Answers = [
  [3, 2, 2],
  [4, 5, 4],
  [2, 1, 2],
  [1, 2, 2],
  [3, 4, 3],
];
const support: Answers = [
  [2, 2, 3, 2, 1, 2, 2],
  [4, 4, 4, 5, 3, 4, 4],
  [2, 2, 1, 2, 3, 2, 2],
  [2, 2, 2, 1, 2, 2, 3],
  [4, 3, 3, 3, 4, 3, 3],
];

function countsOf(segmentTeamId: string | null, tier: Tier, answers: Answers): SegmentCount[] {
  return answers.flatMap((values, position) =>
    histogramFromValues(values).flatMap((count, i) =>
      count === 0 ? [] : [{ segmentTeamId, tier, position, value: i + 1, count }],
    ),
  );
}

/** A frontline where everyone answers `commitment` with `value`. */
const withCommitment = (answers: Answers, value: number): Answers => [
  (answers[0] ?? []).map(() => value),
  ...answers.slice(1),
];

function input(
  id: number,
  overrides: { frontlineCommitment?: number; earlierReleases?: RunRelease[] } = {},
): ReleaseInput {
  const front = (a: Answers) =>
    overrides.frontlineCommitment === undefined
      ? a
      : withCommitment(a, overrides.frontlineCommitment);
  return {
    run: {
      id: uuid(1000 + id),
      pulseId: uuid(900),
      pulseTitle: 'Q1 priorities',
      openedAt: new Date(Date.UTC(2026, 10, 1 + 7 * id, 9)),
      closesAt: new Date(Date.UTC(2026, 10, 4 + 7 * id, 9)),
      closedAt: new Date(Date.UTC(2026, 10, 3 + 7 * id, 17)),
      minGroupSize: 5,
      commentMinGroupSize: 10,
    },
    releasedAt: new Date(Date.UTC(2026, 10, 3 + 7 * id, 17, 0, 4)),
    teams,
    questions,
    priorities: [
      { id: P1, title: 'Self-serve onboarding', statedWeight: 5 },
      { id: P2, title: 'Partner channel', statedWeight: 3 },
      { id: UNASKED, title: 'Not in this pulse', statedWeight: 2 },
    ],
    counts: [
      ...countsOf(SALES, 'leadership', leaders),
      ...countsOf(EAST, 'frontline', front(east)),
      ...countsOf(SALES, 'frontline', front(salesFrontline)),
      ...countsOf(SUPPORT, 'frontline', front(support)),
    ],
    committedClarity: new Map([
      [
        P1,
        {
          clearAndCommitted: 6,
          answeredBoth: 22,
          answeredBothByTier: { leadership: 7, frontline: 15 },
        },
      ],
    ]),
    respondents: [
      { teamId: SALES, tier: 'leadership', count: 6 },
      { teamId: EAST, tier: 'frontline', count: 6 },
      { teamId: SALES, tier: 'frontline', count: 3 },
      { teamId: SUPPORT, tier: 'frontline', count: 7 },
    ],
    comments: [
      { teamId: SUPPORT, tier: 'frontline', text: 'we are two people short' },
      { teamId: EAST, tier: 'frontline', text: 'the tooling is not there' },
      { teamId: SALES, tier: 'leadership', text: 'we need to say no more often' },
      { teamId: SALES, tier: 'frontline', text: 'nobody asked us' },
    ],
    participation: [
      { teamId: SALES, tier: 'leadership', invited: 7, tokensCollected: 6, responses: 6 },
      { teamId: EAST, tier: 'frontline', invited: 8, tokensCollected: 7, responses: 6 },
      { teamId: WEST, tier: 'frontline', invited: 5, tokensCollected: 3, responses: 3 },
      { teamId: SUPPORT, tier: 'frontline', invited: 9, tokensCollected: 8, responses: 7 },
    ],
    mergedAtClose: { leadership: [], frontline: [] },
    earlierReleases: overrides.earlierReleases ?? [],
  };
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
}

const cellOf = (release: RunRelease, dimension: string, teamId: string | null) =>
  release.cells.find(
    (c) => c.priorityId === P1 && c.dimension === dimension && c.teamId === teamId,
  );

describe('releaseRun', () => {
  const given = input(0);
  const release = releaseRun(given);

  test('is a valid release document that survives storage as JSON', () => {
    expect(parseRelease(release)).toBe(release);
    expect(parseRelease(JSON.parse(JSON.stringify(release)))).toEqual(release);
  });

  test('is pure: the same input gives the same release, and the input is left as it was', () => {
    const before = structuredClone(given);
    expect(releaseRun(given)).toEqual(release);
    expect(given).toEqual(before);
  });

  test('carries the run, its thresholds and times, and the team snapshot', () => {
    expect(release).toMatchObject({
      version: RELEASE_VERSION,
      runId: uuid(1000),
      pulseId: uuid(900),
      pulseTitle: 'Q1 priorities',
      openedAt: '2026-11-01T09:00:00.000Z',
      closesAt: '2026-11-04T09:00:00.000Z',
      closedAt: '2026-11-03T17:00:00.000Z',
      releasedAt: '2026-11-03T17:00:04.000Z',
      minGroupSize: 5,
      commentMinGroupSize: 10,
      responses: 22,
    });
    expect(release.teams).toEqual(teams);
  });

  test('cells: the organization, team roll-ups, and complementary suppression', () => {
    const organization = cellOf(release, 'staffing', null);
    expect(organization?.suppressed).toBe(false);
    expect(organization?.leadership?.n).toBe(6);
    expect(organization?.frontline?.n).toBe(16);
    expect(organization?.suppressionReason).toBeNull();
    // Sales is East (6) and its own 3: showing East would give those 3 away.
    expect(cellOf(release, 'staffing', SALES)?.frontline?.n).toBe(9);
    expect(cellOf(release, 'staffing', SUPPORT)?.frontline?.n).toBe(7);
    expect(cellOf(release, 'staffing', EAST)).toEqual({
      priorityId: P1,
      dimension: 'staffing',
      teamId: EAST,
      leadership: null,
      frontline: null,
      gap: null,
      ci95: null,
      pValue: null,
      qValue: null,
      cliffsDelta: null,
      hedgesG: null,
      suppressed: true,
      suppressionReason: 'complementary',
    });
    expect(cellOf(release, 'staffing', WEST)?.suppressionReason).toBe('small');
    // Every question has the organization and every team of the snapshot.
    expect(release.cells).toHaveLength(questions.length * (1 + teams.length));
  });

  test('per priority asked: clarity, committed clarity and collision; none for one not asked', () => {
    expect(release.priorities.map((p) => p.id)).toEqual([P1, P2]);
    const p1 = release.priorities.find((p) => p.id === P1);
    expect(p1?.title).toBe('Self-serve onboarding');
    expect(p1?.statedWeight).toBe(5);
    expect(p1?.clarity?.n).toBe(22);
    expect(p1?.committedClarity).toMatchObject({ count: 6, n: 22 });
    expect(p1?.collision?.basedOn).toEqual(['staffing', 'feasibility']);
    expect(p1?.collision?.score).toBeGreaterThan(0);
    // No earlier release: no drift.
    expect(p1?.drift).toBeNull();
    const p2 = release.priorities.find((p) => p.id === P2);
    expect(p2).toMatchObject({
      clarity: null,
      committedClarity: null,
      collision: null,
      drift: null,
    });
  });

  test('comments and participation are planned on the snapshot, comments in the order given', () => {
    const tree = new TeamTree(teams);
    expect(release.comments).toEqual(planComments(tree, given.respondents, given.comments, 10));
    expect(release.participation).toEqual(planParticipation(tree, given.participation, 5));
    // Sixteen frontline respondents reach the comment threshold of ten for the organization;
    // the six leaders do not.
    expect(
      release.comments.items.find((i) => i.teamId === null && i.tier === 'frontline')?.comments,
    ).toEqual(['we are two people short', 'the tooling is not there', 'nobody asked us']);
    expect(release.comments.withheld).toContainEqual({
      teamId: null,
      tier: 'leadership',
      reason: 'small',
    });
    expect(JSON.stringify(release.comments.items)).not.toContain('we need to say no more often');
  });

  test('the brief is part of the release and speaks of groups only', () => {
    expect(release.brief.runId).toBe(release.runId);
    expect(release.brief.pulseTitle).toBe('Q1 priorities');
    expect(release.brief.computedAt).toBe(release.releasedAt);
    expect(release.brief.responses).toBe(22);
    expect(release.brief.findings.length).toBeGreaterThan(0);
    expect(release.brief.findings[0]?.kind).toBe('collision');
    const text = JSON.stringify(release.brief);
    expect(text).not.toMatch(/same answer|everyone (in|of) the group|unanimous/i);
  });

  test('commitment drift compares with the two releases before it', () => {
    // Earlier runs: every frontline respondent committed (top2 1.0); now nobody (0.0), with
    // clarity unchanged: a flagged drift, and a finding in the brief.
    const committed = releaseRun(input(1, { frontlineCommitment: 5 }));
    const alsoCommitted = releaseRun(input(2, { frontlineCommitment: 4 }));
    const now = releaseRun(input(3, { earlierReleases: [committed, alsoCommitted] }));
    const drift = now.priorities.find((p) => p.id === P1)?.drift;
    expect(drift?.flagged).toBe(true);
    expect(drift?.commitmentChange).toBeCloseTo(-1, 12);
    expect(drift?.clarityChange).toBeCloseTo(0, 12);
    expect(now.brief.findings.some((f) => f.kind === 'drift' && f.priorityId === P1)).toBe(true);
  });

  test('a release older than the two before it is left out of the drift', () => {
    const uncommitted = releaseRun(input(1, { frontlineCommitment: 1 }));
    const committed = releaseRun(input(2, { frontlineCommitment: 5 }));
    const alsoCommitted = releaseRun(input(3, { frontlineCommitment: 5 }));
    // Were the oldest one compared, commitment would not have moved (0.0 then and now).
    const now = releaseRun(input(4, { earlierReleases: [uncommitted, committed, alsoCommitted] }));
    expect(now.priorities.find((p) => p.id === P1)?.drift?.flagged).toBe(true);
    const sinceUncommitted = releaseRun(input(4, { earlierReleases: [uncommitted] }));
    expect(sinceUncommitted.priorities.find((p) => p.id === P1)?.drift).toMatchObject({
      commitmentChange: 0,
      flagged: false,
    });
  });
});

describe('organizationCell and releasedSeries', () => {
  const release = releaseRun(input(0));

  test('a trend point is the whole organization’s cell of the question', () => {
    const cell = organizationCell(release, P1, 'feasibility');
    expect(cell?.teamId).toBeNull();
    expect(cell?.dimension).toBe('feasibility');
    expect(cell).toBe(cellOf(release, 'feasibility', null));
    expect(organizationCell(release, P1, 'ownership')).toBeUndefined();
    expect(organizationCell(release, UNASKED, 'clarity')).toBeUndefined();
  });

  test('the series follow priority id, then the bank’s order of dimensions, once each', () => {
    const series = releasedSeries(release).map(({ priorityId, dimension }) => ({
      priorityId,
      dimension,
    }));
    expect(series).toEqual([
      { priorityId: P2, dimension: 'importance' },
      { priorityId: P1, dimension: 'clarity' },
      { priorityId: P1, dimension: 'staffing' },
      { priorityId: P1, dimension: 'feasibility' },
      { priorityId: P1, dimension: 'commitment' },
    ]);
  });
});

describe('priorityTrends', () => {
  const first = releaseRun(input(1, { frontlineCommitment: 5 }));
  // The second run asks about P1 only, under a new title.
  const second = releaseRun({
    ...input(2, { earlierReleases: [first] }),
    questions: questions.filter((q) => q.priorityId === P1),
    priorities: [{ id: P1, title: 'Onboarding, self-serve', statedWeight: 5 }],
  });
  const trends = priorityTrends([first, second]);

  test('one series per priority of any release, in id order, titled as the newest release has it', () => {
    expect(trends.map((t) => [t.priorityId, t.title])).toEqual([
      [P2, 'Partner channel'],
      [P1, 'Onboarding, self-serve'],
    ]);
  });

  test('one point per release, in the order given, with the release’s own figures', () => {
    const p1 = trends.find((t) => t.priorityId === P1);
    expect(p1?.points.map((p) => [p.runId, p.openedAt, p.closedAt])).toEqual(
      [first, second].map((r) => [r.runId, r.openedAt, r.closedAt]),
    );
    const figures = (release: RunRelease) => {
      const p = release.priorities.find((q) => q.id === P1);
      return { clarity: p?.clarity, committedClarity: p?.committedClarity, drift: p?.drift };
    };
    expect(p1?.points[0]).toMatchObject(figures(first));
    expect(p1?.points[1]).toMatchObject(figures(second));
    expect(p1?.points[1]?.drift?.flagged).toBe(true);
  });

  test('null figures where a release did not ask about the priority', () => {
    const p2 = trends.find((t) => t.priorityId === P2);
    expect(p2?.points.map((p) => p.runId)).toEqual([first.runId, second.runId]);
    expect(p2?.points[1]).toMatchObject({ clarity: null, committedClarity: null, drift: null });
    expect(priorityTrends([])).toEqual([]);
  });
});

describe('parseRelease', () => {
  const release = releaseRun(input(0));
  const stored = () => JSON.parse(JSON.stringify(release)) as Record<string, unknown>;

  test.each<[string, (doc: Record<string, unknown>) => unknown]>([
    ['no document', () => null],
    ['a string', () => 'released'],
    ['an empty object', () => ({})],
    [
      'a document without a version (the shape before releases had one)',
      (doc) => {
        delete doc.version;
        return doc;
      },
    ],
    ['an older version', (doc) => ({ ...doc, version: RELEASE_VERSION - 1 })],
    ['a newer version', (doc) => ({ ...doc, version: RELEASE_VERSION + 1 })],
    ['a run id that is no uuid', (doc) => ({ ...doc, runId: 'run-1' })],
    ['a date that is no date', (doc) => ({ ...doc, releasedAt: 'yesterday' })],
    ['a k below the floor', (doc) => ({ ...doc, minGroupSize: 2 })],
    ['a negative count', (doc) => ({ ...doc, responses: -1 })],
    ['no brief', (doc) => ({ ...doc, brief: undefined })],
    [
      'comments as a plain list (the shape before comments had tiers)',
      (doc) => ({ ...doc, comments: [{ teamId: null, comments: ['x'] }] }),
    ],
    [
      'comment groups without a tier',
      (doc) => ({ ...doc, comments: { items: [{ teamId: null, comments: ['x'] }], withheld: [] } }),
    ],
    [
      'participation without its withheld groups',
      (doc) => ({ ...doc, participation: { organization: null, teams: [] } }),
    ],
    [
      'cells without a suppression reason (the shape before reasons)',
      (doc) => ({
        ...doc,
        cells: (doc.cells as Record<string, unknown>[]).map((cell) => {
          const older = { ...cell };
          delete older.suppressionReason;
          return older;
        }),
      }),
    ],
    [
      'a cell whose statistics are a blob',
      (doc) => ({
        ...doc,
        cells: (doc.cells as Record<string, unknown>[]).map((cell) => ({
          ...cell,
          leadership: '{"n":6}',
        })),
      }),
    ],
  ])('refuses %s with DOMAIN_INVALID_RELEASE', (_what, change) => {
    expect(codeOf(() => parseRelease(change(stored())))).toBe('DOMAIN_INVALID_RELEASE');
  });

  test('says where a document does not match', () => {
    const doc = { ...stored(), version: 0 };
    expect(() => parseRelease(doc)).toThrow(/version/);
  });

  test('accepts a release with nothing shown at all', () => {
    const empty = releaseRun({
      ...input(0),
      counts: [],
      respondents: [],
      comments: [],
      participation: [],
    });
    expect(parseRelease(JSON.parse(JSON.stringify(empty)))).toEqual(empty);
    expect(empty.cells.every((c) => c.suppressed)).toBe(true);
    expect(empty.comments.items).toEqual([]);
    expect(empty.participation.organization).toBeNull();
    expect(empty.responses).toBe(0);
  });
});
