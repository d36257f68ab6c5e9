/**
 * The room (issue "From gap to room to decision"): a facilitator opens a live session from a
 * released run, and the people in the room answer a finding's statement on the 1–5 scale and
 * an open prompt, anonymously. What the room's screen may show is decided here.
 *
 * Two rules, one threshold k (the room threshold, default 5, never below 3):
 *
 * 1. Reveal ({@link roomReveal}). Nothing of the answers is shown until at least k people
 *    have answered the statement: no distribution, no mean, no text. The prompt's texts
 *    need k texts of their own (the prompt is optional, so there may be fewer texts than
 *    answers), and appear only once the distribution does; they are shown shuffled.
 *
 * 2. No differencing in the room ({@link roomView}). A room is the worst case for
 *    differencing: the adversary sits in it. If a revealed distribution moved with every
 *    new answer, whoever watches the screen while a colleague taps "submit" would see which
 *    bucket grew by one, and so what that colleague answered. So once revealed, the screen
 *    holds a snapshot, and the snapshot advances only when at least k answers have arrived
 *    since the last one shown; the texts likewise, in batches of at least k new texts, each
 *    batch shuffled and added after the texts already shown. The shown snapshots of a
 *    question are then nested sets S₁ ⊂ S₂ ⊂ … whose increments S₁, S₂ − S₁, … each hold at
 *    least k answers; every number the screen ever showed is a sum over increments, so what
 *    anyone can derive by subtracting views (of any two, or any combination) is a union of
 *    increments: at least k people, as PRODUCT.md §6 rule 4 asks of released figures. The
 *    adversary still knows who tapped between two updates, and learns those k or more
 *    people's distribution, which is what any cell of k tells. Answers that arrive after
 *    the last update and number fewer than k are never shown: the price of the rule.
 *    Showing less often (say, only when the facilitator presses "show", calling
 *    {@link roomView} then) is always safe; showing more often never is.
 *
 * What may be shown while withheld: the number of answers, so the room can read "3
 * answered, the results appear at 5". An adversary watching the count tick up as people
 * tap learns who has answered, never what: the count is the same whatever the value, and
 * who is tapping a phone is in plain view in a room anyway. It adds nothing to differencing
 * either, since each update's n is shown with its distribution regardless. The same holds
 * for the count of prompt texts (who wrote something, not what).
 *
 * Limits, as in SECURITY.md: k − 1 people of an update who share their answers learn the
 * k-th. Answers are only ever added: a changed answer would move one answer between
 * buckets with n unchanged, a difference of one person, so the server must not accept one.
 */
import { DomainError } from './errors.js';
import { assertMinGroupSize, MIN_GROUP_SIZE_FLOOR } from './group-size.js';
import { assertHistogram, histogramTotal, type Histogram } from './histogram.js';
import { histogramMoments } from './statistics.js';

/** The smallest room threshold: no room shows answers of fewer than three people. */
export const ROOM_MIN_THRESHOLD = MIN_GROUP_SIZE_FLOOR;

/** The room threshold of a session that does not set one. */
export const DEFAULT_ROOM_THRESHOLD = 5;

/**
 * The largest room threshold a facilitator may ask for. A room is a meeting, not a run: a
 * threshold above any meeting's size would only ever show "waiting", which is a mistake
 * to refuse rather than a choice to honour.
 */
export const ROOM_MAX_THRESHOLD = 50;

/**
 * A source of random numbers in [0, 1), as `Math.random`, injected so that shuffles are
 * deterministic in tests. The server should pass one drawn from `crypto.getRandomValues`:
 * an order that can be predicted is an order that can be undone.
 */
export type RandomSource = () => number;

/**
 * Checks a stored room threshold: an integer from {@link ROOM_MIN_THRESHOLD} to
 * {@link ROOM_MAX_THRESHOLD}. Throws `DOMAIN_INVALID_ROOM_THRESHOLD` otherwise.
 */
export function assertRoomThreshold(threshold: number): void {
  if (
    !Number.isSafeInteger(threshold) ||
    threshold < ROOM_MIN_THRESHOLD ||
    threshold > ROOM_MAX_THRESHOLD
  ) {
    throw new DomainError(
      'DOMAIN_INVALID_ROOM_THRESHOLD',
      `a room threshold is an integer from ${ROOM_MIN_THRESHOLD} to ${ROOM_MAX_THRESHOLD}, got ${String(threshold)}`,
    );
  }
}

/**
 * The threshold of a new room session: the requested one, or by default the larger of
 * {@link DEFAULT_ROOM_THRESHOLD} and the organization's minimum group size k. A room shows
 * numbers like any report, so it never undercuts the organization's k (PRODUCT.md §6 rule
 * 8). Throws `DOMAIN_INVALID_ROOM_THRESHOLD` when the request is not an integer, is below
 * that k or {@link ROOM_MIN_THRESHOLD}, or above the larger of {@link ROOM_MAX_THRESHOLD}
 * and k; `DOMAIN_INVALID_GROUP_SIZE` on an invalid k.
 */
export function roomThreshold(
  requested: number | undefined,
  organizationMinGroupSize: number = MIN_GROUP_SIZE_FLOOR,
): number {
  assertMinGroupSize(organizationMinGroupSize);
  const lowest = Math.max(ROOM_MIN_THRESHOLD, organizationMinGroupSize);
  const highest = Math.max(ROOM_MAX_THRESHOLD, lowest);
  if (requested === undefined) return Math.max(DEFAULT_ROOM_THRESHOLD, lowest);
  if (!Number.isSafeInteger(requested) || requested < lowest || requested > highest) {
    throw new DomainError(
      'DOMAIN_INVALID_ROOM_THRESHOLD',
      `a room threshold is an integer from ${lowest} (the organization's minimum group size) to ${highest}, got ${String(requested)}`,
    );
  }
  return requested;
}

/** The most people a room may say it holds. */
export const ROOM_MAX_CAPACITY = 1000;

/**
 * What is wrong with `capacity` as the number of people in a room, or null when nothing is.
 * A phone is a token, not a person: one person could join k − 1 times, answer with each, and
 * learn the next answer by subtracting their own from the first reveal. A room told how many
 * people it holds takes no more phones (see {@link roomIsFull}), so extra phones leave someone
 * present unable to join, in plain view. The number is an integer from the room threshold
 * (below it nothing would ever show) to {@link ROOM_MAX_CAPACITY}, and never below the phones
 * that joined already.
 */
export function roomCapacityProblem(
  capacity: number,
  threshold: number,
  joined: number,
): string | null {
  if (!Number.isSafeInteger(capacity) || capacity < threshold || capacity > ROOM_MAX_CAPACITY) {
    return `must be a whole number from ${threshold} (the room threshold) to ${ROOM_MAX_CAPACITY}`;
  }
  if (capacity < joined) {
    return `is below the ${joined} phones that joined already`;
  }
  return null;
}

/** Whether a room takes no more phones: as many joined as it has people (null: not said). */
export function roomIsFull(joined: number, capacity: number | null): boolean {
  return capacity !== null && joined >= capacity;
}

/** Everything a room answered to one question. */
export interface RoomAnswers {
  /** The answers to the statement on the 1–5 scale. */
  readonly answers: Histogram;
  /** The texts answered to the open prompt, in any order (they are stored shuffled). */
  readonly prompts: readonly string[];
}

/** Something withheld until enough people answered: how many did, and how many it needs. */
export interface RoomWithheld {
  readonly revealed: false;
  readonly answered: number;
  /** The room threshold: answers needed in all before anything is shown. */
  readonly needed: number;
}

/** The prompt's texts once revealed, in random order. */
export interface RoomPromptsRevealed {
  readonly revealed: true;
  readonly texts: readonly string[];
}

/** A room's answers once at least the threshold of people answered. */
export interface RoomRevealed {
  readonly revealed: true;
  /** Answers per value, index 0 counting the 1s. */
  readonly distribution: Histogram;
  readonly mean: number;
  readonly n: number;
  readonly prompts: RoomWithheld | RoomPromptsRevealed;
}

/** What a room may see of one question's answers; check `revealed` to narrow. */
export type RoomReveal = RoomWithheld | RoomRevealed;

/**
 * The reveal rule on one set of answers: withheld (with only the count) below `threshold`
 * answers; at or above it, the distribution, mean and n, and the prompt's texts shuffled
 * when there are at least `threshold` of them. For a live screen use {@link roomView},
 * which applies this rule to each batch of new answers. Throws
 * `DOMAIN_INVALID_ROOM_THRESHOLD` on an invalid threshold, `DOMAIN_INVALID_HISTOGRAM` on
 * a malformed histogram and `DOMAIN_INVALID_PROBABILITY` when `random` leaves [0, 1).
 */
export function roomReveal(room: RoomAnswers, threshold: number, random: RandomSource): RoomReveal {
  assertRoomThreshold(threshold);
  assertHistogram(room.answers);
  const n = histogramTotal(room.answers);
  if (n < threshold) return { revealed: false, answered: n, needed: threshold };
  return {
    revealed: true,
    distribution: room.answers,
    mean: histogramMoments(room.answers).mean,
    n,
    prompts:
      room.prompts.length < threshold
        ? { revealed: false, answered: room.prompts.length, needed: threshold }
        : { revealed: true, texts: shufflePrompts(room.prompts, random) },
  };
}

/**
 * What a room's screen last showed of one question. The server stores it with the question
 * and passes it back to {@link roomView}; it is derived from answers shown to everyone
 * present, so it holds nothing the room did not see.
 */
export interface RoomSnapshot {
  readonly distribution: Histogram;
  /** The texts in the order shown; empty until the first batch of texts is shown. */
  readonly prompts: readonly string[];
}

/** A question's answers so far, its threshold and what the screen last showed. */
export interface RoomState extends RoomAnswers {
  readonly threshold: number;
  /** The last snapshot shown; `null` before the distribution was first revealed. */
  readonly shown: RoomSnapshot | null;
}

/** Something shown as of a snapshot, with how many answers are not in it yet. */
interface Pending {
  /** Answers (or texts) that arrived after the snapshot shown, not yet in the view. */
  readonly waiting: number;
  /** The room threshold: new answers needed before the view updates. */
  readonly needed: number;
}

/** The distribution as of the last snapshot shown. */
export interface RoomScaleShown extends Pending {
  readonly revealed: true;
  readonly distribution: Histogram;
  readonly mean: number;
  readonly n: number;
}

/** The prompt's texts as of the last snapshot shown. */
export interface RoomPromptsShown extends Pending {
  readonly revealed: true;
  readonly texts: readonly string[];
}

/** What the room's screen shows of one question, and the snapshot to store for next time. */
export interface RoomView {
  readonly scale: RoomWithheld | RoomScaleShown;
  readonly prompts: RoomWithheld | RoomPromptsShown;
  /** The snapshot now shown: pass it as `shown` next time. Unchanged if nothing advanced. */
  readonly shown: RoomSnapshot | null;
}

/**
 * What the room may see of a question now, given what it saw last (see the module's
 * comment for why). The distribution advances to the current answers only when at least
 * `threshold` answers arrived since the snapshot shown (the first reveal is the same rule
 * from nothing); the texts advance when the distribution is revealed and at least
 * `threshold` texts arrived since the last shown, the new ones shuffled and added after
 * those already shown. Otherwise the view stays as it was, with the count of answers
 * waiting. Calling it again without new answers changes nothing.
 *
 * Throws `DOMAIN_INVALID_ROOM_STATE` when `shown` is not part of the current answers (more
 * of a value, or a text, than were answered) or holds fewer answers or texts than the
 * threshold (the threshold of a question is fixed once anything of it is shown); otherwise
 * as {@link roomReveal}.
 */
export function roomView(state: RoomState, random: RandomSource): RoomView {
  assertRoomThreshold(state.threshold);
  assertHistogram(state.answers);
  const { threshold } = state;
  const previous = state.shown === null ? null : assertSnapshot(state, state.shown);
  const answered = histogramTotal(state.answers);
  const shownN = previous === null ? 0 : histogramTotal(previous.distribution);

  const distribution =
    answered - shownN >= threshold ? state.answers : (previous?.distribution ?? null);
  if (distribution === null) {
    return {
      scale: { revealed: false, answered, needed: threshold },
      prompts: { revealed: false, answered: state.prompts.length, needed: threshold },
      shown: null,
    };
  }

  const shownTexts = previous?.prompts ?? [];
  const added = multisetDifference(state.prompts, shownTexts);
  const texts =
    added.length >= threshold ? [...shownTexts, ...shufflePrompts(added, random)] : shownTexts;
  const n = histogramTotal(distribution);
  const shown: RoomSnapshot =
    previous !== null && distribution === previous.distribution && texts === shownTexts
      ? previous
      : { distribution, prompts: texts };
  return {
    scale: {
      revealed: true,
      distribution,
      mean: histogramMoments(distribution).mean,
      n,
      waiting: answered - n,
      needed: threshold,
    },
    prompts:
      texts.length === 0
        ? { revealed: false, answered: state.prompts.length, needed: threshold }
        : {
            revealed: true,
            texts,
            waiting: state.prompts.length - texts.length,
            needed: threshold,
          },
    shown,
  };
}

/**
 * The texts in a uniformly random order (Fisher–Yates), drawn from `random`; the given
 * array is left as it is. Throws `DOMAIN_INVALID_PROBABILITY` when `random` gives a number
 * outside [0, 1).
 */
export function shufflePrompts(texts: readonly string[], random: RandomSource): string[] {
  const shuffled = [...texts];
  for (let i = shuffled.length - 1; i > 0; i -= 1) {
    const draw = random();
    if (!(draw >= 0 && draw < 1)) {
      throw new DomainError(
        'DOMAIN_INVALID_PROBABILITY',
        `a random source gives numbers in [0, 1), got ${String(draw)}`,
      );
    }
    const j = Math.floor(draw * (i + 1));
    const a = shuffled[i];
    const b = shuffled[j];
    if (a !== undefined && b !== undefined) {
      shuffled[i] = b;
      shuffled[j] = a;
    }
  }
  return shuffled;
}

function assertSnapshot(state: RoomState, shown: RoomSnapshot): RoomSnapshot {
  assertHistogram(shown.distribution);
  const problem = snapshotProblem(state, shown);
  if (problem !== null) {
    throw new DomainError('DOMAIN_INVALID_ROOM_STATE', `the snapshot shown ${problem}`);
  }
  return shown;
}

function snapshotProblem(state: RoomState, shown: RoomSnapshot): string | null {
  if (shown.distribution.some((count, index) => count > (state.answers[index] ?? 0))) {
    return 'has more answers of a value than were answered';
  }
  if (histogramTotal(shown.distribution) < state.threshold) {
    return `has fewer answers than the threshold ${state.threshold}`;
  }
  if (shown.prompts.length > 0 && shown.prompts.length < state.threshold) {
    return `has fewer texts than the threshold ${state.threshold}`;
  }
  if (
    multisetDifference(state.prompts, shown.prompts).length !==
    state.prompts.length - shown.prompts.length
  ) {
    return 'has a text that was not answered';
  }
  return null;
}

/** The texts of `all` left after taking out one occurrence of each text of `taken`. */
function multisetDifference(all: readonly string[], taken: readonly string[]): string[] {
  const remaining = new Map<string, number>();
  for (const text of taken) remaining.set(text, (remaining.get(text) ?? 0) + 1);
  const rest: string[] = [];
  for (const text of all) {
    const left = remaining.get(text) ?? 0;
    if (left > 0) remaining.set(text, left - 1);
    else rest.push(text);
  }
  return rest;
}
