import { assertMinGroupSize } from './group-size.js';
import type { Histogram } from './histogram.js';
import {
  cliffsDelta,
  hedgesG,
  histogramMoments,
  mannWhitneyTest,
  welchTest,
  type ConfidenceInterval,
} from './statistics.js';

/**
 * What one tier answered in a cell: the number of answers, their mean, their sample
 * standard deviation (n − 1 in the denominator) and top2, the share of answers of 4 or 5.
 * `mean` and `top2` are `null` without answers; `sd` is `null` below two answers.
 */
export interface TierSummary {
  readonly n: number;
  readonly mean: number | null;
  readonly sd: number | null;
  readonly top2: number | null;
}

/** A cell whose two tiers both reach the minimum group size, with its statistics. */
export interface ReportedCellStatistics {
  readonly suppressed: false;
  readonly leadership: TierSummary;
  readonly frontline: TierSummary;
  /** Leadership mean minus frontline mean; positive when leadership is more optimistic. */
  readonly gap: number;
  /**
   * The Welch 95% interval of the gap, as R's `t.test(lead, front)$conf.int`; `null` when
   * every answer in each tier is the same value, where the standard error is zero and R stops.
   */
  readonly ci95: ConfidenceInterval | null;
  /**
   * The two-sided Mann–Whitney p-value, as R's `wilcox.test(lead, front, exact = FALSE,
   * correct = TRUE)$p.value`; `null` when both tiers gave one and the same answer throughout
   * (R answers NaN). The run's q-values come from these, see `benjaminiHochberg`.
   */
  readonly pValue: number | null;
  /** P(lead > front) − P(lead < front), from −1 to 1. */
  readonly cliffsDelta: number;
  /** Hedges' g of the gap; `null` when the pooled sd is zero (see `hedgesG`). */
  readonly hedgesG: number | null;
}

/** A cell under the minimum group size: it says so and carries no statistics at all. */
export interface SuppressedCellStatistics {
  readonly suppressed: true;
  readonly leadership: null;
  readonly frontline: null;
  readonly gap: null;
  readonly ci95: null;
  readonly pValue: null;
  readonly cliffsDelta: null;
  readonly hedgesG: null;
}

/**
 * The statistics of one cell (run × priority × dimension × organization or team). A cell
 * is suppressed when either tier has fewer answers than the minimum group size; then it
 * carries no number that could describe a small group. Check `suppressed` to narrow.
 */
export type CellStatistics = ReportedCellStatistics | SuppressedCellStatistics;

/** The answers of one cell: a histogram per tier, and the pulse's minimum group size k. */
export interface CellInput {
  readonly leadership: Histogram;
  readonly frontline: Histogram;
  readonly minGroupSize: number;
}

/**
 * Summarizes a tier's answers from its histogram. The mean comes from the exact integer sum
 * of the answers and the sd from squared deviations about that mean, which stays accurate
 * however many answers there are.
 */
export function summarize(histogram: Histogram): TierSummary {
  const { n, mean, squares } = histogramMoments(histogram);
  if (n === 0) return { n, mean: null, sd: null, top2: null };
  return {
    n,
    mean,
    sd: n < 2 ? null : Math.sqrt(squares / (n - 1)),
    top2: (histogram[3] + histogram[4]) / n,
  };
}

/**
 * The statistics of one cell from its two histograms: each tier's summary, and the gap with
 * its Welch interval, Mann–Whitney p-value, Cliff's delta and Hedges' g (PRODUCT.md §5; the
 * q-value needs the whole run, see `benjaminiHochberg`). Throws `DOMAIN_INVALID_GROUP_SIZE`
 * when `minGroupSize` is not an integer of at least 3, and `DOMAIN_INVALID_HISTOGRAM` on a
 * malformed histogram.
 */
export function computeCell(input: CellInput): CellStatistics {
  assertMinGroupSize(input.minGroupSize);
  const leadership = summarize(input.leadership);
  const frontline = summarize(input.frontline);
  // Null only without answers in a tier, which suppresses the cell anyway.
  const delta = cliffsDelta(input.leadership, input.frontline);
  if (
    leadership.mean === null ||
    frontline.mean === null ||
    delta === null ||
    leadership.n < input.minGroupSize ||
    frontline.n < input.minGroupSize
  ) {
    return {
      suppressed: true,
      leadership: null,
      frontline: null,
      gap: null,
      ci95: null,
      pValue: null,
      cliffsDelta: null,
      hedgesG: null,
    };
  }
  return {
    suppressed: false,
    leadership,
    frontline,
    gap: leadership.mean - frontline.mean,
    ci95: welchTest(input.leadership, input.frontline)?.ci95 ?? null,
    pValue: mannWhitneyTest(input.leadership, input.frontline)?.pValue ?? null,
    cliffsDelta: delta,
    hedgesG: hedgesG(input.leadership, input.frontline),
  };
}
