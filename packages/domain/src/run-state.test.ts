import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { isRunOpen } from './run-state.js';

const deadline = new Date('2026-12-04T12:00:00.000Z');
const at = (ms: number) => new Date(deadline.getTime() + ms);

describe('isRunOpen', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('a run not closed is open until just before its deadline', () => {
    const run = { closedAt: null, closesAt: deadline };
    expect(isRunOpen(run, at(-72 * 3_600_000))).toBe(true);
    expect(isRunOpen(run, at(-1))).toBe(true);
  });

  test('at its deadline exactly, and after it, a run is closed though nothing recorded it', () => {
    const run = { closedAt: null, closesAt: deadline };
    expect(isRunOpen(run, at(0))).toBe(false);
    expect(isRunOpen(run, at(1))).toBe(false);
    expect(isRunOpen(run, at(365 * 86_400_000))).toBe(false);
  });

  test('a run closed by hand is closed before its deadline, whenever that was recorded', () => {
    expect(isRunOpen({ closedAt: at(-3_600_000), closesAt: deadline }, at(-60_000))).toBe(false);
    // Even a closing time recorded "in the future" of now counts as closed.
    expect(isRunOpen({ closedAt: at(-1), closesAt: deadline }, at(-10_000))).toBe(false);
  });

  test('without a time, it asks the clock', () => {
    vi.useFakeTimers();
    vi.setSystemTime(at(-1));
    expect(isRunOpen({ closedAt: null, closesAt: deadline })).toBe(true);
    vi.setSystemTime(at(0));
    expect(isRunOpen({ closedAt: null, closesAt: deadline })).toBe(false);
  });

  test('property: open exactly when not closed and now is before the deadline', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.option(fc.integer({ min: -1_000_000, max: 1_000_000 })),
        (now, closed) => {
          const run = { closedAt: closed === null ? null : at(closed), closesAt: deadline };
          expect(isRunOpen(run, at(now))).toBe(closed === null && now < 0);
        },
      ),
    );
  });
});
