import { describe, expect, test } from 'vitest';
import { contrastRatio } from '../dimensions.js';
import type { PriorityTrendPoint, TrendPoint, Trends } from './contract.js';
import {
  buildClarityTrendView,
  buildGapTrendView,
  chooseDimension,
  driftWarnings,
  formatPoints,
  formatRunDates,
  hasDriftFigures,
  lineStyle,
  TREND_COLOURS,
  TREND_DASHES,
  TREND_POINT_STYLES,
  trendDimensions,
  trendGapAxis,
  trendRuns,
} from './trend-view.js';

const RUNS = [
  { runId: 'r1', openedAt: '2026-05-04T10:00:00.000Z', closedAt: '2026-05-07T10:00:00.000Z' },
  { runId: 'r2', openedAt: '2026-08-03T10:00:00.000Z', closedAt: '2026-08-06T10:00:00.000Z' },
  { runId: 'r3', openedAt: '2026-11-02T10:00:00.000Z', closedAt: '2026-11-05T10:00:00.000Z' },
];
const PLATFORM = 'a0000000-0000-4000-8000-000000000001';
const CUSTOMER = 'a0000000-0000-4000-8000-000000000002';
const COST = 'a0000000-0000-4000-8000-000000000003';
const PRIORITIES = [
  { id: PLATFORM, title: 'Platform Modernization' },
  { id: CUSTOMER, title: 'Customer Focus' },
  { id: COST, title: 'Cost Discipline' },
];
const ORDER = [PLATFORM, CUSTOMER, COST];

function gapPoint(index: number, gap: number | null): TrendPoint {
  const run = RUNS[index] ?? RUNS[0];
  if (run === undefined) throw new Error('no run');
  return {
    ...run,
    suppressed: gap === null,
    leadershipMean: gap === null ? null : 4,
    frontlineMean: gap === null ? null : 4 - gap,
    gap,
    ci95: gap === null ? null : [gap - 0.3, gap + 0.3],
    qValue: gap === null ? null : 0.001,
  };
}

function clarityPoint(
  index: number,
  share: number | null,
  drift: PriorityTrendPoint['drift'] = null,
): PriorityTrendPoint {
  const run = RUNS[index] ?? RUNS[0];
  if (run === undefined) throw new Error('no run');
  return {
    ...run,
    clarity:
      share === null
        ? null
        : { share, ci95: [share - 0.05, share + 0.04], n: 300, meetsTarget: share >= 0.8 },
    committedClarity: share === null ? null : { share: share - 0.2, ci95: [0, 1], n: 300 },
    drift,
  };
}

function trends(overrides: Partial<Trends> = {}): Trends {
  return {
    pulseId: 'b0000000-0000-4000-8000-000000000001',
    clarityTarget: 0.8,
    series: [
      {
        priorityId: CUSTOMER,
        dimension: 'staffing',
        points: [gapPoint(0, 1.8), gapPoint(1, 2.0), gapPoint(2, 2.14)],
      },
      {
        priorityId: PLATFORM,
        dimension: 'staffing',
        points: [gapPoint(0, 1.98), gapPoint(1, null), gapPoint(2, 1.02)],
      },
      {
        priorityId: COST,
        dimension: 'staffing',
        points: [gapPoint(0, 0.4), gapPoint(1, 0.45), gapPoint(2, 0.5)],
      },
      {
        priorityId: COST,
        dimension: 'clarity',
        points: [gapPoint(0, 0.1), gapPoint(1, 0.1), gapPoint(2, 0.1)],
      },
    ],
    priorities: [
      {
        priorityId: CUSTOMER,
        title: 'Customer Focus',
        points: [
          clarityPoint(0, 0.62),
          clarityPoint(1, 0.58),
          clarityPoint(2, 0.54, { commitmentChange: -0.12, clarityChange: -0.08, flagged: false }),
        ],
      },
      {
        priorityId: PLATFORM,
        title: 'Platform Modernization',
        points: [
          clarityPoint(0, 0.81),
          clarityPoint(1, 0.84),
          clarityPoint(2, 0.86, { commitmentChange: 0.05, clarityChange: 0.05, flagged: false }),
        ],
      },
      {
        priorityId: COST,
        title: 'Cost Discipline',
        points: [
          clarityPoint(0, 0.82),
          clarityPoint(1, null),
          clarityPoint(2, 0.83, { commitmentChange: -0.12, clarityChange: 0.01, flagged: true }),
        ],
      },
    ],
    ...overrides,
  };
}

describe('trend runs and dimensions', () => {
  test('runs come oldest first, each named by its dates', () => {
    const shuffled = trends();
    const first = shuffled.series[0];
    if (first !== undefined) first.points.reverse();
    const runs = trendRuns(shuffled);
    expect(runs.map((r) => r.runId)).toEqual(['r1', 'r2', 'r3']);
    expect(runs[0]?.label).toBe(formatRunDates(RUNS[0]?.openedAt ?? '', RUNS[0]?.closedAt ?? ''));
    expect(runs[0]?.label).toMatch(/May.*2026/);
  });

  test('dimensions in the bank’s order; staffing unless another is asked for and exists', () => {
    const dimensions = trendDimensions(trends());
    expect(dimensions).toEqual(['clarity', 'staffing']);
    expect(chooseDimension(dimensions, null)).toBe('staffing');
    expect(chooseDimension(dimensions, 'clarity')).toBe('clarity');
    expect(chooseDimension(dimensions, 'ownership')).toBe('staffing');
    expect(chooseDimension(['clarity'], null)).toBe('clarity');
  });
});

describe('gap trend', () => {
  test('one line per priority in the pulse’s order, a withheld run is a gap in the line', () => {
    const view = buildGapTrendView(trends(), 'staffing', ORDER, PRIORITIES);
    expect(view.lines.map((l) => l.title)).toEqual([
      'Platform Modernization',
      'Customer Focus',
      'Cost Discipline',
    ]);
    expect(view.lines[0]?.cells.map((c) => c.kind)).toEqual(['shown', 'withheld', 'shown']);
    expect(view.shownCount).toBe(8);
    expect(view.withheldCount).toBe(1);
    expect(view.axis.min).toBe(0);
    expect(view.axis.max).toBeGreaterThanOrEqual(2.44);
  });

  test('the title names the gap narrowing most and the one widening most', () => {
    const view = buildGapTrendView(trends(), 'staffing', ORDER, PRIORITIES);
    expect(view.headline).toBe(
      'Platform Modernization’s staffing gap is narrowing: 1.98 → 1.02; Customer Focus’s is widening: 1.80 → 2.14.',
    );
  });

  test('small moves are not called a change', () => {
    const view = buildGapTrendView(trends(), 'clarity', ORDER, PRIORITIES);
    expect(view.lines).toHaveLength(1);
    expect(view.headline).toBe(
      'No priority’s clarity gap moved by 0.2 or more between its first and latest run.',
    );
  });

  test('only narrowing, only widening', () => {
    const narrowing = trends({
      series: [
        { priorityId: PLATFORM, dimension: 'staffing', points: [gapPoint(0, 1.5), gapPoint(1, 1)] },
      ],
    });
    expect(buildGapTrendView(narrowing, 'staffing', ORDER, PRIORITIES).headline).toBe(
      'Platform Modernization’s staffing gap is narrowing: 1.50 → 1.00; no priority’s is widening.',
    );
    const widening = trends({
      series: [
        {
          priorityId: PLATFORM,
          dimension: 'staffing',
          points: [gapPoint(0, -0.1), gapPoint(1, -0.6)],
        },
      ],
    });
    expect(buildGapTrendView(widening, 'staffing', ORDER, PRIORITIES).headline).toBe(
      'Platform Modernization’s staffing gap is widening: \u22120.10 → \u22120.60; no priority’s is narrowing.',
    );
  });

  test('a single run says trends need two; everything withheld says so', () => {
    const one = trends({
      series: [{ priorityId: PLATFORM, dimension: 'staffing', points: [gapPoint(0, 1.2)] }],
      priorities: [],
    });
    const view = buildGapTrendView(one, 'staffing', ORDER, PRIORITIES);
    expect(view.runs).toHaveLength(1);
    expect(view.shownCount).toBe(1);
    expect(view.headline).toBe(
      'Only one run is released, so there is no trend yet; Platform Modernization’s staffing gap is the largest, 1.20.',
    );
    const withheld = trends({
      series: [{ priorityId: PLATFORM, dimension: 'staffing', points: [gapPoint(0, null)] }],
    });
    expect(buildGapTrendView(withheld, 'staffing', ORDER, PRIORITIES).headline).toMatch(
      /^Every staffing gap is withheld/,
    );
  });

  test('the axis reaches the intervals, shows 0 and stays within the scale', () => {
    expect(trendGapAxis([{ gap: 1, ci95: [0.6, 1.4] }])).toEqual({ min: 0, max: 2 });
    expect(trendGapAxis([{ gap: -1, ci95: [-1.6, -0.4] }])).toEqual({ min: -2, max: 0 });
    expect(trendGapAxis([{ gap: 3.9, ci95: [3.5, 4.2] }]).max).toBe(4);
  });

  test('a priority missing from the pulse’s list still gets a line after the others', () => {
    const view = buildGapTrendView(
      trends(),
      'staffing',
      [CUSTOMER],
      PRIORITIES.filter((p) => p.id === CUSTOMER),
    );
    expect(view.lines.map((l) => l.priorityId)).toEqual([CUSTOMER, PLATFORM, COST]);
    // Titles come from the trends themselves when the page does not know the priority.
    expect(view.lines[1]?.title).toBe('Platform Modernization');
  });
});

describe('clarity trend', () => {
  test('per priority its clarity with interval, committed clarity, and the target', () => {
    const view = buildClarityTrendView(trends(), ORDER, PRIORITIES);
    expect(view.target).toBe(0.8);
    const cost = view.lines.find((l) => l.priorityId === COST);
    expect(cost?.cells.map((c) => c.kind)).toEqual(['shown', 'withheld', 'shown']);
    const latest = view.lines[0]?.cells[2];
    expect(latest?.kind === 'shown' && latest.committed?.share).toBeCloseTo(0.66);
    expect(view.axis).toEqual({ min: 0.4, max: 1 });
  });

  test('the title counts priorities reaching the target and names the lowest, with its move', () => {
    expect(buildClarityTrendView(trends(), ORDER, PRIORITIES).headline).toBe(
      '2 of 3 priorities reach the 80% clarity target in the latest run; Customer Focus is furthest below, at 54% (62% → 54%).',
    );
    const allClear = trends({
      series: [],
      priorities: [
        { priorityId: PLATFORM, title: 'Platform Modernization', points: [clarityPoint(0, 0.9)] },
      ],
    });
    expect(buildClarityTrendView(allClear, ORDER, PRIORITIES).headline).toBe(
      'Every priority reaches the 80% clarity target in the only released run; the lowest is Platform Modernization at 90%.',
    );
  });
});

describe('commitment drift', () => {
  test('lists priorities whose latest run flags drift, in words', () => {
    const warnings = driftWarnings(trends(), ORDER, PRIORITIES);
    expect(warnings.map((w) => w.text)).toEqual([
      'Commitment to Cost Discipline fell 12 points over the last three runs while clarity held (+1 point).',
    ]);
  });

  test('an earlier flag that no longer holds is not a warning; no drift figures at one run', () => {
    const earlier = trends({
      priorities: [
        {
          priorityId: COST,
          title: 'Cost Discipline',
          points: [
            clarityPoint(0, 0.8),
            clarityPoint(1, 0.8, { commitmentChange: -0.2, clarityChange: 0, flagged: true }),
            clarityPoint(2, 0.8, { commitmentChange: -0.02, clarityChange: 0, flagged: false }),
          ],
        },
      ],
    });
    expect(driftWarnings(earlier, ORDER, PRIORITIES)).toEqual([]);
    expect(hasDriftFigures(earlier)).toBe(true);
    expect(hasDriftFigures(trends({ priorities: [] }))).toBe(false);
  });

  test('percentage points as people say them', () => {
    expect(formatPoints(-0.123)).toBe('\u221212 points');
    expect(formatPoints(0.01)).toBe('+1 point');
    expect(formatPoints(0.001)).toBe('no change');
  });
});

describe('line styles', () => {
  test('every series colour stands at least 3:1 against white', () => {
    for (const colour of TREND_COLOURS) {
      expect(contrastRatio(colour, '#ffffff'), colour).toBeGreaterThanOrEqual(3);
    }
  });

  test('lines differ by marker and dash too, not by colour alone', () => {
    const styles = TREND_COLOURS.map((_, index) => lineStyle(index));
    expect(new Set(styles.map((s) => s.colour)).size).toBe(TREND_COLOURS.length);
    expect(new Set(styles.map((s) => s.pointStyle)).size).toBe(TREND_POINT_STYLES.length);
    expect(new Set(styles.map((s) => s.dash.join(','))).size).toBe(TREND_DASHES.length);
  });
});
