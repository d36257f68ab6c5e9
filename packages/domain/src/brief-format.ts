import type { ConfidenceInterval } from './statistics.js';

// How the brief writes numbers a facilitator can say out loud: means and gaps with one
// decimal, shares as whole percentages. Shared by every module that writes a sentence for
// the brief, so that a 3.6 or a 45% reads the same wherever it appears.

/** The true minus sign the brief writes instead of a hyphen. */
export const MINUS = '\u2212';

/** A mean or gap with one decimal, a true minus sign, and no "−0.0". */
export function formatMean(value: number): string {
  const text = value.toFixed(1);
  if (text === '-0.0') return '0.0';
  return text.startsWith('-') ? `${MINUS}${text.slice(1)}` : text;
}

/** An interval with an en dash, or with "to" when an end is negative. */
export function formatInterval([low, high]: ConfidenceInterval): string {
  const a = formatMean(low);
  const b = formatMean(high);
  return a.startsWith(MINUS) || b.startsWith(MINUS) ? `${a} to ${b}` : `${a}–${b}`;
}

/** A share as a whole percentage; `unit` false leaves off the "%" (for an interval's start). */
export function formatPercent(share: number, unit = true): string {
  return `${Math.round(share * 100)}${unit ? '%' : ''}`;
}
