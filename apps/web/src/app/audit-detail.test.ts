import { describe, expect, test } from 'vitest';
import { detailText } from './audit-detail.js';

describe('the detail of an audit event', () => {
  test('fields that hold something, lists joined, changes as old → new', () => {
    expect(
      detailText({ title: 'Q3', description: '', dimensions: ['clarity', 'staffing'], rows: 12 }),
    ).toBe('title: Q3 · dimensions: clarity, staffing · rows: 12');
    expect(
      detailText({
        title: 'Q3',
        changes: { paused: { old: false, new: true }, title: { old: 'a', new: 'b' } },
      }),
    ).toBe('title: Q3 · paused: false → true, title: a → b');
    expect(detailText({ schedule: { cron: '0 9 * * 1' } })).toBe('schedule: {"cron":"0 9 * * 1"}');
    expect(detailText(null)).toBe('');
  });
});
