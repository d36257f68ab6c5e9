/**
 * Items a run asks beyond the question bank, and who is asked which.
 *
 * A run question may be asked of one tier only (`audienceTier`), of one team and the teams
 * under it only (`audienceTeamId`), or of both restrictions at once; `null` lifts a
 * restriction. Whoever hands out questions (the invitation page, the preview) and whoever
 * checks answers (`POST /responses`) asks this module, so the two cannot disagree.
 */
import type { Tier } from './question-bank.js';

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
