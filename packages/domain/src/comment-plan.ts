import { assertMinGroupSize } from './group-size.js';
import { TIERS, type Tier } from './question-bank.js';
import type { SegmentSize } from './segments.js';
import { planSuppression, type SuppressionReason } from './suppression.js';
import type { TeamTree } from './team-tree.js';

/** An answer to the open question with the stored segment of its response. */
export interface SegmentComment {
  readonly teamId: string | null;
  readonly tier: Tier;
  readonly text: string;
}

/** The comments of one group and tier that may be shown. */
export interface CommentGroup {
  /** The team (its roll-up); `null` for the whole organization. */
  readonly teamId: string | null;
  readonly tier: Tier;
  readonly comments: readonly string[];
}

/** A group and tier whose comments are withheld, and why. */
export interface WithheldCommentGroup {
  readonly teamId: string | null;
  readonly tier: Tier;
  readonly reason: SuppressionReason;
}

/** Which comment lists a run shows. */
export interface CommentPlan {
  readonly items: readonly CommentGroup[];
  readonly withheld: readonly WithheldCommentGroup[];
}

/**
 * Plans a run's comment lists (PRODUCT.md §6.5). A comment group is the whole organization
 * or a team's roll-up *and* a tier, and it is shown only when that tier's respondents in it
 * reach the comment threshold; respondents of the other tier never count towards it, so
 * leaders cannot fill a frontline group's threshold. Each tier is planned with
 * complementary suppression at the threshold (`planSuppression`), so no list of a smaller
 * group can be derived as the difference of two shown lists (team, parent, organization).
 * `respondents` are counted per stored segment; `comments` keep the order they are given
 * in, which the caller has shuffled once. A team some of whose people of the tier were
 * counted with the whole organization (`incomplete`) shows no list of that tier (`merged`).
 */
export function planComments(
  tree: TeamTree,
  respondents: readonly SegmentSize[],
  comments: readonly SegmentComment[],
  threshold: number,
  incomplete: (tier: Tier) => ReadonlySet<string> = () => new Set(),
): CommentPlan {
  assertMinGroupSize(threshold);
  const items: CommentGroup[] = [];
  const withheld: WithheldCommentGroup[] = [];
  const groups = [null, ...tree.deepestFirst().reverse()];
  for (const tier of TIERS) {
    const own = (teamId: string | null) =>
      respondents
        .filter((r) => r.tier === tier && r.teamId === teamId)
        .reduce((n, r) => n + r.count, 0);
    const plan = planSuppression({
      teams: tree.ids.map((id) => ({ id, parentId: tree.parentOf(id), ownCount: own(id) })),
      organizationOwnCount: own(null),
      minGroupSize: threshold,
      incomplete: incomplete(tier),
    });
    for (const teamId of groups) {
      if (plan.shown.has(teamId)) {
        items.push({
          teamId,
          tier,
          comments: comments
            .filter((c) => c.tier === tier && tree.holds(teamId, c.teamId))
            .map((c) => c.text),
        });
        continue;
      }
      const reason = plan.suppressed.get(teamId);
      if (reason !== undefined && (plan.counts.get(teamId) ?? 0) > 0) {
        withheld.push({ teamId, tier, reason });
      }
    }
  }
  return { items, withheld };
}
