import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { planComments, type CommentPlan, type SegmentComment } from './comment-plan.js';
import { DomainError } from './errors.js';
import { TIERS, type Tier } from './question-bank.js';
import type { SegmentSize } from './segments.js';
import { derivableSmallGroups } from './suppression.js';
import { TeamTree, type TeamNode } from './team-tree.js';

const respondents = (teamId: string | null, tier: Tier, count: number): SegmentSize => ({
  teamId,
  tier,
  count,
});

const comment = (teamId: string | null, tier: Tier, text: string): SegmentComment => ({
  teamId,
  tier,
  text,
});

/** Items and withheld groups as sorted strings, for order-free expectations. */
function summary(plan: CommentPlan) {
  const name = (teamId: string | null, tier: Tier) => `${tier}/${teamId ?? 'organization'}`;
  return {
    shown: plan.items.map((i) => name(i.teamId, i.tier)).sort(),
    withheld: plan.withheld.map((w) => `${name(w.teamId, w.tier)}: ${w.reason}`).sort(),
  };
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
}

describe('planComments', () => {
  const support = new TeamTree([
    { id: 'ops', parentId: null },
    { id: 'support', parentId: 'ops' },
  ]);

  test('leaders never fill a frontline group’s threshold: a lone frontline comment stays hidden', () => {
    // Twelve leaders and one frontline respondent: thirteen people, but one of the tier.
    const plan = planComments(
      support,
      [respondents('support', 'leadership', 12), respondents('support', 'frontline', 1)],
      [
        comment('support', 'leadership', 'we are fine'),
        comment('support', 'frontline', 'I am the only one saying this'),
        comment('support', 'leadership', 'roadmap is clear'),
      ],
      10,
    );
    expect(summary(plan)).toEqual({
      shown: ['leadership/ops', 'leadership/organization', 'leadership/support'],
      withheld: [
        'frontline/ops: small',
        'frontline/organization: small',
        'frontline/support: small',
      ],
    });
    for (const item of plan.items) {
      expect(item.comments).toEqual(['we are fine', 'roadmap is clear']);
    }
    expect(JSON.stringify(plan)).not.toContain('I am the only one');
  });

  test('a group at the threshold shows its tier’s comments, in the order given', () => {
    const given = ['c', 'a', 'e', 'b', 'd'].map((t) => comment('support', 'frontline', t));
    const plan = planComments(support, [respondents('support', 'frontline', 10)], given, 10);
    const item = plan.items.find((i) => i.teamId === 'support' && i.tier === 'frontline');
    expect(item?.comments).toEqual(['c', 'a', 'e', 'b', 'd']);
    // Groups with no respondent of a tier are neither shown nor listed as withheld.
    expect(plan.withheld).toEqual([]);
    expect(plan.items.every((i) => i.tier === 'frontline')).toBe(true);
  });

  test('a group under the threshold is withheld, and the sibling that would give it away too', () => {
    // Sales − East would be West's four respondents.
    const tree = new TeamTree([
      { id: 'sales', parentId: null },
      { id: 'east', parentId: 'sales' },
      { id: 'west', parentId: 'sales' },
    ]);
    const plan = planComments(
      tree,
      [respondents('east', 'frontline', 10), respondents('west', 'frontline', 4)],
      [comment('east', 'frontline', 'from east'), comment('west', 'frontline', 'from west')],
      10,
    );
    expect(summary(plan)).toEqual({
      shown: ['frontline/organization', 'frontline/sales'],
      withheld: ['frontline/east: complementary', 'frontline/west: small'],
    });
    for (const item of plan.items) expect(item.comments).toEqual(['from east', 'from west']);
  });

  test('the organization minus its teams: respondents merged up to the top stay hidden', () => {
    const tree = new TeamTree([
      { id: 'ops', parentId: null },
      { id: 'retail', parentId: null },
    ]);
    const plan = planComments(
      tree,
      [
        respondents('ops', 'frontline', 12),
        respondents('retail', 'frontline', 15),
        respondents(null, 'frontline', 3),
      ],
      [comment(null, 'frontline', 'merged up')],
      10,
    );
    expect(summary(plan)).toEqual({
      shown: ['frontline/organization', 'frontline/retail'],
      withheld: ['frontline/ops: complementary'],
    });
    expect(plan.items.find((i) => i.teamId === null)?.comments).toEqual(['merged up']);
    expect(plan.items.find((i) => i.teamId === 'retail')?.comments).toEqual([]);
  });

  test('tiers are planned apart', () => {
    const plan = planComments(
      support,
      [respondents('support', 'leadership', 10), respondents('support', 'frontline', 10)],
      [comment('support', 'frontline', 'front'), comment('support', 'leadership', 'lead')],
      10,
    );
    for (const item of plan.items) {
      expect(item.comments).toEqual([item.tier === 'frontline' ? 'front' : 'lead']);
    }
    expect(plan.items).toHaveLength(6);
  });

  test('refuses a threshold below the floor', () => {
    expect(codeOf(() => planComments(support, [], [], 2))).toBe('DOMAIN_INVALID_GROUP_SIZE');
  });

  test('property: shown lists reach the threshold, hold their tier’s comments, and nothing small is derivable', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 8 }),
        fc.array(fc.integer({ min: -1, max: 5 }), { minLength: 1, maxLength: 6 }),
        fc.array(
          fc.record({
            team: fc.integer({ min: -1, max: 5 }),
            tier: fc.constantFrom<Tier>(...TIERS),
            count: fc.integer({ min: 1, max: 12 }),
            commenting: fc.nat(12),
          }),
          { maxLength: 14 },
        ),
        (threshold, parents, raw) => {
          const nodes: TeamNode[] = parents.map((p, i) => ({
            id: `t${i}`,
            parentId: p >= 0 && p < i ? `t${p}` : null,
          }));
          const tree = new TeamTree(nodes);
          const seen = new Set<string>();
          const rows = raw
            .filter((r) => r.team < parents.length)
            .map((r) => ({ ...r, teamId: r.team < 0 ? null : `t${r.team}` }))
            .filter((r) => {
              const key = `${r.tier}/${r.teamId ?? ''}`;
              const fresh = !seen.has(key);
              seen.add(key);
              return fresh;
            });
          const sizes = rows.map((r) => respondents(r.teamId, r.tier, r.count));
          // Comments interleaved across segments and tiers, in a fixed "shuffled" order.
          const comments = rows
            .flatMap((r, i) =>
              Array.from({ length: Math.min(r.commenting, r.count) }, (_, j) => ({
                order: (j * 7 + i * 3) % 11,
                value: comment(r.teamId, r.tier, `${r.tier}/${r.teamId ?? 'org'}#${j}`),
              })),
            )
            .sort((a, b) => a.order - b.order)
            .map((c) => c.value);

          const plan = planComments(tree, sizes, comments, threshold);
          const heldBy = (group: string | null, teamId: string | null) =>
            group === null ||
            (teamId !== null && (teamId === group || tree.ancestorsOf(teamId).includes(group)));
          for (const item of plan.items) {
            const n = sizes
              .filter((s) => s.tier === item.tier && heldBy(item.teamId, s.teamId))
              .reduce((a, s) => a + s.count, 0);
            expect(n).toBeGreaterThanOrEqual(threshold);
            expect(item.comments).toEqual(
              comments
                .filter((c) => c.tier === item.tier && heldBy(item.teamId, c.teamId))
                .map((c) => c.text),
            );
          }
          for (const tier of TIERS) {
            const groups = [null, ...tree.ids];
            const shown = new Set(plan.items.filter((i) => i.tier === tier).map((i) => i.teamId));
            for (const group of groups) {
              const n = sizes
                .filter((s) => s.tier === tier && heldBy(group, s.teamId))
                .reduce((a, s) => a + s.count, 0);
              const withheld = plan.withheld.filter((w) => w.tier === tier && w.teamId === group);
              // Each group with respondents of the tier is shown or withheld, once.
              expect(withheld.length + (shown.has(group) ? 1 : 0)).toBe(n > 0 ? 1 : 0);
              if (n > 0 && n < threshold) expect(withheld[0]?.reason).toBe('small');
            }
            const own = (teamId: string | null) =>
              sizes
                .filter((s) => s.tier === tier && s.teamId === teamId)
                .reduce((a, s) => a + s.count, 0);
            expect(
              derivableSmallGroups(
                {
                  teams: tree.ids.map((id) => ({
                    id,
                    parentId: tree.parentOf(id),
                    ownCount: own(id),
                  })),
                  organizationOwnCount: own(null),
                  minGroupSize: threshold,
                },
                shown,
              ),
            ).toEqual([]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
