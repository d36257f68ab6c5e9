import { describe, expect, test } from 'vitest';
import {
  findingsProblem,
  roomFindingChoices,
  roomThresholdRange,
  thresholdProblem,
} from './room-findings.js';

const finding = (kind: string, priorityId: string, dimensions: string[]) => ({
  kind,
  priorityId,
  title: `${kind} headline`,
  text: '…',
  cells: dimensions.map((dimension, i) => ({ dimension, gap: 1.5 - i / 10 })),
});

describe('what a room can be opened on', () => {
  test('every cell the brief’s gaps and collisions cite, in the brief’s order, once', () => {
    const titles = new Map([
      ['p1', 'Customer Focus'],
      ['p2', 'Reliability'],
    ]);
    const choices = roomFindingChoices(
      {
        findings: [
          finding('collision', 'p1', ['staffing', 'feasibility']),
          finding('gap', 'p1', ['staffing']),
          finding('gap', 'p2', ['clarity']),
          finding('clarity', 'p2', []),
        ],
      },
      titles,
    );
    expect(choices.map((c) => [c.priorityId, c.dimension, c.label])).toEqual([
      ['p1', 'staffing', 'Customer Focus · staffing: gap +1.50'],
      ['p1', 'feasibility', 'Customer Focus · feasibility: gap +1.40'],
      ['p2', 'clarity', 'Reliability · clarity: gap +1.50'],
    ]);
  });

  test('a priority since removed keeps the finding’s own headline', () => {
    const [choice] = roomFindingChoices(
      { findings: [finding('gap', 'gone', ['staffing'])] },
      new Map(),
    );
    expect(choice?.label).toBe('gap headline · staffing: gap +1.50');
  });
});

describe('the form’s checks', () => {
  test('2 to 5 findings', () => {
    expect(findingsProblem(1, 4)).toBe('Choose 2 to 5 findings (1 chosen).');
    expect(findingsProblem(6, 8)).toBe('Choose 2 to 5 findings (6 chosen).');
    expect(findingsProblem(2, 4)).toBeNull();
    expect(findingsProblem(5, 5)).toBeNull();
    expect(findingsProblem(0, 1)).toMatch(/at least 2 findings, and this brief has one/);
  });

  test('the threshold: the organization’s k at least, 5 by default, 50 at most', () => {
    expect(roomThresholdRange(3)).toEqual({ min: 3, max: 50, initial: 5 });
    expect(roomThresholdRange(8)).toEqual({ min: 8, max: 50, initial: 8 });
    const range = roomThresholdRange(5);
    expect(thresholdProblem('5', range)).toBeNull();
    expect(thresholdProblem('50', range)).toBeNull();
    for (const bad of ['4', '51', '5.5', '', 'five']) {
      expect(thresholdProblem(bad, range)).toMatch(/whole number from 5/);
    }
  });
});
