/**
 * Leadership's blind spot (issue "From gap to room to decision"). A pulse may ask leaders,
 * per priority, to predict on the 1–5 scale how the frontline will answer the staffing and
 * feasibility statements. The blind spot is the leaders' mean prediction minus the
 * frontline's actual mean: positive when leadership expects the frontline to be more
 * positive than it is. Unlike the gap, which compares what each tier itself reports, it
 * measures how well leadership knows the frontline's view.
 */
import { formatInterval, formatMean } from './brief-format.js';
import { assertMinGroupSize } from './group-size.js';
import type { Histogram } from './histogram.js';
import { histogramMoments, welchTest, type ConfidenceInterval } from './statistics.js';

/** The dimensions leaders are asked to predict, in the order the brief names them. */
export const BLIND_SPOT_DIMENSIONS = ['staffing', 'feasibility'] as const;

/** A dimension leaders predict: `staffing` or `feasibility`. */
export type BlindSpotDimension = (typeof BLIND_SPOT_DIMENSIONS)[number];

/** The histograms of one priority × dimension, and the pulse's minimum group size k. */
export interface BlindSpotInput {
  /** Leaders' predictions of how the frontline will answer, on the 1–5 scale. */
  readonly prediction: Histogram;
  /** The frontline's answers to the same statement in the same run. */
  readonly actual: Histogram;
  readonly minGroupSize: number;
}

/** A blind spot both of whose groups reach k. */
export interface ShownBlindSpot {
  readonly suppressed: false;
  readonly predictionMean: number;
  readonly predictionN: number;
  readonly actualMean: number;
  readonly actualN: number;
  /** predictionMean − actualMean; positive when leadership expected more than it got. */
  readonly blindSpot: number;
  /**
   * The Welch 95% interval of the blind spot, computed as the gap's (`welchTest`); `null`
   * when every prediction and every answer is the same value within its group, where the
   * standard error is zero.
   */
  readonly ci95: ConfidenceInterval | null;
}

/** A blind spot with fewer than k leaders or frontline answers: no number at all. */
export interface SuppressedBlindSpot {
  readonly suppressed: true;
}

/** The blind spot of one priority × dimension; check `suppressed` to narrow. */
export type BlindSpot = ShownBlindSpot | SuppressedBlindSpot;

/**
 * The blind spot of one priority × dimension from its two histograms, suppressed unless
 * both the leaders who predicted and the frontline who answered number at least
 * `minGroupSize` (each is a group whose answers the figure describes). The interval is the
 * Welch interval of a difference of means, as for the gap: predictions and answers are two
 * independent samples on the same scale. Throws `DOMAIN_INVALID_GROUP_SIZE` on a minimum
 * group size below 3 and `DOMAIN_INVALID_HISTOGRAM` on a malformed histogram.
 */
export function blindSpot(input: BlindSpotInput): BlindSpot {
  assertMinGroupSize(input.minGroupSize);
  const prediction = histogramMoments(input.prediction);
  const actual = histogramMoments(input.actual);
  if (
    prediction.n === 0 ||
    actual.n === 0 ||
    prediction.n < input.minGroupSize ||
    actual.n < input.minGroupSize
  ) {
    return { suppressed: true };
  }
  return {
    suppressed: false,
    predictionMean: prediction.mean,
    predictionN: prediction.n,
    actualMean: actual.mean,
    actualN: actual.n,
    blindSpot: prediction.mean - actual.mean,
    ci95: welchTest(input.prediction, input.actual)?.ci95 ?? null,
  };
}

/** A priority's blind spot on one dimension, as the brief receives it. */
export interface PriorityBlindSpot {
  readonly priorityId: string;
  /** The priority's title, as the brief names it. */
  readonly title: string;
  readonly dimension: BlindSpotDimension;
  readonly blindSpot: BlindSpot;
}

/** A {@link PriorityBlindSpot} that is shown. */
export interface ShownPriorityBlindSpot extends PriorityBlindSpot {
  readonly blindSpot: ShownBlindSpot;
}

/**
 * The blind spot the brief names: the largest in size, in either direction (expecting too
 * little of the frontline's view misreads it as much as expecting too much), among the
 * shown ones whose 95% interval excludes zero, so that the brief never presents noise as a
 * finding. One without an interval (no spread in either group) counts when it is not zero.
 * Ties go to staffing before feasibility, then the title, then the priority id, so the
 * answer does not depend on the order of the list. `null` when none qualifies.
 */
export function largestBlindSpot(
  blindSpots: readonly PriorityBlindSpot[],
): ShownPriorityBlindSpot | null {
  let largest: ShownPriorityBlindSpot | null = null;
  for (const item of blindSpots) {
    const { blindSpot: figures } = item;
    if (figures.suppressed || !excludesZero(figures)) continue;
    const candidate = { ...item, blindSpot: figures };
    if (largest === null || compareBlindSpots(candidate, largest) < 0) largest = candidate;
  }
  return largest;
}

/**
 * The brief's sentence for a blind spot: "Leadership expected the frontline to rate
 * staffing for Customer Focus 3.6; it rated 2.1 (blind spot 1.5, 95% CI 1.1–1.9)." Means
 * and the blind spot with one decimal, as the brief writes gaps.
 */
export function blindSpotSentence(item: ShownPriorityBlindSpot): string {
  const { blindSpot: figures } = item;
  const interval = figures.ci95 === null ? '' : `, 95% CI ${formatInterval(figures.ci95)}`;
  return (
    `Leadership expected the frontline to rate ${item.dimension} for ${item.title} ${formatMean(figures.predictionMean)}; ` +
    `it rated ${formatMean(figures.actualMean)} (blind spot ${formatMean(figures.blindSpot)}${interval}).`
  );
}

function excludesZero(figures: ShownBlindSpot): boolean {
  if (figures.ci95 === null) return figures.blindSpot !== 0;
  const [low, high] = figures.ci95;
  return low > 0 || high < 0;
}

function compareBlindSpots(a: ShownPriorityBlindSpot, b: ShownPriorityBlindSpot): number {
  return (
    Math.abs(b.blindSpot.blindSpot) - Math.abs(a.blindSpot.blindSpot) ||
    BLIND_SPOT_DIMENSIONS.indexOf(a.dimension) - BLIND_SPOT_DIMENSIONS.indexOf(b.dimension) ||
    compareText(a.title, b.title) ||
    compareText(a.priorityId, b.priorityId)
  );
}

/** Code-unit order: unlike `localeCompare`, the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
