import { DIMENSIONS, isDimension, type Dimension } from '@pulsegap/domain';

/** True for the question bank's own dimensions (PRODUCT.md §4), false for custom items. */
export const isBankDimension = isDimension;

// Okabe–Ito hues, distinguishable with the common colour-vision deficiencies, darkened where
// needed so that every one stands at least 3:1 against the page (WCAG 1.4.11). Staffing and
// feasibility, where collisions show, get the two warm ones.
const COLOURS: Record<Dimension, string> = {
  clarity: '#3b8bc2',
  importance: '#0b4f8a',
  staffing: '#d55e00',
  feasibility: '#b77a00',
  tradeoffs: '#008060',
  ownership: '#b56a93',
  commitment: '#3d3d3d',
};

const CUSTOM_COLOURS = ['#707070', '#8a6d1f', '#4f6f8f', '#8a5a3c'] as const;

/** Every colour a series may take, for the contrast check. */
export const SERIES_COLOURS: readonly string[] = [...Object.values(COLOURS), ...CUSTOM_COLOURS];

/** Colour of a dimension's series; custom Likert items cycle through their own colours. */
export function dimensionColour(name: string, customIndex = 0): string {
  if (isBankDimension(name)) return COLOURS[name];
  return CUSTOM_COLOURS[customIndex % CUSTOM_COLOURS.length] ?? '#707070';
}

/**
 * How a dimension is named to readers: a bank dimension by its name, a custom item by its
 * statement (from `statements`, by key) with "the priority" for `{P}`; a custom key whose
 * statement is not known, by its key.
 */
export function dimensionLabel(name: string, statements: ReadonlyMap<string, string>): string {
  if (isBankDimension(name)) return name;
  const statement = statements.get(name);
  return statement === undefined ? name : statement.replaceAll('{P}', 'the priority');
}

/** Sorts dimension names: the bank's order first, then custom items alphabetically. */
export function orderDimensions(names: Iterable<string>): string[] {
  const unique = [...new Set(names)];
  const rank = (name: string): number =>
    isBankDimension(name) ? DIMENSIONS.indexOf(name) : DIMENSIONS.length;
  return unique.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** WCAG contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const luminance = (hex: string): number => {
    const channels = [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16) / 255);
    const [r = 0, g = 0, b = 0] = channels.map((c) =>
      c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4,
    );
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}
