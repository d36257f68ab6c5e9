import {
  advanceRoomShown,
  lockRoomAnswering,
  roomSessionState,
  storeRoomAnswers,
  withTenant,
  type Database,
  type RoomAnswerRow,
  type RoomPendingRow,
  type RoomQuestionRecord,
  type RoomSessionState,
  type TenantTransaction,
} from '@pulsegap/db';
import { randomUUID } from 'node:crypto';
import { addToHistogram, roomView, type Histogram } from '@pulsegap/domain';
import type { Kysely } from 'kysely';
import { GroupCommit } from '../group-commit.js';
import { cryptoRandom, openRoomText, openRoomValue, sealRoomText, sealRoomValue } from './room.js';

/** One phone's answer to one question of a session. */
export interface RoomAnswer {
  readonly organizationId: string;
  readonly sessionId: string;
  readonly questionId: string;
  readonly tokenHash: Buffer;
  readonly value: number;
  /** Trimmed; null when the phone wrote nothing. */
  readonly text: string | null;
}

/** What became of an answer; with the session's state after its batch when stored. */
export type RoomAnswerOutcome =
  | { readonly status: 'stored'; readonly state: RoomSessionState }
  | { readonly status: 'duplicate' | 'closed' | 'not-participant' | 'unknown-question' };

/**
 * The room's answers, written in batches per question (group commit): the answers that
 * arrive while a batch commits wait for the next, so a room where everyone taps at once
 * costs a few transactions, not one each. A batch is one transaction under the question's
 * row lock: it checks the session is open and each phone joined, records that the phone
 * answered (once), adds the answers sealed, counts them, and, when `roomView` says the
 * screen moves, opens the question's sealed answers, advances the shown snapshot and
 * deletes them, all before it commits.
 */
export class RoomIntake {
  readonly #batches: GroupCommit<RoomAnswer, RoomAnswerOutcome>;

  constructor(db: Kysely<Database>, key: Buffer) {
    this.#batches = new GroupCommit((_questionId, batch) => writeBatch(db, key, batch), {
      maxWriters: 1,
      maxBatch: 200,
    });
  }

  submit(answer: RoomAnswer): Promise<RoomAnswerOutcome> {
    return this.#batches.submit(answer.questionId, answer);
  }
}

async function writeBatch(
  db: Kysely<Database>,
  key: Buffer,
  batch: readonly RoomAnswer[],
): Promise<RoomAnswerOutcome[]> {
  const first = batch[0];
  if (first === undefined) return [];
  const { organizationId, sessionId, questionId } = first;
  return withTenant(db, organizationId, async (trx) => {
    const lock = await lockRoomAnswering(
      trx,
      sessionId,
      questionId,
      batch.map((a) => a.tokenHash),
    );
    if (lock === null || lock.closed) return batch.map(() => ({ status: 'closed' as const }));
    const { question } = lock;
    if (question === null) return batch.map(() => ({ status: 'unknown-question' as const }));

    // Each phone once per batch (a second answer in the same batch is a duplicate), sealed;
    // in random order, so the rows' order says nothing of the order of arrival.
    const candidates = new Map<string, RoomAnswerRow>();
    for (const answer of batch) {
      const hash = answer.tokenHash.toString('hex');
      if (!lock.joined.has(hash) || candidates.has(hash)) continue;
      candidates.set(hash, {
        tokenHash: answer.tokenHash,
        scale: {
          id: randomUUID(),
          kind: 'scale',
          sealed: sealRoomValue(answer.value, key, questionId),
        },
        text:
          answer.text === null
            ? null
            : {
                id: randomUUID(),
                kind: 'text',
                sealed: sealRoomText(answer.text, key, questionId),
              },
      });
    }
    const stored = await storeRoomAnswers(
      trx,
      organizationId,
      questionId,
      shuffled([...candidates.values()]),
    );
    const added = [...candidates.entries()]
      .filter(([hash]) => stored.has(hash))
      .flatMap(([, row]) => (row.text === null ? [row.scale] : [row.scale, row.text]));
    const outcomes = batch.map((answer) => {
      const hash = answer.tokenHash.toString('hex');
      if (!lock.joined.has(hash)) return 'not-participant' as const;
      return stored.delete(hash) ? ('stored' as const) : ('duplicate' as const);
    });
    if (added.length > 0) {
      await fold(trx, key, question, lock.threshold, [...lock.pending, ...added]);
    }
    const state = await roomSessionState(trx, sessionId);
    if (state === null) throw new Error('a locked session is missing');
    return outcomes.map((status) => (status === 'stored' ? { status, state } : { status }));
  });
}

/**
 * Applies the room's rule (`roomView`) to the question's shown snapshot and its sealed
 * answers; if the screen moves, stores the new snapshot and deletes the answers folded in.
 */
async function fold(
  trx: TenantTransaction,
  key: Buffer,
  question: RoomQuestionRecord,
  threshold: number,
  pending: readonly RoomPendingRow[],
): Promise<void> {
  const questionId = question.id;
  const shownCounts = question.shownCounts as Histogram;
  let answers = shownCounts;
  const prompts = [...question.shownTexts];
  for (const row of pending) {
    if (row.kind === 'scale')
      answers = addToHistogram(answers, openRoomValue(row.sealed, key, questionId));
    else prompts.push(openRoomText(row.sealed, key, questionId));
  }
  const previous = shownCounts.some((c) => c > 0)
    ? { distribution: shownCounts, prompts: question.shownTexts }
    : null;
  const view = roomView({ answers, prompts, threshold, shown: previous }, cryptoRandom);
  if (view.shown === null || view.shown === previous) return;
  const scaleMoved = view.shown.distribution !== previous?.distribution;
  const textsMoved = view.shown.prompts.length !== question.shownTexts.length;
  await advanceRoomShown(
    trx,
    questionId,
    { counts: view.shown.distribution, texts: view.shown.prompts },
    pending.filter((row) => (row.kind === 'scale' ? scaleMoved : textsMoved)).map((row) => row.id),
  );
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(cryptoRandom() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}
