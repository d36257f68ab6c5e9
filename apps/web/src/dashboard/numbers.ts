import { COLLISION_SIGNIFICANCE_LEVEL } from '@pulsegap/domain';
import { formatGap, NO_VALUE } from '../format.js';
import type { Interval } from './contract.js';

/** "−0.12 to +0.41" (gaps), or with another format for its ends ("62% to 78%"). */
export function formatInterval(
  interval: Interval | null,
  format: (value: number) => string = formatGap,
): string {
  return interval === null ? NO_VALUE : `${format(interval[0])} to ${format(interval[1])}`;
}

/** "< 0.001", "0.031", and "n.s." beside a q at or above the significance level. */
export function formatQ(q: number | null): string {
  if (q === null) return NO_VALUE;
  if (q < 0.001) return '< 0.001';
  const text = q.toFixed(3);
  return q >= COLLISION_SIGNIFICANCE_LEVEL ? `${text} (n.s.)` : text;
}

const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 0 });

/** A share as a whole percentage. */
export function formatShare(share: number | null): string {
  return share === null ? NO_VALUE : percent.format(share);
}
