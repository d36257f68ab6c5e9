import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DomainError } from './errors.js';
import {
  addToHistogram,
  assertHistogram,
  emptyHistogram,
  histogramFromValues,
  histogramTotal,
  mergeHistograms,
} from './histogram.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
}

describe('histogram', () => {
  test('counts answers by value', () => {
    expect(emptyHistogram()).toEqual([0, 0, 0, 0, 0]);
    expect(histogramFromValues([])).toEqual([0, 0, 0, 0, 0]);
    expect(histogramFromValues([5, 1, 4, 4, 3, 5, 5])).toEqual([1, 0, 1, 2, 3]);
  });

  test.each([0, 6, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects the answer %s',
    (value) => {
      expect(codeOf(() => histogramFromValues([3, value]))).toBe('DOMAIN_INVALID_ANSWER');
      expect(codeOf(() => addToHistogram(emptyHistogram(), value))).toBe('DOMAIN_INVALID_ANSWER');
    },
  );

  test('adds answers without changing the given histogram', () => {
    const before = histogramFromValues([1, 2]);
    expect(addToHistogram(before, 5)).toEqual([1, 1, 0, 0, 1]);
    expect(addToHistogram(before, 2, 3)).toEqual([1, 4, 0, 0, 0]);
    expect(before).toEqual([1, 1, 0, 0, 0]);
    expect(codeOf(() => addToHistogram(before, 2, -1))).toBe('DOMAIN_INVALID_HISTOGRAM');
    expect(codeOf(() => addToHistogram(before, 2, 0.5))).toBe('DOMAIN_INVALID_HISTOGRAM');
  });

  test('merges and totals', () => {
    expect(mergeHistograms([1, 0, 2, 0, 3], [0, 4, 1, 0, 1])).toEqual([1, 4, 3, 0, 4]);
    expect(histogramTotal([1, 4, 3, 0, 4])).toBe(12);
  });

  test('checks histograms read from outside', () => {
    expect(() => {
      assertHistogram([0, 1, 2, 3, 4]);
    }).not.toThrow();
    for (const bad of [
      [0, 1, 2, 3],
      [0, 1, 2, 3, 4, 5],
      [0, -1, 0, 0, 0],
      [0, 1.5, 0, 0, 0],
    ]) {
      expect(
        codeOf(() => {
          assertHistogram(bad);
        }),
      ).toBe('DOMAIN_INVALID_HISTOGRAM');
    }
  });

  test('property: the counts add up to the answers given, value by value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 })), (values) => {
        const histogram = histogramFromValues(values);
        expect(histogramTotal(histogram)).toBe(values.length);
        for (const [index, count] of histogram.entries()) {
          expect(count).toBe(values.filter((v) => v === index + 1).length);
        }
      }),
    );
  });
});
