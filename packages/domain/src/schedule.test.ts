import { describe, expect, test } from 'vitest';
import {
  isSendingTime,
  nextOccurrences,
  nextSendingTime,
  previousOccurrence,
  scheduleProblems,
  type PulseSchedule,
} from './schedule.js';

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

describe('nextSendingTime', () => {
  const office = { from: '09:00', to: '17:00', weekdays: [1, 2, 3, 4, 5] };
  const berlin = 'Europe/Berlin';
  const local = (date: Date | null) =>
    date === null
      ? null
      : new Intl.DateTimeFormat('en-GB', {
          timeZone: berlin,
          weekday: 'short',
          day: '2-digit',
          month: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
        }).format(date);

  test('inside the window a message goes now', () => {
    const at = new Date('2027-03-24T10:15:00Z'); // Wednesday 11:15 in Berlin
    expect(nextSendingTime(at, office, berlin)).toEqual(at);
    expect(isSendingTime(at, office, berlin)).toBe(true);
  });

  test('after hours, on a Friday evening and at the weekend it waits for Monday 09:00', () => {
    expect(local(nextSendingTime(new Date('2027-03-24T17:00:00Z'), office, berlin))).toBe(
      'Thu 25/03, 09:00',
    );
    expect(local(nextSendingTime(new Date('2027-03-26T16:00:00Z'), office, berlin))).toBe(
      'Mon 29/03, 09:00',
    );
    expect(isSendingTime(new Date('2027-03-27T10:00:00Z'), office, berlin)).toBe(false);
  });

  test('09:00 local on both sides of a DST change', () => {
    // Berlin goes to summer time on Sunday 28 March 2027 and back on Sunday 31 October.
    const spring = nextSendingTime(new Date('2027-03-27T12:00:00Z'), office, berlin);
    expect(spring).toEqual(new Date('2027-03-29T07:00:00Z'));
    const before = nextSendingTime(new Date('2027-03-26T05:00:00Z'), office, berlin);
    expect(before).toEqual(new Date('2027-03-26T08:00:00Z'));
    const autumn = nextSendingTime(new Date('2027-10-30T12:00:00Z'), office, berlin);
    expect(autumn).toEqual(new Date('2027-11-01T08:00:00Z'));
    // 16:30 local is inside in summer (14:30Z) and in winter (15:30Z).
    expect(isSendingTime(new Date('2027-10-29T14:30:00Z'), office, berlin)).toBe(true);
    expect(isSendingTime(new Date('2027-11-01T15:30:00Z'), office, berlin)).toBe(true);
    expect(isSendingTime(new Date('2027-11-01T16:30:00Z'), office, berlin)).toBe(false);
  });

  test('an overnight window belongs to the day it opens; no weekdays never opens', () => {
    const night = { from: '22:00', to: '06:00', weekdays: [5] }; // Friday night
    expect(isSendingTime(new Date('2027-03-27T02:00:00Z'), night, berlin)).toBe(true); // Sat 03:00
    expect(local(nextSendingTime(new Date('2027-03-27T06:00:00Z'), night, berlin))).toBe(
      'Fri 02/04, 22:00',
    );
    expect(nextSendingTime(new Date(), { ...office, weekdays: [] }, berlin)).toBeNull();
  });
});

describe('every n weeks', () => {
  const biweekly = {
    cron: '0 9 * * 1',
    timezone: 'Europe/Berlin',
    everyWeeks: 2,
    // Set on Wednesday 17 March 2027: the first run is Monday 22 March, then every other Monday.
    anchor: new Date('2027-03-17T10:00:00Z'),
  };

  test('runs in every other week from the first occurrence, 09:00 local across DST', () => {
    const times = nextOccurrences(biweekly, new Date('2027-03-17T10:00:00Z'), 4);
    expect(times.map((t) => t.toISOString())).toEqual([
      '2027-03-22T08:00:00.000Z', // winter time
      '2027-04-05T07:00:00.000Z', // summer time: still 09:00 in Berlin
      '2027-04-19T07:00:00.000Z',
      '2027-05-03T07:00:00.000Z',
    ]);
    // Asked from inside the cycle, the off weeks stay off.
    expect(nextOccurrences(biweekly, new Date('2027-03-23T00:00:00Z'), 1)).toEqual([
      new Date('2027-04-05T07:00:00Z'),
    ]);
    expect(previousOccurrence(biweekly, new Date('2027-04-01T00:00:00Z'))).toEqual(
      new Date('2027-03-22T08:00:00Z'),
    );
  });

  test('the window may be as long as the two weeks between runs, no longer', () => {
    const now = new Date('2027-03-17T10:00:00Z');
    expect(scheduleProblems({ ...biweekly, openForHours: 200 }, now)).toEqual([]);
    expect(scheduleProblems({ ...biweekly, openForHours: 400 }, now)).toEqual([
      expect.objectContaining({ field: 'openForHours' }),
    ]);
    expect(scheduleProblems({ ...biweekly, everyWeeks: 1, openForHours: 200 }, now)).toEqual([
      expect.objectContaining({ field: 'openForHours' }),
    ]);
  });
});
