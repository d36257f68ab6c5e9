/** A team in the organization's tree. */
export interface TeamNode {
  readonly id: string;
  readonly parentId: string | null;
}

/**
 * The organization's team tree, walked in one place: parents, ancestors, roll-ups (a team
 * with everything beneath it) and depth. A parent that is not a team of the tree counts as
 * the top (the team is a root), and a cycle is cut where it closes, so a malformed tree
 * never loops.
 */
export class TeamTree {
  readonly #parent = new Map<string, string | null>();
  readonly #children = new Map<string, string[]>();
  readonly #rollUps = new Map<string, readonly string[]>();
  readonly #depths = new Map<string, number>();

  constructor(teams: readonly TeamNode[]) {
    for (const team of teams) this.#parent.set(team.id, team.parentId);
    for (const [id, parentId] of this.#parent) {
      if (parentId === null || !this.#parent.has(parentId)) {
        this.#parent.set(id, null);
      }
    }
    // Cut cycles: the first team of a cycle met from the top keeps its parent, the one
    // that would close the cycle becomes a root.
    for (const id of this.#parent.keys()) {
      const seen = new Set<string>();
      for (let current: string | null = id; current !== null;) {
        if (seen.has(current)) {
          this.#parent.set(current, null);
          break;
        }
        seen.add(current);
        current = this.#parent.get(current) ?? null;
      }
    }
    for (const [id, parentId] of this.#parent) {
      if (parentId !== null) this.#children.set(parentId, [...this.childrenOf(parentId), id]);
    }
  }

  /** Every team id of the tree. */
  get ids(): string[] {
    return [...this.#parent.keys()];
  }

  has(id: string): boolean {
    return this.#parent.has(id);
  }

  /** The team's parent; `null` for a root (or a team not in the tree). */
  parentOf(id: string): string | null {
    return this.#parent.get(id) ?? null;
  }

  childrenOf(id: string): readonly string[] {
    return this.#children.get(id) ?? [];
  }

  /** The team's ancestors, nearest first. */
  ancestorsOf(id: string): string[] {
    const result: string[] = [];
    for (let p = this.parentOf(id); p !== null; p = this.parentOf(p)) result.push(p);
    return result;
  }

  /** How many ancestors the team has: 0 for a root. */
  depthOf(id: string): number {
    let depth = this.#depths.get(id);
    if (depth === undefined) {
      depth = this.ancestorsOf(id).length;
      this.#depths.set(id, depth);
    }
    return depth;
  }

  /** The team with every team beneath it, itself first. */
  rollUp(id: string): readonly string[] {
    let all = this.#rollUps.get(id);
    if (all === undefined) {
      const found: string[] = [];
      const stack = [id];
      while (stack.length > 0) {
        const current = stack.pop() as string;
        found.push(current);
        stack.push(...this.childrenOf(current));
      }
      all = found;
      this.#rollUps.set(id, all);
    }
    return all;
  }

  /** The given teams with everything beneath them. */
  withDescendants(ids: Iterable<string>): Set<string> {
    const result = new Set<string>();
    for (const id of ids) for (const t of this.rollUp(id)) result.add(t);
    return result;
  }

  /**
   * Whether a report group holds a segment: the whole organization (`null`) holds every
   * segment; a team holds its own segment and those of the teams beneath it, never the
   * whole organization's own segment (`null`).
   */
  holds(group: string | null, segmentTeamId: string | null): boolean {
    if (group === null) return true;
    if (segmentTeamId === null) return false;
    for (let t: string | null = segmentTeamId; t !== null; t = this.parentOf(t)) {
      if (t === group) return true;
    }
    return false;
  }

  /** Every team, deepest first, then by id: children before their parents. */
  deepestFirst(): string[] {
    return this.ids.sort(
      (a, b) => this.depthOf(b) - this.depthOf(a) || (a < b ? -1 : a > b ? 1 : 0),
    );
  }
}
