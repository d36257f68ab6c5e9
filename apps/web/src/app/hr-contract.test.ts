import { describe, expect, test } from 'vitest';
import { ProblemError } from '../http.js';
import { fieldErrors, problemEntries, problemNumber } from './hr-contract.js';

describe('problem documents', () => {
  const validation = new ProblemError(400, 'Bad Request', 'The body is invalid', {
    errors: [
      { path: 'body/title', message: 'must NOT have fewer than 1 characters' },
      { path: 'body/schedule/cron', message: 'is not a cron expression' },
      { path: 'body/priorityIds/0', message: 'is not a priority of this organization' },
      { path: 'body/priorityIds/1', message: 'is not a priority of this organization' },
    ],
  });

  test('field errors by the field they name', () => {
    expect([...fieldErrors(validation)]).toEqual([
      ['title', 'must NOT have fewer than 1 characters'],
      ['schedule.cron', 'is not a cron expression'],
      ['priorityIds.0', 'is not a priority of this organization'],
      ['priorityIds.1', 'is not a priority of this organization'],
    ]);
  });

  test('row errors by line and field, and the numbers beside the detail', () => {
    const roster = new ProblemError(400, 'Bad Request', 'The roster has 1 error', {
      errors: [{ line: 4, field: 'tier', message: 'must be leadership or frontline' }],
    });
    expect(problemEntries(roster)).toEqual([
      { path: null, line: 4, field: 'tier', message: 'must be leadership or frontline' },
    ]);
    const confirm = new ProblemError(409, 'Conflict', 'Would deactivate', {
      deactivated: 9,
      active: 12,
    });
    expect(problemNumber(confirm, 'deactivated')).toBe(9);
    expect(problemNumber(confirm, 'missing')).toBeNull();
    expect(problemEntries(new Error('not a problem'))).toEqual([]);
  });
});
