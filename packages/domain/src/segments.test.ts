import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assignSegments, type TeamNode } from './segments.js';
import type { Tier } from './question-bank.js';

const teams: TeamNode[] = [
  { id: 'ops', parentId: null },
  { id: 'support', parentId: 'ops' },
  { id: 'onboarding', parentId: 'ops' },
  { id: 'tiny', parentId: 'onboarding' },
];

function people(teamId: string, tier: Tier, n: number) {
  return Array.from({ length: n }, () => ({ teamId, tier }));
}

describe('assignSegments', () => {
  test('a team with k or more invitees of a tier is its own segment', () => {
    const segment = assignSegments(teams, people('support', 'frontline', 5), 5);
    expect(segment('support', 'frontline')).toEqual({ teamId: 'support', tier: 'frontline' });
  });

  test('small teams merge into their parent, and further up until k is reached', () => {
    const invitees = [
      ...people('tiny', 'frontline', 2),
      ...people('onboarding', 'frontline', 2),
      ...people('support', 'frontline', 6),
      ...people('ops', 'frontline', 1),
    ];
    const segment = assignSegments(teams, invitees, 5);
    // tiny (2) → onboarding (2 + 2 = 4) → ops (1 + 4 = 5): ops is the segment of all three.
    expect(segment('tiny', 'frontline')).toEqual({ teamId: 'ops', tier: 'frontline' });
    expect(segment('onboarding', 'frontline')).toEqual({ teamId: 'ops', tier: 'frontline' });
    expect(segment('ops', 'frontline')).toEqual({ teamId: 'ops', tier: 'frontline' });
    expect(segment('support', 'frontline')).toEqual({ teamId: 'support', tier: 'frontline' });
  });

  test('what stays small at the top goes to the whole organization’s tier; tiers never mix', () => {
    const invitees = [...people('support', 'leadership', 2), ...people('support', 'frontline', 9)];
    const segment = assignSegments(teams, invitees, 5);
    expect(segment('support', 'leadership')).toEqual({ teamId: null, tier: 'leadership' });
    expect(segment('support', 'frontline')).toEqual({ teamId: 'support', tier: 'frontline' });
  });

  test('property: every team segment holds at least k invitees, and everyone has a segment', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 8 }),
        fc.array(fc.integer({ min: -1, max: 10 }), { minLength: 1, maxLength: 12 }),
        fc.array(
          fc.record({ team: fc.nat(11), tier: fc.constantFrom<Tier>('leadership', 'frontline') }),
          { maxLength: 120 },
        ),
        (k, parents, raw) => {
          // Team i's parent is a team with a smaller index (a tree), or none.
          const tree: TeamNode[] = parents.map((p, i) => ({
            id: `t${i}`,
            parentId: p >= 0 && p < i ? `t${p}` : null,
          }));
          const invitees = raw
            .filter((r) => r.team < tree.length)
            .map((r) => ({ teamId: `t${r.team}`, tier: r.tier }));
          const segment = assignSegments(tree, invitees, k);
          const sizes = new Map<string, number>();
          for (const i of invitees) {
            const s = segment(i.teamId, i.tier);
            const key = `${s.tier}/${s.teamId ?? 'org'}`;
            sizes.set(key, (sizes.get(key) ?? 0) + 1);
          }
          for (const [key, n] of sizes) {
            if (!key.endsWith('/org')) expect(n).toBeGreaterThanOrEqual(k);
          }
        },
      ),
    );
  });
});
