/**
 * The items a run asks beyond the plain question bank (issue "From gap to room to
 * decision"): who a run question is asked of, the organization's custom Likert items
 * (PRODUCT.md §4), and the items asking leaders to predict the frontline's answers.
 */
import { isDimension, PRIORITY_PLACEHOLDER, STATEMENTS, type Tier } from './question-bank.js';

/** Who a run question is asked of: a tier (null: both) and a team (null: everyone). */
export interface QuestionAudience {
  readonly audienceTier: Tier | null;
  /** Asked of this team and every team beneath it; null for everyone the run invites. */
  readonly audienceTeamId: string | null;
}

/** Where an invitee sits, as their token's segment names it. */
export interface InviteePlace {
  readonly tier: Tier;
  /** The invitee's team first, then its parent, and so on up; empty for the whole organization. */
  readonly teamAncestry: readonly string[];
}

/**
 * Whether a run question is asked of an invitee: their tier is the question's (or the
 * question asks both), and the question asks everyone or a team the invitee's team is, or
 * sits beneath. The one rule for handing questions out and for accepting answers.
 */
export function isAskedOf(question: QuestionAudience, invitee: InviteePlace): boolean {
  if (question.audienceTier !== null && question.audienceTier !== invitee.tier) return false;
  return question.audienceTeamId === null || invitee.teamAncestry.includes(question.audienceTeamId);
}

// Custom items -----------------------------------------------------------------------------

/** A custom item's key: `custom-` then lowercase letters, digits and hyphens, 3–40 in all. */
export const CUSTOM_ITEM_KEY_PATTERN = '^custom-[a-z0-9-]{1,33}$';
/** The shortest and longest statement of a custom item, in characters. */
export const CUSTOM_ITEM_STATEMENT_MIN = 10;
export const CUSTOM_ITEM_STATEMENT_MAX = 300;

/** An organization's own Likert item: a key, and a statement with `{P}` for the title. */
export interface CustomItem {
  readonly key: string;
  readonly statement: string;
}

/** What is wrong with a custom item, by field. */
export interface CustomItemProblem {
  readonly field: 'key' | 'statement';
  readonly message: string;
}

const keyPattern = new RegExp(CUSTOM_ITEM_KEY_PATTERN);

/**
 * The rules of a custom item: its key starts with `custom-`, is 3–40 lowercase letters,
 * digits and hyphens and names no bank dimension; its statement is 10–300 characters and
 * holds {@link PRIORITY_PLACEHOLDER}, so that it is asked, and analysed, per priority like
 * the bank's. Empty when the item is valid.
 */
export function customItemProblems(item: CustomItem): CustomItemProblem[] {
  const problems: CustomItemProblem[] = [];
  if (!keyPattern.test(item.key) || item.key.length < 3 || item.key.length > 40) {
    problems.push({
      field: 'key',
      message: 'must be `custom-` followed by lowercase letters, digits and hyphens, 3–40 in all',
    });
  } else if (isDimension(item.key)) {
    problems.push({ field: 'key', message: 'names a dimension of the question bank' });
  }
  const length = item.statement.trim().length;
  if (length < CUSTOM_ITEM_STATEMENT_MIN || length > CUSTOM_ITEM_STATEMENT_MAX) {
    problems.push({
      field: 'statement',
      message: `must be ${CUSTOM_ITEM_STATEMENT_MIN}–${CUSTOM_ITEM_STATEMENT_MAX} characters`,
    });
  }
  if (!item.statement.includes(PRIORITY_PLACEHOLDER)) {
    problems.push({
      field: 'statement',
      message: `must contain ${PRIORITY_PLACEHOLDER} where the priority's title goes`,
    });
  }
  return problems;
}

/**
 * The statement a respondent reads for an item (a bank dimension or a custom item's
 * statement) and a priority: the title in place of the placeholder, inserted literally.
 */
export function itemStatementFor(statement: string, priorityTitle: string): string {
  return statement.replaceAll(PRIORITY_PLACEHOLDER, () => priorityTitle);
}

/** The bank's statements and the custom ones, by key: what a dimension reads as. */
export function itemStatements(custom: readonly CustomItem[]): Map<string, string> {
  return new Map<string, string>([
    ...Object.entries(STATEMENTS),
    ...custom.map((item): [string, string] => [item.key, item.statement]),
  ]);
}
