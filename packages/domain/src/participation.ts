import { TIERS, type Tier } from './question-bank.js';
import type { Segment } from './segments.js';
import { planSuppression, type SuppressionPlan, type SuppressionReason } from './suppression.js';
import type { TeamTree } from './team-tree.js';

/** How many of a group were invited, collected their token, and responded. */
export interface ParticipationCounts {
  readonly invited: number;
  readonly tokensCollected: number;
  readonly responses: number;
}

/** The participation of one token segment (a team's own, or the whole organization's). */
export interface SegmentParticipation extends Segment, ParticipationCounts {}

/** Participation a group may show: its totals and, where safe, its tiers. */
export interface GroupParticipation extends ParticipationCounts {
  /** The team (its roll-up); `null` for the whole organization. */
  readonly teamId: string | null;
  /** Per tier, only where the group of each tier reaches k and is shown by its tier's plan. */
  readonly tiers: Readonly<Record<Tier, ParticipationCounts>> | null;
}

/** A group whose participation is not shown, and why. */
export interface WithheldParticipation {
  readonly teamId: string | null;
  readonly reason: SuppressionReason;
}

/** What participation a run may show (PRODUCT.md §5, participation). */
export interface ParticipationReport {
  /** The whole organization; `null` when even it has fewer than k invitees. */
  readonly organization: GroupParticipation | null;
  /** Teams whose roll-up may be shown, in the tree's order (parents after children). */
  readonly teams: readonly GroupParticipation[];
  /** Teams with invitees whose participation is withheld. */
  readonly withheld: readonly WithheldParticipation[];
}

/**
 * Plans which participation figures of a run may be shown, from its token segments. The
 * groups are the whole organization and every team's roll-up; the plan is made on the
 * number *invited* per segment, which is fixed when the run starts, so it never changes
 * while the run is open and no two reads can differ in what they show, only in counts.
 * Totals are planned with complementary suppression at k like the figures
 * (`planSuppression`), so no group of fewer than k invitees can be subtracted out of the
 * shown ones. Each tier is planned the same way on its own, and a group is shown only
 * where every tier it has invitees of shows it too; it shows its tiers apart only where
 * both tiers' plans show it.
 * A team some of whose people were counted with the whole organization (`incomplete`, see
 * `mergeSmallSegments`) is withheld (`merged`): its counts would not be the team's.
 */
export function planParticipation(
  tree: TeamTree,
  segments: readonly SegmentParticipation[],
  minGroupSize: number,
  incomplete: (tier: Tier) => ReadonlySet<string> = () => new Set(),
): ParticipationReport {
  const own = (teamId: string | null, tiers: readonly Tier[]) =>
    segments
      .filter((s) => s.teamId === teamId && tiers.includes(s.tier))
      .reduce((n, s) => n + s.invited, 0);
  const plan = (tiers: readonly Tier[]): SuppressionPlan =>
    planSuppression({
      teams: tree.ids.map((id) => ({ id, parentId: tree.parentOf(id), ownCount: own(id, tiers) })),
      organizationOwnCount: own(null, tiers),
      minGroupSize,
      incomplete: new Set(tiers.flatMap((tier) => [...incomplete(tier)])),
    });
  const totals = plan(TIERS);
  const byTier = new Map(TIERS.map((tier) => [tier, plan([tier])]));

  const sum = (group: string | null, tiers: readonly Tier[]): ParticipationCounts =>
    segments
      .filter((s) => tiers.includes(s.tier) && tree.holds(group, s.teamId))
      .reduce(
        (total, s) => ({
          invited: total.invited + s.invited,
          tokensCollected: total.tokensCollected + s.tokensCollected,
          responses: total.responses + s.responses,
        }),
        { invited: 0, tokensCollected: 0, responses: 0 },
      );
  const shownGroup = (group: string | null): GroupParticipation => {
    const bothTiers = TIERS.every((tier) => byTier.get(tier)?.shown.has(group) === true);
    return {
      teamId: group,
      ...sum(group, TIERS),
      tiers: bothTiers
        ? { leadership: sum(group, ['leadership']), frontline: sum(group, ['frontline']) }
        : null,
    };
  };

  // A group's totals are the sum of its tiers: where one tier's plan hides it, showing
  // the totals would show that tier (when the other is empty) or let it be subtracted out
  // (the other tier's figures being shown elsewhere). So a group is shown only where every
  // tier it has invitees of shows it too.
  const shown = (group: string | null): boolean =>
    totals.shown.has(group) &&
    TIERS.every(
      (tier) => sum(group, [tier]).invited === 0 || byTier.get(tier)?.shown.has(group) === true,
    );
  const reasonOf = (group: string | null) =>
    totals.suppressed.get(group) ??
    TIERS.map((tier) => byTier.get(tier)?.suppressed.get(group)).find((r) => r === 'merged') ??
    'complementary';

  const teams = tree.deepestFirst();
  return {
    organization: shown(null) ? shownGroup(null) : null,
    teams: teams.filter(shown).map(shownGroup),
    withheld: teams.flatMap((teamId) =>
      shown(teamId) || (totals.counts.get(teamId) ?? 0) === 0
        ? []
        : [{ teamId, reason: reasonOf(teamId) }],
    ),
  };
}
