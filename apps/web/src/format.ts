const twoDecimals = new Intl.NumberFormat('en', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const signedTwoDecimals = new Intl.NumberFormat('en', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
  signDisplay: 'exceptZero',
});
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Shown where a number is missing (a tier without answers). */
export const NO_VALUE = '—';

// A true minus sign reads better than a hyphen next to numbers and is announced as "minus".
const withMinus = (text: string): string => text.replace('-', '\u2212');

export function formatMean(value: number | null | undefined): string {
  return value === null || value === undefined ? NO_VALUE : twoDecimals.format(value);
}

export function formatGap(value: number | null | undefined): string {
  return value === null || value === undefined
    ? NO_VALUE
    : withMinus(signedTwoDecimals.format(value));
}

const signedInteger = new Intl.NumberFormat('en', {
  maximumFractionDigits: 1,
  signDisplay: 'exceptZero',
});

/** A tick of the gap axis: whole or half points, signed. */
export function formatScaleStep(value: number): string {
  return withMinus(signedInteger.format(value));
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? NO_VALUE : String(value);
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** Splits a label into lines of about `width` characters, so long titles fit beside the bars. */
export function wrapLabel(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.length > 0 ? lines : [text];
}
