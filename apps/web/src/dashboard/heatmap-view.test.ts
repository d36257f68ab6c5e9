import { describe, expect, test } from 'vitest';
import { contrastRatio } from '../dimensions.js';
import {
  cellFill,
  cellLabel,
  columnLabel,
  FRONTLINE_MORE,
  gapStep,
  LEADERSHIP_MORE,
  NOT_SIGNIFICANT,
  rowLabel,
  textColour,
  WITHHELD,
} from './charts/heatmap.js';
import type { GapsReport, ReportCell, RunTeam } from './contract.js';
import { buildHeatmapView, chooseDimension, type HeatmapCell } from './heatmap-view.js';

const priorities = [
  { id: 'p-focus', title: 'Customer Focus' },
  { id: 'p-cost', title: 'Cost Discipline' },
];

// Product (Mobile, Security), Operations (Support) and a team without any cell.
const teams: RunTeam[] = [
  { id: 't-security', name: 'Security', parentId: 't-product' },
  { id: 't-product', name: 'Product', parentId: null },
  { id: 't-mobile', name: 'Mobile', parentId: 't-product' },
  { id: 't-ops', name: 'Operations', parentId: null },
  { id: 't-support', name: 'Support', parentId: 't-ops' },
  { id: 't-empty', name: 'Archive', parentId: null },
];

function shown(
  teamId: string | null,
  priorityId: string,
  gap: number,
  qValue: number,
  dimension = 'staffing',
): ReportCell {
  return {
    priorityId,
    dimension,
    teamId,
    leadership: { n: 20, mean: 4, sd: 1, top2: 0.7 },
    frontline: { n: 12, mean: 4 - gap, sd: 1, top2: 0.4 },
    gap,
    ci95: [gap - 0.4, gap + 0.4],
    qValue,
    suppressed: false,
    suppressionReason: null,
  };
}

function withheld(
  teamId: string | null,
  priorityId: string,
  reason: 'small' | 'complementary',
  dimension = 'staffing',
): ReportCell {
  return {
    priorityId,
    dimension,
    teamId,
    leadership: null,
    frontline: null,
    gap: null,
    ci95: null,
    qValue: null,
    suppressed: true,
    suppressionReason: reason,
  };
}

function report(cells: ReportCell[], runTeams: RunTeam[] = teams): GapsReport {
  return {
    runId: 'r-1',
    releasedAt: '2026-11-08T09:00:00.000Z',
    minGroupSize: 5,
    cells,
    teams: runTeams,
  };
}

const staffing = [
  shown(null, 'p-focus', 1.1, 0.001),
  shown(null, 'p-cost', 0.2, 0.4),
  shown('t-product', 'p-focus', 1.4, 0.002),
  shown('t-product', 'p-cost', -0.7, 0.01),
  shown('t-mobile', 'p-focus', 2.4, 0.001),
  shown('t-mobile', 'p-cost', 0.1, 0.7),
  withheld('t-security', 'p-focus', 'small'),
  withheld('t-security', 'p-cost', 'small'),
  shown('t-ops', 'p-focus', 0.3, 0.3),
  withheld('t-ops', 'p-cost', 'complementary'),
  shown('t-support', 'p-focus', 0.9, 0.04),
  shown('t-support', 'p-cost', 0.5, 0.2),
  shown(null, 'p-focus', 0.1, 0.9, 'clarity'),
  shown('t-mobile', 'p-focus', 0.3, 0.5, 'tradeoffs'),
];

describe('team heatmap view', () => {
  test('the organization first, then teams in tree order with roll-ups before their teams', () => {
    const view = buildHeatmapView(report(staffing), ['p-focus', 'p-cost'], priorities, null);
    expect(view.dimension).toBe('staffing');
    expect(view.priorities.map((p) => p.title)).toEqual(['Customer Focus', 'Cost Discipline']);
    expect(view.rows.map((row) => [row.name, row.depth, row.rollUp])).toEqual([
      ['Whole organization', 0, true],
      ['Operations', 1, true],
      ['Support', 2, false],
      ['Product', 1, true],
      ['Mobile', 2, false],
      ['Security', 2, false],
    ]);
    expect(view.unnamedTeams).toBe(0);
  });

  test('cells: significant or not by q, withheld ones with their reason and no number', () => {
    const view = buildHeatmapView(report(staffing), ['p-focus', 'p-cost'], priorities, null);
    const cellsOf = (name: string): HeatmapCell[] =>
      view.rows.find((row) => row.name === name)?.cells ?? [];
    expect(cellsOf('Product')).toMatchObject([
      { kind: 'shown', gap: 1.4, qValue: 0.002, significant: true },
      { kind: 'shown', gap: -0.7, qValue: 0.01, significant: true },
    ]);
    expect(cellsOf('Mobile')[1]).toMatchObject({ kind: 'shown', significant: false });
    expect(cellsOf('Security')).toEqual([
      { kind: 'withheld', reason: 'small' },
      { kind: 'withheld', reason: 'small' },
    ]);
    expect(cellsOf('Operations')[1]).toEqual({ kind: 'withheld', reason: 'complementary' });
  });

  test('the headline names the priority most teams differ on, and the largest gap there', () => {
    const view = buildHeatmapView(report(staffing), ['p-focus', 'p-cost'], priorities, null);
    expect(view.headline).toBe(
      'Staffing: 3 of 4 teams have a significant gap on Customer Focus; the largest is Mobile (+2.40, leadership more optimistic).',
    );
  });

  test('priorities follow the pulse, and only those with cells for the dimension are columns', () => {
    const view = buildHeatmapView(report(staffing), ['p-cost', 'p-focus'], priorities, 'tradeoffs');
    expect(view.dimension).toBe('tradeoffs');
    expect(view.priorities.map((p) => p.id)).toEqual(['p-focus']);
    // Mobile's parent is listed so the tree stays whole, with no figure of its own.
    expect(view.rows.map((row) => [row.name, row.cells])).toMatchObject([
      ['Whole organization', [{ kind: 'empty' }]],
      ['Product', [{ kind: 'empty' }]],
      ['Mobile', [{ kind: 'shown', gap: 0.3, significant: false }]],
    ]);
    expect(view.headline).toBe(
      'Tradeoffs: no gap between leadership and the frontline is significant, for any team or priority.',
    );
  });

  test('dimensions in the bank’s order; staffing unless the address names another the run has', () => {
    const view = buildHeatmapView(report(staffing), [], priorities, 'nonsense');
    expect(view.dimensions).toEqual(['clarity', 'staffing', 'tradeoffs']);
    expect(view.dimension).toBe('staffing');
    expect(chooseDimension(['clarity', 'staffing'], 'clarity')).toBe('clarity');
    expect(chooseDimension(['clarity', 'commitment'], null)).toBe('clarity');
  });

  test('only the organization significant, every team the same way, everything withheld', () => {
    const organizationOnly = buildHeatmapView(
      report([shown(null, 'p-cost', -0.6, 0.01), shown('t-mobile', 'p-cost', -0.4, 0.2)]),
      ['p-focus', 'p-cost'],
      priorities,
      null,
    );
    expect(organizationOnly.headline).toBe(
      'Staffing: no single team’s gap is significant; the whole organization has a significant gap on Cost Discipline (−0.60, the frontline more optimistic).',
    );

    const everyTeam = buildHeatmapView(
      report([shown('t-mobile', 'p-cost', 0.8, 0.01), shown('t-support', 'p-cost', 1.2, 0.01)]),
      [],
      priorities,
      null,
    );
    expect(everyTeam.headline).toBe(
      'Staffing: all 2 teams with a figure have a significant gap on Cost Discipline; the largest is Support (+1.20, leadership more optimistic).',
    );

    const allWithheld = buildHeatmapView(
      report([withheld(null, 'p-cost', 'small'), withheld('t-mobile', 'p-cost', 'complementary')]),
      [],
      priorities,
      null,
    );
    expect(allWithheld.headline).toBe(
      'Staffing: every figure is withheld to protect anonymity (fewer than k = 5 answered in a group).',
    );
  });

  test('teams the run’s snapshot does not name are left out and counted', () => {
    const view = buildHeatmapView(report(staffing, []), ['p-focus', 'p-cost'], priorities, null);
    expect(view.rows.map((row) => row.name)).toEqual(['Whole organization']);
    expect(view.rows[0]?.rollUp).toBe(false);
    expect(view.unnamedTeams).toBe(5);
    expect(view.headline).toBe(
      'Staffing: the whole organization has a significant gap on 1 of 2 priorities, the largest on Customer Focus (+1.10, leadership more optimistic).',
    );
  });
});

describe('team heatmap cells', () => {
  const significant = (gap: number): Extract<HeatmapCell, { kind: 'shown' }> => ({
    kind: 'shown',
    gap,
    ci95: null,
    qValue: 0.01,
    significant: true,
  });

  test('colour only where significant, by direction and size; withheld grey', () => {
    expect(cellFill(significant(0.3))).toBe(LEADERSHIP_MORE[0]);
    expect(cellFill(significant(2.4))).toBe(LEADERSHIP_MORE[3]);
    expect(cellFill(significant(-1.2))).toBe(FRONTLINE_MORE[2]);
    expect(cellFill({ ...significant(2.4), significant: false })).toBe(NOT_SIGNIFICANT);
    expect(cellFill({ kind: 'withheld', reason: 'small' })).toBe(WITHHELD);
    expect([0, 0.49, 0.5, 1, 1.49, 1.5, 4].map(gapStep)).toEqual([0, 0, 1, 2, 2, 3, 3]);
  });

  test('every fill keeps its text at 4.5:1 or more', () => {
    for (const fill of [...LEADERSHIP_MORE, ...FRONTLINE_MORE, NOT_SIGNIFICANT, WITHHELD]) {
      expect(contrastRatio(textColour(fill), fill)).toBeGreaterThanOrEqual(4.5);
    }
  });

  test('a withheld cell says why and shows no number, long or short', () => {
    for (const reason of ['small', 'complementary'] as const) {
      for (const short of [false, true]) {
        expect(cellLabel({ kind: 'withheld', reason }, short)).not.toMatch(/\d/);
      }
    }
    expect(cellLabel({ kind: 'withheld', reason: 'small' })).toBe('fewer than k');
    expect(cellLabel({ kind: 'withheld', reason: 'complementary' })).toBe('withheld');
    expect(cellLabel(significant(1.25))).toBe('+1.25');
    expect(cellLabel({ ...significant(-0.4), significant: false })).toBe('\u22120.40 n.s.');
  });

  test('row labels indent teams under their parents and shorten long names', () => {
    expect(rowLabel({ name: 'Whole organization', depth: 0 }, 26)).toBe('Whole organization');
    expect(rowLabel({ name: 'Product', depth: 1 }, 26)).toBe('Product');
    expect(rowLabel({ name: 'Security', depth: 2 }, 26)).toBe('└ Security');
    expect(rowLabel({ name: 'Payments Risk Operations', depth: 3 }, 14)).toBe(
      '\u2003└ Payments Risk…',
    );
  });

  test('priority titles wrap over their column, long words and long titles shortened', () => {
    expect(columnLabel('Platform Modernization', 20)).toEqual(['Platform', 'Modernization']);
    expect(columnLabel('Platform Modernization', 8)).toEqual(['Platform', 'Moderni…']);
    expect(columnLabel('One two three four five', 5)).toEqual(['One', 'two', 'thre…']);
  });
});
