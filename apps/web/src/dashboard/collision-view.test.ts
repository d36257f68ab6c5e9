import { describe, expect, test } from 'vitest';
import type { Collision } from './contract.js';
import { buildCollisionView, ZONE_MAX_FRONTLINE, ZONE_MIN_WEIGHT } from './collision-view.js';

const collision = (over: Partial<Collision> & Pick<Collision, 'title'>): Collision => ({
  priorityId: over.title,
  statedWeight: 3,
  collisionScore: 0,
  significant: false,
  leadership: { staffing: 4, feasibility: 4 },
  frontline: { staffing: 3.5, feasibility: 3.5 },
  ...over,
});

describe('the collision map', () => {
  test('places each priority by weight and the frontline’s staffing and feasibility', () => {
    const view = buildCollisionView([
      collision({
        title: 'Customer Focus',
        statedWeight: 5,
        collisionScore: 0.52,
        significant: true,
        frontline: { staffing: 2, feasibility: 2.2 },
      }),
      collision({ title: 'Hiring', statedWeight: 2 }),
    ]);
    expect(view.points.map((p) => [p.title, p.weight, p.frontline])).toEqual([
      ['Customer Focus', 5, 2.1],
      ['Hiring', 2, 3.5],
    ]);
    expect(view.points[0]?.inZone).toBe(true);
    expect(view.points[1]?.inZone).toBe(false);
    expect(view.top?.title).toBe('Customer Focus');
    expect(view.headline).toBe(
      'Customer Focus collides most: weighted 5 of 5, the frontline rates its staffing and feasibility 2.1 out of 5.',
    );
  });

  test('the zone is high weight and a frontline under the scale’s middle, both edges as stated', () => {
    const [inside, lighter, higher] = buildCollisionView([
      collision({
        title: 'a',
        statedWeight: ZONE_MIN_WEIGHT,
        frontline: { staffing: 2.99, feasibility: null },
      }),
      collision({
        title: 'b',
        statedWeight: ZONE_MIN_WEIGHT - 1,
        frontline: { staffing: 1, feasibility: 1 },
      }),
      collision({
        title: 'c',
        statedWeight: 5,
        frontline: { staffing: ZONE_MAX_FRONTLINE, feasibility: ZONE_MAX_FRONTLINE },
      }),
    ]).points;
    expect([inside?.inZone, lighter?.inZone, higher?.inZone]).toEqual([true, false, false]);
  });

  test('a priority whose frontline figures are withheld is listed, not placed', () => {
    const view = buildCollisionView([
      collision({
        title: 'Withheld',
        collisionScore: null,
        frontline: { staffing: null, feasibility: null },
      }),
    ]);
    expect(view.points).toEqual([]);
    expect(view.unplaced).toEqual(['Withheld']);
    expect(view.top).toBeNull();
    expect(view.headline).toMatch(/^No priority collides/);
  });

  test('a collision that is not significant is named as a hint', () => {
    const view = buildCollisionView([
      collision({ title: 'Costs', statedWeight: 4, collisionScore: 0.05 }),
    ]);
    expect(view.headline).toMatch(/not significant, so treat it as a hint/);
  });
});
