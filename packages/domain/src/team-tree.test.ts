import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TeamTree, type TeamNode } from './team-tree.js';

// Operations (root) with Support and Onboarding beneath it, Tiny beneath Onboarding; Sales
// is a second root.
const teams: TeamNode[] = [
  { id: 'ops', parentId: null },
  { id: 'support', parentId: 'ops' },
  { id: 'onboarding', parentId: 'ops' },
  { id: 'tiny', parentId: 'onboarding' },
  { id: 'sales', parentId: null },
];

const sorted = (ids: Iterable<string>) => [...ids].sort();

describe('TeamTree', () => {
  const tree = new TeamTree(teams);

  test('knows every team, its parent and its children', () => {
    expect(sorted(tree.ids)).toEqual(['onboarding', 'ops', 'sales', 'support', 'tiny']);
    expect(tree.has('tiny')).toBe(true);
    expect(tree.has('nowhere')).toBe(false);
    expect(tree.parentOf('tiny')).toBe('onboarding');
    expect(tree.parentOf('ops')).toBeNull();
    expect(tree.parentOf('nowhere')).toBeNull();
    expect(sorted(tree.childrenOf('ops'))).toEqual(['onboarding', 'support']);
    expect(tree.childrenOf('tiny')).toEqual([]);
    expect(tree.childrenOf('nowhere')).toEqual([]);
  });

  test('ancestors are nearest first; depth counts them', () => {
    expect(tree.ancestorsOf('tiny')).toEqual(['onboarding', 'ops']);
    expect(tree.ancestorsOf('ops')).toEqual([]);
    expect(tree.ancestorsOf('nowhere')).toEqual([]);
    expect(tree.depthOf('tiny')).toBe(2);
    expect(tree.depthOf('support')).toBe(1);
    expect(tree.depthOf('sales')).toBe(0);
    // Asked twice, from the cache: the same answer.
    expect(tree.depthOf('tiny')).toBe(2);
  });

  test('a roll-up is the team itself first, then everything beneath it', () => {
    const ops = tree.rollUp('ops');
    expect(ops[0]).toBe('ops');
    expect(sorted(ops)).toEqual(['onboarding', 'ops', 'support', 'tiny']);
    expect(tree.rollUp('tiny')).toEqual(['tiny']);
    expect(tree.rollUp('sales')).toEqual(['sales']);
    // Asked twice, the same list.
    expect(tree.rollUp('ops')).toEqual(ops);
  });

  test('withDescendants joins roll-ups without duplicates', () => {
    expect(sorted(tree.withDescendants(['onboarding', 'tiny', 'sales']))).toEqual([
      'onboarding',
      'sales',
      'tiny',
    ]);
    expect(tree.withDescendants([]).size).toBe(0);
  });

  test('the whole organization holds every segment; a team holds its roll-up’s only', () => {
    expect(tree.holds(null, null)).toBe(true);
    expect(tree.holds(null, 'tiny')).toBe(true);
    expect(tree.holds('ops', 'ops')).toBe(true);
    expect(tree.holds('ops', 'tiny')).toBe(true);
    expect(tree.holds('onboarding', 'tiny')).toBe(true);
    expect(tree.holds('tiny', 'onboarding')).toBe(false);
    expect(tree.holds('support', 'tiny')).toBe(false);
    expect(tree.holds('sales', 'ops')).toBe(false);
    // A team never holds the whole organization's own segment.
    expect(tree.holds('ops', null)).toBe(false);
  });

  test('deepestFirst puts children before parents, ties by id', () => {
    expect(tree.deepestFirst()).toEqual(['tiny', 'onboarding', 'support', 'ops', 'sales']);
  });

  test('deepestFirst does not disturb the tree’s own list of ids', () => {
    const before = tree.ids;
    tree.deepestFirst();
    expect(tree.ids).toEqual(before);
  });

  test('an empty tree has no teams', () => {
    const empty = new TeamTree([]);
    expect(empty.ids).toEqual([]);
    expect(empty.deepestFirst()).toEqual([]);
    expect(empty.holds(null, null)).toBe(true);
  });

  test('a parent that is not a team of the tree makes the team a root', () => {
    const orphaned = new TeamTree([
      { id: 'a', parentId: 'gone' },
      { id: 'b', parentId: 'a' },
    ]);
    expect(orphaned.parentOf('a')).toBeNull();
    expect(orphaned.has('gone')).toBe(false);
    expect(orphaned.ancestorsOf('b')).toEqual(['a']);
    expect(orphaned.holds('gone', 'a')).toBe(false);
    expect(orphaned.deepestFirst()).toEqual(['b', 'a']);
  });

  test('a team that is its own parent becomes a root', () => {
    const self = new TeamTree([{ id: 'a', parentId: 'a' }]);
    expect(self.parentOf('a')).toBeNull();
    expect(self.rollUp('a')).toEqual(['a']);
    expect(self.depthOf('a')).toBe(0);
  });

  test('a cycle is cut where it closes, so nothing loops', () => {
    const cycle = new TeamTree([
      { id: 'a', parentId: 'c' },
      { id: 'b', parentId: 'a' },
      { id: 'c', parentId: 'b' },
      { id: 'x', parentId: 'b' },
    ]);
    const roots = cycle.ids.filter((id) => cycle.parentOf(id) === null);
    expect(roots).toHaveLength(1);
    for (const id of cycle.ids) {
      expect(cycle.ancestorsOf(id).length).toBeLessThan(cycle.ids.length);
    }
    const root = roots[0] ?? '';
    expect(sorted(cycle.rollUp(root))).toEqual(['a', 'b', 'c', 'x']);
    expect(cycle.deepestFirst()).toHaveLength(4);
  });

  test('a team listed twice keeps the last parent given', () => {
    const twice = new TeamTree([
      { id: 'p', parentId: null },
      { id: 'q', parentId: null },
      { id: 'a', parentId: 'p' },
      { id: 'a', parentId: 'q' },
    ]);
    expect(twice.ids).toHaveLength(3);
    expect(twice.parentOf('a')).toBe('q');
    expect(twice.childrenOf('p')).toEqual([]);
  });

  test('property: any parent list gives a forest that agrees with itself', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<string | null>(null, 'zz', ...ids), {
          minLength: ids.length,
          maxLength: ids.length,
        }),
        (parents) => {
          const forest = new TeamTree(ids.map((id, i) => ({ id, parentId: parents[i] ?? null })));
          expect(sorted(forest.ids)).toEqual(ids);
          const order = forest.deepestFirst();
          expect(sorted(order)).toEqual(ids);
          for (const id of ids) {
            const parent = forest.parentOf(id);
            // A parent given and kept is the one given; every parent is a team of the tree.
            if (parent !== null) {
              expect(parent).toBe(parents[ids.indexOf(id)]);
              expect(forest.has(parent)).toBe(true);
              expect(forest.childrenOf(parent)).toContain(id);
              expect(order.indexOf(id)).toBeLessThan(order.indexOf(parent));
            }
            const ancestors = forest.ancestorsOf(id);
            expect(new Set(ancestors).size).toBe(ancestors.length);
            expect(ancestors).not.toContain(id);
            expect(forest.depthOf(id)).toBe(ancestors.length);
            expect(forest.rollUp(id)[0]).toBe(id);
            // holds, roll-ups and ancestors describe one and the same relation.
            const disagree = ids.filter((group) => {
              const holds = forest.holds(group, id);
              return (
                holds !== (group === id || ancestors.includes(group)) ||
                forest.rollUp(group).includes(id) !== holds
              );
            });
            expect(disagree).toEqual([]);
            expect(forest.holds(null, id)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
