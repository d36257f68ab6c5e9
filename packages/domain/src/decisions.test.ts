import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  decisionDurability,
  durabilitySeries,
  RELITIGATION_DROP,
  RELITIGATION_FLOOR,
  type DurabilityRun,
  type ShownDurabilityPoint,
} from './decisions.js';
import type { Histogram } from './histogram.js';

/** A run whose item has `agree` answers of 4 and `n − agree` answers of 2. */
function run(agree: number, n: number, shown = true, runId = `run-${agree}-${n}`): DurabilityRun {
  return { runId, answers: [0, n - agree, 0, agree, 0], shown };
}

function shown(point: unknown): ShownDurabilityPoint {
  const p = point as ShownDurabilityPoint | { withheld: true };
  if (p.withheld) throw new Error('expected a shown point');
  return p;
}

describe('durabilitySeries', () => {
  test('the share at 4–5 with the Wilson interval of prop.test', () => {
    // R: prop.test(52, 100, correct = FALSE)$conf.int
    const [point] = durabilitySeries(
      [{ runId: 'r1', answers: [10, 20, 18, 30, 22], shown: true }],
      5,
    );
    expect(point).toMatchObject({
      runId: 'r1',
      withheld: false,
      count: 52,
      n: 100,
      share: 0.52,
      change: null,
      flagged: true,
      reasons: ['belowFloor'],
    });
    expect(shown(point).ci95.map((end) => Number(end.toFixed(7)))).toEqual([0.4231658, 0.6153545]);
  });

  test('exactly 60% is not under the floor; one answer less is', () => {
    expect(RELITIGATION_FLOOR).toBe(0.6);
    const [atFloor, under] = durabilitySeries([run(6, 10), run(11, 19)], 5);
    expect(shown(atFloor)).toMatchObject({ share: 0.6, flagged: false, reasons: [] });
    expect(shown(under)).toMatchObject({ flagged: true, reasons: ['belowFloor'] });
  });

  test('a fall of exactly 15 points flags, 14 does not', () => {
    expect(RELITIGATION_DROP).toBe(0.15);
    // 0.95 → 0.80 is −0.1499999999999999 in floating point, 0.75 → 0.60 is −0.15000000000000002.
    for (const [before, after] of [
      [run(19, 20), run(16, 20)],
      [run(15, 20), run(12, 20)],
      [run(13, 20), run(10, 20)],
    ] as const) {
      const [, point] = durabilitySeries([before, after], 5);
      expect(shown(point).reasons).toContain('drop');
    }
    const [, fourteen] = durabilitySeries([run(95, 100), run(81, 100)], 5);
    expect(shown(fourteen)).toMatchObject({ flagged: false, reasons: [] });
  });

  test('both reasons at once', () => {
    const [, point] = durabilitySeries([run(16, 20), run(10, 20)], 5);
    expect(shown(point).reasons).toEqual(['belowFloor', 'drop']);
  });

  test('withheld: not asked, not shown by the release, or under k; never a reference', () => {
    const series = durabilitySeries(
      [
        run(18, 20, true, 'a'),
        { runId: 'b', answers: null, shown: true },
        run(2, 20, false, 'c'),
        run(1, 4, true, 'd'),
        run(0, 0, true, 'e'),
        run(15, 20, true, 'f'),
      ],
      5,
    );
    expect(series.slice(1, 5)).toEqual([
      { runId: 'b', withheld: true },
      { runId: 'c', withheld: true },
      { runId: 'd', withheld: true },
      { runId: 'e', withheld: true },
    ]);
    // Compared with 'a' (90%), not with the hidden 10% or 25% in between.
    expect(shown(series[5])).toMatchObject({ change: 0.75 - 0.9, reasons: ['drop'] });
  });

  test('rejects a minimum group size under 3 and a malformed histogram', () => {
    expect(() => durabilitySeries([run(1, 2)], 2)).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_GROUP_SIZE' }),
    );
    expect(() =>
      durabilitySeries(
        [{ runId: 'x', answers: [1, 2, 3] as unknown as Histogram, shown: true }],
        5,
      ),
    ).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_HISTOGRAM' }));
  });

  const histogram = fc.tuple(
    fc.nat(15),
    fc.nat(15),
    fc.nat(15),
    fc.nat(15),
    fc.nat(15),
  ) as fc.Arbitrary<Histogram>;
  const runs = fc.array(
    fc.record({
      runId: fc.uuid(),
      answers: fc.option(histogram, { nil: null }),
      shown: fc.boolean(),
    }),
    { maxLength: 8 },
  );
  const k = fc.integer({ min: 3, max: 10 });

  test('flags only shown points; withheld points carry no number', () => {
    fc.assert(
      fc.property(runs, k, (list, minGroupSize) => {
        const series = durabilitySeries(list, minGroupSize);
        expect(series.map((p) => p.runId)).toEqual(list.map((r) => r.runId));
        for (const [i, point] of series.entries()) {
          const input = list[i];
          if (point.withheld) {
            expect(Object.keys(point).sort()).toEqual(['runId', 'withheld']);
            continue;
          }
          expect(input?.shown).toBe(true);
          expect(point.n).toBeGreaterThanOrEqual(minGroupSize);
          expect(point.flagged).toBe(point.reasons.length > 0);
        }
      }),
    );
  });

  test('withholding a point changes no other point', () => {
    fc.assert(
      fc.property(runs, k, fc.nat(), (list, minGroupSize, which) => {
        if (list.length === 0) return;
        const index = which % list.length;
        const hidden = list.map((r, i) => (i === index ? { ...r, shown: false } : r));
        const before = durabilitySeries(list, minGroupSize);
        const after = durabilitySeries(hidden, minGroupSize);
        const next = before.findIndex((p, i) => i > index && !p.withheld);
        for (const [i, point] of after.entries()) {
          // The next shown point is now compared with an earlier one; the rest are as before.
          if (i !== index && i !== next) expect(point).toEqual(before[i]);
        }
      }),
    );
  });

  test('a constant share at or above 60% never flags', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 8 }),
        (n, percent, scales) => {
          const agree = Math.ceil((n * Math.max(percent, 60)) / 100);
          // The same share at several sizes: agree × s of n × s.
          const series = durabilitySeries(
            scales.map((s) => run(agree * s, n * s)),
            3,
          );
          for (const point of series) if (!point.withheld) expect(point.flagged).toBe(false);
        },
      ),
    );
  });

  test('a rising share is never flagged for a drop', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 8 }), (agrees) => {
        const rising = [...agrees].sort((a, b) => a - b);
        for (const point of durabilitySeries(
          rising.map((a) => run(a, 20)),
          5,
        )) {
          if (!point.withheld) expect(point.reasons).not.toContain('drop');
        }
      }),
    );
  });
});

describe('decisionDurability', () => {
  test('relitigated when the newest shown settled point is flagged', () => {
    const durability = decisionDurability({
      minGroupSize: 5,
      settled: [run(18, 20), run(10, 20), run(3, 4)],
      tradeoffHonoured: [run(9, 20), run(15, 20)],
    });
    expect(durability.relitigated).toBe(true);
    expect(durability.settled.map((p) => p.withheld)).toEqual([false, false, true]);
    expect(durability.tradeoffHonoured.map((p) => !p.withheld && p.flagged)).toEqual([true, false]);
  });

  test('not relitigated when it recovered, or before anything is shown', () => {
    expect(
      decisionDurability({
        minGroupSize: 5,
        settled: [run(10, 20), run(18, 20)],
        tradeoffHonoured: [],
      }).relitigated,
    ).toBe(false);
    expect(
      decisionDurability({ minGroupSize: 5, settled: [run(1, 4)], tradeoffHonoured: [] })
        .relitigated,
    ).toBe(false);
  });
});
