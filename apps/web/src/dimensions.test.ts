import { describe, expect, test } from 'vitest';
import { contrastRatio, SERIES_COLOURS } from './dimensions.js';

describe('series colours', () => {
  test('each stands at least 3:1 against the white of a chart (WCAG 1.4.11)', () => {
    for (const colour of SERIES_COLOURS) {
      expect(contrastRatio(colour, '#ffffff'), colour).toBeGreaterThanOrEqual(3);
    }
  });

  test('the contrast ratio is WCAG’s', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBe(1);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });
});
