import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { summarize } from './cell-statistics.js';
import { histogramFromValues } from './histogram.js';
import type { Tier } from './question-bank.js';
import {
  computeRunFigures,
  type RunCell,
  type RunFiguresInput,
  type SegmentCount,
} from './run-figures.js';
import { benjaminiHochberg, mannWhitneyTestOfValues } from './statistics.js';
import { derivableSmallGroups } from './suppression.js';

// Sales (parent) with East and West beneath it; Support on its own.
const teams = [
  { id: 'sales', parentId: null },
  { id: 'east', parentId: 'sales' },
  { id: 'west', parentId: 'sales' },
  { id: 'support', parentId: null },
];

/** Counts of the given answers of one segment to the question at `position`. */
function answers(
  segmentTeamId: string | null,
  tier: Tier,
  position: number,
  values: readonly number[],
): SegmentCount[] {
  return histogramFromValues(values).flatMap((count, i) =>
    count === 0 ? [] : [{ segmentTeamId, tier, position, value: i + 1, count }],
  );
}

function input(counts: SegmentCount[], overrides: Partial<RunFiguresInput> = {}): RunFiguresInput {
  return {
    teams,
    questions: [
      { position: 0, priorityId: 'p', dimension: 'staffing' },
      { position: 1, priorityId: 'p', dimension: 'clarity' },
      { position: 2, priorityId: 'p', dimension: 'commitment' },
    ],
    priorities: [{ id: 'p', statedWeight: 5 }],
    counts,
    committedClarity: new Map([
      [
        'p',
        {
          clearAndCommitted: 4,
          answeredBoth: 10,
          answeredBothByTier: { leadership: 5, frontline: 5 },
        },
      ],
    ]),
    minGroupSize: 5,
    ...overrides,
  };
}

const cellOf = (cells: RunCell[], dimension: string, teamId: string | null) =>
  cells.find((c) => c.dimension === dimension && c.teamId === teamId);

describe('computeRunFigures', () => {
  const leaders = [5, 5, 4, 4, 5, 4];
  const east = [2, 1, 2, 3, 2, 2];
  const west = [3, 3, 2, 4, 3];
  const support = [4, 4, 3, 5, 4, 4, 4];
  const counts = [
    ...answers(null, 'leadership', 0, leaders),
    ...answers('east', 'frontline', 0, east),
    ...answers('west', 'frontline', 0, west),
    ...answers('support', 'frontline', 0, support),
    ...answers(null, 'leadership', 1, [5, 5, 5, 5, 5]),
    ...answers('east', 'frontline', 1, [4, 4, 4]),
    ...answers('west', 'frontline', 1, [2, 2, 2]),
    ...answers(null, 'leadership', 2, [5, 5, 4, 4, 5]),
    ...answers('east', 'frontline', 2, [4, 2, 2]),
    ...answers('west', 'frontline', 2, [4, 4, 2]),
  ];
  const { cells, priorities } = computeRunFigures(input(counts));

  test('the organization cell compares all leaders with all frontline staff', () => {
    const cell = cellOf(cells, 'staffing', null);
    expect(cell?.statistics.suppressed).toBe(false);
    if (cell?.statistics.suppressed !== false) return;
    const frontline = [...east, ...west, ...support];
    expect(cell.statistics.frontline).toEqual(summarize(histogramFromValues(frontline)));
    expect(cell.statistics.leadership).toEqual(summarize(histogramFromValues(leaders)));
  });

  test('a team cell is its roll-up frontline against the organization’s leadership', () => {
    const sales = cellOf(cells, 'staffing', 'sales');
    if (sales?.statistics.suppressed !== false) throw new Error('sales is shown');
    expect(sales.statistics.frontline).toEqual(summarize(histogramFromValues([...east, ...west])));
    expect(sales.statistics.leadership.n).toBe(leaders.length);
    const eastCell = cellOf(cells, 'staffing', 'east');
    if (eastCell?.statistics.suppressed !== false) throw new Error('east is shown');
    expect(eastCell.statistics.frontline.n).toBe(east.length);
  });

  test('groups under k are withheld, and so is what would let them be derived', () => {
    // Clarity: East 3 and West 3 are both under k; Sales (6) is shown, and the
    // organization (6 frontline, all in Sales) too, since nothing smaller can be derived.
    expect(cellOf(cells, 'clarity', 'east')?.statistics).toEqual({
      suppressed: true,
      reason: 'small',
    });
    expect(cellOf(cells, 'clarity', 'west')?.statistics).toEqual({
      suppressed: true,
      reason: 'small',
    });
    expect(cellOf(cells, 'clarity', 'sales')?.statistics.suppressed).toBe(false);
    expect(cellOf(cells, 'clarity', 'support')?.statistics).toEqual({
      suppressed: true,
      reason: 'small',
    });
  });

  test('a sibling is withheld with a small team, so subtraction from the parent reveals nothing', () => {
    const small = [
      ...answers(null, 'leadership', 0, leaders),
      ...answers('east', 'frontline', 0, [1, 2]),
      ...answers('west', 'frontline', 0, [3, 3, 4, 4, 5, 5, 5]),
    ];
    const figures = computeRunFigures(input(small));
    expect(cellOf(figures.cells, 'staffing', 'east')?.statistics).toEqual({
      suppressed: true,
      reason: 'small',
    });
    expect(cellOf(figures.cells, 'staffing', 'west')?.statistics).toEqual({
      suppressed: true,
      reason: 'complementary',
    });
    expect(cellOf(figures.cells, 'staffing', 'sales')?.statistics.suppressed).toBe(false);
  });

  test('q-values are Benjamini–Hochberg over every shown cell of the run', () => {
    const shown = cells.filter((c) => !c.statistics.suppressed);
    const p = shown.map((c) => (c.statistics.suppressed ? null : c.statistics.pValue));
    const q = benjaminiHochberg(p);
    shown.forEach((c, i) => {
      expect(c.statistics.suppressed ? null : c.statistics.qValue).toBe(q[i]);
    });
    const organization = cellOf(cells, 'staffing', null);
    if (organization?.statistics.suppressed !== false) throw new Error('shown');
    expect(organization.statistics.pValue).toBeCloseTo(
      mannWhitneyTestOfValues(leaders, [...east, ...west, ...support])?.pValue ?? NaN,
      12,
    );
  });

  test('per priority: collision from the organization’s staffing cell, clarity, committed clarity', () => {
    const [figures] = priorities;
    expect(figures?.collision?.basedOn).toEqual(['staffing']);
    expect(figures?.collision?.score).toBeGreaterThan(0);
    expect(figures?.clarity).toMatchObject({ n: 11, count: 8 });
    expect(figures?.committedClarity).toMatchObject({ count: 4, n: 10, share: 0.4 });
  });

  test('committed clarity is withheld under k', () => {
    const figures = computeRunFigures(
      input(counts, {
        committedClarity: new Map([
          [
            'p',
            {
              clearAndCommitted: 2,
              answeredBoth: 4,
              answeredBothByTier: { leadership: 2, frontline: 2 },
            },
          ],
        ]),
      }),
    );
    expect(figures.priorities[0]?.committedClarity).toBeNull();
  });

  // Both cells shown and k answering both over the two tiers, but a tier whose people skipped
  // one question or the other has fewer than k who answered both: its part could be told
  // apart from the other tier's shown figures, so the whole is withheld.
  test.each([
    ['leadership', { leadership: 4, frontline: 20 }],
    ['frontline', { leadership: 20, frontline: 4 }],
  ] as const)(
    'committed clarity is withheld where the %s answering both are under k',
    (_tier, byTier) => {
      const figures = computeRunFigures(
        input(counts, {
          committedClarity: new Map([
            ['p', { clearAndCommitted: 4, answeredBoth: 24, answeredBothByTier: byTier }],
          ]),
        }),
      );
      expect(figures.priorities[0]?.clarity).not.toBeNull();
      expect(figures.priorities[0]?.committedClarity).toBeNull();
    },
  );

  test('the clarity index is withheld where a tier’s clarity answers are under k', () => {
    // Four leaders answer clarity: with the frontline's six they are ten, but the clarity
    // cell is withheld, and with it the index.
    const figures = computeRunFigures(
      input([
        ...answers(null, 'leadership', 1, [5, 5, 5, 5]),
        ...answers('east', 'frontline', 1, [4, 4, 4, 2, 2, 2]),
      ]),
    );
    expect(cellOf(figures.cells, 'clarity', null)?.statistics.suppressed).toBe(true);
    expect(figures.priorities[0]?.clarity).toBeNull();
  });

  test('committed clarity is withheld where a tier’s clarity or commitment answers are under k', () => {
    // Ten answered both, but only four leaders answered one of the two: the frontline's
    // shown cells (here a commitment top2 of 0) would give the leaders' part away.
    const frontline = [2, 2, 2, 2, 2, 2];
    const withLeaders = (clarity: number, commitment: number) =>
      computeRunFigures(
        input([
          ...answers(null, 'leadership', 1, Array<number>(clarity).fill(5)),
          ...answers(null, 'leadership', 2, Array<number>(commitment).fill(5)),
          ...answers('east', 'frontline', 1, [4, 4, 4, 4, 4, 4]),
          ...answers('east', 'frontline', 2, frontline),
        ]),
      ).priorities[0];
    expect(withLeaders(4, 5)?.committedClarity).toBeNull();
    expect(withLeaders(5, 4)?.committedClarity).toBeNull();
    expect(withLeaders(5, 5)?.committedClarity).toMatchObject({ count: 4, n: 10 });
  });

  test('no frontline group under k can be derived from the shown team cells (property)', () => {
    const tree = fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 12 }).map((parents) =>
      parents.map((p, i) => ({
        id: `t${i}`,
        parentId: i === 0 || p % (i + 1) === i ? null : `t${p % i}`,
      })),
    );
    fc.assert(
      fc.property(
        tree,
        fc.array(fc.nat({ max: 9 }), { minLength: 13, maxLength: 13 }),
        fc.integer({ min: 3, max: 6 }),
        (forest, sizes, k) => {
          const counts = [
            ...answers(null, 'leadership', 0, Array<number>(k).fill(4)),
            ...answers(null, 'frontline', 0, Array<number>(sizes[12] ?? 0).fill(2)),
            ...forest.flatMap((t, i) =>
              answers(t.id, 'frontline', 0, Array<number>(sizes[i] ?? 0).fill(3)),
            ),
          ];
          const figures = computeRunFigures(
            input(counts, {
              teams: forest,
              questions: [{ position: 0, priorityId: 'p', dimension: 'staffing' }],
              minGroupSize: k,
            }),
          );
          const shown = new Set(
            figures.cells.filter((c) => !c.statistics.suppressed).map((c) => c.teamId),
          );
          const own = forest.map((t, i) => ({ ...t, ownCount: sizes[i] ?? 0 }));
          expect(
            derivableSmallGroups(
              { teams: own, organizationOwnCount: sizes[12] ?? 0, minGroupSize: k },
              shown,
            ),
          ).toEqual([]);
          for (const cell of figures.cells) {
            if (!cell.statistics.suppressed) {
              expect(cell.statistics.frontline.n).toBeGreaterThanOrEqual(k);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
