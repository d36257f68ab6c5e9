import { describe, expect, test } from 'vitest';
import { nextOccurrences, scheduleProblems, type PulseSchedule } from './schedule.js';

const weekly: PulseSchedule = { cron: '0 9 * * MON', timezone: 'Europe/Berlin', openForHours: 72 };
const NOW = new Date('2026-03-20T12:00:00Z');
const fields = (schedule: PulseSchedule) => scheduleProblems(schedule, NOW).map((p) => p.field);

describe('scheduleProblems', () => {
  test('a weekly schedule with a three-day window is good', () => {
    expect(scheduleProblems(weekly, NOW)).toEqual([]);
    expect(fields({ ...weekly, cron: '0 0 9 * * 1' })).toEqual([]); // seconds first
    expect(fields({ ...weekly, cron: '30 8 * * THU' })).toEqual([]);
    expect(fields({ ...weekly, cron: '0 9 1 */3 *', openForHours: 24 * 14 })).toEqual([]);
    expect(fields({ ...weekly, cron: '@weekly' })).toEqual([]);
  });

  test('cron expressions a real parser refuses', () => {
    for (const cron of [
      '99 99 99 99 99',
      '0 25 * * *',
      'a b c d e',
      '0 9 * *',
      '0 9 * * 1 2 3',
      '0 9 31 2 *',
      '0 9 * * 8',
    ]) {
      expect(fields({ ...weekly, cron }), cron).toEqual(['cron']);
    }
  });

  test('H would pick a time at random: refused', () => {
    expect(scheduleProblems({ ...weekly, cron: 'H 9 * * 1' }, NOW)).toEqual([
      { field: 'cron', message: expect.stringMatching(/H/) as string },
    ]);
  });

  test('an unknown time zone, or an offset, is refused', () => {
    expect(fields({ ...weekly, timezone: 'Mars/Olympus' })).toEqual(['timezone']);
    expect(fields({ ...weekly, timezone: '+01:00' })).toEqual(['timezone']);
  });

  test('a window longer than the shortest interval between runs is refused', () => {
    // The week in which summer time starts is 167 hours long, so 168 would overlap it.
    expect(fields({ ...weekly, openForHours: 167 })).toEqual([]);
    expect(fields({ ...weekly, openForHours: 168 })).toEqual(['openForHours']);
    expect(fields({ ...weekly, cron: '0 9 * * *' })).toEqual(['openForHours']);
    expect(fields({ ...weekly, cron: '0 9 * * MON,TUE', openForHours: 24 })).toEqual([]);
    expect(fields({ ...weekly, cron: '0 9 * * MON,TUE', openForHours: 25 })).toEqual([
      'openForHours',
    ]);
    expect(fields({ ...weekly, cron: '* * * * *', openForHours: 1 })).toEqual(['openForHours']);
  });
});

describe('nextOccurrences', () => {
  test('09:00 in Berlin stays 09:00 local across both DST changes', () => {
    // Summer time starts on 29 March 2026 and ends on 25 October 2026.
    expect(nextOccurrences(weekly, NOW, 2).map((d) => d.toISOString())).toEqual([
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
    expect(
      nextOccurrences(weekly, new Date('2026-10-15T00:00:00Z'), 2).map((d) => d.toISOString()),
    ).toEqual(['2026-10-19T07:00:00.000Z', '2026-10-26T08:00:00.000Z']);
  });

  test('a time that does not exist on the DST day still runs that day', () => {
    // 02:30 on 29 March 2026 does not exist in Berlin (02:00 jumps to 03:00).
    const [first] = nextOccurrences(
      { cron: '30 2 29 3 *', timezone: 'Europe/Berlin' },
      new Date('2026-03-01T00:00:00Z'),
      1,
    );
    expect(first?.toISOString().slice(0, 10)).toBe('2026-03-29');
  });
});
