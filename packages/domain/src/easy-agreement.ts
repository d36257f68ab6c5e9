/**
 * Agreement that comes too easily (issue "From gap to room to decision"): a cell where
 * leadership is nearly unanimous while the frontline is split. The product exists because
 * alignment is assumed instead of built (PRODUCT.md §1): agreement at the top can hide a
 * divided frontline, and the cell's mean gap may even be small, since a frontline split
 * between 1–2 and 4–5 averages out near the middle. The rule reads the two histograms, not
 * the means, so that the split is seen; the brief turns a flagged cell into a question for
 * the room.
 */
import { assertMinGroupSize } from './group-size.js';
import { assertHistogram, histogramTotal, type Histogram } from './histogram.js';

/**
 * Leadership is nearly unanimous when at least 80% of leaders answered on one side of the
 * scale: 4–5 (agree) or 1–2 (disagree). 80% is the share the product treats as alignment
 * (the clarity target, PRODUCT.md §5); a side rather than one value, since 4 and 5 are the
 * same agreement held more or less strongly. A leadership at 3 is undecided, not
 * unanimous, and is never flagged.
 */
export const EASY_AGREEMENT_UNANIMITY = 0.8;

/**
 * The frontline is split when at least 25% of it answered 1–2 and at least 25% answered
 * 4–5: two camps of a quarter or more each, not a majority with a few dissenters. Whatever
 * side leadership is on, one of those camps sees it the other way.
 */
export const EASY_AGREEMENT_SPLIT = 0.25;

/** The side of the scale a tier answered on: 4–5 (`agree`) or 1–2 (`disagree`). */
export type AgreementSide = 'agree' | 'disagree';

/** A cell's two histograms and the pulse's minimum group size k. */
export interface EasyAgreementInput {
  readonly leadership: Histogram;
  readonly frontline: Histogram;
  readonly minGroupSize: number;
}

/** The rule's reading of a cell whose two tiers reach k. */
export interface ShownEasyAgreement {
  readonly suppressed: false;
  /** Leadership nearly unanimous and the frontline split. */
  readonly flagged: boolean;
  /** The side holding at least {@link EASY_AGREEMENT_UNANIMITY} of leaders, or `null`. */
  readonly leadershipSide: AgreementSide | null;
  /** The share of leaders on their larger side. */
  readonly leadershipShare: number;
  /** The frontline's share at 1–2. */
  readonly frontlineDisagree: number;
  /** The frontline's share at 4–5. */
  readonly frontlineAgree: number;
}

/** A cell with a tier under k: no reading at all. */
export interface SuppressedEasyAgreement {
  readonly suppressed: true;
}

/** Whether a cell shows agreement that comes too easily; check `suppressed` to narrow. */
export type EasyAgreement = ShownEasyAgreement | SuppressedEasyAgreement;

/**
 * Reads a cell for easy agreement: flagged when leadership is nearly unanimous (at least
 * {@link EASY_AGREEMENT_UNANIMITY} of leaders at 4–5, or at 1–2) and the frontline is split
 * (at least {@link EASY_AGREEMENT_SPLIT} at 1–2 and as much at 4–5). Both boundaries count
 * as reached. Suppressed, like the cell, when either tier has fewer than `minGroupSize`
 * answers. Mirroring the scale (1↔5, 2↔4) mirrors the sides and keeps the flag. Throws
 * `DOMAIN_INVALID_GROUP_SIZE` on a minimum group size below 3 and
 * `DOMAIN_INVALID_HISTOGRAM` on a malformed histogram.
 */
export function easyAgreement(input: EasyAgreementInput): EasyAgreement {
  assertMinGroupSize(input.minGroupSize);
  const leadership = sides(input.leadership);
  const frontline = sides(input.frontline);
  if (
    leadership.n === 0 ||
    frontline.n === 0 ||
    leadership.n < input.minGroupSize ||
    frontline.n < input.minGroupSize
  ) {
    return { suppressed: true };
  }
  // k / n rounds to 0.8 or 0.25 exactly when it is that ratio, so no tolerance is needed.
  const leadershipAgree = leadership.agree / leadership.n;
  const leadershipDisagree = leadership.disagree / leadership.n;
  const leadershipSide =
    leadershipAgree >= EASY_AGREEMENT_UNANIMITY
      ? 'agree'
      : leadershipDisagree >= EASY_AGREEMENT_UNANIMITY
        ? 'disagree'
        : null;
  const frontlineAgree = frontline.agree / frontline.n;
  const frontlineDisagree = frontline.disagree / frontline.n;
  const split = frontlineAgree >= EASY_AGREEMENT_SPLIT && frontlineDisagree >= EASY_AGREEMENT_SPLIT;
  return {
    suppressed: false,
    flagged: leadershipSide !== null && split,
    leadershipSide,
    leadershipShare: Math.max(leadershipAgree, leadershipDisagree),
    frontlineDisagree,
    frontlineAgree,
  };
}

/** What the question for the room names: the priority's title and the cell's dimension. */
export interface EasyAgreementSubject {
  readonly title: string;
  /** A bank dimension such as `staffing`, or a custom item's key, named as it is. */
  readonly dimension: string;
}

/**
 * The brief's question for a flagged cell: "Leadership agrees almost to a person on
 * staffing for Customer Focus; the frontline is split. What does each half of the frontline
 * see that the other doesn't?"
 */
export function easyAgreementQuestion(subject: EasyAgreementSubject): string {
  return (
    `Leadership agrees almost to a person on ${subject.dimension} for ${subject.title}; the frontline is split. ` +
    "What does each half of the frontline see that the other doesn't?"
  );
}

function sides(histogram: Histogram): { n: number; agree: number; disagree: number } {
  assertHistogram(histogram);
  return {
    n: histogramTotal(histogram),
    agree: histogram[3] + histogram[4],
    disagree: histogram[0] + histogram[1],
  };
}
