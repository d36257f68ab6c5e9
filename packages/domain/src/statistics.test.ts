import { readFileSync } from 'node:fs';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DomainError } from './errors.js';
import {
  addToHistogram,
  emptyHistogram,
  histogramFromValues,
  isAnswerValue,
  type Histogram,
} from './histogram.js';
import {
  benjaminiHochberg,
  cliffsDelta,
  cliffsDeltaOfValues,
  hedgesG,
  hedgesGOfValues,
  mannWhitneyTest,
  mannWhitneyTestOfValues,
  welchTest,
  welchTestOfValues,
  wilsonInterval,
  Z_975,
  type MannWhitneyTest,
  type WelchTest,
} from './statistics.js';

// The published reference values of PRODUCT.md §5 (R, SciPy and R package documentation, as
// each source printed them), kept with the package so the tests need nothing outside it.
const REFERENCE = new URL('../reference/statistics-vectors.json', import.meta.url);

interface TwoSampleVector {
  readonly id: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly expected: Readonly<Record<string, number | readonly number[]>>;
}

interface AdjustmentVector {
  readonly id: string;
  readonly p: readonly number[];
  readonly expected: { readonly q: readonly number[] };
}

interface ProportionVector {
  readonly id: string;
  readonly successes: number;
  readonly n: number;
  readonly expected: { readonly ci95: readonly number[] };
}

type Vector = TwoSampleVector | AdjustmentVector | ProportionVector;

const VECTORS = (JSON.parse(readFileSync(REFERENCE, 'utf8')) as { vectors: Vector[] }).vectors;

/**
 * The decimals a reference value was printed with, read back from the number. JSON keeps no
 * trailing zeros, so SciPy's `17.0` reads as 17, which is an integer to match exactly anyway.
 */
function printedDecimals(printed: number): number {
  const [mantissa = '', exponent = '0'] = String(printed).toLowerCase().split('e');
  return Math.max(0, (mantissa.split('.')[1] ?? '').length - Number(exponent));
}

/**
 * Expects `actual` to print as `printed` when rounded to the same decimals. A value printed
 * in full (a double's 17-digit repr, as SciPy's docstrings do) is compared to 15 significant
 * digits: the last two are rounding noise that R and SciPy themselves do not agree on.
 */
function expectPrinted(
  actual: number | null | undefined,
  printed: number,
  decimals = printedDecimals(printed),
): void {
  expect(actual).toBeTypeOf('number');
  const value = actual ?? Number.NaN;
  const significant = decimals + Math.floor(Math.log10(Math.abs(printed))) + 1;
  if (printed !== 0 && significant > 15) {
    expect(value.toPrecision(15)).toBe(printed.toPrecision(15));
  } else {
    expect(Number(value.toFixed(decimals))).toBe(printed);
  }
}

function expectedNumber(vector: TwoSampleVector, name: string): number {
  const value = vector.expected[name];
  if (typeof value !== 'number') throw new Error(`${vector.id}: no number ${name}`);
  return value;
}

function expectedPair(vector: TwoSampleVector, name: string): readonly [number, number] {
  const value = vector.expected[name];
  if (typeof value === 'number' || value?.length !== 2) {
    throw new Error(`${vector.id}: no pair ${name}`);
  }
  return [value[0] ?? Number.NaN, value[1] ?? Number.NaN];
}

/** One way of computing the two-sample statistics from raw data. */
interface TwoSamplePath {
  readonly name: string;
  readonly welch: (x: readonly number[], y: readonly number[]) => WelchTest | null;
  readonly mannWhitney: (x: readonly number[], y: readonly number[]) => MannWhitneyTest | null;
  readonly cliffsDelta: (x: readonly number[], y: readonly number[]) => number | null;
  readonly hedgesG: (x: readonly number[], y: readonly number[]) => number | null;
}

const RAW_PATH: TwoSamplePath = {
  name: 'raw arrays',
  welch: welchTestOfValues,
  mannWhitney: mannWhitneyTestOfValues,
  cliffsDelta: cliffsDeltaOfValues,
  hedgesG: hedgesGOfValues,
};

const HISTOGRAM_PATH: TwoSamplePath = {
  name: 'histograms',
  welch: (x, y) => welchTest(histogramFromValues(x), histogramFromValues(y)),
  mannWhitney: (x, y) => mannWhitneyTest(histogramFromValues(x), histogramFromValues(y)),
  cliffsDelta: (x, y) => cliffsDelta(histogramFromValues(x), histogramFromValues(y)),
  hedgesG: (x, y) => hedgesG(histogramFromValues(x), histogramFromValues(y)),
};

/** What each two-sample vector printed, checked on one path. */
const TWO_SAMPLE_CHECKS: Record<string, (path: TwoSamplePath, vector: TwoSampleVector) => void> = {
  'welch-r-example': (path, vector) => {
    const welch = path.welch(vector.x, vector.y);
    expectPrinted(welch?.t, expectedNumber(vector, 't'));
    expectPrinted(welch?.df, expectedNumber(vector, 'df'));
    expectPrinted(welch?.pValue, expectedNumber(vector, 'pValue'));
    const [low, high] = expectedPair(vector, 'ci95');
    expectPrinted(welch?.ci95[0], low);
    expectPrinted(welch?.ci95[1], high);
    expectPrinted(
      welch?.difference,
      expectedNumber(vector, 'meanX') - expectedNumber(vector, 'meanY'),
    );
  },
  'mann-whitney-likert-ties': (path, vector) => {
    const test = path.mannWhitney(vector.x, vector.y);
    expectPrinted(test?.u, expectedNumber(vector, 'W'));
    expectPrinted(test?.pValue, expectedNumber(vector, 'pValue'));
    expectPrinted(path.cliffsDelta(vector.x, vector.y), expectedNumber(vector, 'cliffsDelta'));
  },
  'mann-whitney-scipy-asymptotic': (path, vector) => {
    const test = path.mannWhitney(vector.x, vector.y);
    expectPrinted(test?.u, expectedNumber(vector, 'U'));
    expectPrinted(test?.pValue, expectedNumber(vector, 'pValue'));
  },
};

function isTwoSample(vector: Vector): vector is TwoSampleVector {
  return 'x' in vector;
}

function fitsScale(vector: TwoSampleVector): boolean {
  return [...vector.x, ...vector.y].every(isAnswerValue);
}

function vectorById(id: string): Vector {
  const vector = VECTORS.find((v) => v.id === id);
  if (vector === undefined) throw new Error(`no reference vector ${id}`);
  return vector;
}

describe('reference vectors', () => {
  const twoSample = VECTORS.filter(isTwoSample);
  const cases = twoSample.flatMap((vector) =>
    (fitsScale(vector) ? [RAW_PATH, HISTOGRAM_PATH] : [RAW_PATH]).map(
      (path) => [vector.id, path.name, vector, path] as const,
    ),
  );

  test('every vector is checked, and the histogram path on every one on the 1..5 scale', () => {
    const checked = new Set([
      ...Object.keys(TWO_SAMPLE_CHECKS),
      'benjamini-hochberg',
      'wilson-interval',
    ]);
    expect(VECTORS.map((v) => v.id).filter((id) => !checked.has(id))).toEqual([]);
    expect(cases.filter(([, name]) => name === HISTOGRAM_PATH.name).map(([id]) => id)).toEqual(
      twoSample.filter(fitsScale).map((v) => v.id),
    );
    expect(twoSample.filter(fitsScale).length).toBeGreaterThan(0);
  });

  test.each(cases)('%s on %s', (id, _name, vector, path) => {
    const check = TWO_SAMPLE_CHECKS[id];
    expect(check).toBeDefined();
    check?.(path, vector);
  });

  test('benjamini-hochberg', () => {
    const vector = vectorById('benjamini-hochberg') as AdjustmentVector;
    const q = benjaminiHochberg(vector.p);
    expect(q).toHaveLength(vector.expected.q.length);
    // NumPy printed the array with its default 8 decimals, dropping trailing zeros.
    for (const [i, expected] of vector.expected.q.entries()) expectPrinted(q[i], expected, 8);
  });

  test('wilson-interval', () => {
    const vector = vectorById('wilson-interval') as ProportionVector;
    const ci95 = wilsonInterval(vector.successes, vector.n);
    const [low = Number.NaN, high = Number.NaN] = vector.expected.ci95;
    expectPrinted(ci95?.[0], low);
    expectPrinted(ci95?.[1], high);
  });
});

/** `a` and `b` are both null, or agree within 1e-9 of the larger. */
function expectAgree(a: number | null | undefined, b: number | null | undefined): void {
  if (a === null || b === null || a === undefined || b === undefined) {
    expect(a).toBe(b);
    return;
  }
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(a), Math.abs(b)));
}

function expand(histogram: Histogram): number[] {
  return histogram.flatMap((count, index) => Array.from({ length: count }, () => index + 1));
}

describe('histograms and raw arrays agree', () => {
  // Mostly small groups with empty bins and ties, sometimes larger ones, and tiers that
  // gave one answer throughout.
  const count = fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 60 }),
  );
  const spread = fc.tuple(count, count, count, count, count);
  const constant = fc
    .record({ value: fc.integer({ min: 1, max: 5 }), n: fc.integer({ min: 1, max: 30 }) })
    .map(({ value, n }) => addToHistogram(emptyHistogram(), value, n));
  const histogram = fc.oneof(spread, constant);
  const pair = fc.oneof(
    fc.tuple(histogram, histogram),
    constant.map((h) => [h, h] as const),
  );

  test('property: every statistic within 1e-9 relative', () => {
    fc.assert(
      fc.property(pair, ([lead, front]) => {
        const x = expand(lead);
        const y = expand(front);

        const welch = welchTest(lead, front);
        const welchRaw = welchTestOfValues(x, y);
        expect(welch === null).toBe(welchRaw === null);
        expectAgree(welch?.difference, welchRaw?.difference);
        expectAgree(welch?.t, welchRaw?.t);
        expectAgree(welch?.df, welchRaw?.df);
        expectAgree(welch?.pValue, welchRaw?.pValue);
        expectAgree(welch?.ci95[0], welchRaw?.ci95[0]);
        expectAgree(welch?.ci95[1], welchRaw?.ci95[1]);

        const mw = mannWhitneyTest(lead, front);
        const mwRaw = mannWhitneyTestOfValues(x, y);
        expect(mw === null).toBe(mwRaw === null);
        expectAgree(mw?.u, mwRaw?.u);
        expectAgree(mw?.z, mwRaw?.z);
        expectAgree(mw?.pValue, mwRaw?.pValue);

        expectAgree(cliffsDelta(lead, front), cliffsDeltaOfValues(x, y));
        expectAgree(hedgesG(lead, front), hedgesGOfValues(x, y));
      }),
      { numRuns: 500 },
    );
  });

  test('property: Benjamini–Hochberg equals its definition', () => {
    // q_i = min(1, min over p_j >= p_i of m·p_j / rank_j), rank_j = #{p <= p_j}: with ties,
    // the largest rank of the tied group, as R's running minimum gives.
    const pValue = fc.oneof(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom(0, 0.01, 0.05, 1),
      fc.constant(null),
    );
    fc.assert(
      fc.property(fc.array(pValue, { maxLength: 40 }), (ps) => {
        const present = ps.filter((p): p is number => p !== null);
        const m = present.length;
        const expected = ps.map((p) => {
          if (p === null) return null;
          let q = 1;
          for (const pj of present) {
            if (pj >= p) q = Math.min(q, (m / present.filter((x) => x <= pj).length) * pj);
          }
          return q;
        });
        const actual = benjaminiHochberg(ps);
        expect(actual).toHaveLength(ps.length);
        for (const [i, q] of actual.entries()) expectAgree(q, expected[i]);
      }),
      { numRuns: 300 },
    );
  });
});

/** Expects `actual` to equal R's printed 17-digit value within 1e-12 relative. */
function expectR(actual: number | null | undefined, r: number): void {
  expect(actual).toBeTypeOf('number');
  expect(Math.abs((actual ?? Number.NaN) - r)).toBeLessThanOrEqual(1e-12 * Math.abs(r));
}

describe('histograms against R', () => {
  // R 4.2.2 on rep(1:5, histogram), printed with options(digits = 17): t.test,
  // wilcox.test(exact = FALSE, correct = TRUE), Hedges' g by the formula of PRODUCT.md §5 and
  // Cliff's delta as mean(sign(outer(x, y, "-"))).
  interface RCase {
    readonly name: string;
    readonly leadership: Histogram;
    readonly frontline: Histogram;
    readonly welch: { t: number; df: number; p: number; ci95: readonly [number, number] };
    readonly mannWhitney: { w: number; p: number };
    readonly g: number;
    readonly delta: number;
  }
  const rCases: RCase[] = [
    {
      name: 'spread in both tiers',
      leadership: [0, 0, 1, 2, 2],
      frontline: [3, 4, 2, 1, 0],
      welch: {
        t: 4.2965643386639831,
        df: 9.5326749461527864,
        p: 0.001752300072502704,
        ci95: [1.00368879494412, 3.1963112050558795],
      },
      mannWhitney: { w: 47, p: 0.0071666209346100034 },
      g: 2.0833829290521089,
      delta: 0.88,
    },
    {
      name: 'larger groups',
      leadership: [5, 10, 20, 40, 25],
      frontline: [12, 25, 30, 20, 13],
      welch: {
        t: 4.4542349616182406,
        df: 196.41197340517269,
        p: 1.4117193661782832e-5,
        ci95: [0.40679200907311974, 1.0532079909268803],
      },
      mannWhitney: { w: 6732.5, p: 1.3345642337206366e-5 },
      g: 0.62753485717584456,
      delta: 0.3465,
    },
    {
      // Welch still works on the other tier's variance alone.
      name: 'one tier gives one answer throughout',
      leadership: [0, 0, 3, 0, 0],
      frontline: [0, 0, 2, 1, 1],
      welch: {
        t: -1.5666989036012806,
        df: 3,
        p: 0.21516994256954994,
        ci95: [-2.2734801808288121, 0.7734801808288122],
      },
      mannWhitney: { w: 3, p: 0.27028938480169862 },
      g: -0.85162087890093729,
      delta: -0.5,
    },
    {
      name: 'nearly constant tiers',
      leadership: [0, 0, 0, 7, 0],
      frontline: [0, 0, 0, 5, 1],
      welch: {
        t: -1.0000000000000018,
        df: 5,
        p: 0.36321746764912177,
        ci95: [-0.59509697260605254, 0.26176363927271862],
      },
      mannWhitney: { w: 17.5, p: 0.35453947977350136 },
      g: -0.56328378680883662,
      delta: -1 / 6,
    },
  ];

  test.each(rCases)('$name', ({ leadership, frontline, ...r }) => {
    const welch = welchTest(leadership, frontline);
    expectR(welch?.t, r.welch.t);
    expectR(welch?.df, r.welch.df);
    expectR(welch?.pValue, r.welch.p);
    expectR(welch?.ci95[0], r.welch.ci95[0]);
    expectR(welch?.ci95[1], r.welch.ci95[1]);
    const mw = mannWhitneyTest(leadership, frontline);
    expect(mw?.u).toBe(r.mannWhitney.w);
    expectR(mw?.pValue, r.mannWhitney.p);
    expectR(hedgesG(leadership, frontline), r.g);
    expectR(cliffsDelta(leadership, frontline), r.delta);
  });
});

describe('edge cases', () => {
  const NONE: Histogram = [0, 0, 0, 0, 0];

  test('Welch: null below two answers in a tier, as R stops with "not enough observations"', () => {
    expect(welchTest([0, 1, 0, 0, 0], [1, 2, 3, 0, 0])).toBeNull();
    expect(welchTest([1, 2, 3, 0, 0], NONE)).toBeNull();
    expect(welchTestOfValues([1, 2], [3])).toBeNull();
  });

  test('Welch: null when neither tier varies, as R stops with "data are essentially constant"', () => {
    expect(welchTest([0, 0, 3, 0, 0], [0, 0, 4, 0, 0])).toBeNull();
    expect(welchTest([0, 0, 0, 5, 0], [0, 3, 0, 0, 0])).toBeNull();
    expect(welchTestOfValues([0, 0], [0, 0, 0])).toBeNull();
  });

  test('Mann–Whitney: null without answers in a tier', () => {
    expect(mannWhitneyTest(NONE, [1, 0, 0, 0, 0])).toBeNull();
    expect(mannWhitneyTestOfValues([1], [])).toBeNull();
  });

  test('Mann–Whitney: every answer the same gives no p-value (R answers NaN)', () => {
    expect(mannWhitneyTest([0, 0, 3, 0, 0], [0, 0, 4, 0, 0])).toEqual({
      u: 6,
      z: null,
      pValue: null,
    });
    expect(mannWhitneyTestOfValues([2, 2], [2])).toEqual({ u: 1, z: null, pValue: null });
  });

  test('Mann–Whitney: one answer each, different, gives p = 1 as in R', () => {
    expect(mannWhitneyTest([0, 0, 1, 0, 0], [0, 0, 0, 1, 0])?.pValue).toBe(1);
  });

  test('Cliff’s delta: null without answers, ±1 when the tiers do not overlap, 0 when equal', () => {
    expect(cliffsDelta(NONE, [1, 0, 0, 0, 0])).toBeNull();
    expect(cliffsDelta([0, 0, 0, 2, 3], [4, 1, 0, 0, 0])).toBe(1);
    expect(cliffsDelta([4, 1, 0, 0, 0], [0, 0, 0, 2, 3])).toBe(-1);
    expect(cliffsDelta([0, 0, 6, 0, 0], [0, 0, 2, 0, 0])).toBe(0);
  });

  test('Hedges’ g: null without a pooled sd', () => {
    expect(hedgesG([0, 0, 3, 0, 0], [0, 0, 0, 0, 4])).toBeNull(); // no spread in either
    expect(hedgesG([0, 1, 0, 0, 0], [0, 0, 0, 1, 0])).toBeNull(); // n₁ + n₂ − 2 = 0
    expect(hedgesG(NONE, [1, 1, 1, 0, 0])).toBeNull();
    expect(hedgesG([0, 0, 3, 0, 0], [0, 0, 3, 0, 0])).toBeNull();
  });

  test('Wilson: null without trials; pinned at 0 and 1 as in R', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    // R: prop.test(0, 10, correct = FALSE) and prop.test(10, 10, correct = FALSE).
    const none = wilsonInterval(0, 10);
    expect(none?.[0]).toBe(0);
    expectR(none?.[1], 0.27753279986288915);
    const all = wilsonInterval(10, 10);
    expectR(all?.[0], 0.72246720013711085);
    expect(all?.[1]).toBe(1);
  });

  test.each([
    [-1, 10],
    [11, 10],
    [1.5, 10],
    [1, Number.NaN],
    [1, Number.POSITIVE_INFINITY],
  ])('Wilson rejects %s of %s', (successes, trials) => {
    expect(() => wilsonInterval(successes, trials)).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_COUNT' }),
    );
  });

  test('the normal quantile is R’s qnorm(0.975)', () => {
    expect(Math.abs(normalCdf(Z_975, 0, 1) - 0.975)).toBeLessThan(1e-15);
  });

  test('Benjamini–Hochberg: empty in, empty out', () => {
    expect(benjaminiHochberg([])).toEqual([]);
    expect(benjaminiHochberg([null, null])).toEqual([null, null]);
  });

  test('Benjamini–Hochberg: NaN and null stay null and are not counted, as R’s NA', () => {
    // R: p.adjust(c(0.01, NaN, 0.04, NA, 0.03), "BH") gives 0.03 NaN 0.04 NA 0.04.
    const q = benjaminiHochberg([0.01, Number.NaN, 0.04, null, 0.03]);
    expect(q[1]).toBeNull();
    expect(q[3]).toBeNull();
    expectR(q[0], 0.03);
    expectR(q[2], 0.04);
    expectR(q[4], 0.04);
  });

  test('Benjamini–Hochberg keeps the input order', () => {
    const q = benjaminiHochberg([0.5, 0.01, 0.2]);
    expectR(q[0], 0.5);
    expectR(q[1], 0.03);
    expectR(q[2], 0.3);
  });

  test.each([-0.1, 1.5, Number.POSITIVE_INFINITY])('Benjamini–Hochberg rejects %s', (p) => {
    expect(() => benjaminiHochberg([0.2, p])).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_PROBABILITY' }),
    );
  });

  test('raw arrays reject values that are not finite', () => {
    for (const action of [
      () => welchTestOfValues([1, Number.NaN], [1, 2]),
      () => mannWhitneyTestOfValues([1], [Number.POSITIVE_INFINITY]),
      () => cliffsDeltaOfValues([Number.NaN], [1]),
      () => hedgesGOfValues([1, 2], [Number.NEGATIVE_INFINITY]),
    ]) {
      expect(action).toThrow(DomainError);
      expect(action).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_SAMPLE' }));
    }
  });

  test('histograms are checked', () => {
    const bad = [0, -1, 2, 0, 0] as unknown as Histogram;
    for (const action of [
      () => welchTest(bad, [1, 1, 1, 0, 0]),
      () => mannWhitneyTest([1, 1, 1, 0, 0], bad),
      () => cliffsDelta(bad, [1, 1, 1, 0, 0]),
      () => hedgesG(bad, [1, 1, 1, 0, 0]),
    ]) {
      expect(action).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_HISTOGRAM' }));
    }
  });
});
