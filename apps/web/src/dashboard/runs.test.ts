import { describe, expect, test } from 'vitest';
import type { Run } from '../app/hr-contract.js';
import { defaultPulse, defaultRun, runLabel } from './runs.js';

const run = (id: string, state: Run['state'], over: Partial<Run> = {}): Run => ({
  id,
  openedAt: '2026-11-05T09:00:00Z',
  closesAt: '2026-11-08T09:00:00Z',
  closedAt: state === 'open' ? null : '2026-11-08T09:00:00Z',
  state,
  minGroupSize: 5,
  participation: { invited: 410, tokensCollected: 314, responses: 308 },
  teams: [],
  withheld: [],
  ...over,
});

describe('which run the dashboard opens', () => {
  const runs = [run('open', 'open'), run('closing', 'closing'), run('latest', 'released')];

  test('the one the address names, else the latest with a release, else the newest', () => {
    expect(defaultRun(runs, 'open')?.id).toBe('open');
    expect(defaultRun(runs, null)?.id).toBe('latest');
    expect(defaultRun(runs, 'gone')?.id).toBe('latest');
    expect(defaultRun([run('only', 'open')], null)?.id).toBe('only');
    expect(defaultRun([], null)).toBeUndefined();
  });

  test('the pulse the address names, else the first that has run', () => {
    const pulses = [
      { id: 'a', title: 'A', priorityIds: [], dimensions: [], latestRunId: null },
      { id: 'b', title: 'B', priorityIds: [], dimensions: [], latestRunId: 'r' },
    ];
    expect(defaultPulse(pulses, 'a')?.id).toBe('a');
    expect(defaultPulse(pulses, null)?.id).toBe('b');
  });

  test('a run is named by its dates, its response rate and whether it is open', () => {
    expect(runLabel(run('r', 'released'))).toBe('Nov 5 – Nov 8, 2026 · 75% answered (308 of 410)');
    expect(runLabel(run('r', 'open'))).toMatch(/ · open$/);
    expect(
      runLabel(
        run('r', 'open', { participation: { invited: 6, tokensCollected: null, responses: null } }),
      ),
    ).toBe('Nov 5 – Nov 8, 2026 · open');
  });
});
