/**
 * Items a run asks beyond the question bank, and who is asked which: the organization's
 * custom Likert items (PRODUCT.md §4), the items asking leaders to predict the frontline's
 * answers, and the follow-up items of open decisions.
 *
 * A run question may be asked of one tier only (`audienceTier`), of one team and the teams
 * under it only (`audienceTeamId`), or of both restrictions at once; `null` lifts a
 * restriction. Whoever hands out questions (the invitation page, the preview) and whoever
 * checks answers (`POST /responses`) asks this module, so the two cannot disagree.
 */
import { isDimension, PRIORITY_PLACEHOLDER, STATEMENTS, type Tier } from './question-bank.js';
import { assignSegments } from './segments.js';
import type { TeamNode } from './team-tree.js';

/** To whom a run question is addressed. */
export interface QuestionAudience {
  /** The tier it is asked of; `null`: both. */
  readonly audienceTier: Tier | null;
  /** The team it is asked of, with the teams under it; `null`: every team. */
  readonly audienceTeamId: string | null;
}

/** Who is being asked: a tier and a team's place in the run's team snapshot. */
export interface QuestionInvitee {
  readonly tier: Tier;
  /**
   * The invitee's team first, then its parent, and so on up to the root; empty for a group
   * that names no team (the whole organization's tier).
   */
  readonly teamAncestry: readonly string[];
}

/**
 * Whether a run question is asked of an invitee: the tier matches (or the question names
 * none) and the invitee's team is the question's team or lies under it (or the question
 * names none). An invitee whose group names no team is asked only questions that name none.
 */
export function isAskedOf(question: QuestionAudience, invitee: QuestionInvitee): boolean {
  if (question.audienceTier !== null && question.audienceTier !== invitee.tier) return false;
  if (question.audienceTeamId === null) return true;
  return invitee.teamAncestry.includes(question.audienceTeamId);
}

/**
 * How many of `questions` the most-asked of `invitees` is asked (`isAskedOf`): what a run's
 * length is judged by, since nobody answers more. 0 with no invitees.
 */
export function mostAskedOfAny(
  questions: readonly QuestionAudience[],
  invitees: readonly QuestionInvitee[],
): number {
  return invitees.reduce(
    (most, invitee) => Math.max(most, questions.filter((q) => isAskedOf(q, invitee)).length),
    0,
  );
}

/**
 * Whether a question is asked of anyone of a tier: the tier matches, in its team (or
 * anywhere, for a question that names none). What a preview of one tier's questions shows.
 */
export function isAskedOfTier(question: QuestionAudience, tier: Tier): boolean {
  return isAskedOf(question, {
    tier,
    teamAncestry: question.audienceTeamId === null ? [] : [question.audienceTeamId],
  });
}

/**
 * A team's ancestry in a team tree given as `id → parentId`: the team first, then its
 * parents up to the root. `null` (no team) has none. A cycle or a missing parent ends it.
 */
export function teamAncestry(
  teamId: string | null,
  parents: ReadonlyMap<string, string | null>,
): string[] {
  const ancestry: string[] = [];
  for (let id = teamId; id !== null && !ancestry.includes(id); id = parents.get(id) ?? null) {
    ancestry.push(id);
  }
  return ancestry;
}

/** The two follow-up items of a decision, in the order a run asks them. */
export const DECISION_ITEM_KINDS = ['settled', 'stopped'] as const;

/** A decision's follow-up item: `settled` (it holds) or `stopped` (its tradeoff is honoured). */
export type DecisionItemKind = (typeof DECISION_ITEM_KINDS)[number];

/** What a decision's follow-up items are made from. */
export interface DecisionForItems {
  readonly id: string;
  readonly title: string;
  readonly tradeoff: string;
  readonly priorityId: string;
  /** The owning team: its teams, and only they, are asked. */
  readonly teamId: string;
}

/** A follow-up item a run asks about a decision. */
export interface DecisionItem extends QuestionAudience {
  readonly kind: DecisionItemKind;
  /** The item's dimension in stored answers: the same word as its kind. */
  readonly dimension: DecisionItemKind;
  readonly priorityId: string;
  readonly decisionId: string;
  readonly text: string;
}

/** The statement of a decision's `settled` item, with the decision's title inserted literally. */
export function settledStatement(title: string): string {
  return `The decision "${title}" is settled for my team.`;
}

/** The statement of a decision's `stopped` item, with the tradeoff inserted literally. */
export function stoppedStatement(tradeoff: string): string {
  return `We have actually stopped or slowed "${tradeoff}".`;
}

/**
 * The follow-up items a run adds for decisions: two per open decision whose priority the
 * run asks about (`priorityIds`), `settled` then `stopped`, asked of the decision's owning
 * team and the teams under it, both tiers. Decisions are taken in the order given.
 */
export function decisionItems(
  decisions: readonly DecisionForItems[],
  priorityIds: readonly string[],
): DecisionItem[] {
  const asked = new Set(priorityIds);
  return decisions
    .filter((d) => asked.has(d.priorityId))
    .flatMap((d) =>
      DECISION_ITEM_KINDS.map((kind) => ({
        kind,
        dimension: kind,
        priorityId: d.priorityId,
        decisionId: d.id,
        audienceTier: null,
        audienceTeamId: d.teamId,
        text: kind === 'settled' ? settledStatement(d.title) : stoppedStatement(d.tradeoff),
      })),
    );
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

/**
 * How far a decision's follow-up items reach in its owning team, as readers see it: everyone,
 * some, or no one. Never the counts: a team's size under k is not shown anywhere else either
 * (participation is planned with the same suppression as the figures).
 */
export type ReachLevel = 'all' | 'some' | 'none';

/** A decision's reach in words of {@link ReachLevel}; a team with nobody in it reaches all. */
export function reachLevel(reach: DecisionReach): ReachLevel {
  if (reach.asked >= reach.people) return 'all';
  return reach.asked === 0 ? 'none' : 'some';
}

/** How far a decision's follow-up items reach in its owning team. */
export interface DecisionReach {
  /** People in the owning team and the teams under it. */
  readonly people: number;
  /** Of them, those a run of everyone would ask (`isAskedOf` their token's group). */
  readonly asked: number;
}

/**
 * How many of a decision's owning team (a team and the teams under it) a run inviting
 * `members` would ask its follow-up items, for any owning team: the segments are merged once
 * and the answer given per team. Questions go by the token's group, and a group of fewer
 * than k is merged upward (`assignSegments`): people whose group ends above the owning team
 * are not asked, since their answers would be stored beyond it.
 */
export function decisionReach(
  teams: readonly TeamNode[],
  members: readonly { readonly teamId: string; readonly tier: Tier }[],
  minGroupSize: number,
): (teamId: string) => DecisionReach {
  const merge = assignSegments(teams, members, minGroupSize);
  const parents = new Map(teams.map((t) => [t.id, t.parentId]));
  // Each member once: the teams they belong to, and the group their token would name.
  const placed = members.map((member) => ({
    within: teamAncestry(member.teamId, parents),
    group: {
      tier: member.tier,
      teamAncestry: teamAncestry(merge.segmentOf(member).teamId, parents),
    },
  }));
  return (teamId) => {
    const audience = { audienceTier: null, audienceTeamId: teamId };
    let people = 0;
    let asked = 0;
    for (const { within, group } of placed) {
      if (!within.includes(teamId)) continue;
      people += 1;
      if (isAskedOf(audience, group)) asked += 1;
    }
    return { people, asked };
  };
}
