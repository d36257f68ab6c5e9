import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  assertMinGroupSize,
  changedFloor,
  changedPulseThresholds,
  effectiveThresholds,
  MIN_GROUP_SIZE_FLOOR,
  newPulseThresholds,
  type GroupThresholds,
} from './group-size.js';

const floor: GroupThresholds = { minGroupSize: 5, commentMinGroupSize: 10 };

describe('assertMinGroupSize', () => {
  test('admits integers of at least 3 and refuses anything else', () => {
    expect(() => {
      assertMinGroupSize(3);
    }).not.toThrow();
    for (const k of [2, 0, -1, 4.5, Number.NaN]) {
      expect(() => {
        assertMinGroupSize(k);
      }).toThrow(/at least 3/);
    }
  });
});

describe('newPulseThresholds', () => {
  test('a pulse that sets nothing takes the floor', () => {
    expect(newPulseThresholds({}, floor)).toEqual({ ok: true, thresholds: floor });
  });

  test('a pulse raising k raises its default comment threshold with it', () => {
    expect(newPulseThresholds({ minGroupSize: 12 }, floor)).toEqual({
      ok: true,
      thresholds: { minGroupSize: 12, commentMinGroupSize: 12 },
    });
    expect(newPulseThresholds({ minGroupSize: 7 }, floor)).toEqual({
      ok: true,
      thresholds: { minGroupSize: 7, commentMinGroupSize: 10 },
    });
  });

  test('k under the floor is a problem of minGroupSize that names the floor', () => {
    expect(newPulseThresholds({ minGroupSize: 4 }, floor)).toEqual({
      ok: false,
      problems: [
        {
          field: 'minGroupSize',
          message: "must be at least the organization's minimum group size (5)",
        },
      ],
    });
  });

  test('a comment threshold under the floor, or under the pulse’s k, is refused', () => {
    expect(newPulseThresholds({ commentMinGroupSize: 9 }, floor)).toEqual({
      ok: false,
      problems: [
        {
          field: 'commentMinGroupSize',
          message: "must be at least the organization's comment minimum group size (10)",
        },
      ],
    });
    expect(newPulseThresholds({ minGroupSize: 15, commentMinGroupSize: 12 }, floor)).toEqual({
      ok: false,
      problems: [{ field: 'commentMinGroupSize', message: 'must be at least minGroupSize (15)' }],
    });
  });

  test('both fields wrong: one problem each', () => {
    const decision = newPulseThresholds({ minGroupSize: 3, commentMinGroupSize: 3 }, floor);
    expect(decision.ok).toBe(false);
    if (!decision.ok) {
      expect(decision.problems.map((p) => p.field)).toEqual([
        'minGroupSize',
        'commentMinGroupSize',
      ]);
    }
  });

  test('k under 3 is refused even under a floor that would allow it', () => {
    const loose = { minGroupSize: 2, commentMinGroupSize: 2 };
    expect(newPulseThresholds({}, loose)).toMatchObject({
      ok: false,
      problems: [{ field: 'minGroupSize', message: 'must be an integer of at least 3' }],
    });
  });
});

describe('changedPulseThresholds', () => {
  const current = { minGroupSize: 6, commentMinGroupSize: 12 };

  test('nothing asked: the pulse keeps what it has, even under a floor raised since', () => {
    expect(
      changedPulseThresholds(current, {}, { minGroupSize: 8, commentMinGroupSize: 15 }),
    ).toEqual({ ok: true, thresholds: current });
  });

  test('raising is allowed; the comment threshold rises with k when k passes it', () => {
    expect(changedPulseThresholds(current, { minGroupSize: 7 }, floor)).toEqual({
      ok: true,
      thresholds: { minGroupSize: 7, commentMinGroupSize: 12 },
    });
    expect(changedPulseThresholds(current, { minGroupSize: 20 }, floor)).toEqual({
      ok: true,
      thresholds: { minGroupSize: 20, commentMinGroupSize: 20 },
    });
  });

  test('lowering either is a problem that names the current value', () => {
    expect(
      changedPulseThresholds(current, { minGroupSize: 5, commentMinGroupSize: 11 }, floor),
    ).toEqual({
      ok: false,
      problems: [
        { field: 'minGroupSize', message: 'can only go up: it is 6' },
        { field: 'commentMinGroupSize', message: 'can only go up: it is 12' },
      ],
    });
  });

  test('a value given must respect the floor as it is now', () => {
    const raised = { minGroupSize: 9, commentMinGroupSize: 15 };
    expect(changedPulseThresholds(current, { minGroupSize: 8 }, raised)).toMatchObject({
      ok: false,
      problems: [{ field: 'minGroupSize', message: expect.stringMatching(/\(9\)/) as string }],
    });
  });
});

describe('changedFloor', () => {
  test('the floor may go up, and the comment threshold must stay at least k', () => {
    expect(changedFloor(floor, { minGroupSize: 7, commentMinGroupSize: 10 })).toEqual({
      ok: true,
      thresholds: { minGroupSize: 7, commentMinGroupSize: 10 },
    });
    expect(changedFloor(floor, { minGroupSize: 11, commentMinGroupSize: 10 })).toEqual({
      ok: false,
      problems: [{ field: 'commentMinGroupSize', message: 'must be at least minGroupSize (11)' }],
    });
  });

  test('lowering either is refused with the current value', () => {
    expect(changedFloor(floor, { minGroupSize: 4, commentMinGroupSize: 9 })).toEqual({
      ok: false,
      problems: [
        { field: 'minGroupSize', message: 'can only go up: it is 5' },
        { field: 'commentMinGroupSize', message: 'can only go up: it is 10' },
      ],
    });
  });

  test('unchanged is fine', () => {
    expect(changedFloor(floor, floor)).toEqual({ ok: true, thresholds: floor });
  });
});

describe('effectiveThresholds', () => {
  test('each threshold is the larger of the pulse’s and the floor’s', () => {
    expect(
      effectiveThresholds(
        { minGroupSize: 8, commentMinGroupSize: 8 },
        { minGroupSize: 5, commentMinGroupSize: 10 },
      ),
    ).toEqual({ minGroupSize: 8, commentMinGroupSize: 10 });
    expect(
      effectiveThresholds(
        { minGroupSize: 5, commentMinGroupSize: 10 },
        { minGroupSize: 12, commentMinGroupSize: 12 },
      ),
    ).toEqual({ minGroupSize: 12, commentMinGroupSize: 12 });
  });

  const thresholds = fc
    .tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }))
    .map(([k, extra]) => ({ minGroupSize: k, commentMinGroupSize: k + extra }));

  test('never undercuts either side, never under 3, and comments never under k', () => {
    fc.assert(
      fc.property(thresholds, thresholds, (pulse, orgFloor) => {
        const e = effectiveThresholds(pulse, orgFloor);
        expect(e.minGroupSize).toBeGreaterThanOrEqual(
          Math.max(pulse.minGroupSize, orgFloor.minGroupSize, MIN_GROUP_SIZE_FLOOR),
        );
        expect(e.commentMinGroupSize).toBeGreaterThanOrEqual(
          Math.max(pulse.commentMinGroupSize, orgFloor.commentMinGroupSize, e.minGroupSize),
        );
      }),
    );
  });

  test('what newPulseThresholds admits is what a run applies under the same floor', () => {
    const request = fc.record(
      {
        minGroupSize: fc.integer({ min: 1, max: 40 }),
        commentMinGroupSize: fc.integer({ min: 1, max: 40 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        thresholds.filter((t) => t.minGroupSize >= MIN_GROUP_SIZE_FLOOR),
        request,
        (orgFloor, requested) => {
          const decision = newPulseThresholds(requested, orgFloor);
          if (decision.ok) {
            expect(effectiveThresholds(decision.thresholds, orgFloor)).toEqual(decision.thresholds);
          }
        },
      ),
    );
  });
});
