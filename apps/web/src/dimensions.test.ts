import { describe, expect, test } from 'vitest';
import { contrastRatio, dimensionLabel, SERIES_COLOURS } from './dimensions.js';

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

describe('dimension labels', () => {
  const statements = new Map([['custom-budget', 'My team has the budget that {P} needs.']]);
  test('a bank dimension by its name, a custom item by its statement, an unknown key as it is', () => {
    expect(dimensionLabel('staffing', statements)).toBe('staffing');
    expect(dimensionLabel('custom-budget', statements)).toBe(
      'My team has the budget that the priority needs.',
    );
    expect(dimensionLabel('custom-gone', statements)).toBe('custom-gone');
  });
});
