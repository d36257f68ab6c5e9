import { describe, expect, test } from 'vitest';
import { mergeHistograms, type Histogram } from './histogram.js';
import {
  CLARITY_INDEX_TARGET,
  clarityIndex,
  collisionScore,
  commitmentDrift,
  committedClarity,
  type CollisionCell,
} from './run-metrics.js';

// R: prop.test(52, 100, correct = FALSE)$conf.int, the reference vector wilson-interval.
const R_52_OF_100: readonly [number, number] = [0.4231658, 0.6153545];

function expectInterval(
  actual: readonly [number, number] | undefined,
  printed: typeof R_52_OF_100,
) {
  expect(actual?.map((end) => Number(end.toFixed(7)))).toEqual(printed);
}

describe('clarityIndex', () => {
  test('top2 of clarity over both tiers, with the Wilson interval of prop.test', () => {
    const leadership: Histogram = [1, 2, 3, 6, 8]; // 14 of 20 at 4 or 5
    const frontline: Histogram = [9, 18, 15, 24, 14]; // 38 of 80
    const index = clarityIndex(mergeHistograms(leadership, frontline));
    expect(index).toMatchObject({ count: 52, n: 100, share: 0.52, meetsTarget: false });
    expectInterval(index?.ci95, R_52_OF_100);
  });

  test('meets the target at exactly 80%', () => {
    expect(CLARITY_INDEX_TARGET).toBe(0.8);
    expect(clarityIndex([0, 1, 0, 2, 2])?.meetsTarget).toBe(true);
    expect(clarityIndex([1, 1, 0, 4, 4])?.meetsTarget).toBe(true);
    expect(clarityIndex([1, 1, 1, 4, 4])?.meetsTarget).toBe(false);
  });

  test('null without answers; throws on a malformed histogram', () => {
    expect(clarityIndex([0, 0, 0, 0, 0])).toBeNull();
    expect(() => clarityIndex([0, 0, 1.5, 0, 0] as unknown as Histogram)).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_HISTOGRAM' }),
    );
  });
});

describe('committedClarity', () => {
  test('the share of respondents at 4 or more on both, with its Wilson interval', () => {
    const estimate = committedClarity({ clearAndCommitted: 52, answeredBoth: 100 });
    expect(estimate).toMatchObject({ count: 52, n: 100, share: 0.52 });
    expectInterval(estimate?.ci95, R_52_OF_100);
  });

  test('nobody and everybody', () => {
    expect(committedClarity({ clearAndCommitted: 0, answeredBoth: 12 })).toMatchObject({
      share: 0,
      ci95: [0, expect.any(Number)],
    });
    expect(committedClarity({ clearAndCommitted: 12, answeredBoth: 12 })).toMatchObject({
      share: 1,
      ci95: [expect.any(Number), 1],
    });
  });

  test('null when nobody answered both', () => {
    expect(committedClarity({ clearAndCommitted: 0, answeredBoth: 0 })).toBeNull();
  });

  test.each([
    [5, 4],
    [-1, 4],
    [1.5, 4],
  ])('rejects %s of %s', (clearAndCommitted, answeredBoth) => {
    expect(() => committedClarity({ clearAndCommitted, answeredBoth })).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_COUNT' }),
    );
  });
});

describe('collisionScore', () => {
  const cell = (gap: number, qValue: number | null = 0.5): CollisionCell => ({ gap, qValue });

  test('weight / 5 × mean gap of staffing and feasibility / 4', () => {
    const score = collisionScore({
      statedWeight: 4,
      staffing: cell(1.5),
      feasibility: cell(0.5),
    });
    expect(score).toEqual({
      score: (4 / 5) * (1 / 4),
      meanGap: 1,
      significant: false,
      basedOn: ['staffing', 'feasibility'],
    });
  });

  test('zero when the frontline is the more optimistic tier', () => {
    const score = collisionScore({ statedWeight: 5, staffing: cell(-1), feasibility: cell(0.4) });
    expect(score?.score).toBe(0);
    expect(score?.meanGap).toBeCloseTo(-0.3, 12);
  });

  test('one at the largest weight and gap', () => {
    expect(
      collisionScore({ statedWeight: 5, staffing: cell(4), feasibility: cell(4) })?.score,
    ).toBe(1);
  });

  test('a suppressed cell leaves the other one to decide', () => {
    expect(collisionScore({ statedWeight: 5, staffing: null, feasibility: cell(2) })).toEqual({
      score: 0.5,
      meanGap: 2,
      significant: false,
      basedOn: ['feasibility'],
    });
    expect(collisionScore({ statedWeight: 5, staffing: cell(2, 0.01), feasibility: null })).toEqual(
      { score: 0.5, meanGap: 2, significant: true, basedOn: ['staffing'] },
    );
  });

  test('no score when both cells are suppressed', () => {
    expect(collisionScore({ statedWeight: 3, staffing: null, feasibility: null })).toBeNull();
  });

  test.each([
    ['staffing significant', cell(1, 0.049), cell(1, 0.3), true],
    ['feasibility significant', cell(1, 0.3), cell(1, 0.01), true],
    ['q exactly 0.05 is not', cell(1, 0.05), cell(1, 0.05), false],
    ['no q-value', cell(1, null), cell(1, null), false],
    ['significant but frontline more optimistic', cell(-1, 0.001), cell(1.5, 0.4), false],
  ])('significance: %s', (_label, staffing, feasibility, significant) => {
    expect(collisionScore({ statedWeight: 3, staffing, feasibility })?.significant).toBe(
      significant,
    );
  });

  test.each([0, 6, 2.5, Number.NaN])('rejects the stated weight %s', (statedWeight) => {
    expect(() => collisionScore({ statedWeight, staffing: cell(1), feasibility: null })).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_STATED_WEIGHT' }),
    );
  });

  test('rejects a gap that is not finite and a q-value outside [0, 1]', () => {
    expect(() =>
      collisionScore({ statedWeight: 3, staffing: cell(Number.NaN), feasibility: null }),
    ).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_SAMPLE' }));
    expect(() =>
      collisionScore({ statedWeight: 3, staffing: null, feasibility: cell(1, 1.2) }),
    ).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_PROBABILITY' }));
  });
});

describe('commitmentDrift', () => {
  const run = (commitmentTop2: number | null, clarityTop2: number | null = 0.8) => ({
    commitmentTop2,
    clarityTop2,
  });

  test('no drift below two runs', () => {
    expect(commitmentDrift([])).toBeNull();
    expect(commitmentDrift([run(0.7)])).toBeNull();
    expect(commitmentDrift([run(0.7), run(null)])).toBeNull();
  });

  test('flags a fall of exactly ten points while clarity holds', () => {
    // 0.6 − 0.7 is −0.0999… in floating point; it still counts as ten points.
    expect(commitmentDrift([run(0.7), run(0.65), run(0.6)])).toEqual({
      commitmentChange: 0.6 - 0.7,
      clarityChange: 0,
      flagged: true,
    });
  });

  test('a fall of nine points is not flagged', () => {
    expect(commitmentDrift([run(0.7), run(0.61)])?.flagged).toBe(false);
  });

  test('compares oldest with newest, not the low point between', () => {
    expect(commitmentDrift([run(0.8), run(0.5), run(0.75)])?.flagged).toBe(false);
  });

  test('not flagged when clarity falls ten points too, or is unknown', () => {
    expect(commitmentDrift([run(0.8, 0.9), run(0.6, 0.8)])).toMatchObject({ flagged: false });
    expect(commitmentDrift([run(0.8, 0.9), run(0.6, 0.81)])).toMatchObject({ flagged: true });
    expect(commitmentDrift([run(0.8, null), run(0.6, 0.8)])).toEqual({
      commitmentChange: 0.6 - 0.8,
      clarityChange: null,
      flagged: false,
    });
  });

  test('clarity rising holds', () => {
    expect(commitmentDrift([run(0.8, 0.5), run(0.6, 0.9)])?.flagged).toBe(true);
  });

  test('only the last three runs count; a suppressed one among them is skipped', () => {
    // The first run is outside the window; the middle of the window has no figure.
    expect(commitmentDrift([run(0.95), run(0.7), run(null), run(0.65)])).toMatchObject({
      commitmentChange: 0.65 - 0.7,
      flagged: false,
    });
  });

  test('rejects a top2 outside [0, 1]', () => {
    expect(() => commitmentDrift([run(1.2), run(0.5)])).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_PROBABILITY' }),
    );
    expect(() => commitmentDrift([run(0.5, -0.1), run(0.5)])).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_PROBABILITY' }),
    );
  });
});
