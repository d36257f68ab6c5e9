import { describe, expect, test } from 'vitest';
import type { GapsReport, ReportCell } from './contract.js';
import { buildGapView, gapAxis } from './gap-view.js';

const cell = (over: Partial<ReportCell>): ReportCell => ({
  priorityId: 'p1',
  dimension: 'staffing',
  teamId: null,
  leadership: { n: 20, mean: 4, sd: 1, top2: 0.7 },
  frontline: { n: 200, mean: 2, sd: 1, top2: 0.2 },
  gap: 2,
  ci95: [1.6, 2.4],
  qValue: 0.001,
  suppressed: false,
  suppressionReason: null,
  ...over,
});

const withheld = (over: Partial<ReportCell>): ReportCell =>
  cell({
    leadership: null,
    frontline: null,
    gap: null,
    ci95: null,
    qValue: null,
    suppressed: true,
    suppressionReason: 'small',
    ...over,
  });

const report = (cells: ReportCell[]): GapsReport => ({
  runId: 'r',
  releasedAt: '2026-11-08T10:00:00Z',
  minGroupSize: 5,
  cells,
  teams: [{ id: 't1', name: 'Security', parentId: null }],
});

const priorities = [
  { id: 'p1', title: 'Customer Focus' },
  { id: 'p2', title: 'Costs' },
];

describe('the gap chart’s view', () => {
  test('orders priorities as the pulse does and dimensions as the bank does', () => {
    const view = buildGapView(
      report([
        cell({ priorityId: 'p1', dimension: 'staffing' }),
        cell({ priorityId: 'p2', dimension: 'feasibility', qValue: 0.2 }),
        cell({ priorityId: 'p2', dimension: 'clarity' }),
      ]),
      ['p2', 'p1'],
      priorities,
      null,
    );
    expect(view.priorities.map((p) => p.title)).toEqual(['Costs', 'Customer Focus']);
    expect(view.dimensions).toEqual(['clarity', 'staffing', 'feasibility']);
    expect(view.rows.map((r) => [r.priorityTitle, r.dimension, r.significant])).toEqual([
      ['Costs', 'clarity', true],
      ['Costs', 'feasibility', false],
      ['Customer Focus', 'staffing', true],
    ]);
    expect(
      view.series.find((s) => s.dimension === 'staffing')?.bars.map((b) => b?.gap ?? null),
    ).toEqual([null, 2]);
  });

  test('a team’s view holds only its cells; withheld cells are counted, never drawn', () => {
    const view = buildGapView(
      report([
        cell({}),
        cell({ teamId: 't1', dimension: 'staffing', gap: -0.5, ci95: [-0.9, -0.1] }),
        withheld({ teamId: 't1', dimension: 'tradeoffs' }),
      ]),
      ['p1'],
      priorities,
      't1',
    );
    expect(view.rows).toHaveLength(2);
    expect(view.shownCount).toBe(1);
    expect(view.suppressedCount).toBe(1);
    expect(view.series.find((s) => s.dimension === 'tradeoffs')?.bars).toEqual([null]);
    expect(view.rows.find((r) => r.suppressed)?.leadershipMean).toBeNull();
    expect(view.headline).toMatch(
      /Customer Focus, staffing \(−0\.50, the frontline more optimistic\)/,
    );
  });

  test('everything withheld says so', () => {
    const view = buildGapView(report([withheld({})]), ['p1'], priorities, null);
    expect(view.shownCount).toBe(0);
    expect(view.headline).toBe('Every figure is withheld.');
  });

  test('nothing significant says so', () => {
    const view = buildGapView(report([cell({ qValue: 0.05 })]), ['p1'], priorities, null);
    expect(view.rows[0]?.significant).toBe(false);
    expect(view.headline).toBe('No gap between leadership and the frontline is significant.');
  });
});

describe('the gap axis', () => {
  test('reaches every interval and 0, with room for labels, in half points', () => {
    expect(gapAxis([{ gap: 2.1, ci95: [1.8, 2.4] }])).toEqual({ min: -0.5, max: 3.5 });
    expect(gapAxis([{ gap: -0.3, ci95: [-0.6, 0.1] }])).toEqual({ min: -1.5, max: 1 });
  });

  test('never beyond the scale’s −4…4', () => {
    expect(
      gapAxis([
        { gap: 3.9, ci95: [3.5, 4] },
        { gap: -3.9, ci95: [-4, -3.6] },
      ]),
    ).toEqual({
      min: -4,
      max: 4,
    });
  });

  test('with nothing shown, a small axis around 0', () => {
    expect(gapAxis([])).toEqual({ min: -0.5, max: 0.5 });
  });
});
