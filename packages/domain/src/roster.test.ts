import { describe, expect, test } from 'vitest';
import { DEACTIVATION_CONFIRMATION_SHARE, deactivationNeedsConfirmation } from './roster.js';

describe('deactivationNeedsConfirmation', () => {
  test('above 40 % of the active people, an import asks to be confirmed', () => {
    expect(DEACTIVATION_CONFIRMATION_SHARE).toBe(0.4);
    expect(deactivationNeedsConfirmation(100, 40)).toBe(false);
    expect(deactivationNeedsConfirmation(100, 41)).toBe(true);
    expect(deactivationNeedsConfirmation(100, 100)).toBe(true);
  });

  test('deactivating nobody never does, even in an empty organization', () => {
    expect(deactivationNeedsConfirmation(0, 0)).toBe(false);
    expect(deactivationNeedsConfirmation(10, 0)).toBe(false);
  });
});
