import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { computeCell, summarize } from './cell-statistics.js';
import { DomainError } from './errors.js';
import { histogramFromValues, type Histogram } from './histogram.js';

// Leadership answered 3, 4, 4, 5, 5; frontline 1, 1, 1, 2, 2, 2, 2, 3, 3, 4.
const LEADERSHIP: Histogram = [0, 0, 1, 2, 2];
const FRONTLINE: Histogram = [3, 4, 2, 1, 0];

function expectClose(actual: number | null, expected: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual ?? Number.NaN) - expected)).toBeLessThanOrEqual(1e-12);
}

describe('summarize', () => {
  test('leadership [0,0,1,2,2]: mean 21/5, sd sqrt(0.7), top2 4/5', () => {
    // Squared deviations from 4.2: 1.44 + 2·0.04 + 2·0.64 = 2.8; 2.8 / 4 = 0.7.
    const summary = summarize(LEADERSHIP);
    expect(summary.n).toBe(5);
    expectClose(summary.mean, 4.2);
    expectClose(summary.sd, Math.sqrt(0.7));
    expectClose(summary.top2, 0.8);
  });

  test('frontline [3,4,2,1,0]: mean 21/10, sd sqrt(8.9/9), top2 1/10', () => {
    // Squared deviations from 2.1: 3·1.21 + 4·0.01 + 2·0.81 + 1·3.61 = 8.9.
    const summary = summarize(FRONTLINE);
    expect(summary.n).toBe(10);
    expectClose(summary.mean, 2.1);
    expectClose(summary.sd, Math.sqrt(8.9 / 9));
    expectClose(summary.top2, 0.1);
  });

  test('no answers: nothing but n', () => {
    expect(summarize([0, 0, 0, 0, 0])).toEqual({ n: 0, mean: null, sd: null, top2: null });
  });

  test('one answer: no sd', () => {
    expect(summarize([0, 0, 0, 1, 0])).toEqual({ n: 1, mean: 4, sd: null, top2: 1 });
  });

  test('identical answers: sd exactly 0', () => {
    expect(summarize([0, 0, 7, 0, 0])).toEqual({ n: 7, mean: 3, sd: 0, top2: 0 });
  });

  test('stays exact for very large groups', () => {
    const summary = summarize([0, 0, 1_000_000_000, 0, 1_000_000_000]);
    expect(summary.mean).toBe(4);
    expectClose(summary.sd, Math.sqrt((2e9 * 1) / (2e9 - 1)));
    expect(summary.top2).toBe(0.5);
  });

  test('property: equals mean, sample sd and top2 computed from the raw answers', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 400 }), (values) => {
        const summary = summarize(histogramFromValues(values));
        const n = values.length;
        expect(summary.n).toBe(n);
        if (n === 0) {
          expect(summary).toEqual({ n: 0, mean: null, sd: null, top2: null });
          return;
        }
        const mean = values.reduce((a, b) => a + b, 0) / n;
        const top2 = values.filter((v) => v >= 4).length / n;
        expect(Math.abs((summary.mean ?? Number.NaN) - mean)).toBeLessThanOrEqual(1e-9);
        expect(Math.abs((summary.top2 ?? Number.NaN) - top2)).toBeLessThanOrEqual(1e-9);
        if (n < 2) {
          expect(summary.sd).toBeNull();
        } else {
          const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
          expect(Math.abs((summary.sd ?? Number.NaN) - sd)).toBeLessThanOrEqual(1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('computeCell', () => {
  test('reports both tiers and the gap when both reach k', () => {
    const cell = computeCell({ leadership: LEADERSHIP, frontline: FRONTLINE, minGroupSize: 5 });
    expect(cell.suppressed).toBe(false);
    if (cell.suppressed) return;
    expect(cell.leadership).toEqual(summarize(LEADERSHIP));
    expect(cell.frontline).toEqual(summarize(FRONTLINE));
    expectClose(cell.gap, 2.1);
  });

  test('a negative gap when the frontline is more optimistic', () => {
    const cell = computeCell({ leadership: FRONTLINE, frontline: LEADERSHIP, minGroupSize: 3 });
    expectClose(cell.gap, -2.1);
  });

  test.each([
    ['leadership under k', LEADERSHIP, FRONTLINE, 6],
    ['frontline under k', [0, 0, 0, 5, 5] as Histogram, [0, 1, 1, 1, 0] as Histogram, 5],
    ['both under k', [0, 0, 1, 1, 0] as Histogram, [1, 1, 0, 0, 0] as Histogram, 3],
    ['leadership without answers', [0, 0, 0, 0, 0] as Histogram, FRONTLINE, 3],
    ['frontline without answers', LEADERSHIP, [0, 0, 0, 0, 0] as Histogram, 3],
  ])('suppresses the cell: %s', (_label, leadership, frontline, minGroupSize) => {
    expect(computeCell({ leadership, frontline, minGroupSize })).toEqual({
      suppressed: true,
      leadership: null,
      frontline: null,
      gap: null,
      ci95: null,
      pValue: null,
      cliffsDelta: null,
      hedgesG: null,
    });
  });

  test('reports the gap’s Welch interval, Mann–Whitney p, Cliff’s delta and Hedges’ g', () => {
    // R 4.2.2 on rep(1:5, LEADERSHIP) against rep(1:5, FRONTLINE): t.test(...)$conf.int,
    // wilcox.test(..., exact = FALSE, correct = TRUE)$p.value; g and delta by their formulas.
    const cell = computeCell({ leadership: LEADERSHIP, frontline: FRONTLINE, minGroupSize: 5 });
    if (cell.suppressed) throw new Error('expected a reported cell');
    expect(Math.abs((cell.ci95?.[0] ?? Number.NaN) - 1.00368879494412)).toBeLessThan(1e-12);
    expect(Math.abs((cell.ci95?.[1] ?? Number.NaN) - 3.1963112050558795)).toBeLessThan(1e-12);
    expect(Math.abs((cell.pValue ?? Number.NaN) - 0.0071666209346100034)).toBeLessThan(1e-15);
    expectClose(cell.cliffsDelta, 0.88);
    expect(Math.abs((cell.hedgesG ?? Number.NaN) - 2.0833829290521089)).toBeLessThan(1e-12);
  });

  test('no interval and no g when neither tier varies; the p-value stays', () => {
    const cell = computeCell({
      leadership: [0, 0, 0, 5, 0],
      frontline: [0, 0, 6, 0, 0],
      minGroupSize: 5,
    });
    if (cell.suppressed) throw new Error('expected a reported cell');
    expect(cell.ci95).toBeNull();
    expect(cell.hedgesG).toBeNull();
    expect(cell.cliffsDelta).toBe(1);
    // R: wilcox.test(rep(4, 5), rep(3, 6), exact = FALSE, correct = TRUE)$p.value.
    expect(cell.pValue?.toPrecision(7)).toBe('0.002236624');
  });

  test('no p-value when both tiers gave one and the same answer', () => {
    const cell = computeCell({
      leadership: [0, 0, 0, 5, 0],
      frontline: [0, 0, 0, 6, 0],
      minGroupSize: 5,
    });
    expect(cell).toMatchObject({ suppressed: false, gap: 0, pValue: null, cliffsDelta: 0 });
  });

  test('a tier of exactly k is shown', () => {
    const cell = computeCell({ leadership: LEADERSHIP, frontline: FRONTLINE, minGroupSize: 5 });
    expect(cell.leadership?.n).toBe(5);
    expect(cell.suppressed).toBe(false);
  });

  test.each([2, 0, -5, 4.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects the minimum group size %s',
    (minGroupSize) => {
      let caught: unknown;
      try {
        computeCell({ leadership: LEADERSHIP, frontline: FRONTLINE, minGroupSize });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DomainError);
      expect((caught as DomainError).code).toBe('DOMAIN_INVALID_GROUP_SIZE');
    },
  );

  test('rejects a malformed histogram', () => {
    expect(() =>
      computeCell({ leadership: [0, 0, -1, 2, 9], frontline: FRONTLINE, minGroupSize: 3 }),
    ).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_HISTOGRAM' }));
  });
});
