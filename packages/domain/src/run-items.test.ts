import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { predictionStatementFor } from './question-bank.js';
import {
  customItemProblems,
  decisionItems,
  decisionReach,
  reachLevel,
  isAskedOf,
  isAskedOfTier,
  itemStatementFor,
  itemStatements,
  mostAskedOfAny,
  settledStatement,
  stoppedStatement,
  teamAncestry,
} from './run-items.js';

const parents = new Map<string, string | null>([
  ['org', null],
  ['ops', 'org'],
  ['floor', 'ops'],
  ['sales', 'org'],
]);

describe('isAskedOf', () => {
  const frontlineOnFloor = { tier: 'frontline' as const, teamAncestry: ['floor', 'ops', 'org'] };

  test('a question for everyone is asked of everyone, a team-less group included', () => {
    const everyone = { audienceTier: null, audienceTeamId: null };
    expect(isAskedOf(everyone, frontlineOnFloor)).toBe(true);
    expect(isAskedOf(everyone, { tier: 'leadership', teamAncestry: [] })).toBe(true);
  });

  test('a team question is asked of that team and the teams under it only', () => {
    const ops = { audienceTier: null, audienceTeamId: 'ops' };
    expect(isAskedOf(ops, frontlineOnFloor)).toBe(true);
    expect(isAskedOf(ops, { tier: 'frontline', teamAncestry: ['ops', 'org'] })).toBe(true);
    expect(isAskedOf(ops, { tier: 'frontline', teamAncestry: ['org'] })).toBe(false);
    expect(isAskedOf(ops, { tier: 'frontline', teamAncestry: ['sales', 'org'] })).toBe(false);
    // A group merged into the whole organization names no team: it is not the team's.
    expect(isAskedOf(ops, { tier: 'frontline', teamAncestry: [] })).toBe(false);
  });

  test('a tier question is asked of that tier only, and both restrictions hold together', () => {
    const leaders = { audienceTier: 'leadership' as const, audienceTeamId: null };
    expect(isAskedOf(leaders, frontlineOnFloor)).toBe(false);
    expect(isAskedOf(leaders, { ...frontlineOnFloor, tier: 'leadership' })).toBe(true);
    const opsLeaders = { audienceTier: 'leadership' as const, audienceTeamId: 'ops' };
    expect(isAskedOf(opsLeaders, { ...frontlineOnFloor, tier: 'leadership' })).toBe(true);
    expect(isAskedOf(opsLeaders, frontlineOnFloor)).toBe(false);
    expect(isAskedOf(opsLeaders, { tier: 'leadership', teamAncestry: ['sales', 'org'] })).toBe(
      false,
    );
  });

  test('with no restriction it is always true; with a team, true exactly when the team is an ancestor', () => {
    const ids = fc.constantFrom('org', 'ops', 'floor', 'sales');
    fc.assert(
      fc.property(ids, fc.option(ids, { nil: null }), (own, team) => {
        const ancestry = teamAncestry(own, parents);
        const asked = isAskedOf(
          { audienceTier: null, audienceTeamId: team },
          { tier: 'frontline', teamAncestry: ancestry },
        );
        expect(asked).toBe(team === null || ancestry.includes(team));
      }),
    );
  });
});

describe('teamAncestry', () => {
  test('the team first, then its parents to the root; none for no team', () => {
    expect(teamAncestry('floor', parents)).toEqual(['floor', 'ops', 'org']);
    expect(teamAncestry('org', parents)).toEqual(['org']);
    expect(teamAncestry(null, parents)).toEqual([]);
  });

  test('a cycle ends the walk instead of looping', () => {
    const cyclic = new Map<string, string | null>([
      ['a', 'b'],
      ['b', 'a'],
    ]);
    expect(teamAncestry('a', cyclic)).toEqual(['a', 'b']);
  });
});

describe('decisionItems', () => {
  const decision = {
    id: 'd1',
    title: 'Pause the $ migration',
    tradeoff: 'the "legacy" rewrite',
    priorityId: 'p1',
    teamId: 'ops',
  };

  test('two items per decision whose priority the run asks, asked of its owning team', () => {
    const items = decisionItems(
      [decision, { ...decision, id: 'd2', priorityId: 'p2' }],
      ['p1', 'p3'],
    );
    expect(items).toEqual([
      {
        kind: 'settled',
        dimension: 'settled',
        priorityId: 'p1',
        decisionId: 'd1',
        audienceTier: null,
        audienceTeamId: 'ops',
        text: 'The decision "Pause the $ migration" is settled for my team.',
      },
      {
        kind: 'stopped',
        dimension: 'stopped',
        priorityId: 'p1',
        decisionId: 'd1',
        audienceTier: null,
        audienceTeamId: 'ops',
        text: 'We have actually stopped or slowed "the "legacy" rewrite".',
      },
    ]);
  });

  test('no decision of an asked priority, no items', () => {
    expect(decisionItems([decision], ['p2'])).toEqual([]);
    expect(decisionItems([], ['p1'])).toEqual([]);
  });

  test('the statements insert the text literally', () => {
    expect(settledStatement('$& $1')).toBe('The decision "$& $1" is settled for my team.');
    expect(stoppedStatement('$&')).toBe('We have actually stopped or slowed "$&".');
  });
});

describe('custom items', () => {
  test('a valid item has no problems, and reads with the title in place', () => {
    const item = { key: 'custom-budget', statement: 'We have the budget {P} needs.' };
    expect(customItemProblems(item)).toEqual([]);
    expect(itemStatementFor(item.statement, 'Q$1 & $&')).toBe('We have the budget Q$1 & $& needs.');
    expect(itemStatements([item]).get('custom-budget')).toBe(item.statement);
    expect(itemStatements([item]).get('staffing')).toContain('staffed');
  });
  test.each([
    ['budget', 'key'],
    ['custom-', 'key'],
    ['custom-Budget', 'key'],
    ['custom-budget_2', 'key'],
    [`custom-${'a'.repeat(34)}`, 'key'],
  ])('key %s is refused', (key, field) => {
    expect(customItemProblems({ key, statement: 'We have the budget {P} needs.' })).toEqual([
      expect.objectContaining({ field }),
    ]);
  });
  test('a statement without {P}, too short or too long is refused', () => {
    expect(
      customItemProblems({ key: 'custom-a', statement: 'We have the budget we need.' }),
    ).toEqual([
      expect.objectContaining({ field: 'statement', message: expect.stringContaining('{P}') }),
    ]);
    expect(customItemProblems({ key: 'custom-a', statement: '{P} ok' })).toHaveLength(1);
    expect(
      customItemProblems({ key: 'custom-a', statement: `{P}${'x'.repeat(298)}` }),
    ).toHaveLength(1);
  });
});

test('the prediction item quotes the bank statement with the title', () => {
  expect(predictionStatementFor('staffing', 'Customer Focus')).toBe(
    'How do you expect the frontline to rate: "My team is staffed to deliver Customer Focus alongside our other commitments."?',
  );
});

describe('mostAskedOfAny and isAskedOfTier', () => {
  const all = { audienceTier: null, audienceTeamId: null };
  const leaders = { audienceTier: 'leadership' as const, audienceTeamId: null };
  const ops = { audienceTier: null, audienceTeamId: 'ops' };
  const sales = { audienceTier: null, audienceTeamId: 'sales' };
  const at = (tier: 'leadership' | 'frontline', team: string | null) => ({
    tier,
    teamAncestry: teamAncestry(team, parents),
  });

  test('counts the questions of the invitee asked the most', () => {
    const questions = [all, all, leaders, ops, ops, sales];
    expect(mostAskedOfAny(questions, [at('frontline', 'floor')])).toBe(4);
    expect(mostAskedOfAny(questions, [at('leadership', 'sales')])).toBe(4);
    expect(mostAskedOfAny(questions, [at('leadership', 'floor'), at('frontline', 'sales')])).toBe(
      5,
    );
    // A group naming no team gets only what names none.
    expect(mostAskedOfAny(questions, [at('leadership', null)])).toBe(3);
    expect(mostAskedOfAny(questions, [])).toBe(0);
  });

  test('a tier is asked what names it or no tier, in whichever team the question names', () => {
    expect(isAskedOfTier(all, 'frontline')).toBe(true);
    expect(isAskedOfTier(leaders, 'frontline')).toBe(false);
    expect(isAskedOfTier(leaders, 'leadership')).toBe(true);
    expect(isAskedOfTier(ops, 'frontline')).toBe(true);
    expect(isAskedOfTier({ audienceTier: 'leadership', audienceTeamId: 'ops' }, 'frontline')).toBe(
      false,
    );
  });
});

describe('decisionReach: who in the owning team a run would ask', () => {
  const teams = [
    { id: 'ops', parentId: null },
    { id: 'warehouse', parentId: 'ops' },
    { id: 'security', parentId: null },
    { id: 'sales', parentId: null },
  ];
  const people = (teamId: string, tier: 'leadership' | 'frontline', n: number) =>
    Array.from({ length: n }, () => ({ teamId, tier }));
  const members = [
    ...people('ops', 'frontline', 5),
    // Two: merged into Operations, still inside the owning team: asked.
    ...people('warehouse', 'frontline', 2),
    // Three leaders: merged into the whole organization, beyond Operations: not asked.
    ...people('ops', 'leadership', 3),
    ...people('security', 'frontline', 5),
    ...people('sales', 'frontline', 6),
    // Sales's leaders join the whole organization's group to bring its three to k.
    ...people('sales', 'leadership', 6),
  ];

  test('groups merged above the owning team are not asked; those merged within it are', () => {
    expect(decisionReach(teams, members, 5)('ops')).toEqual({ people: 10, asked: 7 });
    expect(decisionReach(teams, members, 5)('warehouse')).toEqual({ people: 2, asked: 0 });
    expect(decisionReach(teams, members, 5)('security')).toEqual({ people: 5, asked: 5 });
    expect(decisionReach(teams, members, 5)('sales')).toEqual({ people: 12, asked: 6 });
    // At k = 3 every group is one of its own but Warehouse's.
    expect(decisionReach(teams, members, 3)('ops')).toEqual({ people: 10, asked: 10 });
    expect(decisionReach(teams, members, 3)('sales')).toEqual({ people: 12, asked: 12 });
  });
});

describe('reachLevel: what readers are told of the reach', () => {
  test('everyone, some or no one; never the counts', () => {
    expect(reachLevel({ people: 10, asked: 10 })).toBe('all');
    expect(reachLevel({ people: 0, asked: 0 })).toBe('all');
    expect(reachLevel({ people: 10, asked: 7 })).toBe('some');
    expect(reachLevel({ people: 2, asked: 0 })).toBe('none');
  });
});
