/**
 * Complementary suppression (PRODUCT.md §6, rule 4): which groups of a run may show numbers
 * so that no group of fewer than k respondents can be derived from the shown ones.
 *
 * The model. Responses are stored per segment, and the segments of one tier are disjoint
 * "atoms": each team's own segment, and the whole organization's (team `null`), which holds
 * whatever was merged up to the top. A report group is a set of atoms: the whole
 * organization is all of them, a team is its roll-up (its own segment and every
 * descendant's). Every number a group shows (n, the sum behind the mean, each histogram bin,
 * the sum of squares behind the sd, top2) is the sum of the same number over its atoms, so a
 * set of atoms G is derivable exactly when its indicator vector lies in the linear span of
 * the shown groups' indicator vectors; one span argument covers counts and means alike.
 *
 * Why regions suffice. Team roll-ups and the whole organization form a laminar family (two
 * groups are nested or disjoint). Give every atom to its nearest shown group containing it;
 * the atoms given to a shown group S are its *region*: S minus the shown groups nested
 * directly inside it. Then S = region(S) + (the shown groups directly inside S), so the
 * regions span exactly what the shown groups span, and because regions are disjoint the
 * derivable groups are exactly the unions of regions. Hence no derivable group has
 * 0 < n < k if and only if no region has 0 < n < k, which is what this module checks and
 * enforces. Parent minus children, whole organization minus teams, A minus a nested B that
 * is no report cell, and any other linear combination are all covered.
 *
 * Empty segments are taken to be known as empty: the run's segment keys are published, so
 * which segments exist is public, and assuming an attacker knows every empty segment only
 * ever makes the check stricter. A group with n = 0 is suppressed like any group under k
 * (as `computeCell` does) but needs no protection: it describes nobody.
 *
 * Tiers are independent: no shown number mixes them, so a plan per tier is a plan for both.
 * Plan the frontline with the team tree (team cells show the team's frontline) and the
 * leadership with no teams and the tier's total as `organizationOwnCount` (only the whole
 * organization's cell shows leadership). Plan each question with its own answer counts.
 * Showing fewer groups than a plan allows is always safe (the span only shrinks); showing
 * more never is.
 *
 * Out of scope: inference from bounds rather than linear equations (a shown group in
 * which everyone gave the same answer tells each member's answer whatever its size).
 */
import { DomainError } from './errors.js';
import { assertMinGroupSize } from './group-size.js';
import type { TeamNode } from './team-tree.js';

/** A team with the number of respondents of one tier stored under its own segment. */
export interface TeamCount extends TeamNode {
  /** Respondents (or answers to one question) stored under this team's own segment. */
  readonly ownCount: number;
}

/**
 * What a suppression plan is made from: the team tree with each team's own count, the count
 * stored under the whole organization's own segment (team `null`), and k.
 */
export interface SuppressionInput {
  readonly teams: readonly TeamCount[];
  readonly organizationOwnCount: number;
  readonly minGroupSize: number;
  /** Teams whose roll-up misses some of its people: never shown (`merged`). */
  readonly incomplete?: ReadonlySet<string>;
}

/**
 * Why a group shows no numbers: `small`, fewer than k respondents (zero included);
 * `complementary`, hidden so that a small group cannot be derived from the shown ones; or
 * `merged`, some of the team's people were counted with the whole organization instead
 * (see `mergeSmallSegments`), so its roll-up would not be the team.
 */
export type SuppressionReason = 'small' | 'complementary' | 'merged';

/**
 * Which report groups of a tier may show numbers. A group is a team id (its roll-up) or
 * `null` for the whole organization; every group is in exactly one of `shown` and
 * `suppressed`. `counts` holds each group's respondents (its roll-up n).
 */
export interface SuppressionPlan {
  readonly counts: ReadonlyMap<string | null, number>;
  readonly shown: ReadonlySet<string | null>;
  readonly suppressed: ReadonlyMap<string | null, SuppressionReason>;
}

/**
 * A set of segments whose respondents could be derived from the shown groups: their team
 * ids, `null` for the whole organization's own segment, and their number of respondents.
 */
export interface DerivableGroup {
  readonly segments: readonly (string | null)[];
  readonly n: number;
}

/**
 * Plans which groups of a tier to show. Groups under k are suppressed (`small`). Then, while
 * some derivable group has 0 < n < k, the deepest shown group whose region is too small
 * gets the smallest group nested in it hidden too (`complementary`), the "next smallest
 * sibling", so its region grows; a group is never hidden to protect its own region, so the
 * whole organization is shown whenever it reaches k. Finally every complementary suppression
 * is undone, largest group first, where the plan stays safe without it, so each remaining
 * one is needed. The result is deterministic and does not depend on the order of `teams`.
 * Throws `DOMAIN_INVALID_GROUP_SIZE` for a bad k, `DOMAIN_INVALID_HISTOGRAM` for a count
 * that is not a non-negative integer, and a `TypeError` for a malformed team tree.
 */
export function planSuppression(input: SuppressionInput): SuppressionPlan {
  const forest = buildForest(input);
  const k = input.minGroupSize;
  const shown = new Set<string | null>();
  const suppressed = new Map<string | null, SuppressionReason>();
  for (const group of forest.groups) {
    if (forest.count(group) < k) suppressed.set(group, 'small');
    else shown.add(group);
  }

  for (;;) {
    const region = regionCounts(forest, shown);
    // forest.groups runs deepest first, so regions are mended bottom-up.
    const bad = forest.groups.find((g) => shown.has(g) && isSmall(region.get(g) ?? 0, k));
    if (bad === undefined) break;
    const hide = nextToHide(forest, shown, region, bad);
    shown.delete(hide);
    suppressed.set(hide, 'complementary');
  }

  // The greedy pass can hide a group that a later one made unnecessary; showing a group
  // again only grows the span, so one pass, largest first, leaves each remaining one needed.
  const hidden = forest.groups
    .filter((g) => suppressed.get(g) === 'complementary')
    .sort((a, b) => forest.count(b) - forest.count(a));
  for (const group of hidden) {
    shown.add(group);
    if (hasSmallRegion(forest, shown, k)) shown.delete(group);
    else suppressed.delete(group);
  }

  // Hiding a group is always safe: regions only grow.
  for (const group of input.incomplete ?? []) {
    if (shown.delete(group)) suppressed.set(group, 'merged');
  }
  return { counts: forest.counts, shown, suppressed };
}

/**
 * The smallest groups that can be derived from the `shown` groups and have 0 < n < k, in a
 * stable order; empty when the shown groups are safe. Every derivable group of fewer than k
 * respondents is a union of these, so an empty answer means none exists. Validates like
 * {@link planSuppression}, and throws a `TypeError` for a shown group that is not a team.
 */
export function derivableSmallGroups(
  input: SuppressionInput,
  shown: ReadonlySet<string | null>,
): DerivableGroup[] {
  const forest = buildForest(input);
  for (const group of shown) {
    if (group !== null && !forest.parentOf.has(group)) {
      throw new TypeError(`shown group ${group} is not a team`);
    }
  }
  const segments = new Map<string | null, (string | null)[]>();
  for (const atom of [null, ...[...forest.parentOf.keys()].sort(compareIds)]) {
    const owner = ownerOf(forest, shown, atom);
    if (owner === undefined) continue;
    const list = segments.get(owner) ?? [];
    list.push(atom);
    segments.set(owner, list);
  }
  const region = regionCounts(forest, shown);
  return forest.groups.flatMap((group) => {
    const n = region.get(group) ?? 0;
    return shown.has(group) && isSmall(n, input.minGroupSize)
      ? [{ segments: segments.get(group) ?? [], n }]
      : [];
  });
}

interface Forest {
  readonly parentOf: ReadonlyMap<string, string | null>;
  readonly ownCount: ReadonlyMap<string | null, number>;
  readonly counts: ReadonlyMap<string | null, number>;
  /** Every group, deepest first, then by id; the whole organization last. */
  readonly groups: readonly (string | null)[];
  readonly count: (group: string | null) => number;
}

function buildForest(input: SuppressionInput): Forest {
  assertMinGroupSize(input.minGroupSize);
  assertCount(input.organizationOwnCount);
  const parentOf = new Map<string, string | null>();
  const ownCount = new Map<string | null, number>([[null, input.organizationOwnCount]]);
  for (const team of input.teams) {
    if (parentOf.has(team.id)) throw new TypeError(`team ${team.id} appears twice`);
    assertCount(team.ownCount);
    parentOf.set(team.id, team.parentId);
    ownCount.set(team.id, team.ownCount);
  }

  const depth = new Map<string, number>();
  const depthOf = (id: string): number => {
    const path: string[] = [];
    let current: string | null = id;
    // Walk up to a team of known depth or the top, then fill the path in on the way back.
    while (current !== null && !depth.has(current)) {
      if (path.includes(current)) throw new TypeError(`team ${current} is its own ancestor`);
      path.push(current);
      const parent = parentOf.get(current);
      if (parent === undefined) throw new TypeError(`team ${current}'s parent is not a team`);
      current = parent;
    }
    let d = current === null ? -1 : (depth.get(current) ?? -1);
    for (const team of path.reverse()) {
      d += 1;
      depth.set(team, d);
    }
    return depth.get(id) ?? 0;
  };
  const teams = [...parentOf.keys()]
    .map((id) => ({ id, depth: depthOf(id) }))
    .sort((a, b) => b.depth - a.depth || compareIds(a.id, b.id))
    .map((t) => t.id);

  // Deepest first, so every child's roll-up is complete before its parent's.
  const counts = new Map<string | null, number>(ownCount);
  for (const id of teams) {
    const parent = parentOf.get(id) ?? null;
    counts.set(parent, (counts.get(parent) ?? 0) + (counts.get(id) ?? 0));
  }
  return {
    parentOf,
    ownCount,
    counts,
    groups: [...teams, null],
    count: (group) => counts.get(group) ?? 0,
  };
}

function assertCount(count: number): void {
  // A count is a histogram total, so a bad one is a malformed histogram.
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new DomainError('DOMAIN_INVALID_HISTOGRAM', `invalid count ${String(count)}`);
  }
}

function compareIds(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function isSmall(n: number, k: number): boolean {
  return n > 0 && n < k;
}

/**
 * The nearest shown group containing `atom` (a team's own segment, or `null` for the whole
 * organization's): the team itself, an ancestor, or the whole organization; `undefined`
 * when none is shown.
 */
function ownerOf(
  forest: Forest,
  shown: ReadonlySet<string | null>,
  atom: string | null,
): string | null | undefined {
  for (let group = atom; group !== null; group = forest.parentOf.get(group) ?? null) {
    if (shown.has(group)) return group;
  }
  return shown.has(null) ? null : undefined;
}

/** The respondents in each shown group's region. */
function regionCounts(
  forest: Forest,
  shown: ReadonlySet<string | null>,
): Map<string | null, number> {
  const region = new Map<string | null, number>();
  for (const [atom, n] of forest.ownCount) {
    const owner = ownerOf(forest, shown, atom);
    if (owner !== undefined) region.set(owner, (region.get(owner) ?? 0) + n);
  }
  return region;
}

function hasSmallRegion(forest: Forest, shown: ReadonlySet<string | null>, k: number): boolean {
  for (const n of regionCounts(forest, shown).values()) if (isSmall(n, k)) return true;
  return false;
}

/**
 * The group to hide for the too-small region of `bad`: the smallest shown group nested in
 * it whose region has respondents and is separated from `bad` only by shown groups with
 * empty regions. Hiding it moves its region into `bad`'s, or into an empty one nested in
 * `bad`, which thereby becomes a candidate of the next round. One always exists: a shown group with no shown
 * group inside has its whole n ≥ k as its region, and `bad` has a shown group inside, or
 * its region would be its n.
 */
function nextToHide(
  forest: Forest,
  shown: ReadonlySet<string | null>,
  region: ReadonlyMap<string | null, number>,
  bad: string | null,
): string {
  let best: string | undefined;
  for (const group of forest.groups) {
    if (group === null || group === bad || !shown.has(group)) continue;
    if ((region.get(group) ?? 0) === 0) continue;
    if (!separatedByEmptyRegions(forest, shown, region, group, bad)) continue;
    if (
      best === undefined ||
      forest.count(group) < forest.count(best) ||
      (forest.count(group) === forest.count(best) && compareIds(group, best) < 0)
    ) {
      best = group;
    }
  }
  if (best === undefined) throw new Error('no group to hide: the region invariant is broken');
  return best;
}

/** Whether `ancestor` contains `team` with only empty-region shown groups between them. */
function separatedByEmptyRegions(
  forest: Forest,
  shown: ReadonlySet<string | null>,
  region: ReadonlyMap<string | null, number>,
  team: string,
  ancestor: string | null,
): boolean {
  for (
    let group = forest.parentOf.get(team) ?? null;
    ;
    group = forest.parentOf.get(group) ?? null
  ) {
    if (group === ancestor) return true;
    if (group === null) return false;
    if (shown.has(group) && (region.get(group) ?? 0) > 0) return false;
  }
}
