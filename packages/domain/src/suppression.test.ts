import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DomainError } from './errors.js';
import {
  derivableSmallGroups,
  planSuppression,
  type SuppressionInput,
  type TeamCount,
} from './suppression.js';

function team(id: string, parentId: string | null, ownCount: number): TeamCount {
  return { id, parentId, ownCount };
}

function plan(teams: TeamCount[], organizationOwnCount = 0, minGroupSize = 5) {
  return planSuppression({ teams, organizationOwnCount, minGroupSize });
}

/** The plan's decisions as a plain object, for readable expectations. */
function decisions(teams: TeamCount[], organizationOwnCount = 0, minGroupSize = 5) {
  const { shown, suppressed } = plan(teams, organizationOwnCount, minGroupSize);
  const name = (g: string | null) => g ?? 'organization';
  return {
    shown: [...shown].map(name).sort(),
    suppressed: Object.fromEntries([...suppressed].map(([g, why]) => [name(g), why])),
  };
}

describe('planSuppression', () => {
  test('when every segment is empty or has k respondents, only empty groups are suppressed', () => {
    const teams = [team('ops', null, 6), team('support', 'ops', 5), team('idle', 'ops', 0)];
    expect(decisions(teams, 7)).toEqual({
      shown: ['ops', 'organization', 'support'],
      suppressed: { idle: 'small' },
    });
  });

  test('two children, one small: the sibling is hidden too', () => {
    // ops − support would be onboarding's 2 respondents.
    const teams = [team('ops', null, 0), team('support', 'ops', 8), team('onboarding', 'ops', 2)];
    expect(decisions(teams)).toEqual({
      shown: ['ops', 'organization'],
      suppressed: { onboarding: 'small', support: 'complementary' },
    });
  });

  test('a small child and a small residue that together reach k need nothing more', () => {
    // ops − support − sales = ops's own 2 + onboarding's 3: five people, and no less.
    const teams = [
      team('ops', null, 2),
      team('onboarding', 'ops', 3),
      team('support', 'ops', 6),
      team('sales', 'ops', 9),
    ];
    expect(decisions(teams)).toEqual({
      shown: ['ops', 'organization', 'sales', 'support'],
      suppressed: { onboarding: 'small' },
    });
  });

  test('a small child and a small residue under k: the smallest sibling is hidden', () => {
    const teams = [
      team('ops', null, 1),
      team('onboarding', 'ops', 2),
      team('support', 'ops', 6),
      team('sales', 'ops', 9),
    ];
    expect(decisions(teams)).toEqual({
      shown: ['ops', 'organization', 'sales'],
      suppressed: { onboarding: 'small', support: 'complementary' },
    });
  });

  test('the whole organization minus every team: the smallest team is hidden', () => {
    // Two people were merged up to the organization; showing both teams would reveal them.
    const teams = [team('ops', null, 10), team('sales', null, 7)];
    expect(decisions(teams, 2)).toEqual({
      shown: ['ops', 'organization'],
      suppressed: { sales: 'complementary' },
    });
  });

  test('a team with one child of the same size shows both: their difference is nobody', () => {
    const teams = [team('ops', null, 0), team('support', 'ops', 7)];
    expect(decisions(teams)).toEqual({
      shown: ['ops', 'organization', 'support'],
      suppressed: {},
    });
  });

  test('a chain hides down to the first group that gives the parent its k', () => {
    // a ⊃ b ⊃ c with b = c: hiding c alone changes nothing (b still shows the same people),
    // so both go, and a's one own respondent hides inside a's seven.
    const teams = [team('a', null, 1), team('b', 'a', 0), team('c', 'b', 6)];
    expect(decisions(teams)).toEqual({
      shown: ['a', 'organization'],
      suppressed: { b: 'complementary', c: 'complementary' },
    });
  });

  test('a small team at the bottom of a chain is enough on its own', () => {
    const teams = [team('a', null, 8), team('b', 'a', 9), team('c', 'b', 3)];
    expect(decisions(teams)).toEqual({
      shown: ['a', 'b', 'organization'],
      suppressed: { c: 'small' },
    });
  });

  test('a difference that is no report cell is protected too', () => {
    // ops − support is ops's own segment of 2, which no cell shows directly.
    const teams = [team('ops', null, 2), team('support', 'ops', 8)];
    expect(decisions(teams)).toEqual({
      shown: ['ops', 'organization'],
      suppressed: { support: 'complementary' },
    });
  });

  test('the whole organization under k suppresses everything', () => {
    expect(decisions([team('ops', null, 2)], 1)).toEqual({
      shown: [],
      suppressed: { ops: 'small', organization: 'small' },
    });
  });

  test('counts are the roll-ups', () => {
    const teams = [team('ops', null, 1), team('support', 'ops', 8), team('sales', null, 3)];
    expect([...plan(teams, 2).counts]).toEqual(
      expect.arrayContaining([
        ['ops', 9],
        ['support', 8],
        ['sales', 3],
        [null, 14],
      ]),
    );
    expect(plan(teams, 2).counts.size).toBe(4);
  });

  test('is deterministic and does not depend on the order of the teams', () => {
    const teams = [
      team('d', null, 0),
      team('x', 'd', 6),
      team('y', 'd', 6),
      team('z', 'd', 2),
      team('w', null, 9),
    ];
    const first = decisions(teams);
    expect(decisions([...teams].reverse())).toEqual(first);
    expect(decisions(teams)).toEqual(first);
    // x and y tie; the tie goes to the first id.
    expect(first.suppressed).toEqual({ z: 'small', x: 'complementary' });
  });

  test('rejects a bad k, a bad count and a malformed tree', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error instanceof DomainError ? error.code : (error as Error).name;
      }
      return 'no error';
    };
    expect(code(() => plan([], 10, 2))).toBe('DOMAIN_INVALID_GROUP_SIZE');
    expect(code(() => plan([team('a', null, -1)]))).toBe('DOMAIN_INVALID_HISTOGRAM');
    expect(code(() => plan([], 1.5))).toBe('DOMAIN_INVALID_HISTOGRAM');
    expect(code(() => plan([team('a', 'b', 1), team('b', 'a', 1)]))).toBe('TypeError');
    expect(code(() => plan([team('a', 'nowhere', 1)]))).toBe('TypeError');
    expect(code(() => plan([team('a', null, 1), team('a', null, 2)]))).toBe('TypeError');
  });
});

describe('derivableSmallGroups', () => {
  const input: SuppressionInput = {
    teams: [team('ops', null, 2), team('support', 'ops', 8), team('sales', null, 9)],
    organizationOwnCount: 0,
    minGroupSize: 5,
  };

  test('finds a small difference of two nested groups', () => {
    expect(derivableSmallGroups(input, new Set(['ops', 'support']))).toEqual([
      { segments: ['ops'], n: 2 },
    ]);
  });

  test('finds the organization minus every shown team', () => {
    expect(derivableSmallGroups(input, new Set([null, 'support', 'sales']))).toEqual([
      { segments: [null, 'ops'], n: 2 },
    ]);
  });

  test('is empty for the plan', () => {
    expect(derivableSmallGroups(input, planSuppression(input).shown)).toEqual([]);
  });

  test('rejects a shown group that is not a team', () => {
    expect(() => derivableSmallGroups(input, new Set(['nowhere']))).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------
// An independent, exact oracle. It does not use the planner's region argument; it works on
// indicator vectors over the atoms (index 0: the whole organization's own segment, index
// i + 1: team i's own segment) with integer Gaussian elimination in BigInt.
//
// What it proves for one team tree and one set of shown groups. The generators are the
// shown groups' indicator vectors plus the unit vector of every empty atom (an attacker is
// assumed to know which segments are empty; that only makes the check stricter).
//  (a) Classes: atoms with the same membership in every generator. Each generator is
//      constant on a class and zero on the class of atoms in no generator, so every vector
//      of the span is too.
//  (b) For every other class, its indicator is checked to lie in the span, exactly. With
//      (a), the span is then exactly the vectors constant on classes and zero on that one.
//  (c) So the {0,1}-vectors of the span, the derivable groups, are exactly the unions of
//      those classes, and a group's n is the sum of its classes' n. No derivable group has
//      0 < n < k if and only if no class has 0 < n < k.
// Means: a group's sum of answers (and each histogram bin, and the sum of squares) is the
// same linear functional of per-atom values as its count, so whatever is not in the span
// cannot be computed for sums either; the proof covers means and every histogram statistic.
// Not covered: inference from bounds (answers lie in 1..5, bins are non-negative).
// ---------------------------------------------------------------------------------------

function normalize(v: bigint[]): bigint[] {
  let g = 0n;
  for (const x of v) {
    let a = x < 0n ? -x : x;
    let b = g;
    while (b !== 0n) [a, b] = [b, a % b];
    g = a;
  }
  return g > 1n ? v.map((x) => x / g) : v;
}

/** A span of integer vectors, kept in a fraction-free echelon form. */
class Span {
  private readonly rows: { pivot: number; v: bigint[] }[] = [];

  reduce(vector: readonly bigint[]): bigint[] {
    let r = [...vector];
    for (const { pivot, v } of this.rows) {
      const c = r[pivot] ?? 0n;
      const p = v[pivot] ?? 0n;
      if (c !== 0n) r = normalize(r.map((x, i) => x * p - (v[i] ?? 0n) * c));
    }
    return r;
  }

  add(vector: readonly bigint[]): void {
    const r = this.reduce(vector);
    const pivot = r.findIndex((x) => x !== 0n);
    if (pivot >= 0) this.rows.push({ pivot, v: r });
  }

  contains(vector: readonly bigint[]): boolean {
    return this.reduce(vector).every((x) => x === 0n);
  }
}

interface Case {
  readonly k: number;
  readonly input: SuppressionInput;
  /** Atom counts: [organization's own, team 0's own, …]. */
  readonly atoms: readonly number[];
  /** Each group's indicator vector over the atoms; `null` is the whole organization. */
  readonly vectors: ReadonlyMap<string | null, readonly bigint[]>;
}

const teamId = (i: number) => `t${String(i).padStart(2, '0')}`;

function makeCase(
  k: number,
  organizationOwnCount: number,
  raw: readonly { parent: number; own: number; order: number }[],
): Case {
  // Team i's parent is an earlier team or none, so the teams form a forest.
  const parents = raw.map((t, i) => (t.parent >= 0 && t.parent < i ? t.parent : -1));
  const teams = raw
    .map((t, i) => ({
      order: t.order,
      team: team(teamId(i), parents[i] === -1 ? null : teamId(parents[i] ?? -1), t.own),
    }))
    .sort((a, b) => a.order - b.order)
    .map((t) => t.team);
  const atoms = [organizationOwnCount, ...raw.map((t) => t.own)];
  const vectors = new Map<string | null, bigint[]>([[null, atoms.map(() => 1n)]]);
  raw.forEach((_, i) => {
    const v = atoms.map(() => 0n);
    // Atom j + 1 is in team i's roll-up when i is j or one of j's ancestors.
    raw.forEach((__, j) => {
      for (let a = j; a !== -1; a = parents[a] ?? -1) if (a === i) v[j + 1] = 1n;
    });
    vectors.set(teamId(i), v);
  });
  return { k, input: { teams, organizationOwnCount, minGroupSize: k }, atoms, vectors };
}

const countOf = (c: Case, v: readonly bigint[]) =>
  v.reduce((sum, x, i) => sum + Number(x) * (c.atoms[i] ?? 0), 0);

function spanOf(c: Case, shown: ReadonlySet<string | null>): Span {
  const span = new Span();
  for (const g of shown) span.add(c.vectors.get(g) ?? []);
  c.atoms.forEach((n, i) => {
    if (n === 0) span.add(c.atoms.map((_, j) => (j === i ? 1n : 0n)));
  });
  return span;
}

/**
 * The derivable groups' building blocks per (a)–(c) above, with their n, and whether (b)
 * held. Returns each class as its list of non-empty atoms' segments.
 */
function exactClasses(c: Case, shown: ReadonlySet<string | null>) {
  const span = spanOf(c, shown);
  const generators = [...shown].map((g) => c.vectors.get(g) ?? []);
  const classes = new Map<string, number[]>();
  c.atoms.forEach((n, i) => {
    const signature = n === 0 ? `empty ${i}` : generators.map((v) => String(v[i] ?? 0n)).join('');
    if (n !== 0 && !signature.includes('1')) return; // in no shown group: never derivable
    classes.set(signature, [...(classes.get(signature) ?? []), i]);
  });
  let spanned = true;
  const blocks = [...classes.values()].map((members) => {
    const v = c.atoms.map((_, j) => (members.includes(j) ? 1n : 0n));
    if (!span.contains(v)) spanned = false;
    return {
      n: countOf(c, v),
      segments: members
        .filter((j) => (c.atoms[j] ?? 0) > 0)
        .map((j) => (j === 0 ? null : teamId(j - 1))),
    };
  });
  return { span, spanned, blocks };
}

const caseArbitrary = fc
  .record({
    k: fc.integer({ min: 3, max: 10 }),
    organizationOwnCount: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12 })),
    raw: fc.array(
      fc.record({
        parent: fc.integer({ min: -3, max: 29 }),
        own: fc.oneof(
          { arbitrary: fc.constant(0), weight: 3 },
          { arbitrary: fc.integer({ min: 1, max: 12 }), weight: 6 },
          { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 1 },
        ),
        order: fc.integer(),
      }),
      { minLength: 1, maxLength: 30, size: 'max' },
    ),
  })
  .map(({ k, organizationOwnCount, raw }) => makeCase(k, organizationOwnCount, raw));

describe('planSuppression, proved with exact linear algebra', () => {
  test('property: no group of 0 < n < k is derivable from the shown groups', () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const { shown, suppressed, counts } = planSuppression(c.input);
        const { span, spanned, blocks } = exactClasses(c, shown);

        // Every group is decided once, with its roll-up count.
        expect(shown.size + suppressed.size).toBe(c.vectors.size);
        for (const [g, v] of c.vectors) {
          expect(counts.get(g)).toBe(countOf(c, v));
          expect(shown.has(g)).toBe(!suppressed.has(g));
          // Primary suppression is exactly the groups under k.
          expect(suppressed.get(g) === 'small').toBe(countOf(c, v) < c.k);
        }
        // The proof: (b) held, and no class has 0 < n < k.
        expect(spanned).toBe(true);
        for (const block of blocks) expect(block.n === 0 || block.n >= c.k).toBe(true);
        // The same, directly, for every suppressed small group.
        for (const [g, why] of suppressed) {
          const v = c.vectors.get(g) ?? [];
          const n = countOf(c, v);
          if (why === 'small' && n > 0) expect(span.contains(v)).toBe(false);
        }
        expect(derivableSmallGroups(c.input, shown)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  test('property: it hides nothing it does not need to', () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const { shown, suppressed } = planSuppression(c.input);
        // The whole organization is shown whenever it reaches k.
        expect(shown.has(null)).toBe(countOf(c, c.vectors.get(null) ?? []) >= c.k);
        // When every segment is empty or has k respondents, nothing is hidden beyond size.
        if (c.atoms.every((n) => n === 0 || n >= c.k)) {
          expect([...suppressed.values()]).not.toContain('complementary');
        }
        // Showing any one complementary suppression again makes a small group derivable.
        for (const [g, why] of suppressed) {
          if (why !== 'complementary') continue;
          const { blocks } = exactClasses(c, new Set([...shown, g]));
          expect(blocks.some((b) => b.n > 0 && b.n < c.k)).toBe(true);
        }
        // Deterministic.
        expect(planSuppression(c.input)).toEqual(planSuppression(c.input));
      }),
      { numRuns: 1000 },
    );
  });

  test('property: derivableSmallGroups agrees with the exact oracle on any shown set', () => {
    fc.assert(
      fc.property(
        caseArbitrary,
        fc.array(fc.boolean(), { minLength: 31, maxLength: 31 }),
        (c, mask) => {
          const groups = [...c.vectors.keys()];
          const shown = new Set(groups.filter((_, i) => mask[i] ?? false));
          const { spanned, blocks } = exactClasses(c, shown);
          expect(spanned).toBe(true);
          const small = blocks
            .filter((b) => b.n > 0 && b.n < c.k)
            .map((b) => ({ n: b.n, segments: b.segments }));
          const reported = derivableSmallGroups(c.input, shown).map((g) => ({
            n: g.n,
            segments: g.segments.filter(
              (s) => (c.atoms[s === null ? 0 : Number(s.slice(1)) + 1] ?? 0) > 0,
            ),
          }));
          const key = (x: { n: number; segments: readonly (string | null)[] }) =>
            `${x.n}:${x.segments.map((s) => s ?? 'org').join(',')}`;
          expect(reported.map(key).sort()).toEqual(small.map(key).sort());
        },
      ),
      { numRuns: 1000 },
    );
  });
});
