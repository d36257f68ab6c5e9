import type { Collision } from './contract.js';

/*
 * The collision map's view of a run: one point per priority, x its stated weight, y what the
 * frontline says of staffing and feasibility, its size the collision score (PRODUCT.md §5).
 */

/** The shaded corner of the map: weighted at least this high… */
export const ZONE_MIN_WEIGHT = 4;
/** …while the frontline rates staffing and feasibility below the scale's middle. */
export const ZONE_MAX_FRONTLINE = 3;

export interface CollisionPoint {
  priorityId: string;
  title: string;
  weight: number;
  /** Frontline mean over staffing and feasibility (those shown). */
  frontline: number;
  /** Leadership's mean over the same. */
  leadership: number | null;
  score: number;
  significant: boolean;
  inZone: boolean;
}

export interface CollisionView {
  points: CollisionPoint[];
  /** Priorities without a frontline figure to place (their cells are withheld). */
  unplaced: string[];
  /** The highest-scoring collision, if any priority collides at all. */
  top: CollisionPoint | null;
  headline: string;
}

function meanOf(values: (number | null)[]): number | null {
  const shown = values.filter((value): value is number => value !== null);
  return shown.length === 0 ? null : shown.reduce((sum, value) => sum + value, 0) / shown.length;
}

export function buildCollisionView(collisions: readonly Collision[]): CollisionView {
  const points: CollisionPoint[] = [];
  const unplaced: string[] = [];
  for (const c of collisions) {
    const frontline = meanOf([c.frontline.staffing, c.frontline.feasibility]);
    if (frontline === null || c.collisionScore === null) {
      unplaced.push(c.title);
      continue;
    }
    points.push({
      priorityId: c.priorityId,
      title: c.title,
      weight: c.statedWeight,
      frontline,
      leadership: meanOf([c.leadership.staffing, c.leadership.feasibility]),
      score: c.collisionScore,
      significant: c.significant,
      inZone: c.statedWeight >= ZONE_MIN_WEIGHT && frontline < ZONE_MAX_FRONTLINE,
    });
  }
  const top =
    points.filter((p) => p.score > 0).sort((a, b) => b.score - a.score || b.weight - a.weight)[0] ??
    null;
  return { points, unplaced, top, headline: headline(top) };
}

function headline(top: CollisionPoint | null): string {
  if (top === null) {
    return 'No priority collides: the frontline rates staffing and feasibility at least as high as leadership does.';
  }
  const rated = `the frontline rates its staffing and feasibility ${top.frontline.toFixed(1)} out of 5`;
  const sure = top.significant ? '' : ' The gap is not significant, so treat it as a hint.';
  return `${top.title} collides most: weighted ${top.weight} of 5, ${rated}.${sure}`;
}
