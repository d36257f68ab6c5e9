import { createHash, createHmac, getRandomValues, randomBytes } from 'node:crypto';
import { openSealedResponse, sealResponse, type SealedResponseShape } from '@pulsegap/anonymity';
import type { RoomQuestionRecord, RoomSessionState } from '@pulsegap/db';
import {
  COMMENT_MAX_LENGTH,
  emptyHistogram,
  roomView,
  type Histogram,
  type RandomSource,
  type RoomSnapshot,
} from '@pulsegap/domain';
import Type, { type Static } from 'typebox';
import { Nullable, NumberPair, Uuid } from '../schemas.js';

// The room's views, and the sealing of its answers until they are shown.

/**
 * Numbers in [0, 1) from `crypto.getRandomValues` (53 random bits each): the shuffles of
 * the prompt's texts must not be predictable, or their order could be undone.
 */
export const cryptoRandom: RandomSource = () => {
  const words = getRandomValues(new Uint32Array(2));
  return ((words[0] ?? 0) * 2 ** 21 + ((words[1] ?? 0) >>> 11)) / 2 ** 53;
};

/** The longest text a phone may send with its answer (in UTF-16 code units, after trimming). */
export const ROOM_TEXT_MAX_LENGTH = COMMENT_MAX_LENGTH;

// Every sealed row of a kind has the same length: a scale answer is one byte, a text is
// padded to the longest allowed, so a row's size says nothing of what it holds.
const SCALE_SHAPE: SealedResponseShape = { questionCount: 1, commentUnits: 0 };
const TEXT_SHAPE: SealedResponseShape = { questionCount: 0, commentUnits: ROOM_TEXT_MAX_LENGTH };

/**
 * Seals one scale answer (AES-256-GCM under the room's key, a fresh IV, the question's id
 * authenticated): it opens only as an answer to that question.
 */
export function sealRoomValue(value: number, key: Buffer, questionId: string): Buffer {
  return sealResponse({ answers: [value], comment: null }, SCALE_SHAPE, key, `scale/${questionId}`);
}

export function sealRoomText(text: string, key: Buffer, questionId: string): Buffer {
  return sealResponse({ answers: [], comment: text }, TEXT_SHAPE, key, `text/${questionId}`);
}

export function openRoomValue(sealed: Buffer, key: Buffer, questionId: string): number {
  const value = openSealedResponse(sealed, SCALE_SHAPE, key, `scale/${questionId}`).answers[0];
  if (value === null || value === undefined) throw new RangeError('a sealed room answer is empty');
  return value;
}

export function openRoomText(sealed: Buffer, key: Buffer, questionId: string): string {
  return openSealedResponse(sealed, TEXT_SHAPE, key, `text/${questionId}`).comment ?? '';
}

/** A phone's token: 32 random bytes, base64url. Only its hash is stored. */
export function newParticipantToken(): string {
  return randomBytes(32).toString('base64url');
}

export function participantTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Letters and digits that cannot be mistaken for each other when read off a screen. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 6;

/** A new join code: six characters of {@link CODE_ALPHABET}, drawn uniformly. */
export function newRoomCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  // 32 symbols: the low five bits of a byte are uniform.
  return Array.from(bytes, (b) => CODE_ALPHABET[b & 31]).join('');
}

/** A join code as typed: letters and digits, 4 to 12, any case. */
export const RoomCode = Type.String({ pattern: '^[A-Za-z0-9]{4,12}$' });

/**
 * The key under which a client's joins (or reads) of rooms are counted: a keyed hash of its address, so the
 * rate limit's store (Redis, shared by the replicas) holds no address in clear.
 */
export function roomLimitKey(kind: 'join' | 'read', address: string, key: Buffer): string {
  return `room-${kind}:${createHmac('sha256', key).update(address).digest('base64url').slice(0, 22)}`;
}

// ---- Views ----

export const RoomFiguresSchema = Type.Object({
  leadershipMean: Type.Number(),
  frontlineMean: Type.Number(),
  gap: Type.Number(),
  ci95: Nullable(NumberPair),
  qValue: Type.Number(),
  leadershipN: Type.Integer({ minimum: 0 }),
  frontlineN: Type.Integer({ minimum: 0 }),
});
export type RoomFigures = Static<typeof RoomFiguresSchema>;

/** What a question's row keeps in `figures`: the release's figures and the priority's title. */
export interface StoredRoomFigures extends RoomFigures {
  readonly priorityTitle: string;
}

const Count = Type.Integer({ minimum: 0 });

export const RoomQuestionViewSchema = Type.Union([
  Type.Object({
    answered: Count,
    textsAnswered: Count,
    needed: Count,
    revealed: Type.Literal(false),
  }),
  Type.Object({
    answered: Count,
    textsAnswered: Count,
    needed: Count,
    revealed: Type.Literal(true),
    n: Count,
    distribution: Type.Array(Count, { minItems: 5, maxItems: 5 }),
    mean: Type.Number(),
    texts: Type.Array(Type.String()),
    waiting: Count,
  }),
]);
export type RoomQuestionView = Static<typeof RoomQuestionViewSchema>;

export const SessionQuestionSchema = Type.Object({
  id: Uuid,
  position: Type.Integer({ minimum: 1 }),
  priorityId: Uuid,
  dimension: Type.String(),
  title: Type.String(),
  statement: Type.String(),
  figures: RoomFiguresSchema,
  room: RoomQuestionViewSchema,
});

export const SessionSchema = Type.Object({
  id: Uuid,
  runId: Uuid,
  code: Type.String(),
  joinPath: Type.String(),
  threshold: Type.Integer(),
  capacity: Nullable(
    Type.Integer({
      description: 'How many people are in the room: no more phones join. Null: not said.',
    }),
  ),
  prompt: Type.String(),
  closedAt: Nullable(Type.String({ format: 'date-time' })),
  currentQuestionId: Nullable(Uuid),
  participants: Count,
  questions: Type.Array(SessionQuestionSchema),
});
export type SessionView = Static<typeof SessionSchema>;

export const RoomSchema = Type.Object({
  code: Type.String(),
  prompt: Type.String(),
  threshold: Type.Integer(),
  capacity: Nullable(Type.Integer()),
  closed: Type.Boolean(),
  participants: Count,
  current: Nullable(
    Type.Object({
      id: Uuid,
      position: Type.Integer({ minimum: 1 }),
      count: Type.Integer({ minimum: 1 }),
      title: Type.String(),
      statement: Type.String(),
      figures: RoomFiguresSchema,
      room: RoomQuestionViewSchema,
    }),
  ),
});
export type RoomPhoneView = Static<typeof RoomSchema>;

/** Never called: a stored snapshot is shown as it is, nothing is shuffled. */
const NO_SHUFFLE: RandomSource = () => 0;

/**
 * What may be shown of a question: its stored snapshot (through `roomView`, which shows a
 * snapshot as it is when nothing new is passed), with the counts of answers and texts.
 */
export function questionView(q: RoomQuestionRecord, threshold: number): RoomQuestionView {
  const counts = q.shownCounts as Histogram;
  const snapshot: RoomSnapshot | null = counts.some((c) => c > 0)
    ? { distribution: counts, prompts: q.shownTexts }
    : null;
  const view = roomView(
    {
      answers: snapshot === null ? emptyHistogram() : counts,
      prompts: snapshot === null ? [] : q.shownTexts,
      threshold,
      shown: snapshot,
    },
    NO_SHUFFLE,
  );
  const base = { answered: q.answered, textsAnswered: q.textsAnswered, needed: threshold };
  if (!view.scale.revealed) return { ...base, revealed: false };
  return {
    ...base,
    revealed: true,
    n: view.scale.n,
    distribution: [...view.scale.distribution],
    mean: view.scale.mean,
    texts: view.prompts.revealed ? [...view.prompts.texts] : [],
    waiting: q.answered - view.scale.n,
  };
}

function storedFigures(q: RoomQuestionRecord): StoredRoomFigures {
  return q.figures as StoredRoomFigures;
}

function figuresOf(stored: StoredRoomFigures): RoomFigures {
  return {
    leadershipMean: stored.leadershipMean,
    frontlineMean: stored.frontlineMean,
    gap: stored.gap,
    ci95: stored.ci95,
    qValue: stored.qValue,
    leadershipN: stored.leadershipN,
    frontlineN: stored.frontlineN,
  };
}

/** The facilitator's view of a session. */
export function sessionView(state: RoomSessionState): SessionView {
  const { session } = state;
  return {
    id: session.id,
    runId: session.runId,
    code: session.code,
    joinPath: `/room/${session.code}`,
    threshold: session.threshold,
    capacity: session.capacity,
    prompt: session.prompt,
    closedAt: session.closedAt === null ? null : session.closedAt.toISOString(),
    currentQuestionId: session.currentQuestionId,
    participants: state.participants,
    questions: state.questions.map((q) => {
      const stored = storedFigures(q);
      return {
        id: q.id,
        position: q.position,
        priorityId: q.priorityId,
        dimension: q.dimension,
        title: stored.priorityTitle,
        statement: q.statement,
        figures: figuresOf(stored),
        room: questionView(q, session.threshold),
      };
    }),
  };
}

/** Phones' views already made, per state read: a batch of answers shares one. */
const phoneViews = new WeakMap<RoomSessionState, RoomPhoneView>();

/** What the phones see of a session (made once per state read). */
export function roomPhoneView(state: RoomSessionState): RoomPhoneView {
  let view = phoneViews.get(state);
  if (view === undefined) {
    view = makePhoneView(state);
    phoneViews.set(state, view);
  }
  return view;
}

function makePhoneView(state: RoomSessionState): RoomPhoneView {
  const { session } = state;
  const current = state.questions.find((q) => q.id === session.currentQuestionId);
  const stored = current === undefined ? null : storedFigures(current);
  return {
    code: session.code,
    prompt: session.prompt,
    threshold: session.threshold,
    capacity: session.capacity,
    closed: session.closedAt !== null,
    participants: state.participants,
    current:
      current === undefined || stored === null
        ? null
        : {
            id: current.id,
            position: current.position,
            count: state.questions.length,
            title: stored.priorityTitle,
            statement: current.statement,
            figures: figuresOf(stored),
            room: questionView(current, session.threshold),
          },
  };
}
