import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { planParticipation, type ParticipationReport } from './participation.js';
import { TIERS, type Tier } from './question-bank.js';
import type { PairedClarity } from './run-figures.js';
import type { SegmentCount } from './run-figures.js';
import { mergedAtStart, parseRelease, releaseRun, type RunRelease } from './release.js';
import {
  assignSegments,
  audienceShortfalls,
  mergeSmallSegments,
  type Segment,
  type SegmentSize,
} from './segments.js';
import { TeamTree } from './team-tree.js';

// The issue's property (issue 11, "Tests"): over random team trees, audiences and release
// histories, no group under k can be derived from everything ever released.
//
// The model. A run's invitees are merged into token segments at start (`assignSegments`);
// while it is open, readers see participation only, planned on the invited counts, and
// read it as often as they like while tokens are collected and responses arrive; at close
// the respondents are merged into stored segments (`mergeSmallSegments`) and the release is
// computed once (`releaseRun`). Everything is driven through the product's own functions.
//
// What is collected. Every released number that is a sum over atoms, with the set of atoms
// it sums, worked out here from the product's definitions (PRODUCT.md §5, §6), not from the
// code under test; each number is checked to equal that sum, so the vector really is what
// was released:
//
// - figures, over stored atoms (a stored segment and a tier): each shown cell's leadership
//   n (every leader) and frontline n (every frontline atom, or a team roll-up's), and the
//   whole-organization counts of the clarity index, committed clarity and the brief;
// - comments, over stored atoms: each shown list's size (one tier, a group's roll-up);
// - participation, over token atoms (a token segment and a tier), in every live read and
//   in the release: each shown group's invited / tokens collected / responses, in total
//   and per tier, and the release's count of responses.
//
// What is checked, family by family, by exact integer Gaussian elimination (BigInt): no set
// of atoms whose size (respondents for figures and comments, invitees for participation) is
// between 1 and the threshold − 1 (k, or the comment threshold) has its indicator vector in
// the span of the released vectors. Atoms nobody is in are treated as known to be empty
// (they are simply not coordinates). Sums of answers, histogram bins and sums of squares
// are the same linear functionals of per-atom values as the counts, so the check covers
// means and every histogram statistic too. The families are kept apart because their
// quantities are: no released number mixes answers with participation or with comments.
//
// A second property (at the end) gives `planParticipation` token segments as runs started
// before the top was merged up to k have them, and checks the same for participation.

const READS = 3;
const TEAM_LIMIT = 6;
const QUESTION_DIMENSIONS = ['clarity', 'commitment', 'staffing'] as const;
const RUN_ID = '00000000-0000-4000-8000-00000000a001';
const PULSE_ID = '00000000-0000-4000-8000-00000000b001';
const PRIORITY_ID = '00000000-0000-4000-8000-00000000c001';
const teamId = (i: number) => `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`;

/** One invitee: when (if ever) they collect a token and answer, and what they answer. */
interface Invitee {
  /** The live read from which on their token counts as collected; null: never collected. */
  readonly collectAt: number | null;
  /** How many reads after collecting they answer; null: never answer. */
  readonly answerAfter: number | null;
  readonly comments: boolean;
  readonly answers: readonly number[];
}

/** A generated run. `people[2 × team + tier index]` are the invitees of that team and tier. */
interface Scenario {
  readonly k: number;
  readonly commentThreshold: number;
  /** Team i's parent: a team with a smaller index, or -1 for none. */
  readonly parents: readonly number[];
  /** The tiers the pulse's audience takes; null: both. */
  readonly tiers: readonly Tier[] | null;
  readonly questionCount: number;
  readonly people: readonly (readonly Invitee[])[];
}

const inviteeArb: fc.Arbitrary<Invitee> = fc.record({
  collectAt: fc.option(fc.integer({ min: 0, max: READS - 1 }), { nil: null, freq: 4 }),
  answerAfter: fc.option(fc.integer({ min: 0, max: READS - 1 }), { nil: null, freq: 4 }),
  comments: fc.boolean(),
  answers: fc.array(fc.integer({ min: 1, max: 5 }), {
    minLength: QUESTION_DIMENSIONS.length,
    maxLength: QUESTION_DIMENSIONS.length,
  }),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc.integer({ min: 3, max: 5 }).chain((k) =>
  fc.record({
    k: fc.constant(k),
    commentThreshold: fc.integer({ min: k, max: k + 3 }),
    parents: fc.array(fc.integer({ min: -1, max: TEAM_LIMIT - 1 }), {
      minLength: 1,
      maxLength: TEAM_LIMIT,
    }),
    tiers: fc.constantFrom<readonly Tier[] | null>(null, null, null, ['frontline'], ['leadership']),
    questionCount: fc.integer({ min: 1, max: QUESTION_DIMENSIONS.length }),
    people: fc.array(fc.array(inviteeArb, { maxLength: 7 }), {
      minLength: 2 * TEAM_LIMIT,
      maxLength: 2 * TEAM_LIMIT,
    }),
  }),
);

// ---------------------------------------------------------------------------------------
// Exact linear algebra: a span of integer vectors in fraction-free echelon form, which also
// remembers how each of its rows is made from the released vectors, so that a derivation
// can be reported as the combination of released numbers an adversary would compute.
// ---------------------------------------------------------------------------------------

interface Row {
  readonly pivot: number;
  /** The row, over atoms. */
  readonly v: bigint[];
  /** The row as an integer combination of the generators: v = Σ c[j] × generator j. */
  readonly c: bigint[];
}

function gcdOf(values: readonly bigint[]): bigint {
  let g = 0n;
  for (const x of values) {
    let a = x < 0n ? -x : x;
    let b = g;
    while (b !== 0n) [a, b] = [b, a % b];
    g = a;
  }
  return g;
}

class Span {
  readonly #rows: Row[] = [];
  readonly #generators: number;

  constructor(generators: readonly (readonly number[])[]) {
    this.#generators = generators.length;
    generators.forEach((g, j) => {
      const unit = Array.from({ length: this.#generators }, (_, i) => (i === j ? 1n : 0n));
      const { v, c } = this.#reduce(
        g.map((x) => BigInt(x)),
        unit,
      );
      const pivot = v.findIndex((x) => x !== 0n);
      if (pivot >= 0) this.#rows.push({ pivot, v, c });
    });
  }

  /**
   * Reduces v by every row, so that each row's pivot is zero in it. Every step is
   * v ← b·v − a·row.v, c ← b·c − a·row.c, s ← b·s, which keeps both invariants used here:
   * v = Σ c[j] × generator j for a generator (started with c = its unit vector), and
   * v = s × target + Σ c[j] × generator j for a target (started with s = 1, c = 0).
   */
  #reduce(vector: bigint[], combination: bigint[]): { v: bigint[]; c: bigint[]; s: bigint } {
    let v = vector;
    let c = combination;
    let s = 1n;
    for (const row of this.#rows) {
      const a = v[row.pivot] ?? 0n;
      if (a === 0n) continue;
      const b = row.v[row.pivot] ?? 0n;
      v = v.map((x, i) => b * x - a * (row.v[i] ?? 0n));
      c = c.map((x, i) => b * x - a * (row.c[i] ?? 0n));
      s *= b;
      const g = gcdOf([...v, ...c, s]);
      if (g > 1n) {
        v = v.map((x) => x / g);
        c = c.map((x) => x / g);
        s /= g;
      }
    }
    return { v, c, s };
  }

  /**
   * How `target` is made from the generators, as rational coefficients (numerator and
   * denominator per generator), or null when it is not in the span: when the reduction
   * ends with v = 0, target = Σ (−c[j] / s) × generator j.
   */
  combinationOf(target: readonly number[]): [bigint, bigint][] | null {
    const { v, c, s } = this.#reduce(
      target.map((x) => BigInt(x)),
      Array.from({ length: this.#generators }, () => 0n),
    );
    if (v.some((x) => x !== 0n)) return null;
    return c.map((x) => reduced(-x, s));
  }
}

/** n / d in lowest terms with a positive denominator. */
function reduced(n: bigint, d: bigint): [bigint, bigint] {
  const g = gcdOf([n, d]);
  const sign = d < 0n ? -1n : 1n;
  return [(sign * n) / g, (sign * d) / g];
}

// ---------------------------------------------------------------------------------------
// The released vectors of one family, and the search for a small derivable set.
// ---------------------------------------------------------------------------------------

interface Atom {
  readonly key: string;
  /** What the family's threshold counts: respondents, or invitees. */
  readonly size: number;
}

class Family {
  readonly atoms: Atom[];
  readonly #index: Map<string, number>;
  readonly #vectors = new Map<string, { label: string; vector: number[] }>();

  constructor(
    readonly name: string,
    atoms: readonly Atom[],
    readonly threshold: number,
  ) {
    this.atoms = [...atoms].sort((a, b) => a.size - b.size || (a.key < b.key ? -1 : 1));
    this.#index = new Map(this.atoms.map((a, i) => [a.key, i]));
  }

  /** Records a released number: the label says which, `keys` the atoms it sums. */
  release(label: string, keys: readonly string[]): void {
    const vector = this.atoms.map(() => 0);
    for (const key of keys) {
      const i = this.#index.get(key);
      if (i === undefined) throw new Error(`${this.name}: ${label} sums unknown atom ${key}`);
      vector[i] = 1;
    }
    if (vector.every((x) => x === 0)) return;
    const id = vector.join('');
    if (!this.#vectors.has(id)) this.#vectors.set(id, { label, vector });
  }

  /** Every derivable set of atoms of size 1..threshold − 1, with how it is derived. */
  leaks(): string[] {
    const generators = [...this.#vectors.values()];
    const span = new Span(generators.map((g) => g.vector));
    const found: string[] = [];
    const chosen: number[] = [];
    const visit = (from: number, size: number) => {
      if (chosen.length > 0) {
        const target = this.atoms.map((_, i) => (chosen.includes(i) ? 1 : 0));
        const how = span.combinationOf(target);
        if (how !== null) {
          const terms = how.flatMap(([n, d], j) => {
            if (n === 0n) return [];
            const size = n < 0n ? -n : n;
            const factor =
              size === 1n && d === 1n ? '' : d === 1n ? `${size} × ` : `${size}/${d} × `;
            return [`${n < 0n ? '−' : '+'} ${factor}[${generators[j]?.label ?? ''}]`];
          });
          const atoms = chosen.map(
            (i) => `${this.atoms[i]?.key ?? ''} (${this.atoms[i]?.size ?? 0})`,
          );
          found.push(
            `${this.name}: {${atoms.join(', ')}}, ${size} < ${this.threshold}, = ${terms.join(' ')}`,
          );
        }
      }
      for (let i = from; i < this.atoms.length; i += 1) {
        const next = size + (this.atoms[i]?.size ?? 0);
        // Atoms are sorted by size, so once one is too big, every later one is.
        if (next >= this.threshold) break;
        chosen.push(i);
        visit(i + 1, next);
        chosen.pop();
      }
    };
    visit(0, 0);
    return found;
  }
}

// ---------------------------------------------------------------------------------------
// Running a scenario through the product, and collecting what it released.
// ---------------------------------------------------------------------------------------

const atomKey = (s: Segment) => `${s.tier}/${s.teamId === null ? 'org' : `t${s.teamId.slice(-2)}`}`;

interface Person extends Invitee {
  readonly team: number;
  readonly tier: Tier;
  readonly index: number;
}

function audienceOf(scenario: Scenario): Person[] {
  const teams = scenario.parents.length;
  const people: Person[] = [];
  scenario.people.forEach((bucket, b) => {
    const team = Math.floor(b / 2);
    const tier = TIERS[b % 2] ?? 'frontline';
    if (team >= teams || (scenario.tiers !== null && !scenario.tiers.includes(tier))) return;
    for (const invitee of bucket) people.push({ ...invitee, team, tier, index: people.length });
  });
  // A run whose audience leaves a tier under k does not start (PRODUCT.md §6.8): fill such
  // a tier up to k in team 0 with people who never collect a token, so that it does.
  const shortfalls = audienceShortfalls(people, scenario.tiers, scenario.k);
  for (const { tier, count } of shortfalls) {
    for (let i = count; i < scenario.k; i += 1) {
      people.push({
        collectAt: null,
        answerAfter: null,
        comments: false,
        answers: [1, 1, 1],
        team: 0,
        tier,
        index: people.length,
      });
    }
  }
  expect(audienceShortfalls(people, scenario.tiers, scenario.k)).toEqual([]);
  return people;
}

const respondsAt = (p: Invitee) =>
  p.collectAt === null || p.answerAfter === null ? null : p.collectAt + p.answerAfter;

interface History {
  readonly reads: ParticipationReport[];
  readonly release: RunRelease;
  /** Each person's token segment and, if they responded, stored segment. */
  readonly token: Map<number, Segment>;
  readonly stored: Map<number, Segment>;
  readonly people: Person[];
  readonly comments: { index: number; text: string }[];
}

function runHistory(scenario: Scenario): History {
  const teams = scenario.parents.map((p, i) => ({
    id: teamId(i),
    name: `Team ${i}`,
    parentId: p >= 0 && p < i ? teamId(p) : null,
  }));
  const tree = new TeamTree(teams);
  const people = audienceOf(scenario);
  const assigned = assignSegments(
    teams,
    people.map((p) => ({ teamId: teamId(p.team), tier: p.tier })),
    scenario.k,
  );
  // The snapshot records which teams lost invitees to the whole organization at start.
  const snapshot = teams.map((t) => ({
    ...t,
    mergedTiers: TIERS.filter((tier) => assigned.incomplete(tier).has(t.id)),
  }));
  const token = new Map(
    people.map((p) => [p.index, assigned.segmentOf({ teamId: teamId(p.team), tier: p.tier })]),
  );

  // Participation per token segment at a moment (`Infinity`: at close).
  const participationAt = (time: number) => {
    const bySegment = new Map<
      string,
      {
        teamId: string | null;
        tier: Tier;
        invited: number;
        tokensCollected: number;
        responses: number;
      }
    >();
    for (const p of people) {
      const s = token.get(p.index) ?? { teamId: null, tier: p.tier };
      const entry = bySegment.get(atomKey(s)) ?? {
        ...s,
        invited: 0,
        tokensCollected: 0,
        responses: 0,
      };
      entry.invited += 1;
      if (p.collectAt !== null && p.collectAt <= time) entry.tokensCollected += 1;
      const at = respondsAt(p);
      if (at !== null && at <= time) entry.responses += 1;
      bySegment.set(atomKey(s), entry);
    }
    return [...bySegment.values()];
  };
  const reads = Array.from({ length: READS }, (_, t) =>
    planParticipation(
      tree,
      participationAt(t),
      scenario.k,
      (tier) => new Set(mergedAtStart(snapshot, tier)),
    ),
  );

  // Close: respondents per token segment, merged upward into stored segments.
  const respondents = people.filter((p) => respondsAt(p) !== null);
  const perToken = new Map<string, SegmentSize>();
  for (const p of respondents) {
    const s = token.get(p.index) ?? { teamId: null, tier: p.tier };
    const key = atomKey(s);
    perToken.set(key, { ...s, count: (perToken.get(key)?.count ?? 0) + 1 });
  }
  const storedAs = mergeSmallSegments(tree, [...perToken.values()], scenario.k);
  const stored = new Map(
    respondents.map((p) => [
      p.index,
      storedAs.segmentOf(token.get(p.index) ?? { teamId: null, tier: p.tier }),
    ]),
  );

  const questions = QUESTION_DIMENSIONS.slice(0, scenario.questionCount).map(
    (dimension, position) => ({
      position,
      priorityId: PRIORITY_ID,
      dimension,
    }),
  );
  const counts = new Map<string, SegmentCount>();
  const perStored = new Map<string, SegmentSize>();
  for (const p of respondents) {
    const s = stored.get(p.index) ?? { teamId: null, tier: p.tier };
    perStored.set(atomKey(s), { ...s, count: (perStored.get(atomKey(s))?.count ?? 0) + 1 });
    for (const q of questions) {
      const value = p.answers[q.position] ?? 1;
      const key = `${atomKey(s)}/${q.position}/${value}`;
      const c = counts.get(key);
      counts.set(key, {
        segmentTeamId: s.teamId,
        tier: s.tier,
        position: q.position,
        value,
        count: (c?.count ?? 0) + 1,
      });
    }
  }
  const committedClarity = new Map<string, PairedClarity>();
  if (scenario.questionCount >= 2) {
    committedClarity.set(PRIORITY_ID, {
      answeredBoth: respondents.length,
      answeredBothByTier: {
        leadership: respondents.filter((p) => p.tier === 'leadership').length,
        frontline: respondents.filter((p) => p.tier === 'frontline').length,
      },
      clearAndCommitted: respondents.filter(
        (p) => (p.answers[0] ?? 0) >= 4 && (p.answers[1] ?? 0) >= 4,
      ).length,
    });
  }
  const comments = respondents
    .filter((p) => p.comments)
    .map((p) => ({ index: p.index, text: `c${p.index}` }));
  const release = releaseRun({
    run: {
      id: RUN_ID,
      pulseId: PULSE_ID,
      pulseTitle: 'Pulse',
      openedAt: new Date('2026-12-01T09:00:00Z'),
      closesAt: new Date('2026-12-04T09:00:00Z'),
      closedAt: new Date('2026-12-04T09:00:00Z'),
      minGroupSize: scenario.k,
      commentMinGroupSize: scenario.commentThreshold,
    },
    releasedAt: new Date('2026-12-04T09:00:05Z'),
    teams: snapshot,
    questions,
    priorities: [{ id: PRIORITY_ID, title: 'Priority', statedWeight: 4 }],
    counts: [...counts.values()],
    committedClarity,
    respondents: [...perStored.values()],
    comments: comments.map((c) => ({
      ...(stored.get(c.index) ?? { teamId: null, tier: 'frontline' }),
      text: c.text,
    })),
    participation: participationAt(Number.POSITIVE_INFINITY),
    mergedAtClose: {
      leadership: [...storedAs.incomplete('leadership')],
      frontline: [...storedAs.incomplete('frontline')],
    },
    earlierReleases: [],
  });
  return { reads, release, token, stored, people, comments };
}

/** Whether `group` (a team index, or null for the whole organization) holds a segment. */
function holds(parents: readonly number[], group: number | null, segment: Segment): boolean {
  if (group === null) return true;
  if (segment.teamId === null) return false;
  for (let t: number | null = Number(segment.teamId.slice(-2)); t !== null;) {
    if (t === group) return true;
    const p: number = parents[t] ?? -1;
    t = p >= 0 && p < t ? p : null;
  }
  return false;
}

const groupIndex = (id: string | null) => (id === null ? null : Number(id.slice(-2)));
const groupName = (id: string | null) => (id === null ? 'organization' : `t${id.slice(-2)}`);

/** Collects every released number of a history into its family, checking each value. */
function families(scenario: Scenario, history: History): Family[] {
  const { parents } = scenario;
  const { people, token, stored, release } = history;
  const respondents = people.filter((p) => stored.has(p.index));

  const storedAtoms = new Map<string, Atom>();
  for (const p of respondents) {
    const key = atomKey(stored.get(p.index) ?? { teamId: null, tier: p.tier });
    storedAtoms.set(key, { key, size: (storedAtoms.get(key)?.size ?? 0) + 1 });
  }
  const tokenAtoms = new Map<string, Atom>();
  for (const p of people) {
    const key = atomKey(token.get(p.index) ?? { teamId: null, tier: p.tier });
    tokenAtoms.set(key, { key, size: (tokenAtoms.get(key)?.size ?? 0) + 1 });
  }
  const figures = new Family('figures', [...storedAtoms.values()], scenario.k);
  const comments = new Family('comments', [...storedAtoms.values()], scenario.commentThreshold);
  const participation = new Family('participation', [...tokenAtoms.values()], scenario.k);

  /** The respondents a released count sums, and the stored atoms they are in. */
  const storedGroup = (group: number | null, tiers: readonly Tier[]) => {
    const members = respondents.filter(
      (p) =>
        tiers.includes(p.tier) &&
        holds(parents, group, stored.get(p.index) ?? { teamId: null, tier: p.tier }),
    );
    const keys = [
      ...new Set(
        members.map((p) => atomKey(stored.get(p.index) ?? { teamId: null, tier: p.tier })),
      ),
    ];
    return { members, keys };
  };
  const releaseFigure = (
    label: string,
    n: number,
    group: number | null,
    tiers: readonly Tier[],
  ) => {
    const { members, keys } = storedGroup(group, tiers);
    expect(n, label).toBe(members.length);
    figures.release(label, keys);
  };

  for (const cell of release.cells) {
    if (cell.suppressed) {
      expect(cell.leadership).toBeNull();
      expect(cell.frontline).toBeNull();
      continue;
    }
    const label = `cell ${cell.dimension} ${groupName(cell.teamId)}`;
    // A team cell compares the team's frontline with the whole organization's leadership.
    releaseFigure(`${label} leadership n`, cell.leadership?.n ?? -1, null, ['leadership']);
    releaseFigure(`${label} frontline n`, cell.frontline?.n ?? -1, groupIndex(cell.teamId), [
      'frontline',
    ]);
  }
  for (const priority of release.priorities) {
    if (priority.clarity !== null)
      releaseFigure('clarity index n', priority.clarity.n, null, TIERS);
    if (priority.committedClarity !== null) {
      releaseFigure('committed clarity n', priority.committedClarity.n, null, TIERS);
    }
  }
  for (const finding of release.brief.findings) {
    const gaps =
      finding.kind === 'gap'
        ? [finding.figures]
        : finding.kind === 'collision'
          ? finding.figures.cells
          : [];
    for (const g of gaps) {
      releaseFigure(`brief ${g.dimension} leadership n`, g.leadershipN, null, ['leadership']);
      releaseFigure(`brief ${g.dimension} frontline n`, g.frontlineN, null, ['frontline']);
    }
    if (finding.kind === 'clarity') {
      releaseFigure('brief clarity n', finding.figures.n, null, TIERS);
      if (finding.figures.committedClarity !== null) {
        releaseFigure('brief committed clarity n', finding.figures.committedClarity.n, null, TIERS);
      }
    }
  }

  const given = new Map(history.comments.map((c) => [c.text, c.index]));
  for (const item of release.comments.items) {
    const label = `comments ${item.tier} ${groupName(item.teamId)}`;
    const { members, keys } = storedGroup(groupIndex(item.teamId), [item.tier]);
    const inGroup = new Set(members.map((p) => p.index));
    // Exactly the group's comments of that tier, in the order they were given.
    expect(item.comments, label).toEqual(
      history.comments.filter((c) => inGroup.has(c.index)).map((c) => c.text),
    );
    for (const text of item.comments) expect(given.has(text)).toBe(true);
    comments.release(`${label} (${item.comments.length} comments)`, keys);
  }

  const participationReads: [string, ParticipationReport, number][] = [
    ...history.reads.map((r, t): [string, ParticipationReport, number] => [`read ${t}`, r, t]),
    ['release', release.participation, Number.POSITIVE_INFINITY],
  ];
  for (const [when, report, time] of participationReads) {
    const shown = [...(report.organization === null ? [] : [report.organization]), ...report.teams];
    for (const group of shown) {
      const check = (
        tiers: readonly Tier[],
        figuresShown: { invited: number; tokensCollected: number; responses: number },
        label: string,
      ) => {
        const members = people.filter(
          (p) =>
            tiers.includes(p.tier) &&
            holds(
              parents,
              groupIndex(group.teamId),
              token.get(p.index) ?? { teamId: null, tier: p.tier },
            ),
        );
        expect(
          {
            invited: figuresShown.invited,
            tokensCollected: figuresShown.tokensCollected,
            responses: figuresShown.responses,
          },
          label,
        ).toEqual({
          invited: members.length,
          tokensCollected: members.filter((p) => p.collectAt !== null && p.collectAt <= time)
            .length,
          responses: members.filter((p) => {
            const at = respondsAt(p);
            return at !== null && at <= time;
          }).length,
        });
        participation.release(label, [
          ...new Set(
            members.map((p) => atomKey(token.get(p.index) ?? { teamId: null, tier: p.tier })),
          ),
        ]);
      };
      const label = `${when}: participation ${groupName(group.teamId)}`;
      check(TIERS, group, `${label} total`);
      if (group.tiers !== null) {
        check(['leadership'], group.tiers.leadership, `${label} leadership`);
        check(['frontline'], group.tiers.frontline, `${label} frontline`);
      }
    }
  }
  expect(release.responses).toBe(respondents.length);
  participation.release('release responses', [...tokenAtoms.keys()]);

  return [figures, comments, participation];
}

function describeScenario(scenario: Scenario, history: History): string {
  const lines = [`k = ${scenario.k}, comment threshold = ${scenario.commentThreshold}`];
  scenario.parents.forEach((p, i) => {
    const invited = TIERS.map(
      (tier) => `${tier} ${history.people.filter((q) => q.team === i && q.tier === tier).length}`,
    ).join(', ');
    lines.push(
      `t${String(i).padStart(2, '0')} (parent ${p >= 0 && p < i ? `t${String(p).padStart(2, '0')}` : 'none'}): invited ${invited}`,
    );
  });
  return lines.join('\n');
}

function leaksOf(scenario: Scenario): string[] {
  const history = runHistory(scenario);
  // The release is a valid release document.
  expect(parseRelease(history.release)).toBe(history.release);
  const leaks = families(scenario, history).flatMap((f) => f.leaks());
  return leaks.length === 0 ? [] : [describeScenario(scenario, history), ...leaks];
}

// The counterexample this property found, shrunk, while `mergeSmallSegments` still left
// the whole organization's own segment under k; kept as an example so that every run tries
// it. A department of leaders (t00) over two frontline teams (t01, t02), and a root team
// (t03) whose two frontline invitees were merged up into the whole organization's frontline
// token segment: the organization's total, minus its leadership tier, minus the totals of
// t01 and t02 (teams without leaders) was those two people, read after read. Now t01 joins
// them at the top; `planParticipation` itself still mixes tiers unsafely (see below).
const mergedUpFrontline: Scenario = {
  k: 3,
  commentThreshold: 3,
  parents: [-1, 0, 0, -1],
  tiers: null,
  questionCount: 1,
  // Buckets: t00 leadership, t00 frontline, t01 leadership, t01 frontline, ...
  people: [3, 0, 0, 3, 0, 3, 0, 2, 0, 0, 0, 0].map((n, b) =>
    Array.from({ length: n }, () => ({
      collectAt: b === 7 ? 0 : null,
      answerAfter: b === 7 ? 0 : null,
      comments: false,
      answers: [1, 1, 1],
    })),
  ),
};

describe('no group under k is derivable from everything ever released', () => {
  test('a hand-made history: two departments, people merged up to the top in both tiers', () => {
    const scenario: Scenario = {
      k: 3,
      commentThreshold: 4,
      parents: [-1, 0, 0, -1, 3],
      tiers: null,
      questionCount: 3,
      people: Array.from({ length: 2 * TEAM_LIMIT }, (_, b) =>
        Array.from({ length: [0, 4, 3, 5, 4, 1, 2, 2, 0, 6, 0, 0][b] ?? 0 }, (_, i) => ({
          collectAt: i % 4 === 3 ? null : i % READS,
          answerAfter: i % 5 === 4 ? null : 0,
          comments: i % 2 === 0,
          answers: [1 + (i % 5), 1 + ((i + b) % 5), 1 + ((2 * i + b) % 5)],
        })),
      ),
    };
    expect(leaksOf(scenario)).toEqual([]);
  });

  test('property: over random trees, audiences and histories, nothing under k is derivable', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        expect(leaksOf(scenario)).toEqual([]);
      }),
      { numRuns: 250, examples: [[mergedUpFrontline]] },
    );
  });
});

// Runs whose tokens were issued before `mergeSmallSegments` merged the top up to k (their
// invitations keep their segments, and closed ones are released again by the migration)
// can have a whole organization's own token segment under k, as the issue describes; every
// other token segment has 0 or at least k invitees. `planParticipation` promises that no
// group of fewer than k invitees can be subtracted out of what it shows, for any segments.
describe('participation of token segments issued before the top was merged up to k', () => {
  const legacyArb = fc.integer({ min: 3, max: 5 }).chain((k) =>
    fc.record({
      k: fc.constant(k),
      parents: fc.array(fc.integer({ min: -1, max: TEAM_LIMIT - 1 }), {
        minLength: 1,
        maxLength: TEAM_LIMIT,
      }),
      // Invitees of each team's own segment, per tier: none, or k and more.
      teams: fc.array(
        fc.tuple(
          fc.oneof(fc.constant(0), fc.integer({ min: k, max: k + 4 })),
          fc.oneof(fc.constant(0), fc.integer({ min: k, max: k + 4 })),
        ),
        { minLength: TEAM_LIMIT, maxLength: TEAM_LIMIT },
      ),
      // Invitees of the whole organization's own segment, per tier: anything.
      top: fc.tuple(fc.integer({ min: 0, max: k + 2 }), fc.integer({ min: 0, max: k + 2 })),
    }),
  );

  test('property: no group under k is derivable from the participation shown', () => {
    fc.assert(
      fc.property(legacyArb, ({ k, parents, teams, top }) => {
        const tree = new TeamTree(
          parents.map((p, i) => ({ id: teamId(i), parentId: p >= 0 && p < i ? teamId(p) : null })),
        );
        const segments: { teamId: string | null; tier: Tier; n: number }[] = [
          ...parents.flatMap((_, i) =>
            TIERS.map((tier, t) => ({ teamId: teamId(i), tier, n: teams[i]?.[t] ?? 0 })),
          ),
          ...TIERS.map((tier, t) => ({ teamId: null, tier, n: top[t] ?? 0 })),
        ].filter((s) => s.n > 0);
        const report = planParticipation(
          tree,
          segments.map((s) => ({
            teamId: s.teamId,
            tier: s.tier,
            invited: s.n,
            tokensCollected: 0,
            responses: 0,
          })),
          k,
        );
        const atoms = segments.map((s) => ({ key: atomKey(s), size: s.n }));
        const family = new Family('participation', atoms, k);
        const shown = [
          ...(report.organization === null ? [] : [report.organization]),
          ...report.teams,
        ];
        for (const group of shown) {
          const held = (tiers: readonly Tier[]) =>
            segments
              .filter((s) => tiers.includes(s.tier) && holds(parents, groupIndex(group.teamId), s))
              .map((s) => atomKey(s));
          family.release(`${groupName(group.teamId)} total`, held(TIERS));
          if (group.tiers !== null) {
            family.release(`${groupName(group.teamId)} leadership`, held(['leadership']));
            family.release(`${groupName(group.teamId)} frontline`, held(['frontline']));
          }
        }
        const leaks = family.leaks();
        const invited = segments.map((s) => `${atomKey(s)} ${s.n}`).join(', ');
        expect(leaks.length === 0 ? [] : [`k = ${k}; invited: ${invited}`, ...leaks]).toEqual([]);
      }),
      {
        numRuns: 300,
        // The smallest counterexample: a board of four leaders, and one more leader merged
        // up to the top beside four frontline people (k = 4). The organization's leadership
        // tier minus the board's total is that one leader.
        examples: [
          [
            {
              k: 4,
              parents: [-1],
              teams: [
                [4, 0],
                [0, 0],
                [0, 0],
                [0, 0],
                [0, 0],
                [0, 0],
              ],
              top: [1, 4],
            },
          ],
        ],
      },
    );
  });
});
