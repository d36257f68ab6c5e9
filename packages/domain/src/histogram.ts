import { DomainError } from './errors.js';

/** The values of the answer scale: 1 strongly disagree … 5 strongly agree. */
export const ANSWER_VALUES = [1, 2, 3, 4, 5] as const;

/** One answer on the 5-point scale. */
export type AnswerValue = (typeof ANSWER_VALUES)[number];

/**
 * How many answers a group gave of each value: index 0 counts the 1s, index 4 the 5s.
 * Every statistic of a cell is exact from its two histograms, so no raw answer needs to be
 * kept or read.
 */
export type Histogram = readonly [number, number, number, number, number];

/** Whether a number is one of the scale's values, 1 to 5. */
export function isAnswerValue(value: number): value is AnswerValue {
  return Number.isInteger(value) && value >= 1 && value <= 5;
}

/** A histogram with no answers. */
export function emptyHistogram(): Histogram {
  return [0, 0, 0, 0, 0];
}

/**
 * Counts answers into a histogram. Throws a {@link DomainError} `DOMAIN_INVALID_ANSWER` on
 * any value that is not an integer from 1 to 5.
 */
export function histogramFromValues(values: Iterable<number>): Histogram {
  const counts: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  for (const value of values) {
    counts[answerIndex(value)] += 1;
  }
  return counts;
}

/**
 * A new histogram with `count` more answers of `value` (one by default); the given one is
 * left as it is. Throws `DOMAIN_INVALID_ANSWER` on a value outside 1..5 and
 * `DOMAIN_INVALID_HISTOGRAM` on a count that is not a non-negative integer.
 */
export function addToHistogram(histogram: Histogram, value: number, count = 1): Histogram {
  const index = answerIndex(value);
  if (!isCount(count)) {
    throw new DomainError('DOMAIN_INVALID_HISTOGRAM', `invalid count ${String(count)}`);
  }
  return toHistogram(histogram.map((c, i) => (i === index ? c + count : c)));
}

/**
 * The histogram of two groups' answers together, as when a team's answers roll up into its
 * department's.
 */
export function mergeHistograms(a: Histogram, b: Histogram): Histogram {
  return toHistogram(a.map((count, i) => count + (b[i] ?? 0)));
}

/** The number of answers in a histogram. */
export function histogramTotal(histogram: Histogram): number {
  return histogram.reduce((sum, count) => sum + count, 0);
}

/**
 * Checks that a histogram read from outside (a database row, a job payload) has five
 * counts, each a non-negative safe integer. Throws `DOMAIN_INVALID_HISTOGRAM` otherwise.
 */
export function assertHistogram(histogram: readonly number[]): asserts histogram is Histogram {
  if (histogram.length !== 5 || !histogram.every(isCount)) {
    throw new DomainError(
      'DOMAIN_INVALID_HISTOGRAM',
      `a histogram is five non-negative integer counts, got [${histogram.join(', ')}]`,
    );
  }
}

/** The position of an answer value in a histogram. */
type AnswerIndex = 0 | 1 | 2 | 3 | 4;

function answerIndex(value: number): AnswerIndex {
  if (!isAnswerValue(value)) {
    throw new DomainError(
      'DOMAIN_INVALID_ANSWER',
      `an answer is an integer from 1 to 5, got ${String(value)}`,
    );
  }
  return (value - 1) as AnswerIndex;
}

function isCount(count: number): boolean {
  return Number.isSafeInteger(count) && count >= 0;
}

function toHistogram(counts: readonly number[]): Histogram {
  assertHistogram(counts);
  return counts;
}
