/**
 * The aspects asked about each priority, in the order the product lists and shows them
 * (PRODUCT.md §4).
 */
export const DIMENSIONS = [
  'clarity',
  'importance',
  'staffing',
  'feasibility',
  'tradeoffs',
  'ownership',
  'commitment',
] as const;

/** One aspect asked about each priority, such as `staffing` or `feasibility`. */
export type Dimension = (typeof DIMENSIONS)[number];

/**
 * The two tiers of a roster, whose answers the product compares: the gap of a cell is the
 * leadership mean minus the frontline mean.
 */
export const TIERS = ['leadership', 'frontline'] as const;

/** Where a person sits in the organization: `leadership` or `frontline`. */
export type Tier = (typeof TIERS)[number];

/** The marker in a statement that stands for the priority's title. */
export const PRIORITY_PLACEHOLDER = '{P}';

/**
 * The statement of each dimension, with {@link PRIORITY_PLACEHOLDER} where the priority's
 * title goes. Leadership and frontline answer the same wording so their answers compare.
 */
export const STATEMENTS: Readonly<Record<Dimension, string>> = Object.freeze({
  clarity: 'I understand what {P} asks of my team in practice.',
  importance: '{P} is one of the most important things my team works on right now.',
  staffing: 'My team is staffed to deliver {P} alongside our other commitments.',
  feasibility: '{P} is achievable this quarter with the time, tools and budget we have.',
  tradeoffs: 'It is clear what we will stop or slow down to make room for {P}.',
  ownership: 'I had a real say in how we will deliver {P}.',
  commitment: 'I am personally committed to making {P} happen.',
});

/**
 * The optional free-text question a pulse may end with. Its answer is a comment, shown
 * only for groups at or above the comment threshold.
 */
export const OPEN_QUESTION = 'What makes this hard that nobody is saying out loud?';

/** The longest answer to {@link OPEN_QUESTION} accepted, in characters. */
export const COMMENT_MAX_LENGTH = 2000;

/**
 * The statement a respondent reads for one dimension of one priority, with the priority's
 * title in place of the placeholder. The title is inserted literally, so characters such
 * as `$` in it are kept as they are.
 */
export function statementFor(dimension: Dimension, priorityTitle: string): string {
  return STATEMENTS[dimension].replaceAll(PRIORITY_PLACEHOLDER, () => priorityTitle);
}

/**
 * The item leaders answer when a pulse asks them to predict the frontline (the blind spot):
 * how they expect the frontline to rate the bank's statement of `staffing` or `feasibility`
 * for a priority, on the same 1–5 scale.
 */
export function predictionStatementFor(
  dimension: 'staffing' | 'feasibility',
  priorityTitle: string,
): string {
  return `How do you expect the frontline to rate: "${statementFor(dimension, priorityTitle)}"?`;
}

const dimensionNames: ReadonlySet<string> = new Set(DIMENSIONS);
const tierNames: ReadonlySet<string> = new Set(TIERS);

/**
 * Whether a string names one of the bank's dimensions, exactly as written in
 * {@link DIMENSIONS} (the check is case-sensitive).
 */
export function isDimension(x: string): x is Dimension {
  return dimensionNames.has(x);
}

/** Whether a string names a tier, exactly as written in {@link TIERS} (case-sensitive). */
export function isTier(x: string): x is Tier {
  return tierNames.has(x);
}
