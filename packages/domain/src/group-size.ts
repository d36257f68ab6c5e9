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
