import { describe, expect, test } from 'vitest';
import { nextManualReminderAt, plannedReminders } from './reminders.js';

const at = (iso: string) => new Date(iso);
const HOUR = 3_600_000;

describe('plannedReminders', () => {
  const opened = at('2027-03-01T08:00:00Z');
  test('a 72-hour window: at half-window and 24 h before close', () => {
    const closes = new Date(opened.getTime() + 72 * HOUR);
    expect(plannedReminders({ halfWindow: true, hoursBeforeClose: 24 }, opened, closes)).toEqual([
      { kind: 'half-window', dueAt: at('2027-03-02T20:00:00Z') },
      { kind: 'before-close', dueAt: at('2027-03-03T08:00:00Z') },
    ]);
  });

  test('two reminders within 12 hours are one, the one nearer the close', () => {
    const closes = new Date(opened.getTime() + 48 * HOUR);
    expect(plannedReminders({ halfWindow: true, hoursBeforeClose: 24 }, opened, closes)).toEqual([
      { kind: 'before-close', dueAt: at('2027-03-02T08:00:00Z') },
    ]);
    // 40 hours: 24 h before close comes 4 hours before half-window, which stays.
    const closer = new Date(opened.getTime() + 40 * HOUR);
    expect(
      plannedReminders({ halfWindow: true, hoursBeforeClose: 24 }, opened, closer).map(
        (r) => r.kind,
      ),
    ).toEqual(['half-window']);
  });

  test('a reminder that would fall outside the window is not planned; none is asked for', () => {
    const closes = new Date(opened.getTime() + 12 * HOUR);
    expect(plannedReminders({ halfWindow: false, hoursBeforeClose: 24 }, opened, closes)).toEqual(
      [],
    );
    expect(plannedReminders({ halfWindow: false, hoursBeforeClose: null }, opened, closes)).toEqual(
      [],
    );
    expect(plannedReminders({ halfWindow: true, hoursBeforeClose: null }, opened, closes)).toEqual([
      { kind: 'half-window', dueAt: at('2027-03-01T14:00:00Z') },
    ]);
  });
});

describe('nextManualReminderAt', () => {
  const now = at('2027-03-02T10:00:00Z');
  test('now when nothing was sent, or the latest was a day or more ago', () => {
    expect(nextManualReminderAt([], now)).toEqual(now);
    expect(nextManualReminderAt([at('2027-03-01T10:00:00Z')], now)).toEqual(now);
  });
  test('a day after the latest reminder otherwise', () => {
    expect(
      nextManualReminderAt([at('2027-03-01T09:00:00Z'), at('2027-03-02T09:30:00Z')], now),
    ).toEqual(at('2027-03-03T09:30:00Z'));
  });
});
