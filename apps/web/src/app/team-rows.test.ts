import { describe, expect, test } from 'vitest';
import { teamRows } from './team-rows.js';

describe('team rows', () => {
  test('children under their parent, active people counted per tier, totals roll up', () => {
    const rows = teamRows(
      [
        { id: 's', name: 'Support', parentId: 'o' },
        { id: 'o', name: 'Operations', parentId: null },
        { id: 'b', name: 'Billing', parentId: 'o' },
        { id: 'x', name: 'Executive office', parentId: null },
      ],
      [
        { teamId: 's', tier: 'frontline', active: true },
        { teamId: 's', tier: 'frontline', active: false },
        { teamId: 's', tier: 'leadership', active: true },
        { teamId: 'b', tier: 'frontline', active: true },
        { teamId: 'o', tier: 'leadership', active: true },
      ],
    );
    expect(rows.map((r) => [r.name, r.depth, r.own, r.total])).toEqual([
      ['Executive office', 0, { leadership: 0, frontline: 0 }, { leadership: 0, frontline: 0 }],
      ['Operations', 0, { leadership: 1, frontline: 0 }, { leadership: 2, frontline: 2 }],
      ['Billing', 1, { leadership: 0, frontline: 1 }, { leadership: 0, frontline: 1 }],
      ['Support', 1, { leadership: 1, frontline: 1 }, { leadership: 1, frontline: 1 }],
    ]);
  });
});
