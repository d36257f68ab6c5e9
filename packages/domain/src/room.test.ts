import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  addToHistogram,
  emptyHistogram,
  histogramTotal,
  type AnswerValue,
  type Histogram,
} from './histogram.js';
import {
  assertRoomThreshold,
  DEFAULT_ROOM_THRESHOLD,
  ROOM_MAX_CAPACITY,
  ROOM_MAX_THRESHOLD,
  ROOM_MIN_THRESHOLD,
  roomCapacityProblem,
  roomIsFull,
  roomReveal,
  roomThreshold,
  roomView,
  shufflePrompts,
  type RandomSource,
  type RoomSnapshot,
  type RoomView,
} from './room.js';

/** A deterministic random source: a small linear congruential generator from a seed. */
function seeded(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const never: RandomSource = () => {
  throw new Error('no shuffle expected');
};

describe('room thresholds', () => {
  test('default 5, never below 3, at most 50', () => {
    expect([ROOM_MIN_THRESHOLD, DEFAULT_ROOM_THRESHOLD, ROOM_MAX_THRESHOLD]).toEqual([3, 5, 50]);
    expect(roomThreshold(undefined)).toBe(5);
    expect(roomThreshold(3)).toBe(3);
    expect(roomThreshold(50)).toBe(50);
  });

  test.each([2, 0, -5, 51, 4.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses the threshold %s',
    (threshold) => {
      expect(() => roomThreshold(threshold)).toThrow(
        expect.objectContaining({ code: 'DOMAIN_INVALID_ROOM_THRESHOLD' }),
      );
      expect(() => {
        assertRoomThreshold(threshold);
      }).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_ROOM_THRESHOLD' }));
    },
  );

  test("never undercuts the organization's k", () => {
    expect(roomThreshold(undefined, 7)).toBe(7);
    expect(roomThreshold(undefined, 4)).toBe(5);
    expect(roomThreshold(7, 7)).toBe(7);
    expect(() => roomThreshold(6, 7)).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_ROOM_THRESHOLD' }),
    );
    // An organization whose k is above the usual maximum can still open a room.
    expect(roomThreshold(undefined, 60)).toBe(60);
    expect(() => roomThreshold(undefined, 2)).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_GROUP_SIZE' }),
    );
  });
});

describe('roomReveal', () => {
  test('withholds everything but the count below the threshold', () => {
    const reveal = roomReveal(
      { answers: [1, 0, 2, 1, 0], prompts: ['a', 'b', 'c', 'd'] },
      5,
      never,
    );
    expect(reveal).toEqual({ revealed: false, answered: 4, needed: 5 });
  });

  test('reveals the distribution at exactly the threshold, texts only with as many texts', () => {
    const reveal = roomReveal({ answers: [1, 0, 2, 1, 1], prompts: ['a', 'b'] }, 5, never);
    expect(reveal).toEqual({
      revealed: true,
      distribution: [1, 0, 2, 1, 1],
      mean: 3.2,
      n: 5,
      prompts: { revealed: false, answered: 2, needed: 5 },
    });
  });

  test('shuffles the texts with the random source it is given', () => {
    const prompts = ['one', 'two', 'three', 'four', 'five'];
    const a = roomReveal({ answers: [0, 0, 0, 5, 0], prompts }, 5, seeded(1));
    const b = roomReveal({ answers: [0, 0, 0, 5, 0], prompts }, 5, seeded(1));
    expect(a).toEqual(b);
    expect(a.revealed && a.prompts.revealed && [...a.prompts.texts].sort()).toEqual(
      [...prompts].sort(),
    );
    expect(prompts).toEqual(['one', 'two', 'three', 'four', 'five']);
  });

  test('a random source outside [0, 1) is refused', () => {
    expect(() => shufflePrompts(['a', 'b'], () => 1)).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_PROBABILITY' }),
    );
  });

  test('refuses a threshold under 3 and a malformed histogram', () => {
    expect(() => roomReveal({ answers: [1, 1, 0, 0, 0], prompts: [] }, 2, never)).toThrow(
      expect.objectContaining({ code: 'DOMAIN_INVALID_ROOM_THRESHOLD' }),
    );
    expect(() =>
      roomReveal({ answers: [1, -1, 0, 0, 0] as unknown as Histogram, prompts: [] }, 3, never),
    ).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_HISTOGRAM' }));
  });

  const histogram = fc.tuple(
    fc.nat(12),
    fc.nat(12),
    fc.nat(12),
    fc.nat(12),
    fc.nat(12),
  ) as fc.Arbitrary<Histogram>;
  const threshold = fc.integer({ min: ROOM_MIN_THRESHOLD, max: 20 });
  const prompts = fc.array(fc.string({ maxLength: 4 }), { maxLength: 30 });

  test('never reveals under the threshold; a revealed distribution sums to n', () => {
    fc.assert(
      fc.property(histogram, prompts, threshold, fc.integer(), (answers, texts, k, seed) => {
        const reveal = roomReveal({ answers, prompts: texts }, k, seeded(seed));
        const n = histogramTotal(answers);
        if (n < k) {
          expect(reveal).toEqual({ revealed: false, answered: n, needed: k });
          return;
        }
        if (!reveal.revealed) throw new Error('expected a reveal');
        expect(histogramTotal(reveal.distribution)).toBe(reveal.n);
        expect(reveal.n).toBe(n);
        expect(reveal.prompts.revealed).toBe(texts.length >= k);
      }),
    );
  });

  test('the shuffle is a permutation', () => {
    fc.assert(
      fc.property(prompts, fc.integer(), (texts, seed) => {
        const shuffled = shufflePrompts(texts, seeded(seed));
        expect([...shuffled].sort()).toEqual([...texts].sort());
      }),
    );
  });

  test('revealing is monotone: more answers keep it revealed', () => {
    fc.assert(
      fc.property(histogram, histogram, threshold, (answers, more, k) => {
        const before = roomReveal({ answers, prompts: [] }, k, never);
        const total = answers.map((count, i) => count + (more[i] ?? 0)) as unknown as Histogram;
        const after = roomReveal({ answers: total, prompts: [] }, k, never);
        if (before.revealed) expect(after.revealed).toBe(true);
      }),
    );
  });
});

describe('roomView', () => {
  /** Answers one at a time, looking at the screen after each, as a room does. */
  function replay(
    events: readonly { value: AnswerValue; text: string | null }[],
    threshold: number,
    random: RandomSource = seeded(7),
  ): RoomView[] {
    let answers: Histogram = emptyHistogram();
    const prompts: string[] = [];
    let shown: RoomSnapshot | null = null;
    const views: RoomView[] = [];
    for (const { value, text } of events) {
      answers = addToHistogram(answers, value);
      if (text !== null) prompts.push(text);
      const view = roomView({ answers, prompts: [...prompts], threshold, shown }, random);
      shown = view.shown;
      views.push(view);
    }
    return views;
  }

  const answer = (value: AnswerValue, text: string | null = null) => ({ value, text });

  test('first reveal at k; later answers wait until k more arrived', () => {
    const values: AnswerValue[] = [4, 2, 5, 4, 1, 3, 3, 3, 3, 2, 5];
    const views = replay(
      values.map((value) => answer(value)),
      5,
    );
    expect(views[3]?.scale).toEqual({ revealed: false, answered: 4, needed: 5 });
    expect(views[4]?.scale).toEqual({
      revealed: true,
      distribution: [1, 1, 0, 2, 1],
      mean: 3.2,
      n: 5,
      waiting: 0,
      needed: 5,
    });
    // Four more: the screen still shows the first five, and says four are waiting.
    expect(views[8]?.scale).toMatchObject({ n: 5, distribution: [1, 1, 0, 2, 1], waiting: 4 });
    // The fifth since the reveal moves it.
    expect(views[9]?.scale).toMatchObject({ n: 10, distribution: [1, 2, 4, 2, 1], waiting: 0 });
    expect(views[10]?.scale).toMatchObject({ n: 10, waiting: 1 });
  });

  test('texts come in shuffled batches of at least k, after those shown', () => {
    const events = [
      answer(4, 'a'),
      answer(4, 'b'),
      answer(2),
      answer(3, 'c'),
      answer(5, 'd'),
      answer(1, 'e'),
      answer(2, 'f'),
    ];
    const views = replay(events, 3);
    expect(views[1]?.prompts).toEqual({ revealed: false, answered: 2, needed: 3 });
    // The scale is revealed at three answers; only two texts then, so they wait.
    expect(views[2]?.scale.revealed).toBe(true);
    expect(views[2]?.prompts).toEqual({ revealed: false, answered: 2, needed: 3 });
    const first = views[3]?.prompts;
    expect(first?.revealed === true && [...first.texts].sort()).toEqual(['a', 'b', 'c']);
    const second = views[6]?.prompts;
    expect(second?.revealed === true && second.texts.slice(0, 3)).toEqual(
      first?.revealed === true && first.texts,
    );
    expect(second?.revealed === true && [...second.texts.slice(3)].sort()).toEqual(['d', 'e', 'f']);
  });

  test('looking again without new answers changes nothing and draws no randomness', () => {
    const state = { answers: [0, 1, 2, 1, 1] as Histogram, prompts: ['a', 'b', 'c'], threshold: 3 };
    const first = roomView({ ...state, shown: null }, seeded(3));
    const again = roomView({ ...state, shown: first.shown }, never);
    expect(again).toEqual(first);
    expect(again.shown).toBe(first.shown);
  });

  test('refuses a snapshot that is not part of the answers', () => {
    const answers: Histogram = [0, 1, 2, 1, 1];
    for (const shown of [
      { distribution: [1, 1, 2, 1, 0] as Histogram, prompts: [] },
      { distribution: [0, 1, 1, 0, 0] as Histogram, prompts: [] },
      { distribution: answers, prompts: ['a', 'b', 'z'] },
      { distribution: answers, prompts: ['a'] },
    ]) {
      expect(() =>
        roomView({ answers, prompts: ['a', 'b', 'c'], threshold: 3, shown }, never),
      ).toThrow(expect.objectContaining({ code: 'DOMAIN_INVALID_ROOM_STATE' }));
    }
  });

  const events = fc.array(
    fc.record({
      value: fc.constantFrom<AnswerValue>(1, 2, 3, 4, 5),
      // Few distinct texts, so that the same text is often answered twice.
      text: fc.option(fc.constantFrom('yes', 'no', 'staffing', 'tools', 'time'), {
        nil: null,
      }),
      looks: fc.boolean(),
    }),
    { maxLength: 60 },
  );

  test('no two views a room sees differ by fewer than k answers or k texts', () => {
    fc.assert(
      fc.property(
        events,
        fc.integer({ min: ROOM_MIN_THRESHOLD, max: 8 }),
        fc.integer(),
        (list, k, seed) => {
          const random = seeded(seed);
          let answers: Histogram = emptyHistogram();
          const prompts: string[] = [];
          let shown: RoomSnapshot | null = null;
          // Every distinct screen the room saw, in order, from an empty one.
          const screens: { distribution: Histogram; texts: readonly string[] }[] = [
            { distribution: emptyHistogram(), texts: [] },
          ];
          for (const { value, text, looks } of list) {
            answers = addToHistogram(answers, value);
            if (text !== null) prompts.push(text);
            // The facilitator may look after any answer, or not: the rule holds either way.
            if (!looks) continue;
            const view = roomView({ answers, prompts: [...prompts], threshold: k, shown }, random);
            shown = view.shown;
            const distribution = view.scale.revealed ? view.scale.distribution : emptyHistogram();
            const texts = view.prompts.revealed ? view.prompts.texts : [];
            if (histogramTotal(answers) < k) expect(view.scale.revealed).toBe(false);
            if (!view.scale.revealed) expect(view.prompts.revealed).toBe(false);
            // Shown is part of what was answered, and what waits is less than a batch.
            distribution.forEach((count, i) => {
              expect(count).toBeLessThanOrEqual(answers[i] ?? 0);
            });
            if (view.scale.revealed) expect(view.scale.waiting).toBeLessThan(k);
            if (view.prompts.revealed) expect(view.prompts.waiting).toBeLessThan(k);
            const last = screens.at(-1);
            if (last === undefined) throw new Error('no screen');
            const added = histogramTotal(distribution) - histogramTotal(last.distribution);
            const addedTexts = texts.length - last.texts.length;
            // Each value's count only grows, and texts shown stay in their place.
            distribution.forEach((count, i) => {
              expect(count).toBeGreaterThanOrEqual(last.distribution[i] ?? 0);
            });
            expect(texts.slice(0, last.texts.length)).toEqual(last.texts);
            if (added !== 0) expect(added).toBeGreaterThanOrEqual(k);
            if (addedTexts !== 0) expect(addedTexts).toBeGreaterThanOrEqual(k);
            if (added !== 0 || addedTexts !== 0) screens.push({ distribution, texts });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the number of people in the room', () => {
  test('is a whole number from the threshold to the maximum, never below the phones in', () => {
    expect(roomCapacityProblem(5, 5, 0)).toBeNull();
    expect(roomCapacityProblem(ROOM_MAX_CAPACITY, 5, 999)).toBeNull();
    expect(roomCapacityProblem(4, 5, 0)).toMatch(/from 5 \(the room threshold\)/);
    expect(roomCapacityProblem(ROOM_MAX_CAPACITY + 1, 5, 0)).toMatch(/to 1000/);
    expect(roomCapacityProblem(6.5, 5, 0)).not.toBeNull();
    expect(roomCapacityProblem(Number.NaN, 5, 0)).not.toBeNull();
    expect(roomCapacityProblem(7, 5, 8)).toBe('is below the 8 phones that joined already');
    expect(roomCapacityProblem(8, 5, 8)).toBeNull();
  });

  test('a room is full once as many phones joined as it has people; without a number, never', () => {
    expect(roomIsFull(5, 6)).toBe(false);
    expect(roomIsFull(6, 6)).toBe(true);
    expect(roomIsFull(7, 6)).toBe(true);
    expect(roomIsFull(10_000, null)).toBe(false);
  });
});
