/**
 * Decision durability (issue "From gap to room to decision"). A decision recorded in a room
 * (what, priority, owning team, tradeoff, review date) adds two items to the next runs of
 * pulses covering its priority, answered by the teams it concerns:
 *
 * - settled: "The decision '…' is settled for my team";
 * - tradeoff honoured: "We have actually stopped or slowed '…'".
 *
 * Each run gives each item a share answering 4 or 5, shown like every figure only when the
 * release shows the group. A decision is being relitigated when its settled share falls
 * under {@link RELITIGATION_FLOOR} or drops by {@link RELITIGATION_DROP} or more from the
 * previous shown run: people reopen what was decided, which is the early sign that the
 * room's agreement did not survive contact with the work.
 */
import { assertMinGroupSize } from './group-size.js';
import { assertHistogram, histogramTotal, type Histogram } from './histogram.js';
import type { ShareEstimate } from './run-metrics.js';
import { wilsonInterval } from './statistics.js';

/**
 * A settled share under 60% flags the decision. Below it, two in five of the teams it
 * concerns do not treat it as settled: a decision only a bare majority accepts is still
 * being argued, whatever was said in the room. Exactly 60% is not flagged.
 */
export const RELITIGATION_FLOOR = 0.6;

/**
 * A fall of 15 points or more from the previous shown run flags the decision, even above
 * the floor: a decision that loses that much support between two runs is being reopened
 * now. Exactly 15 points is flagged. It is larger than commitment drift's 10 points because
 * it compares two single runs, not the ends of three, and a run's share of a small group
 * moves by several points by chance alone.
 */
export const RELITIGATION_DROP = 0.15;

// Shares are ratios like 9/20, and 0.6 − 0.75 is −0.15000000000000002 in floating point
// while 0.8 − 0.95 is −0.1499999999999999: this slack keeps a fall of exactly 15 points
// flagged either way. A share against the floor needs none: k / n rounds to 0.6 exactly
// when it is 3/5.
const SHARE_TOLERANCE = 1e-9;

/** One run's answers to a decision's item by the teams it concerns. */
export interface DurabilityRun {
  readonly runId: string;
  /** The item's histogram in this run; `null` when the run did not ask it. */
  readonly answers: Histogram | null;
  /**
   * Whether the run's release shows this group's figure: it reached k and complementary
   * suppression did not hide it. The group is the union of the teams the decision concerns,
   * which is no team roll-up, so it must be a group of the run's suppression plan (or the
   * item asked of nobody else, so that the organization's cell is this group): this module
   * checks k again but cannot see what subtracting other shown groups would reveal.
   */
  readonly shown: boolean;
}

/** Why a point is flagged: under the floor, or a fall from the previous shown point. */
export type RelitigationReason = 'belowFloor' | 'drop';

/** A run whose share is shown, with its Wilson interval and flags. */
export interface ShownDurabilityPoint extends ShareEstimate {
  readonly runId: string;
  readonly withheld: false;
  /** This share minus the previous shown one; `null` for the first shown point. */
  readonly change: number | null;
  /** Whether any reason applies. */
  readonly flagged: boolean;
  readonly reasons: readonly RelitigationReason[];
}

/** A run whose share is withheld: not asked, under k or suppressed. It carries no number. */
export interface WithheldDurabilityPoint {
  readonly runId: string;
  readonly withheld: true;
}

/** One run of a durability series; check `withheld` to narrow. */
export type DurabilityPoint = ShownDurabilityPoint | WithheldDurabilityPoint;

/**
 * The durability series of one item over runs given oldest first: per run the share
 * answering 4 or 5 with its 95% Wilson interval, or withheld when the run did not ask the
 * item, the release does not show the group, or it has fewer than `minGroupSize` answers.
 *
 * A shown point is flagged `belowFloor` when its share is under {@link RELITIGATION_FLOOR}
 * and `drop` when it is at least {@link RELITIGATION_DROP} below the previous shown point's
 * share (the nearest earlier run that is shown, however far back). A withheld point is never
 * flagged and never serves as the reference, so that withholding a run can neither raise a
 * flag nor hide one by standing in for the run it hides.
 *
 * Throws `DOMAIN_INVALID_GROUP_SIZE` on a minimum group size below 3 and
 * `DOMAIN_INVALID_HISTOGRAM` on a malformed histogram.
 */
export function durabilitySeries(
  runs: readonly DurabilityRun[],
  minGroupSize: number,
): DurabilityPoint[] {
  assertMinGroupSize(minGroupSize);
  let previous: number | null = null;
  return runs.map(({ runId, answers, shown }): DurabilityPoint => {
    if (answers !== null) assertHistogram(answers);
    const n = answers === null ? 0 : histogramTotal(answers);
    const ci95 = answers === null ? null : wilsonInterval(answers[3] + answers[4], n);
    if (answers === null || ci95 === null || !shown || n < minGroupSize) {
      return { runId, withheld: true };
    }
    const count = answers[3] + answers[4];
    const share = count / n;
    const change = previous === null ? null : share - previous;
    const reasons: RelitigationReason[] = [];
    if (share < RELITIGATION_FLOOR) reasons.push('belowFloor');
    if (change !== null && change <= -RELITIGATION_DROP + SHARE_TOLERANCE) reasons.push('drop');
    previous = share;
    return {
      runId,
      withheld: false,
      count,
      n,
      share,
      ci95,
      change,
      flagged: reasons.length > 0,
      reasons,
    };
  });
}

/** A decision's two items over the runs since it was recorded, each oldest first. */
export interface DecisionDurabilityInput {
  readonly minGroupSize: number;
  /** "The decision '…' is settled for my team". */
  readonly settled: readonly DurabilityRun[];
  /** "We have actually stopped or slowed '…'". */
  readonly tradeoffHonoured: readonly DurabilityRun[];
}

/** How a decision held across runs. */
export interface DecisionDurability {
  /** The settled share per run; a flagged point is a run in which it was being relitigated. */
  readonly settled: readonly DurabilityPoint[];
  /**
   * The share saying the tradeoff was honoured per run, under the same rule: a flagged
   * point is a run in which what was to stop or slow is, for many, still going.
   */
  readonly tradeoffHonoured: readonly DurabilityPoint[];
  /**
   * Whether the decision is being relitigated now: the newest shown settled point is
   * flagged. `false` while no settled point is shown.
   */
  readonly relitigated: boolean;
}

/**
 * The durability of a decision: {@link durabilitySeries} of each of its two items, and
 * whether it is being relitigated now. Throws as {@link durabilitySeries}.
 */
export function decisionDurability(input: DecisionDurabilityInput): DecisionDurability {
  const settled = durabilitySeries(input.settled, input.minGroupSize);
  const tradeoffHonoured = durabilitySeries(input.tradeoffHonoured, input.minGroupSize);
  const newest = settled.findLast((point) => !point.withheld);
  return {
    settled,
    tradeoffHonoured,
    relitigated: newest !== undefined && newest.flagged,
  };
}
