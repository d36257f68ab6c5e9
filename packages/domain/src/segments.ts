import { assertMinGroupSize } from './group-size.js';
import type { Tier } from './question-bank.js';

/** A team in the organization's tree. */
export interface TeamNode {
  readonly id: string;
  readonly parentId: string | null;
}

/** The group a response is stored under: a team (or the whole organization, `null`) and a tier. */
export interface Segment {
  readonly teamId: string | null;
  readonly tier: Tier;
}

/**
 * Assigns every invitee's (team, tier) to the segment their token will name, so that no
 * segment other than the whole organization's tier has fewer than `minGroupSize` invitees.
 * A team with too few invitees of a tier is merged into its parent team (with the parent's
 * own invitees and anything merged into it before), and, at the top of the tree, into the
 * whole organization's tier. Children are resolved before their parents. Returns a lookup
 * from a (team, tier) pair to its segment.
 */
export function assignSegments(
  teams: readonly TeamNode[],
  invitees: readonly { teamId: string; tier: Tier }[],
  minGroupSize: number,
): (teamId: string, tier: Tier) => Segment {
  assertMinGroupSize(minGroupSize);
  const parentOf = new Map(teams.map((t) => [t.id, t.parentId]));
  const depth = (id: string): number => {
    let d = 0;
    const seen = new Set<string>();
    for (
      let p = parentOf.get(id) ?? null;
      p !== null && !seen.has(p);
      p = parentOf.get(p) ?? null
    ) {
      seen.add(p);
      d += 1;
    }
    return d;
  };
  // target[tier][team] = the team its invitees end up in (null: the whole organization).
  const target = new Map<string, string | null>();
  const key = (teamId: string, tier: Tier) => `${tier}/${teamId}`;
  const counts = new Map<string, number>();
  for (const i of invitees)
    counts.set(key(i.teamId, i.tier), (counts.get(key(i.teamId, i.tier)) ?? 0) + 1);

  const ordered = [...new Set([...teams.map((t) => t.id), ...invitees.map((i) => i.teamId)])].sort(
    (a, b) => depth(b) - depth(a),
  );
  for (const tier of ['leadership', 'frontline'] as const) {
    for (const teamId of ordered) {
      const n = counts.get(key(teamId, tier)) ?? 0;
      if (n === 0 || n >= minGroupSize) continue;
      const parent = parentOf.get(teamId) ?? null;
      target.set(key(teamId, tier), parent);
      if (parent !== null) counts.set(key(parent, tier), (counts.get(key(parent, tier)) ?? 0) + n);
      counts.set(key(teamId, tier), 0);
    }
  }

  return (teamId, tier) => {
    let current: string | null = teamId;
    const seen = new Set<string>();
    while (current !== null && target.has(key(current, tier)) && !seen.has(current)) {
      seen.add(current);
      current = target.get(key(current, tier)) ?? null;
    }
    return { teamId: current, tier };
  };
}
