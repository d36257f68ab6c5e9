import { assertMinGroupSize } from './group-size.js';
import { TIERS, type Tier } from './question-bank.js';
import { TeamTree, type TeamNode } from './team-tree.js';

/** The group a response is stored under: a team (or the whole organization, `null`) and a tier. */
export interface Segment {
  readonly teamId: string | null;
  readonly tier: Tier;
}

/** How many people (invitees, or respondents) of a tier belong to a team's own segment. */
export interface SegmentSize extends Segment {
  readonly count: number;
}

/**
 * Merges every segment with fewer than `minGroupSize` people into its parent team's
 * segment (with the parent's own people and anything merged into it before), and, at the
 * top of the tree, into the whole organization's segment of the tier (team `null`).
 * Children are resolved before their parents. When the whole organization's own segment
 * ends with people but fewer than `minGroupSize`, the smallest remaining segments of the
 * tier are merged into it until it has enough: no segment but an empty one is under k,
 * unless the whole tier is.
 *
 * Used twice: at run start on invitees, so no token names a group smaller than k; and at
 * close on respondents, so no stored response names a group of fewer than k respondents,
 * even to someone who knows who answered.
 */
export function mergeSmallSegments(
  tree: TeamTree,
  counts: readonly SegmentSize[],
  minGroupSize: number,
): SegmentMerge {
  assertMinGroupSize(minGroupSize);
  const key = (teamId: string, tier: Tier) => `${tier}/${teamId}`;
  const n = new Map<string, number>();
  for (const c of counts) {
    if (c.teamId !== null)
      n.set(key(c.teamId, c.tier), (n.get(key(c.teamId, c.tier)) ?? 0) + c.count);
  }
  // target[tier/team] = the team its people end up in (null: the whole organization).
  const target = new Map<string, string | null>();
  const incomplete = new Map<Tier, Set<string>>(TIERS.map((tier) => [tier, new Set()]));
  const outside = [...new Set(counts.flatMap((c) => (c.teamId === null ? [] : [c.teamId])))].filter(
    (id) => !tree.has(id),
  );
  const teams = [...tree.deepestFirst(), ...outside];
  for (const tier of TIERS) {
    let top = counts
      .filter((c) => c.teamId === null && c.tier === tier)
      .reduce((total, c) => total + c.count, 0);
    for (const teamId of teams) {
      const own = n.get(key(teamId, tier)) ?? 0;
      if (own === 0 || own >= minGroupSize) continue;
      const parent = tree.parentOf(teamId);
      target.set(key(teamId, tier), parent);
      if (parent === null) top += own;
      else n.set(key(parent, tier), (n.get(key(parent, tier)) ?? 0) + own);
      n.set(key(teamId, tier), 0);
    }
    // The whole organization's own segment gathers what was merged to the top; when that
    // is a group under k, whole segments join it until it is not (or nothing is left: then
    // the whole tier is under k, which a run refuses to start with). A segment that joins
    // it leaves its team's roll-up and every ancestor's short of those people, so those
    // groups are marked incomplete; the segments nearest the top go first, the smallest
    // first, which marks the fewest groups (and complementary suppression would hide one
    // of those top-level groups anyway, with the organization's own group under k).
    const remaining = teams
      .filter((id) => (n.get(key(id, tier)) ?? 0) > 0)
      .sort(
        (a, b) =>
          tree.depthOf(a) - tree.depthOf(b) ||
          (n.get(key(a, tier)) ?? 0) - (n.get(key(b, tier)) ?? 0) ||
          (a < b ? -1 : a > b ? 1 : 0),
      );
    for (const teamId of remaining) {
      if (top === 0 || top >= minGroupSize) break;
      top += n.get(key(teamId, tier)) ?? 0;
      n.set(key(teamId, tier), 0);
      target.set(key(teamId, tier), null);
      for (const id of [teamId, ...tree.ancestorsOf(teamId)]) incomplete.get(tier)?.add(id);
    }
  }
  return {
    segmentOf: ({ teamId, tier }) => {
      let current = teamId;
      while (current !== null && target.has(key(current, tier))) {
        current = target.get(key(current, tier)) ?? null;
      }
      return { teamId: current, tier };
    },
    incomplete: (tier) => incomplete.get(tier) ?? new Set(),
  };
}

/** Where each segment ends up (`mergeSmallSegments`), and which teams lost people by it. */
export interface SegmentMerge {
  segmentOf(segment: Segment): Segment;
  /**
   * Teams of whose people of `tier` some were merged into the whole organization's segment
   * rather than upward: their roll-up is not the team, so no figure is shown for it.
   */
  incomplete(tier: Tier): ReadonlySet<string>;
}

/**
 * Assigns every invitee's (team, tier) to the segment their token will name, so that no
 * segment has fewer than `minGroupSize` invitees unless the whole tier has (see
 * {@link mergeSmallSegments}).
 */
export function assignSegments(
  teams: readonly TeamNode[],
  invitees: readonly { teamId: string; tier: Tier }[],
  minGroupSize: number,
): SegmentMerge {
  return mergeSmallSegments(
    new TeamTree(teams),
    invitees.map((i) => ({ teamId: i.teamId, tier: i.tier, count: 1 })),
    minGroupSize,
  );
}

/** A tier of a run's audience with fewer people than the minimum group size. */
export interface TierShortfall {
  readonly tier: Tier;
  /** People of the tier in the audience. */
  readonly count: number;
  readonly minGroupSize: number;
}

/**
 * The tiers of an audience that have fewer than `minGroupSize` people (PRODUCT.md §6.8): a
 * run for such an audience must not start, since even the whole organization's group of
 * that tier would describe fewer than k people. `tiers` are the tiers the audience takes
 * (`null`: both); a tier the audience leaves out is not counted.
 */
export function audienceShortfalls(
  invitees: readonly { tier: Tier }[],
  tiers: readonly Tier[] | null,
  minGroupSize: number,
): TierShortfall[] {
  assertMinGroupSize(minGroupSize);
  return (tiers ?? TIERS).flatMap((tier) => {
    const count = invitees.filter((i) => i.tier === tier).length;
    return count < minGroupSize ? [{ tier, count, minGroupSize }] : [];
  });
}
