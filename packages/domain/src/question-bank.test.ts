import { describe, expect, test } from 'vitest';
import {
  COMMENT_MAX_LENGTH,
  DIMENSIONS,
  isDimension,
  isTier,
  OPEN_QUESTION,
  STATEMENTS,
  statementFor,
  TIERS,
} from './question-bank.js';

describe('question bank', () => {
  test('lists the seven dimensions in the product order', () => {
    expect(DIMENSIONS).toEqual([
      'clarity',
      'importance',
      'staffing',
      'feasibility',
      'tradeoffs',
      'ownership',
      'commitment',
    ]);
    expect(Object.keys(STATEMENTS)).toEqual([...DIMENSIONS]);
  });

  test('has the two tiers', () => {
    expect(TIERS).toEqual(['leadership', 'frontline']);
  });

  test('renders a statement with the priority title', () => {
    expect(statementFor('staffing', 'Self-serve onboarding')).toBe(
      'My team is staffed to deliver Self-serve onboarding alongside our other commitments.',
    );
    expect(statementFor('feasibility', 'EU launch')).toBe(
      'EU launch is achievable this quarter with the time, tools and budget we have.',
    );
  });

  test('every statement names the priority exactly once', () => {
    for (const dimension of DIMENSIONS) {
      const text = statementFor(dimension, 'PRIORITY');
      expect(text.split('PRIORITY')).toHaveLength(2);
      expect(text).not.toContain('{P}');
    }
  });

  test('inserts the title literally, even with replacement patterns in it', () => {
    expect(statementFor('ownership', "Cut $& costs $1 $$ $'")).toBe(
      "I had a real say in how we will deliver Cut $& costs $1 $$ $'.",
    );
  });

  test('has the open question and the comment limit', () => {
    expect(OPEN_QUESTION).toBe('What makes this hard that nobody is saying out loud?');
    expect(COMMENT_MAX_LENGTH).toBe(2000);
  });

  test('recognizes dimensions and tiers exactly', () => {
    expect(isDimension('staffing')).toBe(true);
    expect(isDimension('Staffing')).toBe(false);
    expect(isDimension('toString')).toBe(false);
    expect(isDimension('')).toBe(false);
    expect(isTier('frontline')).toBe(true);
    expect(isTier('manager')).toBe(false);
  });
});
