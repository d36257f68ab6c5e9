import { DomainError } from './errors.js';

/**
 * The smallest minimum group size k a pulse may have: no number is ever shown for fewer
 * than three people (PRODUCT.md §6).
 */
export const MIN_GROUP_SIZE_FLOOR = 3;

/** The minimum group size k of a pulse that does not set one. */
export const DEFAULT_MIN_GROUP_SIZE = 5;

/** The minimum group size for comments of a pulse that does not set one; never below k. */
export const DEFAULT_COMMENT_MIN_GROUP_SIZE = 10;

/**
 * Checks a minimum group size: an integer of at least {@link MIN_GROUP_SIZE_FLOOR}.
 * Throws a {@link DomainError} `DOMAIN_INVALID_GROUP_SIZE` otherwise.
 */
export function assertMinGroupSize(minGroupSize: number): void {
  if (!Number.isSafeInteger(minGroupSize) || minGroupSize < MIN_GROUP_SIZE_FLOOR) {
    throw new DomainError(
      'DOMAIN_INVALID_GROUP_SIZE',
      `the minimum group size is an integer of at least ${MIN_GROUP_SIZE_FLOOR}, got ${String(minGroupSize)}`,
    );
  }
}

/** The two minimum group sizes: k for every number shown, and the one for comments. */
export interface GroupThresholds {
  readonly minGroupSize: number;
  readonly commentMinGroupSize: number;
}

/** Thresholds a request asks for; a field left out keeps its default or current value. */
export interface RequestedThresholds {
  readonly minGroupSize?: number | undefined;
  readonly commentMinGroupSize?: number | undefined;
}

/** A field of a threshold request that breaks a rule, and the rule in words. */
export interface ThresholdProblem {
  readonly field: keyof GroupThresholds;
  readonly message: string;
}

/** The thresholds to store, or every problem with the request. */
export type ThresholdDecision =
  | { readonly ok: true; readonly thresholds: GroupThresholds }
  | { readonly ok: false; readonly problems: readonly ThresholdProblem[] };

/**
 * Thresholds of a new pulse under the organization's floor. A pulse may raise the floor and
 * never undercut it: k defaults to the floor's k, the comment threshold to the larger of the
 * floor's comment threshold and the pulse's k; asking for less than the floor, or for a
 * comment threshold under the pulse's k, is a problem of that field.
 */
export function newPulseThresholds(
  requested: RequestedThresholds,
  floor: GroupThresholds,
): ThresholdDecision {
  const minGroupSize = requested.minGroupSize ?? floor.minGroupSize;
  const thresholds = {
    minGroupSize,
    commentMinGroupSize:
      requested.commentMinGroupSize ?? Math.max(floor.commentMinGroupSize, minGroupSize),
  };
  return decide(thresholds, [...pairProblems(thresholds), ...floorProblems(requested, floor)]);
}

/**
 * Thresholds of a pulse after a change: they only go up. A field left out keeps its current
 * value (the comment threshold rises with k if k passes it); a field given must be at least
 * its current value and at least the organization's floor.
 */
export function changedPulseThresholds(
  current: GroupThresholds,
  requested: RequestedThresholds,
  floor: GroupThresholds,
): ThresholdDecision {
  const minGroupSize = requested.minGroupSize ?? current.minGroupSize;
  const thresholds = {
    minGroupSize,
    commentMinGroupSize:
      requested.commentMinGroupSize ?? Math.max(current.commentMinGroupSize, minGroupSize),
  };
  return decide(thresholds, [
    ...loweringProblems(current, requested),
    ...pairProblems(thresholds),
    ...floorProblems(requested, floor),
  ]);
}

/**
 * A new organization-wide floor in place of `current`: k at least
 * {@link MIN_GROUP_SIZE_FLOOR}, the comment threshold at least k, and neither lower than now.
 */
export function changedFloor(current: GroupThresholds, next: GroupThresholds): ThresholdDecision {
  return decide(next, [...loweringProblems(current, next), ...pairProblems(next)]);
}

/**
 * The thresholds a run of a pulse applies: each the larger of the pulse's and the
 * organization's floor, so a floor raised after the pulse was made still holds.
 */
export function effectiveThresholds(
  pulse: GroupThresholds,
  floor: GroupThresholds,
): GroupThresholds {
  const minGroupSize = Math.max(pulse.minGroupSize, floor.minGroupSize, MIN_GROUP_SIZE_FLOOR);
  return {
    minGroupSize,
    commentMinGroupSize: Math.max(
      pulse.commentMinGroupSize,
      floor.commentMinGroupSize,
      minGroupSize,
    ),
  };
}

// One problem per field, the first found: a lowering (which names the current value), then
// k's own rules, then the floor.
function decide(
  thresholds: GroupThresholds,
  problems: readonly ThresholdProblem[],
): ThresholdDecision {
  if (problems.length === 0) return { ok: true, thresholds };
  const firsts = new Map<keyof GroupThresholds, ThresholdProblem>();
  for (const problem of problems)
    if (!firsts.has(problem.field)) firsts.set(problem.field, problem);
  return { ok: false, problems: [...firsts.values()] };
}

function loweringProblems(
  current: GroupThresholds,
  requested: RequestedThresholds,
): ThresholdProblem[] {
  const problems: ThresholdProblem[] = [];
  for (const field of ['minGroupSize', 'commentMinGroupSize'] as const) {
    const value = requested[field];
    if (value !== undefined && value < current[field]) {
      problems.push({ field, message: `can only go up: it is ${current[field]}` });
    }
  }
  return problems;
}

function floorProblems(requested: RequestedThresholds, floor: GroupThresholds): ThresholdProblem[] {
  const problems: ThresholdProblem[] = [];
  if (requested.minGroupSize !== undefined && requested.minGroupSize < floor.minGroupSize) {
    problems.push({
      field: 'minGroupSize',
      message: `must be at least the organization's minimum group size (${floor.minGroupSize})`,
    });
  }
  if (
    requested.commentMinGroupSize !== undefined &&
    requested.commentMinGroupSize < floor.commentMinGroupSize
  ) {
    problems.push({
      field: 'commentMinGroupSize',
      message: `must be at least the organization's comment minimum group size (${floor.commentMinGroupSize})`,
    });
  }
  return problems;
}

// k is an integer of at least the floor of floors; comments need at least as many as k.
function pairProblems(thresholds: GroupThresholds): ThresholdProblem[] {
  const { minGroupSize, commentMinGroupSize } = thresholds;
  const problems: ThresholdProblem[] = [];
  if (!Number.isSafeInteger(minGroupSize) || minGroupSize < MIN_GROUP_SIZE_FLOOR) {
    problems.push({
      field: 'minGroupSize',
      message: `must be an integer of at least ${MIN_GROUP_SIZE_FLOOR}`,
    });
  }
  if (!Number.isSafeInteger(commentMinGroupSize)) {
    problems.push({ field: 'commentMinGroupSize', message: 'must be an integer' });
  } else if (commentMinGroupSize < minGroupSize) {
    problems.push({
      field: 'commentMinGroupSize',
      message: `must be at least minGroupSize (${minGroupSize})`,
    });
  }
  return problems;
}
