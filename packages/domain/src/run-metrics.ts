import { DomainError } from './errors.js';
import { assertHistogram, type Histogram } from './histogram.js';
import { wilsonInterval, type ConfidenceInterval } from './statistics.js';

/** The clarity index the product aims for: 80% of respondents clear on a priority. */
export const CLARITY_INDEX_TARGET = 0.8;

/** A q-value below this makes a staffing or feasibility gap a significant collision. */
export const COLLISION_SIGNIFICANCE_LEVEL = 0.05;

/** Whether a gap with this q-value is significant (q < {@link COLLISION_SIGNIFICANCE_LEVEL}). */
export function isSignificant(qValue: number | null | undefined): boolean {
  return qValue !== null && qValue !== undefined && qValue < COLLISION_SIGNIFICANCE_LEVEL;
}

/** A fall of frontline commitment top2 of at least this much (ten points) is flagged. */
export const COMMITMENT_DRIFT_THRESHOLD = 0.1;

// Top2 shares are ratios like 7/10, and 0.6 − 0.7 is −0.0999… in floating point: without
// this slack a fall of exactly ten points would escape the flag.
const SHARE_TOLERANCE = 1e-9;

/** A share of respondents with its 95% Wilson interval. */
export interface ShareEstimate {
  /** Respondents counted in the share. */
  readonly count: number;
  /** Respondents it is a share of. */
  readonly n: number;
  readonly share: number;
  readonly ci95: ConfidenceInterval;
}

/** The clarity index of a priority: its share, interval, and whether it reaches the target. */
export interface ClarityIndex extends ShareEstimate {
  /** Whether the share itself (not the interval) is at least {@link CLARITY_INDEX_TARGET}. */
  readonly meetsTarget: boolean;
}

/**
 * The clarity index: top2 of `clarity` over all respondents, both tiers together (merge the
 * tiers' histograms with `mergeHistograms`), with its 95% Wilson interval. `null` without
 * answers. Like every figure here it is shown only when the group reaches k; that check is
 * the caller's, as for any cell.
 */
export function clarityIndex(clarity: Histogram): ClarityIndex | null {
  assertHistogram(clarity);
  const estimate = shareEstimate(
    clarity[3] + clarity[4],
    clarity.reduce((a, b) => a + b, 0),
  );
  if (estimate === null) return null;
  return {
    ...estimate,
    // k / n rounds to 0.8 exactly when it is 4/5, so no tolerance is needed here.
    meetsTarget: estimate.share >= CLARITY_INDEX_TARGET,
  };
}

/**
 * The counts committed clarity is computed from. Two marginal histograms cannot say who
 * answered high on both statements, so these are counted per response, pairing the two
 * answers one response gave about the same priority (a response is anonymous, so this links
 * nothing to a person).
 */
export interface CommittedClarityInput {
  /** Respondents who answered 4 or 5 on both `clarity` and `commitment`. */
  readonly clearAndCommitted: number;
  /** Respondents who answered both `clarity` and `commitment`: the denominator. */
  readonly answeredBoth: number;
}

/**
 * Committed clarity: the share of respondents answering 4 or more on both `clarity` and
 * `commitment`, with its 95% Wilson interval. `null` when nobody answered both. Throws
 * `DOMAIN_INVALID_COUNT` unless the counts are integers with
 * `0 <= clearAndCommitted <= answeredBoth`.
 */
export function committedClarity(input: CommittedClarityInput): ShareEstimate | null {
  return shareEstimate(input.clearAndCommitted, input.answeredBoth);
}

/** What the collision score needs of a staffing or feasibility cell. */
export interface CollisionCell {
  /** Leadership mean minus frontline mean. */
  readonly gap: number;
  /** The cell's Benjamini–Hochberg q-value in its run; `null` when its p-value is undefined. */
  readonly qValue: number | null;
}

/** A priority's stated weight and its two resourcing cells; `null` for a suppressed cell. */
export interface CollisionInput {
  /** How important leadership says the priority is, 1 to 5. */
  readonly statedWeight: number;
  readonly staffing: CollisionCell | null;
  readonly feasibility: CollisionCell | null;
}

/** The dimensions a collision score is computed from. */
export type CollisionDimension = 'staffing' | 'feasibility';

/** How strongly a priority collides with resourcing reality. */
export interface CollisionScore {
  /** statedWeight / 5 × max(0, meanGap) / 4, in [0, 1]. */
  readonly score: number;
  /** The mean gap over the cells the score is based on. */
  readonly meanGap: number;
  /**
   * Whether a cell the score is based on has a positive gap (leadership more optimistic)
   * with a q-value below {@link COLLISION_SIGNIFICANCE_LEVEL}.
   */
  readonly significant: boolean;
  /** The cells the score is based on: both, or the one that is not suppressed. */
  readonly basedOn: readonly CollisionDimension[];
}

/**
 * The collision score of a priority: statedWeight / 5 × max(0, mean gap over `staffing` and
 * `feasibility`) / 4, clamped to [0, 1], since a gap can be at most 4 on a 1..5 scale.
 *
 * When one of the two cells is suppressed (or missing), the score uses the other's gap alone
 * rather than treat the hidden one as no gap; with neither, there is no score (`null`).
 * A collision is significant when a cell it is based on has q < 0.05 and a positive gap: the
 * test is two-sided, and a frontline more optimistic than leadership is no collision.
 *
 * Throws `DOMAIN_INVALID_STATED_WEIGHT` unless the weight is an integer from 1 to 5,
 * `DOMAIN_INVALID_SAMPLE` on a gap that is not finite and `DOMAIN_INVALID_PROBABILITY` on a
 * q-value outside [0, 1].
 */
export function collisionScore(input: CollisionInput): CollisionScore | null {
  const { statedWeight } = input;
  if (!Number.isInteger(statedWeight) || statedWeight < 1 || statedWeight > 5) {
    throw new DomainError(
      'DOMAIN_INVALID_STATED_WEIGHT',
      `a stated weight is an integer from 1 to 5, got ${String(statedWeight)}`,
    );
  }
  const cells: [CollisionDimension, CollisionCell][] = [];
  if (input.staffing !== null) cells.push(['staffing', assertCollisionCell(input.staffing)]);
  if (input.feasibility !== null) {
    cells.push(['feasibility', assertCollisionCell(input.feasibility)]);
  }
  if (cells.length === 0) return null;
  const meanGap = cells.reduce((total, [, cell]) => total + cell.gap, 0) / cells.length;
  const score = ((statedWeight / 5) * Math.max(0, meanGap)) / 4;
  return {
    score: Math.min(1, Math.max(0, score)),
    meanGap,
    significant: cells.some(([, cell]) => cell.gap > 0 && isSignificant(cell.qValue)),
    basedOn: cells.map(([dimension]) => dimension),
  };
}

/** The frontline figures of one run that commitment drift follows. */
export interface DriftRun {
  /** Frontline top2 of `commitment`; `null` when that cell is suppressed. */
  readonly commitmentTop2: number | null;
  /** Frontline top2 of `clarity`; `null` when that cell is suppressed. */
  readonly clarityTop2: number | null;
}

/** How frontline commitment moved over the last runs. */
export interface CommitmentDrift {
  /** Newest minus oldest commitment top2 of the runs compared; −0.1 is a fall of 10 points. */
  readonly commitmentChange: number;
  /** Newest minus oldest clarity top2 of the same two runs; `null` if either lacks it. */
  readonly clarityChange: number | null;
  /** Commitment fell 10 points or more while clarity held (see {@link commitmentDrift}). */
  readonly flagged: boolean;
}

/**
 * Commitment drift: the change of frontline `commitment` top2 across the last three runs,
 * given oldest first (earlier runs in a longer list are ignored). It compares the oldest and
 * the newest of those runs that have a commitment top2; with fewer than two such runs there
 * is no drift (`null`).
 *
 * The drift is flagged when commitment falls by 10 points (0.10) or more while clarity top2
 * holds, meaning it is known in both runs compared and did not itself fall by 10 points or
 * more: people still understand the priority but are giving up on it. A clarity that is
 * unknown in either run cannot be said to hold, so such a drift is not flagged.
 *
 * Throws `DOMAIN_INVALID_PROBABILITY` on a top2 outside [0, 1].
 */
export function commitmentDrift(runs: readonly DriftRun[]): CommitmentDrift | null {
  for (const run of runs) {
    assertShare(run.commitmentTop2);
    assertShare(run.clarityTop2);
  }
  const compared = runs
    .slice(-3)
    .flatMap(({ commitmentTop2: commitment, clarityTop2: clarity }) =>
      commitment === null ? [] : [{ commitment, clarity }],
    );
  const oldest = compared[0];
  const newest = compared.at(-1);
  if (compared.length < 2 || oldest === undefined || newest === undefined) return null;
  const commitmentChange = newest.commitment - oldest.commitment;
  const clarityChange =
    oldest.clarity === null || newest.clarity === null ? null : newest.clarity - oldest.clarity;
  return {
    commitmentChange,
    clarityChange,
    flagged:
      fellTenPoints(commitmentChange) && clarityChange !== null && !fellTenPoints(clarityChange),
  };
}

function fellTenPoints(change: number): boolean {
  return change <= -COMMITMENT_DRIFT_THRESHOLD + SHARE_TOLERANCE;
}

function shareEstimate(count: number, n: number): ShareEstimate | null {
  const ci95 = wilsonInterval(count, n);
  return ci95 === null ? null : { count, n, share: count / n, ci95 };
}

function assertCollisionCell(cell: CollisionCell): CollisionCell {
  if (!Number.isFinite(cell.gap)) {
    throw new DomainError('DOMAIN_INVALID_SAMPLE', `a gap is a finite number, got ${cell.gap}`);
  }
  if (cell.qValue !== null && !(cell.qValue >= 0 && cell.qValue <= 1)) {
    throw new DomainError(
      'DOMAIN_INVALID_PROBABILITY',
      `a q-value lies in [0, 1], got ${cell.qValue}`,
    );
  }
  return cell;
}

function assertShare(share: number | null): void {
  if (share !== null && !(share >= 0 && share <= 1)) {
    throw new DomainError(
      'DOMAIN_INVALID_PROBABILITY',
      `a top2 share lies in [0, 1], got ${share}`,
    );
  }
}
