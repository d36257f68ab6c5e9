import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  EASY_AGREEMENT_SPLIT,
  EASY_AGREEMENT_UNANIMITY,
  easyAgreement,
  easyAgreementQuestion,
  type EasyAgreement,
} from './easy-agreement.js';
import type { Histogram } from './histogram.js';

const SPLIT_FRONTLINE: Histogram = [6, 6, 4, 4, 4]; // half at 1–2, a third at 4–5

function flagged(leadership: Histogram, frontline: Histogram, minGroupSize = 5): boolean {
  const reading = easyAgreement({ leadership, frontline, minGroupSize });
  return !reading.suppressed && reading.flagged;
}

function mirror(histogram: Histogram): Histogram {
  const [one, two, three, four, five] = histogram;
  return [five, four, three, two, one];
}

describe('easyAgreement', () => {
  test('leadership nearly unanimous, the frontline split', () => {
    expect(
      easyAgreement({ leadership: [0, 0, 1, 5, 4], frontline: SPLIT_FRONTLINE, minGroupSize: 5 }),
    ).toEqual({
      suppressed: false,
      flagged: true,
      leadershipSide: 'agree',
      leadershipShare: 0.9,
      frontlineDisagree: 0.5,
      frontlineAgree: 0.5 * (2 / 3),
    });
  });

  test('exactly 80% of leaders is nearly unanimous; fewer is not', () => {
    expect(EASY_AGREEMENT_UNANIMITY).toBe(0.8);
    expect(flagged([0, 0, 1, 2, 2], SPLIT_FRONTLINE)).toBe(true);
    expect(flagged([0, 0, 2, 4, 4], SPLIT_FRONTLINE)).toBe(true);
    expect(flagged([0, 1, 2, 4, 4], SPLIT_FRONTLINE)).toBe(false);
    expect(flagged([0, 0, 3, 5, 7], SPLIT_FRONTLINE)).toBe(true); // 12 of 15
    expect(flagged([0, 0, 3, 5, 6], SPLIT_FRONTLINE)).toBe(false); // 11 of 14
  });

  test('exactly 25% on each side of the frontline is split; fewer on one side is not', () => {
    expect(EASY_AGREEMENT_SPLIT).toBe(0.25);
    const leaders: Histogram = [0, 0, 0, 3, 3];
    expect(flagged(leaders, [2, 0, 4, 2, 0])).toBe(true);
    expect(flagged(leaders, [2, 3, 10, 3, 2])).toBe(true);
    expect(flagged(leaders, [2, 2, 10, 3, 2])).toBe(false);
    expect(flagged(leaders, [2, 3, 10, 2, 2])).toBe(false);
  });

  test('leaders unanimous in disagreeing count too; undecided leaders never', () => {
    expect(
      easyAgreement({ leadership: [3, 2, 0, 0, 0], frontline: SPLIT_FRONTLINE, minGroupSize: 5 }),
    ).toMatchObject({
      flagged: true,
      leadershipSide: 'disagree',
    });
    expect(flagged([0, 0, 9, 0, 0], SPLIT_FRONTLINE)).toBe(false);
  });

  test('a frontline that agrees with its leaders is not split', () => {
    expect(flagged([0, 0, 0, 4, 4], [0, 1, 2, 8, 9])).toBe(false);
  });

  test('suppressed when a tier is under k', () => {
    expect(
      easyAgreement({ leadership: [0, 0, 0, 2, 2], frontline: SPLIT_FRONTLINE, minGroupSize: 5 }),
    ).toEqual({
      suppressed: true,
    });
    expect(
      easyAgreement({ leadership: [0, 0, 0, 3, 3], frontline: [2, 0, 0, 0, 2], minGroupSize: 5 }),
    ).toEqual({
      suppressed: true,
    });
  });

  test('rejects a minimum group size under 3 and a malformed histogram', () => {
    expect(() =>
      easyAgreement({ leadership: [0, 0, 0, 3, 3], frontline: SPLIT_FRONTLINE, minGroupSize: 2 }),
    ).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_GROUP_SIZE' }));
    expect(() =>
      easyAgreement({
        leadership: [0, 0, 0, 3] as unknown as Histogram,
        frontline: SPLIT_FRONTLINE,
        minGroupSize: 5,
      }),
    ).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_HISTOGRAM' }));
  });

  const histogram = fc.tuple(
    fc.nat(12),
    fc.nat(12),
    fc.nat(12),
    fc.nat(12),
    fc.nat(12),
  ) as fc.Arbitrary<Histogram>;
  const k = fc.integer({ min: 3, max: 8 });

  test('mirroring the scale (1↔5, 2↔4) mirrors the sides and keeps the flag', () => {
    fc.assert(
      fc.property(histogram, histogram, k, (leadership, frontline, minGroupSize) => {
        const reading = easyAgreement({ leadership, frontline, minGroupSize });
        const mirrored = easyAgreement({
          leadership: mirror(leadership),
          frontline: mirror(frontline),
          minGroupSize,
        });
        if (reading.suppressed || mirrored.suppressed) {
          expect(mirrored.suppressed).toBe(reading.suppressed);
          return;
        }
        const side = { agree: 'disagree', disagree: 'agree' } as const;
        expect(mirrored).toEqual({
          ...reading,
          leadershipSide: reading.leadershipSide === null ? null : side[reading.leadershipSide],
          frontlineAgree: reading.frontlineDisagree,
          frontlineDisagree: reading.frontlineAgree,
        });
      }),
    );
  });

  test('leaders who join the agreeing side keep a flag', () => {
    fc.assert(
      fc.property(
        histogram,
        histogram,
        fc.nat(10),
        fc.boolean(),
        (leadership, frontline, more, high) => {
          const before = easyAgreement({ leadership, frontline, minGroupSize: 3 });
          if (before.suppressed || !before.flagged) return;
          const index = before.leadershipSide === 'agree' ? (high ? 4 : 3) : high ? 0 : 1;
          const joined = leadership.map((count, i) => (i === index ? count + more : count));
          expect(flagged(joined as unknown as Histogram, frontline, 3)).toBe(true);
        },
      ),
    );
  });

  test('depends on shares only: the same cell at twice the size reads the same', () => {
    fc.assert(
      fc.property(histogram, histogram, (leadership, frontline) => {
        const double = (h: Histogram) => h.map((c) => 2 * c) as unknown as Histogram;
        const a = easyAgreement({ leadership, frontline, minGroupSize: 3 });
        const b = easyAgreement({
          leadership: double(leadership),
          frontline: double(frontline),
          minGroupSize: 3,
        });
        if (!a.suppressed) expect(b).toEqual(a);
      }),
    );
  });

  test('a flag means the definition holds', () => {
    fc.assert(
      fc.property(histogram, histogram, k, (leadership, frontline, minGroupSize) => {
        const reading: EasyAgreement = easyAgreement({ leadership, frontline, minGroupSize });
        if (reading.suppressed || !reading.flagged) return;
        const n = (h: Histogram) => h.reduce((a, b) => a + b, 0);
        const [l1, l2, , l4, l5] = leadership;
        const [f1, f2, , f4, f5] = frontline;
        expect(5 * Math.max(l1 + l2, l4 + l5)).toBeGreaterThanOrEqual(4 * n(leadership));
        expect(4 * (f1 + f2)).toBeGreaterThanOrEqual(n(frontline));
        expect(4 * (f4 + f5)).toBeGreaterThanOrEqual(n(frontline));
      }),
    );
  });
});

describe('easyAgreementQuestion', () => {
  test('a question for the room', () => {
    expect(easyAgreementQuestion({ title: 'Customer Focus', dimension: 'staffing' })).toBe(
      "Leadership agrees almost to a person on staffing for Customer Focus; the frontline is split. What does each half of the frontline see that the other doesn't?",
    );
  });
});
