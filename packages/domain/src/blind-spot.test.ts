import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  blindSpot,
  blindSpotSentence,
  largestBlindSpot,
  type BlindSpot,
  type PriorityBlindSpot,
  type ShownBlindSpot,
} from './blind-spot.js';
import { histogramFromValues, type Histogram } from './histogram.js';
import { welchTestOfValues } from './statistics.js';

// Leaders predicted 2 ×1, 3 ×3, 4 ×5, 5 ×1 (mean 3.6); the frontline answered 1 ×4, 2 ×11,
// 3 ×4, 4 ×1 (mean 2.1). SciPy 1.17: ttest_ind(p, a, equal_var=False).confidence_interval()
// gives 0.8257512506810545 to 2.1742487493189455.
const PREDICTION: Histogram = [0, 1, 3, 5, 1];
const ACTUAL: Histogram = [4, 11, 4, 1, 0];

function shownOf(figures: BlindSpot): ShownBlindSpot {
  if (figures.suppressed) throw new Error('expected a shown blind spot');
  return figures;
}

function item(
  title: string,
  figures: BlindSpot,
  dimension: PriorityBlindSpot['dimension'] = 'staffing',
): PriorityBlindSpot {
  return { priorityId: `id-${title}`, title, dimension, blindSpot: figures };
}

/** A shown blind spot of the given size whose interval is ± `half` around it. */
function literal(size: number, half = 0.3): BlindSpot {
  return {
    suppressed: false,
    predictionMean: 3 + size / 2,
    predictionN: 10,
    actualMean: 3 - size / 2,
    actualN: 30,
    blindSpot: size,
    ci95: [size - half, size + half],
  };
}

describe('blindSpot', () => {
  test('prediction minus actual, with the Welch interval', () => {
    const figures = shownOf(blindSpot({ prediction: PREDICTION, actual: ACTUAL, minGroupSize: 5 }));
    expect(figures).toMatchObject({
      predictionMean: 3.6,
      predictionN: 10,
      actualMean: 2.1,
      actualN: 20,
    });
    expect(figures.blindSpot).toBeCloseTo(1.5, 12);
    expect(figures.ci95?.map((end) => end.toPrecision(12))).toEqual([
      (0.8257512506810545).toPrecision(12),
      (2.1742487493189455).toPrecision(12),
    ]);
  });

  test('suppressed unless both groups reach k', () => {
    expect(blindSpot({ prediction: [0, 0, 1, 3, 0], actual: ACTUAL, minGroupSize: 5 })).toEqual({
      suppressed: true,
    });
    expect(blindSpot({ prediction: PREDICTION, actual: [0, 4, 0, 0, 0], minGroupSize: 5 })).toEqual(
      { suppressed: true },
    );
    expect(
      blindSpot({ prediction: [0, 0, 1, 4, 0], actual: [0, 5, 0, 0, 0], minGroupSize: 5 }),
    ).toMatchObject({ suppressed: false, blindSpot: 3.8 - 2 });
  });

  test('no interval when neither group has any spread', () => {
    expect(
      blindSpot({ prediction: [0, 0, 0, 6, 0], actual: [0, 7, 0, 0, 0], minGroupSize: 5 }),
    ).toMatchObject({ suppressed: false, blindSpot: 2, ci95: null });
  });

  test('rejects a minimum group size under 3 and a malformed histogram', () => {
    expect(() => blindSpot({ prediction: PREDICTION, actual: ACTUAL, minGroupSize: 2 })).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_GROUP_SIZE' }),
    );
    expect(() =>
      blindSpot({
        prediction: [0, 0, -1, 0, 0] as unknown as Histogram,
        actual: ACTUAL,
        minGroupSize: 5,
      }),
    ).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_HISTOGRAM' }));
  });

  const values = fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 25 });

  test('agrees with the gap statistics on the raw answers; shown only at k', () => {
    fc.assert(
      fc.property(values, values, fc.integer({ min: 3, max: 8 }), (p, a, k) => {
        const figures = blindSpot({
          prediction: histogramFromValues(p),
          actual: histogramFromValues(a),
          minGroupSize: k,
        });
        if (p.length < k || a.length < k) {
          expect(figures).toEqual({ suppressed: true });
          return;
        }
        const shown = shownOf(figures);
        const welch = welchTestOfValues(p, a);
        expect(shown.blindSpot).toBeCloseTo(welch?.difference ?? shown.blindSpot, 12);
        if (welch === null) expect(shown.ci95).toBeNull();
        else {
          expect(shown.ci95?.[0]).toBeCloseTo(welch.ci95[0], 9);
          expect(shown.ci95?.[1]).toBeCloseTo(welch.ci95[1], 9);
        }
      }),
    );
  });
});

describe('largestBlindSpot', () => {
  test('the largest in either direction whose interval excludes zero', () => {
    const largest = largestBlindSpot([
      item('A', literal(1.2)),
      item('B', literal(-1.6)),
      item('C', literal(2.5, 2.6)), // its interval holds zero
      item('D', { suppressed: true }),
    ]);
    expect(largest?.title).toBe('B');
  });

  test('none when nothing qualifies', () => {
    expect(largestBlindSpot([])).toBeNull();
    expect(largestBlindSpot([item('A', literal(0.2, 0.5)), item('B', { suppressed: true })])).toBe(
      null,
    );
  });

  test('ties go to staffing, then the title', () => {
    expect(
      largestBlindSpot([
        item('B', literal(1), 'feasibility'),
        item('C', literal(1)),
        item('A', literal(-1), 'feasibility'),
      ])?.title,
    ).toBe('C');
  });

  const items = fc.array(
    fc.record({
      title: fc.constantFrom('Alpha', 'Beta', 'Gamma'),
      dimension: fc.constantFrom('staffing' as const, 'feasibility' as const),
      size: fc.integer({ min: -30, max: 30 }).map((tenths) => tenths / 10),
      half: fc.integer({ min: 1, max: 20 }).map((tenths) => tenths / 10),
      suppressed: fc.boolean(),
    }),
    { maxLength: 8 },
  );

  test('the same whatever the order, and no qualifying one is larger', () => {
    fc.assert(
      fc.property(items, (list) => {
        const input = list.map((x, i) => ({
          priorityId: `p${i}`,
          title: x.title,
          dimension: x.dimension,
          blindSpot: x.suppressed ? ({ suppressed: true } as const) : literal(x.size, x.half),
        }));
        const largest = largestBlindSpot(input);
        expect(largestBlindSpot([...input].reverse())).toEqual(largest);
        for (const other of input) {
          const f = other.blindSpot;
          if (f.suppressed || f.ci95 === null || (f.ci95[0] <= 0 && f.ci95[1] >= 0)) continue;
          expect(largest).not.toBeNull();
          expect(Math.abs(largest?.blindSpot.blindSpot ?? 0)).toBeGreaterThanOrEqual(
            Math.abs(f.blindSpot),
          );
        }
      }),
    );
  });
});

describe('blindSpotSentence', () => {
  test("in the brief's words, with one decimal", () => {
    const figures = shownOf(blindSpot({ prediction: PREDICTION, actual: ACTUAL, minGroupSize: 5 }));
    expect(blindSpotSentence({ ...item('Customer Focus', figures), blindSpot: figures })).toBe(
      'Leadership expected the frontline to rate staffing for Customer Focus 3.6; it rated 2.1 (blind spot 1.5, 95% CI 0.8–2.2).',
    );
  });

  test('a negative blind spot and one without an interval', () => {
    const negative = shownOf(literal(-0.8, 0.5));
    expect(
      blindSpotSentence({ ...item('Data Platform', negative, 'feasibility'), blindSpot: negative }),
    ).toBe(
      'Leadership expected the frontline to rate feasibility for Data Platform 2.6; it rated 3.4 (blind spot −0.8, 95% CI −1.3 to −0.3).',
    );
    const exact = shownOf(
      blindSpot({ prediction: [0, 0, 0, 6, 0], actual: [0, 7, 0, 0, 0], minGroupSize: 5 }),
    );
    expect(blindSpotSentence({ ...item('X', exact), blindSpot: exact })).toBe(
      'Leadership expected the frontline to rate staffing for X 4.0; it rated 2.0 (blind spot 2.0).',
    );
  });
});
