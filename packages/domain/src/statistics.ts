import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { DomainError } from './errors.js';
import { assertHistogram, type Histogram } from './histogram.js';

// Every comparison of two groups here exists twice: from histograms of the answers 1..5,
// which is what the product stores, and from plain arrays of numbers, which is the textbook
// form. Both reduce their data to the same few sufficient figures (count, mean, sum of
// squared deviations; U and the tie term) and share the step from those figures to the
// result, so the array form checks the histogram reductions, and the published reference
// vectors (whose data are often not on a 1..5 scale) check the shared step.

/** A two-sided 95% confidence interval, low end first. */
export type ConfidenceInterval = readonly [low: number, high: number];

/**
 * The 0.975 quantile of the standard normal distribution, the z of a 95% Wilson interval.
 * This is R's `qnorm(0.975)` bit for bit (the double two steps below the nearest one to the
 * true 1.95996398454005423…), so that intervals agree with `prop.test` to the last digit.
 */
export const Z_975 = 1.9599639845400536;

/**
 * Welch's two-sample t test of mean(x) − mean(y), as R's `t.test(x, y)`: the Welch–
 * Satterthwaite degrees of freedom, the two-sided p-value and the 95% interval of the
 * difference.
 */
export interface WelchTest {
  /** mean(x) − mean(y). */
  readonly difference: number;
  readonly t: number;
  readonly df: number;
  readonly pValue: number;
  readonly ci95: ConfidenceInterval;
}

/**
 * The two-sided Mann–Whitney U test of x against y by its normal approximation with tie and
 * continuity correction, as R's `wilcox.test(x, y, exact = FALSE, correct = TRUE)`.
 */
export interface MannWhitneyTest {
  /** U of x (R's W): pairs with x above y, plus half the tied pairs. */
  readonly u: number;
  /**
   * The corrected normal score, and its two-sided p-value. Both are `null` when every value
   * of both groups is the same: there is no variation to rank, and R answers NaN.
   */
  readonly z: number | null;
  readonly pValue: number | null;
}

/**
 * Welch's t test of leadership against frontline from their histograms (see
 * {@link WelchTest}). `null` where R's `t.test` stops: a tier with fewer than two answers, or
 * both tiers without any spread (every answer in each tier the same), where the standard
 * error is zero. One constant tier alone is fine, as in R: the other carries the variance.
 */
export function welchTest(leadership: Histogram, frontline: Histogram): WelchTest | null {
  return welchFromMoments(histogramMoments(leadership), histogramMoments(frontline));
}

/** {@link welchTest} on plain arrays of finite numbers, for data not on the 1..5 scale. */
export function welchTestOfValues(x: readonly number[], y: readonly number[]): WelchTest | null {
  return welchFromMoments(valueMoments(x), valueMoments(y));
}

/**
 * The Mann–Whitney U test of leadership against frontline from their histograms (see
 * {@link MannWhitneyTest}). Tied answers share their mid-rank, so U and the tie term follow
 * in closed form from the five counts. `null` when a tier has no answers.
 */
export function mannWhitneyTest(
  leadership: Histogram,
  frontline: Histogram,
): MannWhitneyTest | null {
  assertHistogram(leadership);
  assertHistogram(frontline);
  let u = 0;
  let ties = 0;
  let frontlineBelow = 0;
  for (const [index, lead] of leadership.entries()) {
    const front = frontline[index] ?? 0;
    // Each leadership answer beats every lower frontline answer and ties half the equal ones.
    u += lead * (frontlineBelow + front / 2);
    frontlineBelow += front;
    const tied = lead + front;
    ties += tied * tied * tied - tied;
  }
  return mannWhitneyFromU(sum(leadership), sum(frontline), u, ties);
}

/**
 * {@link mannWhitneyTest} on plain arrays of finite numbers, with textbook average ranks.
 */
export function mannWhitneyTestOfValues(
  x: readonly number[],
  y: readonly number[],
): MannWhitneyTest | null {
  assertSample(x);
  assertSample(y);
  const pooled = [
    ...x.map((value) => ({ value, inX: true })),
    ...y.map((value) => ({ value, inX: false })),
  ];
  pooled.sort((a, b) => a.value - b.value);
  let rankSumX = 0;
  let ties = 0;
  for (let start = 0; start < pooled.length;) {
    let end = start;
    while (end < pooled.length && pooled[end]?.value === pooled[start]?.value) end += 1;
    // Positions start..end−1 hold one value; each gets the average of ranks start+1..end.
    const averageRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i += 1) if (pooled[i]?.inX === true) rankSumX += averageRank;
    const tied = end - start;
    ties += tied * tied * tied - tied;
    start = end;
  }
  return mannWhitneyFromU(x.length, y.length, rankSumX - (x.length * (x.length + 1)) / 2, ties);
}

/**
 * Cliff's delta of leadership against frontline: P(lead > front) − P(lead < front) over
 * every pair of one answer from each tier, exact from the histograms. From −1 (every
 * frontline answer higher) to 1; `null` when a tier has no answers.
 */
export function cliffsDelta(leadership: Histogram, frontline: Histogram): number | null {
  assertHistogram(leadership);
  assertHistogram(frontline);
  const pairs = sum(leadership) * sum(frontline);
  if (pairs === 0) return null;
  let above = 0;
  let below = 0;
  let frontlineBelow = 0;
  let frontlineAbove = sum(frontline);
  for (const [index, lead] of leadership.entries()) {
    const front = frontline[index] ?? 0;
    frontlineAbove -= front;
    above += lead * frontlineBelow;
    below += lead * frontlineAbove;
    frontlineBelow += front;
  }
  return (above - below) / pairs;
}

/** {@link cliffsDelta} on plain arrays of finite numbers, by counting every pair. */
export function cliffsDeltaOfValues(x: readonly number[], y: readonly number[]): number | null {
  assertSample(x);
  assertSample(y);
  if (x.length === 0 || y.length === 0) return null;
  let signs = 0;
  for (const a of x) for (const b of y) signs += Math.sign(a - b);
  return signs / (x.length * y.length);
}

/**
 * Hedges' g of leadership against frontline: the difference of means over the pooled sample
 * sd, times the small-sample correction 1 − 3 / (4(n₁ + n₂) − 9). `null` without at least one
 * answer per tier and three in all (the pooled sd needs n₁ + n₂ − 2 > 0), and when the
 * pooled sd is zero (every answer in each tier the same), where the ratio is undefined.
 */
export function hedgesG(leadership: Histogram, frontline: Histogram): number | null {
  return hedgesFromMoments(histogramMoments(leadership), histogramMoments(frontline));
}

/** {@link hedgesG} on plain arrays of finite numbers. */
export function hedgesGOfValues(x: readonly number[], y: readonly number[]): number | null {
  return hedgesFromMoments(valueMoments(x), valueMoments(y));
}

/**
 * The 95% Wilson score interval of a proportion `successes / trials`, without continuity
 * correction, as R's `prop.test(successes, trials, correct = FALSE)$conf.int`. `null` when
 * there are no trials. Throws `DOMAIN_INVALID_COUNT` unless both are non-negative integers
 * with `successes <= trials`.
 */
export function wilsonInterval(successes: number, trials: number): ConfidenceInterval | null {
  if (!isCount(successes) || !isCount(trials) || successes > trials) {
    throw new DomainError(
      'DOMAIN_INVALID_COUNT',
      `a proportion needs integer counts 0 <= successes <= trials, got ${String(successes)} of ${String(trials)}`,
    );
  }
  if (trials === 0) return null;
  const share = successes / trials;
  const z22n = (Z_975 * Z_975) / (2 * trials);
  const spread = Z_975 * Math.sqrt((share * (1 - share)) / trials + z22n / (2 * trials));
  // R pins the ends at 0 and 1 for a share of exactly 0 or 1 rather than trust rounding.
  const low = share <= 0 ? 0 : (share + z22n - spread) / (1 + 2 * z22n);
  const high = share >= 1 ? 1 : (share + z22n + spread) / (1 + 2 * z22n);
  return [low, high];
}

/**
 * Benjamini–Hochberg adjusted p-values (q-values), as R's `p.adjust(p, "BH")`: in the input's
 * order, each the smallest m·p₍ⱼ₎/j over the p-values at least as large, capped at 1. A
 * `null` or NaN p-value (a suppressed cell, or one whose test is undefined) stays `null` and
 * does not count in m, as R treats NA. Throws `DOMAIN_INVALID_PROBABILITY` on a p-value
 * outside [0, 1].
 */
export function benjaminiHochberg(pValues: readonly (number | null)[]): (number | null)[] {
  const present: { index: number; p: number }[] = [];
  for (const [index, p] of pValues.entries()) {
    if (p === null || Number.isNaN(p)) continue;
    if (!(p >= 0 && p <= 1)) {
      throw new DomainError('DOMAIN_INVALID_PROBABILITY', `a p-value lies in [0, 1], got ${p}`);
    }
    present.push({ index, p });
  }
  const m = present.length;
  const qValues: (number | null)[] = pValues.map(() => null);
  // Largest p first, so that a running minimum gives each the smallest ratio at or above it.
  present.sort((a, b) => b.p - a.p);
  let smallest = 1;
  for (const [position, { index, p }] of present.entries()) {
    const rank = m - position;
    smallest = Math.min(smallest, (m / rank) * p);
    qValues[index] = smallest;
  }
  return qValues;
}

/** The figures of one group that Welch's test, Hedges' g and a tier's summary need. */
export interface Moments {
  readonly n: number;
  readonly mean: number;
  /** The sum of squared deviations from the mean. */
  readonly squares: number;
}

/** n, mean and squared deviations of a histogram's answers (mean NaN when n is 0). */
export function histogramMoments(histogram: Histogram): Moments {
  assertHistogram(histogram);
  let n = 0;
  let total = 0;
  for (const [index, count] of histogram.entries()) {
    n += count;
    total += count * (index + 1);
  }
  // The integer total keeps the mean exact; deviations about it keep the squares accurate.
  const mean = n === 0 ? Number.NaN : total / n;
  let squares = 0;
  for (const [index, count] of histogram.entries()) {
    if (count > 0) squares += count * (index + 1 - mean) ** 2;
  }
  return { n, mean, squares };
}

function valueMoments(values: readonly number[]): Moments {
  assertSample(values);
  const n = values.length;
  const mean = n === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / n;
  return { n, mean, squares: values.reduce((a, v) => a + (v - mean) ** 2, 0) };
}

function welchFromMoments(x: Moments, y: Moments): WelchTest | null {
  if (x.n < 2 || y.n < 2) return null;
  const varianceOfMeanX = x.squares / (x.n - 1) / x.n;
  const varianceOfMeanY = y.squares / (y.n - 1) / y.n;
  const stderr = Math.sqrt(varianceOfMeanX + varianceOfMeanY);
  // R's own test for "data are essentially constant", plus an exact zero for means of 0.
  if (stderr === 0 || stderr < 10 * Number.EPSILON * Math.max(Math.abs(x.mean), Math.abs(y.mean))) {
    return null;
  }
  const df = stderr ** 4 / (varianceOfMeanX ** 2 / (x.n - 1) + varianceOfMeanY ** 2 / (y.n - 1));
  const difference = x.mean - y.mean;
  const t = difference / stderr;
  const quantile = tQuantile(0.975, df);
  return {
    difference,
    t,
    df,
    pValue: 2 * tCdf(-Math.abs(t), df),
    // R's arithmetic, (t ± q) · stderr, so that the ends agree with R to the last digits.
    ci95: [(t - quantile) * stderr, (t + quantile) * stderr],
  };
}

function mannWhitneyFromU(nX: number, nY: number, u: number, ties: number): MannWhitneyTest | null {
  if (nX === 0 || nY === 0) return null;
  const n = nX + nY;
  const centred = u - (nX * nY) / 2;
  const sigma = Math.sqrt(((nX * nY) / 12) * (n + 1 - ties / (n * (n - 1))));
  // Only when every value ties is sigma zero, and then U sits exactly at its mean.
  if (sigma === 0) return { u, z: null, pValue: null };
  const z = (centred - Math.sign(centred) * 0.5) / sigma;
  // The upper tail of |z| directly, not 1 − Φ, which would lose small p-values to rounding.
  return { u, z, pValue: 2 * normalCdf(-Math.abs(z), 0, 1) };
}

function hedgesFromMoments(x: Moments, y: Moments): number | null {
  const n = x.n + y.n;
  if (x.n === 0 || y.n === 0 || n < 3) return null;
  const pooledSd = Math.sqrt((x.squares + y.squares) / (n - 2));
  if (pooledSd === 0) return null;
  return ((x.mean - y.mean) / pooledSd) * (1 - 3 / (4 * n - 9));
}

function assertSample(values: readonly number[]): void {
  if (!values.every(Number.isFinite)) {
    throw new DomainError('DOMAIN_INVALID_SAMPLE', 'a sample holds finite numbers only');
  }
}

function isCount(count: number): boolean {
  return Number.isSafeInteger(count) && count >= 0;
}

function sum(histogram: Histogram): number {
  return histogram.reduce((a, b) => a + b, 0);
}
