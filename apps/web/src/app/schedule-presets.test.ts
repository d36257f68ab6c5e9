import { describe, expect, test } from 'vitest';
import {
  describeSchedule,
  everyWeeksOf,
  fromCron,
  toCron,
  type ScheduleChoice,
} from './schedule-presets.js';

describe('schedule presets', () => {
  test('weekly, monthly and quarterly become the cron the API runs', () => {
    expect(toCron({ kind: 'weekly', weekday: 1, hour: 9, minute: 0 })).toBe('0 9 * * 1');
    expect(toCron({ kind: 'monthly', weekday: 2, hour: 14, minute: 30 })).toBe('30 14 * * 2#1');
    expect(toCron({ kind: 'quarterly', weekday: 1, hour: 8, minute: 0 })).toBe(
      '0 8 * 1,4,7,10 1#1',
    );
    expect(toCron({ kind: 'custom', cron: '  0  9 * * 1-5 ', everyWeeks: 1 })).toBe('0 9 * * 1-5');
  });

  const presets: ScheduleChoice[] = [
    { kind: 'weekly', weekday: 0, hour: 23, minute: 59 },
    { kind: 'monthly', weekday: 5, hour: 0, minute: 0 },
    { kind: 'quarterly', weekday: 3, hour: 12, minute: 15 },
  ];
  test.each(presets)('a saved %o opens as the same preset', (choice) => {
    expect(fromCron(toCron(choice))).toEqual(choice);
  });

  test('anything else stays a custom expression', () => {
    for (const cron of ['0 9 * * 1-5', '0 9 1 * *', '*/5 * * * *', '0 9 * 2 1#1', '0 25 * * 1']) {
      expect(fromCron(cron)).toEqual({ kind: 'custom', cron, everyWeeks: 1 });
    }
  });

  test('every two weeks is the weekly cron in every second week', () => {
    const choice = { kind: 'fortnightly' as const, weekday: 3, hour: 10, minute: 30 };
    expect(toCron(choice)).toBe('30 10 * * 3');
    expect(everyWeeksOf(choice)).toBe(2);
    expect(fromCron('30 10 * * 3', 2)).toEqual(choice);
    expect(describeSchedule(choice)).toBe('Every other Wednesday at 10:30');
    // Other weeks, or another cron, in every n-th week stay as they were saved.
    expect(fromCron('30 10 * * 3', 3)).toEqual({
      kind: 'custom',
      cron: '30 10 * * 3',
      everyWeeks: 3,
    });
    expect(everyWeeksOf(fromCron('0 9 * * 1#1', 2))).toBe(2);
    expect(describeSchedule(fromCron('30 10 * * 3', 3))).toBe(
      'Custom: 30 10 * * 3, in every 3rd week',
    );
  });

  test('says the schedule in words', () => {
    expect(describeSchedule({ kind: 'weekly', weekday: 1, hour: 9, minute: 0 })).toBe(
      'Every Monday at 09:00',
    );
    expect(describeSchedule({ kind: 'monthly', weekday: 2, hour: 14, minute: 5 })).toBe(
      'On the first Tuesday of every month at 14:05',
    );
  });
});
