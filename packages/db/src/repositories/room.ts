import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** A live room session as stored. */
export interface RoomSessionRecord {
  readonly id: string;
  readonly runId: string;
  readonly code: string;
  readonly threshold: number;
  readonly prompt: string;
  readonly currentQuestionId: string | null;
  readonly closedAt: Date | null;
}

/** A finding of a session and what its screen may show (never a single answer). */
export interface RoomQuestionRecord {
  readonly id: string;
  readonly position: number;
  readonly priorityId: string;
  readonly dimension: string;
  readonly statement: string;
  readonly figures: unknown;
  /** The shown distribution, counts of 1 to 5 (all zero before the first reveal). */
  readonly shownCounts: readonly number[];
  /** The prompt's texts shown, in the order shown. */
  readonly shownTexts: readonly string[];
  readonly answered: number;
  readonly textsAnswered: number;
}

/** A session with its findings in order and the number of phones joined. */
export interface RoomSessionState {
  readonly session: RoomSessionRecord;
  readonly questions: readonly RoomQuestionRecord[];
  readonly participants: number;
}

/** What a new session is made of. */
export interface NewRoomSession {
  readonly runId: string;
  readonly code: string;
  readonly threshold: number;
  readonly prompt: string;
  readonly questions: readonly {
    readonly priorityId: string;
    readonly dimension: string;
    readonly statement: string;
    readonly figures: unknown;
  }[];
}

/**
 * Creates a session and its findings (positions 1, 2, …), the first finding current.
 * Throws PostgreSQL's unique violation when the code is taken by an open session.
 */
export async function createRoomSession(
  trx: TenantTransaction,
  organizationId: string,
  session: NewRoomSession,
): Promise<string> {
  const { id } = await trx
    .insertInto('room_sessions')
    .values({
      organization_id: organizationId,
      run_id: session.runId,
      code: session.code,
      threshold: session.threshold,
      prompt: session.prompt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const questions = await trx
    .insertInto('room_questions')
    .values(
      session.questions.map((q, i) => ({
        organization_id: organizationId,
        session_id: id,
        position: i + 1,
        priority_id: q.priorityId,
        dimension: q.dimension,
        statement: q.statement,
        figures: JSON.stringify(q.figures),
      })),
    )
    .returning(['id', 'position'])
    .execute();
  const first = questions.find((q) => q.position === 1);
  await trx
    .updateTable('room_sessions')
    .set({ current_question: first?.id ?? null })
    .where('id', '=', id)
    .execute();
  return id;
}

const sessionColumns = [
  'id',
  'run_id',
  'code',
  'threshold',
  'prompt',
  'current_question',
  'closed_at',
] as const;

function toSession(row: {
  id: string;
  run_id: string;
  code: string;
  threshold: number;
  prompt: string;
  current_question: string | null;
  closed_at: Date | null;
}): RoomSessionRecord {
  return {
    id: row.id,
    runId: row.run_id,
    code: row.code,
    threshold: row.threshold,
    prompt: row.prompt,
    currentQuestionId: row.current_question,
    closedAt: row.closed_at,
  };
}

export async function findRoomSession(
  trx: TenantTransaction,
  sessionId: string,
): Promise<RoomSessionRecord | null> {
  const row = await trx
    .selectFrom('room_sessions')
    .select(sessionColumns)
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return row === undefined ? null : toSession(row);
}

/** The sessions of a run, oldest first. */
export async function listRoomSessions(
  trx: TenantTransaction,
  runId: string,
): Promise<RoomSessionRecord[]> {
  const rows = await trx
    .selectFrom('room_sessions')
    .select(sessionColumns)
    .where('run_id', '=', runId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toSession);
}

/** A session, its findings and its count of phones; null when it is not the tenant's. */
export async function roomSessionState(
  trx: TenantTransaction,
  sessionId: string,
): Promise<RoomSessionState | null> {
  const session = await findRoomSession(trx, sessionId);
  if (session === null) return null;
  const [questions, participants] = await Promise.all([
    roomQuestions(trx, [sessionId]),
    roomParticipantCounts(trx, [sessionId]),
  ]);
  return {
    session,
    questions: questions.get(sessionId) ?? [],
    participants: participants.get(sessionId) ?? 0,
  };
}

/** The state of each session of a run, oldest first. */
export async function roomSessionStates(
  trx: TenantTransaction,
  runId: string,
): Promise<RoomSessionState[]> {
  const sessions = await listRoomSessions(trx, runId);
  const ids = sessions.map((s) => s.id);
  if (ids.length === 0) return [];
  const [questions, participants] = await Promise.all([
    roomQuestions(trx, ids),
    roomParticipantCounts(trx, ids),
  ]);
  return sessions.map((session) => ({
    session,
    questions: questions.get(session.id) ?? [],
    participants: participants.get(session.id) ?? 0,
  }));
}

async function roomQuestions(
  trx: TenantTransaction,
  sessionIds: readonly string[],
): Promise<Map<string, RoomQuestionRecord[]>> {
  const rows = await trx
    .selectFrom('room_questions')
    .select([
      'id',
      'session_id',
      'position',
      'priority_id',
      'dimension',
      'statement',
      'figures',
      'shown_counts',
      'shown_texts',
      'answered',
      'texts_answered',
    ])
    .where('session_id', 'in', sessionIds)
    .orderBy('position')
    .execute();
  const bySession = new Map<string, RoomQuestionRecord[]>();
  for (const r of rows) {
    const list = bySession.get(r.session_id) ?? [];
    list.push({
      id: r.id,
      position: r.position,
      priorityId: r.priority_id,
      dimension: r.dimension,
      statement: r.statement,
      figures: r.figures,
      shownCounts: r.shown_counts,
      shownTexts: r.shown_texts,
      answered: r.answered,
      textsAnswered: r.texts_answered,
    });
    bySession.set(r.session_id, list);
  }
  return bySession;
}

async function roomParticipantCounts(
  trx: TenantTransaction,
  sessionIds: readonly string[],
): Promise<Map<string, number>> {
  const rows = await trx
    .selectFrom('room_participants')
    .select(['session_id', (eb) => eb.fn.countAll<string>().as('count')])
    .where('session_id', 'in', sessionIds)
    .groupBy('session_id')
    .execute();
  return new Map(rows.map((r) => [r.session_id, Number(r.count)]));
}

/** Moves a session's screen to one of its findings; false if it is not one of them. */
export async function setRoomCurrentQuestion(
  trx: TenantTransaction,
  sessionId: string,
  questionId: string,
): Promise<boolean> {
  const result = await trx
    .updateTable('room_sessions')
    .set({ current_question: questionId })
    .where('id', '=', sessionId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('room_questions')
          .select('id')
          .where('room_questions.id', '=', questionId)
          .where('room_questions.session_id', '=', sessionId),
      ),
    )
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Closes a session now, and deletes what it never showed: its answers still sealed, and
 * the record of which phone answered which question (needed only while answers are taken).
 * The phones' count stays. False if it was closed already.
 */
export async function closeRoomSession(
  trx: TenantTransaction,
  sessionId: string,
  now: Date,
): Promise<boolean> {
  const result = await trx
    .updateTable('room_sessions')
    .set({ closed_at: now })
    .where('id', '=', sessionId)
    .where('closed_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  const questions = trx
    .selectFrom('room_questions')
    .select('id')
    .where('session_id', '=', sessionId);
  await trx.deleteFrom('room_pending').where('question_id', 'in', questions).execute();
  await trx.deleteFrom('room_participation').where('question_id', 'in', questions).execute();
  return true;
}

/** The session a phone's code names, before the tenant is known (see the code-lookup migration). */
export async function roomSessionOfCode(
  db: Kysely<Database>,
  code: string,
): Promise<{ organizationId: string; sessionId: string; closed: boolean } | null> {
  const { rows } = await sql<{ organization_id: string; session_id: string; closed: boolean }>`
    select organization_id, session_id, closed from room_session_of_code(${code})
  `.execute(db);
  const row = rows[0];
  return row === undefined
    ? null
    : { organizationId: row.organization_id, sessionId: row.session_id, closed: row.closed };
}

/** Records a phone that joined a session, by its token's hash. */
export async function addRoomParticipant(
  trx: TenantTransaction,
  organizationId: string,
  sessionId: string,
  tokenHash: Buffer,
): Promise<void> {
  await trx
    .insertInto('room_participants')
    .values({ organization_id: organizationId, session_id: sessionId, token_hash: tokenHash })
    .execute();
}

export async function isRoomParticipant(
  trx: TenantTransaction,
  sessionId: string,
  tokenHash: Buffer,
): Promise<boolean> {
  const row = await trx
    .selectFrom('room_participants')
    .select('session_id')
    .where('session_id', '=', sessionId)
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Locks a session's question row (`for update`) and returns its shown figures and counts;
 * null when the question is not one of the session's. Every write of a question's answers
 * happens under this lock, so the counts and the fold see every answer exactly once.
 */
export async function lockRoomQuestion(
  trx: TenantTransaction,
  sessionId: string,
  questionId: string,
): Promise<RoomQuestionRecord | null> {
  const row = await trx
    .selectFrom('room_questions')
    .select([
      'id',
      'position',
      'priority_id',
      'dimension',
      'statement',
      'figures',
      'shown_counts',
      'shown_texts',
      'answered',
      'texts_answered',
    ])
    .where('id', '=', questionId)
    .where('session_id', '=', sessionId)
    .forUpdate()
    .executeTakeFirst();
  return row === undefined
    ? null
    : {
        id: row.id,
        position: row.position,
        priorityId: row.priority_id,
        dimension: row.dimension,
        statement: row.statement,
        figures: row.figures,
        shownCounts: row.shown_counts,
        shownTexts: row.shown_texts,
        answered: row.answered,
        textsAnswered: row.texts_answered,
      };
}

/**
 * Records that a phone answered a question; false if it already had (nothing written).
 * Call under the question's lock.
 */
export async function claimRoomParticipation(
  trx: TenantTransaction,
  organizationId: string,
  questionId: string,
  tokenHash: Buffer,
): Promise<boolean> {
  const rows = await trx
    .insertInto('room_participation')
    .values({ organization_id: organizationId, question_id: questionId, token_hash: tokenHash })
    .onConflict((oc) => oc.doNothing())
    .returning('question_id')
    .execute();
  return rows.length > 0;
}

/** A sealed answer waiting to be shown. */
export interface RoomPendingAnswer {
  readonly kind: 'scale' | 'text';
  readonly sealed: Buffer;
}

/**
 * Adds answers to a question (sealed, in rows with random ids and no time), and counts
 * them: `answered` by the scale answers, `texts_answered` by the texts. Call under the
 * question's lock.
 */
export async function addRoomAnswers(
  trx: TenantTransaction,
  organizationId: string,
  questionId: string,
  answers: readonly RoomPendingAnswer[],
): Promise<void> {
  if (answers.length === 0) return;
  await trx
    .insertInto('room_pending')
    .values(
      answers.map((a) => ({
        organization_id: organizationId,
        question_id: questionId,
        kind: a.kind,
        sealed: a.sealed,
      })),
    )
    .execute();
  const scale = answers.filter((a) => a.kind === 'scale').length;
  const texts = answers.length - scale;
  await trx
    .updateTable('room_questions')
    .set((eb) => ({
      answered: eb('answered', '+', scale),
      texts_answered: eb('texts_answered', '+', texts),
    }))
    .where('id', '=', questionId)
    .execute();
}

/** A question's sealed answers not yet shown. Call under the question's lock. */
export async function roomPendingAnswers(
  trx: TenantTransaction,
  questionId: string,
): Promise<(RoomPendingAnswer & { readonly id: string })[]> {
  return trx
    .selectFrom('room_pending')
    .select(['id', 'kind', 'sealed'])
    .where('question_id', '=', questionId)
    .execute();
}

/**
 * Advances what a question's screen shows, and deletes the pending answers now folded into
 * it; nothing else of the question changes. Call under the question's lock.
 */
export async function advanceRoomShown(
  trx: TenantTransaction,
  questionId: string,
  shown: { readonly counts: readonly number[]; readonly texts: readonly string[] },
  folded: readonly string[],
): Promise<void> {
  await trx
    .updateTable('room_questions')
    .set({ shown_counts: [...shown.counts], shown_texts: [...shown.texts] })
    .where('id', '=', questionId)
    .execute();
  if (folded.length > 0) {
    await trx.deleteFrom('room_pending').where('id', 'in', folded).execute();
  }
}
