import { describe, expect, it } from 'vitest';
import { parseGapReport, type Priority, type Pulse } from './contract.js';
import { formatGap, wrapLabel } from './format.js';
import { buildGapView, defaultPulse } from './gap-view.js';

const pulse: Pulse = {
  id: 'p1',
  title: 'Quarterly pulse',
  priorityIds: ['b', 'a'],
  dimensions: ['staffing', 'clarity'],
  latestRunId: 'r1',
};

const priorities: Priority[] = [
  { id: 'a', title: 'Self-serve onboarding', description: null, statedWeight: 3 },
  { id: 'b', title: 'EU expansion', description: null, statedWeight: 5 },
];

const stats = (n: number, mean: number) => ({ n, mean, sd: 1, top2: 0.5 });

const report = parseGapReport({
  runId: 'r1',
  computedAt: '2025-01-01T10:00:00.000Z',
  minGroupSize: 5,
  cells: [
    {
      priorityId: 'a',
      dimension: 'clarity',
      teamId: null,
      leadership: stats(6, 4),
      frontline: stats(30, 3),
      gap: 1,
      suppressed: false,
    },
    { priorityId: 'a', dimension: 'staffing', teamId: null, suppressed: true },
    {
      priorityId: 'b',
      dimension: 'staffing',
      teamId: null,
      leadership: stats(6, 4.5),
      frontline: stats(30, 2),
      gap: 2.5,
      suppressed: false,
    },
    {
      priorityId: 'b',
      dimension: 'staffing',
      teamId: 't1',
      leadership: stats(6, 4.5),
      frontline: stats(8, 1.5),
      gap: 3,
      suppressed: false,
    },
  ],
});

describe('buildGapView', () => {
  const view = buildGapView(report, pulse, priorities);

  it('keeps only whole-organization cells, in pulse and question-bank order', () => {
    expect(view.priorities.map((p) => p.title)).toEqual(['EU expansion', 'Self-serve onboarding']);
    expect(view.dimensions).toEqual(['clarity', 'staffing']);
    expect(view.rows.map((r) => [r.priorityId, r.dimension, r.gap])).toEqual([
      ['b', 'staffing', 2.5],
      ['a', 'clarity', 1],
      ['a', 'staffing', null],
    ]);
  });

  it('leaves suppressed and missing cells out of the chart and counts the suppressed', () => {
    expect(view.series).toEqual([
      { dimension: 'clarity', gaps: [null, 1] },
      { dimension: 'staffing', gaps: [2.5, null] },
    ]);
    expect(view.suppressedCount).toBe(1);
    expect(view.minGroupSize).toBe(5);
  });
});

describe('defaultPulse', () => {
  it('prefers the first pulse that has a run', () => {
    const unrun = { ...pulse, id: 'p0', latestRunId: null };
    expect(defaultPulse([unrun, pulse])).toBe(pulse);
    expect(defaultPulse([unrun])).toBe(unrun);
    expect(defaultPulse([])).toBeUndefined();
  });
});

describe('parseGapReport', () => {
  it('rejects a cell without its suppression flag', () => {
    expect(() =>
      parseGapReport({ runId: 'r', computedAt: null, minGroupSize: 5, cells: [{}] }),
    ).toThrow(/gaps\.cells\[0\]/);
  });
});

describe('format', () => {
  it('signs gaps with a true minus', () => {
    expect(formatGap(-1.234)).toBe('\u22121.23');
    expect(formatGap(0.5)).toBe('+0.50');
    expect(formatGap(null)).toBe('—');
  });

  it('wraps long titles by word', () => {
    expect(wrapLabel('Reduce time to first value for new customers', 18)).toEqual([
      'Reduce time to',
      'first value for',
      'new customers',
    ]);
  });
});
