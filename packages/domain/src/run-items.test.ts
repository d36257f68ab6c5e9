import { describe, expect, test } from 'vitest';
import { predictionStatementFor } from './question-bank.js';
import { customItemProblems, isAskedOf, itemStatementFor, itemStatements } from './run-items.js';

const SALES = 'sales';
const EAST = 'east';

describe('isAskedOf', () => {
  const everyone = { audienceTier: null, audienceTeamId: null };
  test('a question for everyone is asked of every tier and team', () => {
    expect(isAskedOf(everyone, { tier: 'frontline', teamAncestry: [] })).toBe(true);
    expect(isAskedOf(everyone, { tier: 'leadership', teamAncestry: [EAST, SALES] })).toBe(true);
  });
  test('a leadership question is asked of leaders only', () => {
    const leaders = { audienceTier: 'leadership' as const, audienceTeamId: null };
    expect(isAskedOf(leaders, { tier: 'leadership', teamAncestry: [] })).toBe(true);
    expect(isAskedOf(leaders, { tier: 'frontline', teamAncestry: [] })).toBe(false);
  });
  test("a team's question is asked of the team and the teams beneath it", () => {
    const sales = { audienceTier: null, audienceTeamId: SALES };
    expect(isAskedOf(sales, { tier: 'frontline', teamAncestry: [SALES] })).toBe(true);
    expect(isAskedOf(sales, { tier: 'frontline', teamAncestry: [EAST, SALES] })).toBe(true);
    expect(isAskedOf(sales, { tier: 'frontline', teamAncestry: ['support'] })).toBe(false);
    expect(isAskedOf(sales, { tier: 'frontline', teamAncestry: [] })).toBe(false);
    const east = { audienceTier: 'frontline' as const, audienceTeamId: EAST };
    expect(isAskedOf(east, { tier: 'frontline', teamAncestry: [SALES] })).toBe(false);
    expect(isAskedOf(east, { tier: 'leadership', teamAncestry: [EAST, SALES] })).toBe(false);
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
