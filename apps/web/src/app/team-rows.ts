import type { Tier } from '@pulsegap/domain';

/*
 * The team tree as the Teams view lists it: each team under its parent, with how many active
 * people of each tier it holds itself and with everything beneath it.
 */

export interface TierCount {
  leadership: number;
  frontline: number;
}

export interface TeamRow {
  id: string;
  name: string;
  /** 0 for a team without a parent. */
  depth: number;
  own: TierCount;
  /** The team and every team beneath it. */
  total: TierCount;
}

interface TeamLike {
  id: string;
  name: string;
  parentId: string | null;
}

interface PersonLike {
  teamId: string;
  tier: Tier;
  active: boolean;
}

/** Rows in tree order (parents first, siblings by name); a team whose parent is unknown is a root. */
export function teamRows(teams: readonly TeamLike[], people: readonly PersonLike[]): TeamRow[] {
  const known = new Set(teams.map((t) => t.id));
  const children = new Map<string | null, TeamLike[]>();
  for (const team of teams) {
    const parent = team.parentId !== null && known.has(team.parentId) ? team.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), team]);
  }
  const own = new Map<string, TierCount>();
  for (const person of people) {
    if (!person.active) continue;
    const count = own.get(person.teamId) ?? { leadership: 0, frontline: 0 };
    count[person.tier] += 1;
    own.set(person.teamId, count);
  }
  const rows: TeamRow[] = [];
  const visited = new Set<string>();
  const visit = (team: TeamLike, depth: number): TierCount => {
    visited.add(team.id);
    const mine = own.get(team.id) ?? { leadership: 0, frontline: 0 };
    const row: TeamRow = { id: team.id, name: team.name, depth, own: mine, total: { ...mine } };
    rows.push(row);
    for (const child of sorted(children.get(team.id) ?? [])) {
      if (visited.has(child.id)) continue;
      const beneath = visit(child, depth + 1);
      row.total.leadership += beneath.leadership;
      row.total.frontline += beneath.frontline;
    }
    return row.total;
  };
  for (const root of sorted(children.get(null) ?? [])) visit(root, 0);
  return rows;
}

function sorted(teams: TeamLike[]): TeamLike[] {
  return teams.toSorted((a, b) => a.name.localeCompare(b.name));
}
