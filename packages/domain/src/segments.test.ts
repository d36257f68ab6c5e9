import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DomainError } from './errors.js';
import { TIERS, type Tier } from './question-bank.js';
import {
  assignSegments,
  audienceShortfalls,
  mergeSmallSegments,
  type Segment,
  type SegmentSize,
} from './segments.js';
import { TeamTree, type TeamNode } from './team-tree.js';

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
    expect(segment.segmentOf({ teamId: 'support', tier: 'frontline' })).toEqual({
      teamId: 'support',
      tier: 'frontline',
    });
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
    expect(segment.segmentOf({ teamId: 'tiny', tier: 'frontline' })).toEqual({
      teamId: 'ops',
      tier: 'frontline',
    });
    expect(segment.segmentOf({ teamId: 'onboarding', tier: 'frontline' })).toEqual({
      teamId: 'ops',
      tier: 'frontline',
    });
    expect(segment.segmentOf({ teamId: 'ops', tier: 'frontline' })).toEqual({
      teamId: 'ops',
      tier: 'frontline',
    });
    expect(segment.segmentOf({ teamId: 'support', tier: 'frontline' })).toEqual({
      teamId: 'support',
      tier: 'frontline',
    });
  });

  test('what stays small at the top goes to the whole organization’s tier; tiers never mix', () => {
    const invitees = [...people('support', 'leadership', 2), ...people('support', 'frontline', 9)];
    const segment = assignSegments(teams, invitees, 5);
    expect(segment.segmentOf({ teamId: 'support', tier: 'leadership' })).toEqual({
      teamId: null,
      tier: 'leadership',
    });
    expect(segment.segmentOf({ teamId: 'support', tier: 'frontline' })).toEqual({
      teamId: 'support',
      tier: 'frontline',
    });
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
            const s = segment.segmentOf({ teamId: i.teamId, tier: i.tier });
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

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
}

const size = (teamId: string | null, tier: Tier, count: number): SegmentSize => ({
  teamId,
  tier,
  count,
});

describe('mergeSmallSegments', () => {
  const tree = new TeamTree(teams);

  test('respondents of a small segment join their parent’s, up to the organization', () => {
    // Respondents at close: tiny 1, onboarding 3 (4 together, still under 5), ops 0; with
    // the one already at the top, the organization's own segment has 5.
    const storedAs = mergeSmallSegments(
      tree,
      [
        size('tiny', 'frontline', 1),
        size('onboarding', 'frontline', 3),
        size('support', 'frontline', 6),
        size(null, 'frontline', 1),
      ],
      5,
    );
    expect(storedAs.segmentOf({ teamId: 'tiny', tier: 'frontline' })).toEqual({
      teamId: null,
      tier: 'frontline',
    });
    expect(storedAs.segmentOf({ teamId: 'onboarding', tier: 'frontline' })).toEqual({
      teamId: null,
      tier: 'frontline',
    });
    expect(storedAs.segmentOf({ teamId: 'support', tier: 'frontline' })).toEqual({
      teamId: 'support',
      tier: 'frontline',
    });
  });

  test('a top under k takes the shallowest segment left, the smallest first', () => {
    // a1 (2) goes up through a (empty) to the top: 2 people, under 5. Left: b 5 (a root),
    // d 5 (beneath c), c 6. b, a root, joins the top; d and c stay.
    const forest = new TeamTree([
      { id: 'a', parentId: null },
      { id: 'a1', parentId: 'a' },
      { id: 'b', parentId: null },
      { id: 'c', parentId: null },
      { id: 'd', parentId: 'c' },
    ]);
    const storedAs = mergeSmallSegments(
      forest,
      [
        size('a1', 'frontline', 2),
        size('b', 'frontline', 5),
        size('c', 'frontline', 6),
        size('d', 'frontline', 5),
        size('b', 'leadership', 5),
      ],
      5,
    );
    const frontline = (teamId: string) => storedAs.segmentOf({ teamId, tier: 'frontline' }).teamId;
    expect(['a1', 'a', 'b', 'c', 'd'].map(frontline)).toEqual([null, null, null, 'c', 'd']);
    // The other tier's top is empty: nothing joins it.
    expect(storedAs.segmentOf({ teamId: 'b', tier: 'leadership' })).toEqual({
      teamId: 'b',
      tier: 'leadership',
    });
    // b's frontline is now counted with the whole organization: b's roll-up is not b.
    expect([...storedAs.incomplete('frontline')]).toEqual(['b']);
    expect([...storedAs.incomplete('leadership')]).toEqual([]);
  });

  test('a segment that joins the top leaves its team and every ancestor incomplete', () => {
    // The top has 2; the only segments left are beneath a root: d (beneath c) joins the top,
    // the shallowest available, and c, which holds d, is incomplete too.
    const forest = new TeamTree([
      { id: 'x', parentId: null },
      { id: 'c', parentId: null },
      { id: 'd', parentId: 'c' },
      { id: 'e', parentId: 'c' },
    ]);
    const storedAs = mergeSmallSegments(
      forest,
      [size('x', 'frontline', 2), size('d', 'frontline', 6), size('e', 'frontline', 9)],
      5,
    );
    expect(storedAs.segmentOf({ teamId: 'd', tier: 'frontline' })).toEqual({
      teamId: null,
      tier: 'frontline',
    });
    expect(storedAs.segmentOf({ teamId: 'e', tier: 'frontline' }).teamId).toBe('e');
    expect([...storedAs.incomplete('frontline')].sort()).toEqual(['c', 'd']);
  });

  test('a parent that reaches k with what was merged into it keeps it', () => {
    const storedAs = mergeSmallSegments(
      tree,
      [size('tiny', 'frontline', 2), size('onboarding', 'frontline', 3)],
      5,
    );
    expect(storedAs.segmentOf({ teamId: 'tiny', tier: 'frontline' })).toEqual({
      teamId: 'onboarding',
      tier: 'frontline',
    });
    expect(storedAs.segmentOf({ teamId: 'onboarding', tier: 'frontline' })).toEqual({
      teamId: 'onboarding',
      tier: 'frontline',
    });
  });

  test('an empty parent passes a small child on to its own parent', () => {
    const storedAs = mergeSmallSegments(
      tree,
      [size('tiny', 'leadership', 2), size('ops', 'leadership', 3)],
      5,
    );
    // tiny (2) → onboarding (2) → ops (3 + 2 = 5).
    expect(storedAs.segmentOf({ teamId: 'tiny', tier: 'leadership' })).toEqual({
      teamId: 'ops',
      tier: 'leadership',
    });
  });

  test('counts given twice for one segment add up', () => {
    const storedAs = mergeSmallSegments(
      tree,
      [size('support', 'frontline', 3), size('support', 'frontline', 2)],
      5,
    );
    expect(storedAs.segmentOf({ teamId: 'support', tier: 'frontline' })).toEqual({
      teamId: 'support',
      tier: 'frontline',
    });
  });

  test('tiers are merged apart: leaders never fill a frontline segment', () => {
    const storedAs = mergeSmallSegments(
      tree,
      [size('support', 'leadership', 9), size('support', 'frontline', 1)],
      5,
    );
    expect(storedAs.segmentOf({ teamId: 'support', tier: 'leadership' })).toEqual({
      teamId: 'support',
      tier: 'leadership',
    });
    expect(storedAs.segmentOf({ teamId: 'support', tier: 'frontline' })).toEqual({
      teamId: null,
      tier: 'frontline',
    });
  });

  test('when the whole tier is under k, all of it is the organization’s segment', () => {
    const storedAs = mergeSmallSegments(
      tree,
      [size(null, 'frontline', 1), size('support', 'frontline', 2)],
      5,
    );
    expect(storedAs.segmentOf({ teamId: null, tier: 'frontline' })).toEqual({
      teamId: null,
      tier: 'frontline',
    });
    expect(storedAs.segmentOf({ teamId: 'support', tier: 'frontline' })).toEqual({
      teamId: null,
      tier: 'frontline',
    });
  });

  test('a team outside the tree is merged like a root team', () => {
    const storedAs = mergeSmallSegments(
      tree,
      [size('elsewhere', 'frontline', 2), size('afar', 'frontline', 6), size(null, 'frontline', 3)],
      5,
    );
    expect(storedAs.segmentOf({ teamId: 'elsewhere', tier: 'frontline' })).toEqual({
      teamId: null,
      tier: 'frontline',
    });
    expect(storedAs.segmentOf({ teamId: 'afar', tier: 'frontline' })).toEqual({
      teamId: 'afar',
      tier: 'frontline',
    });
  });

  test('a segment nobody is in maps to itself', () => {
    const storedAs = mergeSmallSegments(tree, [], 5);
    expect(storedAs.segmentOf({ teamId: 'tiny', tier: 'leadership' })).toEqual({
      teamId: 'tiny',
      tier: 'leadership',
    });
  });

  test.each([2, 0, -5, 4.5, Number.NaN])('refuses k = %s', (k) => {
    expect(codeOf(() => mergeSmallSegments(tree, [], k))).toBe('DOMAIN_INVALID_GROUP_SIZE');
  });

  test('property: no segment with people ends under k, counts are kept, merging only goes up', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 6 }),
        fc.array(fc.integer({ min: -1, max: 7 }), { minLength: 1, maxLength: 8 }),
        fc.array(
          fc.record({
            team: fc.integer({ min: -1, max: 8 }),
            tier: fc.constantFrom<Tier>(...TIERS),
            count: fc.integer({ min: 0, max: 8 }),
          }),
          { maxLength: 24 },
        ),
        (k, parents, raw) => {
          const nodes: TeamNode[] = parents.map((p, i) => ({
            id: `t${i}`,
            parentId: p >= 0 && p < i ? `t${p}` : null,
          }));
          const forest = new TeamTree(nodes);
          // -1 is the whole organization's own segment; an index past the tree a stray team.
          const counts = raw.map((r) => size(r.team < 0 ? null : `t${r.team}`, r.tier, r.count));
          const storedAs = mergeSmallSegments(forest, counts, k);

          const before = new Map<string, number>();
          const after = new Map<string, number>();
          const key = (s: Segment) => `${s.tier}/${s.teamId ?? 'org'}`;
          for (const c of counts) {
            const to = storedAs.segmentOf(c);
            // Tiers never mix, and a segment only moves to an ancestor or the organization.
            expect(to.tier).toBe(c.tier);
            if (to.teamId !== null) {
              expect(c.teamId).not.toBeNull();
              const from = c.teamId ?? '';
              expect([from, ...forest.ancestorsOf(from)]).toContain(to.teamId);
            }
            // Where a segment ends is where it stays.
            expect(storedAs.segmentOf(to)).toEqual(to);
            before.set(c.tier, (before.get(c.tier) ?? 0) + c.count);
            after.set(key(to), (after.get(key(to)) ?? 0) + c.count);
          }
          for (const tier of TIERS) {
            const total = [...after]
              .filter(([k2]) => k2.startsWith(`${tier}/`))
              .reduce((n, [, c]) => n + c, 0);
            expect(total).toBe(before.get(tier) ?? 0);
            // The organization's own segment is empty or has k, unless the whole tier is
            // under k, and then it holds all of it.
            const top = after.get(`${tier}/org`) ?? 0;
            if (total >= k) expect(top === 0 || top >= k).toBe(true);
            else expect(top).toBe(total);
          }
          for (const [segment, n] of after) {
            if (!segment.endsWith('/org') && n > 0) expect(n).toBeGreaterThanOrEqual(k);
          }
          // A segment that had k or more of its own stays, or joins the organization's.
          const own = new Map<string, number>();
          for (const c of counts) own.set(key(c), (own.get(key(c)) ?? 0) + c.count);
          for (const c of counts) {
            if ((own.get(key(c)) ?? 0) >= k) {
              expect([c.teamId, null]).toContain(storedAs.segmentOf(c).teamId);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('audienceShortfalls', () => {
  const audience = (leaders: number, frontline: number) => [
    ...Array.from({ length: leaders }, () => ({ tier: 'leadership' as const })),
    ...Array.from({ length: frontline }, () => ({ tier: 'frontline' as const })),
  ];

  test('an audience with k of each tier can start', () => {
    expect(audienceShortfalls(audience(5, 5), null, 5)).toEqual([]);
  });

  test('an organization with four leaders is one short', () => {
    expect(audienceShortfalls(audience(4, 40), null, 5)).toEqual([
      { tier: 'leadership', count: 4, minGroupSize: 5 },
    ]);
  });

  test('both tiers can be short, and an empty audience is', () => {
    expect(audienceShortfalls([], null, 3)).toEqual([
      { tier: 'leadership', count: 0, minGroupSize: 3 },
      { tier: 'frontline', count: 0, minGroupSize: 3 },
    ]);
  });

  test('a tier the audience leaves out is not counted', () => {
    expect(audienceShortfalls(audience(0, 7), ['frontline'], 5)).toEqual([]);
    expect(audienceShortfalls(audience(2, 7), ['leadership'], 5)).toEqual([
      { tier: 'leadership', count: 2, minGroupSize: 5 },
    ]);
  });

  test('refuses a k below the floor', () => {
    expect(codeOf(() => audienceShortfalls(audience(9, 9), null, 2))).toBe(
      'DOMAIN_INVALID_GROUP_SIZE',
    );
  });
});
