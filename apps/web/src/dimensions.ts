import { DIMENSIONS, isDimension, type Dimension } from '@pulsegap/domain';

/** True for the question bank's own dimensions (PRODUCT.md §4), false for custom items. */
export const isBankDimension = isDimension;

// Okabe–Ito colours, distinguishable with the common colour-vision deficiencies. Staffing and
// feasibility, where collisions show, get the two warm ones.
const COLOURS: Record<Dimension, string> = {
  clarity: '#56b4e9',
  importance: '#0072b2',
  staffing: '#d55e00',
  feasibility: '#e69f00',
  tradeoffs: '#009e73',
  ownership: '#cc79a7',
  commitment: '#3d3d3d',
};

const CUSTOM_COLOURS = ['#8c8c8c', '#b8a04a', '#6a8caf', '#a0785a'] as const;

/** Bar colour of a dimension; custom Likert items cycle through muted colours. */
export function dimensionColour(name: string, customIndex = 0): string {
  if (isBankDimension(name)) return COLOURS[name];
  return CUSTOM_COLOURS[customIndex % CUSTOM_COLOURS.length] ?? '#8c8c8c';
}

/** Sorts dimension names: the bank's order first, then custom items alphabetically. */
export function orderDimensions(names: Iterable<string>): string[] {
  const unique = [...new Set(names)];
  const rank = (name: string): number =>
    isBankDimension(name) ? DIMENSIONS.indexOf(name) : DIMENSIONS.length;
  return unique.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
