import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** A live room session as stored. */
export interface RoomSessionRecord {
  readonly id: string;
  readonly runId: string;
  readonly code: string;
  readonly threshold: number;
  /** How many people are in the room: no more phones join (null: not said). */
  readonly capacity: number | null;
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
  readonly capacity: number | null;
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
      capacity: session.capacity,
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
  'capacity',
  'prompt',
  'current_question',
  'closed_at',
] as const;

function toSession(row: {
  id: string;
  run_id: string;
  code: string;
  threshold: number;
  capacity: number | null;
  prompt: string;
  current_question: string | null;
  closed_at: Date | null;
}): RoomSessionRecord {
  return {
    id: row.id,
    runId: row.run_id,
    code: row.code,
    threshold: row.threshold,
    capacity: row.capacity,
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

/**
 * A session, its findings and its count of phones, in one statement; null when it is not
 * the tenant's. Every change of a room is followed by this read, once per replica.
 */
export async function roomSessionState(
  trx: TenantTransaction,
  sessionId: string,
): Promise<RoomSessionState | null> {
  const { rows } = await sql<{
    id: string;
    run_id: string;
    code: string;
    threshold: number;
    capacity: number | null;
    prompt: string;
    current_question: string | null;
    closed_at: Date | null;
    participants: number;
    questions: QuestionJson[];
  }>`
    select s.id, s.run_id, s.code, s.threshold, s.capacity, s.prompt, s.current_question,
           s.closed_at,
           (select count(*)::int from room_participants p where p.session_id = s.id)
             as participants,
           coalesce((
             select json_agg(json_build_object(
                      'id', q.id, 'position', q.position, 'priority_id', q.priority_id,
                      'dimension', q.dimension, 'statement', q.statement, 'figures', q.figures,
                      'shown_counts', q.shown_counts, 'shown_texts', q.shown_texts,
                      'answered', q.answered, 'texts_answered', q.texts_answered)
                    order by q.position)
               from room_questions q where q.session_id = s.id
           ), '[]'::json) as questions
      from room_sessions s
     where s.id = ${sessionId}
  `.execute(trx);
  const row = rows[0];
  if (row === undefined) return null;
  return {
    session: toSession(row),
    questions: row.questions.map(toQuestion),
    participants: row.participants,
  };
}

/** A question's row, as a query or a JSON aggregate returns it. */
interface QuestionJson {
  id: string;
  position: number;
  priority_id: string;
  dimension: string;
  statement: string;
  figures: unknown;
  shown_counts: number[];
  shown_texts: string[];
  answered: number;
  texts_answered: number;
}

function toQuestion(r: QuestionJson): RoomQuestionRecord {
  return {
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
    list.push(toQuestion(r));
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

/** Records a phone that joined a session, by its token's hash (under `lockRoomJoins`). */
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

/** A session's joins as its row lock finds them. */
export interface RoomJoins {
  readonly closed: boolean;
  readonly capacity: number | null;
  /** Phones that joined. */
  readonly joined: number;
}

/**
 * Takes a session's row lock (joins and changes of its capacity take it, so joins arriving
 * together count one another) and counts the phones that joined. Null when the session is
 * not the tenant's.
 */
export async function lockRoomJoins(
  trx: TenantTransaction,
  sessionId: string,
): Promise<RoomJoins | null> {
  const session = await trx
    .selectFrom('room_sessions')
    .select(['closed_at', 'capacity'])
    .where('id', '=', sessionId)
    .forUpdate()
    .executeTakeFirst();
  if (session === undefined) return null;
  const { joined } = await trx
    .selectFrom('room_participants')
    .select((eb) => eb.fn.countAll<number>().as('joined'))
    .where('session_id', '=', sessionId)
    .executeTakeFirstOrThrow();
  return {
    closed: session.closed_at !== null,
    capacity: session.capacity,
    joined,
  };
}

/** Stores a session's capacity; under `lockRoomJoins`, checked against the phones joined. */
export async function storeRoomCapacity(
  trx: TenantTransaction,
  sessionId: string,
  capacity: number | null,
): Promise<void> {
  await trx.updateTable('room_sessions').set({ capacity }).where('id', '=', sessionId).execute();
}

/** What a batch of answers to one question finds under its locks. */
export interface RoomAnsweringLock {
  /** Whether the session has closed (then nothing is to be written). */
  readonly closed: boolean;
  readonly threshold: number;
  /** The question, locked; null when it is not one of the session's. */
  readonly question: RoomQuestionRecord | null;
  /** Of the tokens given, those of phones that joined the session (hex of their hashes). */
  readonly joined: ReadonlySet<string>;
  /** The question's sealed answers not yet shown. */
  readonly pending: readonly RoomPendingRow[];
}

/** A sealed answer not yet shown. */
export interface RoomPendingRow {
  readonly id: string;
  readonly kind: 'scale' | 'text';
  readonly sealed: Buffer;
}

/**
 * In one statement: shares the session's row (a close waits for the batch, or the batch for
 * the close), locks the question's row (`for update`: every write of a question's answers
 * happens under it, so its counts and its fold see each answer once), says which of the
 * tokens joined, and reads the question's sealed answers not yet shown. Null when the
 * session is not the tenant's.
 */
export async function lockRoomAnswering(
  trx: TenantTransaction,
  sessionId: string,
  questionId: string,
  tokenHashes: readonly Buffer[],
): Promise<RoomAnsweringLock | null> {
  const { rows } = await sql<
    Omit<QuestionJson, 'id'> & {
      closed: boolean;
      threshold: number;
      joined: Buffer[];
      /** Null when the question is not one of the session's. */
      id: string | null;
      pending: { id: string; kind: 'scale' | 'text'; sealed: string }[] | null;
    }
  >`
    select s.closed_at is not null as closed, s.threshold,
           array(select p.token_hash from room_participants p
                  where p.session_id = s.id and p.token_hash = any(${[...tokenHashes]}::bytea[]))
             as joined,
           q.id, q.position, q.priority_id, q.dimension, q.statement, q.figures,
           q.shown_counts, q.shown_texts, q.answered, q.texts_answered,
           (select json_agg(json_build_object(
                     'id', r.id, 'kind', r.kind, 'sealed', encode(r.sealed, 'base64')))
              from room_pending r where r.question_id = q.id) as pending
      from room_sessions s
      left join lateral (
        select * from room_questions
         where id = ${questionId} and session_id = s.id
           for update
      ) q on true
     where s.id = ${sessionId}
       for share of s
  `.execute(trx);
  const row = rows[0];
  if (row === undefined) return null;
  return {
    closed: row.closed,
    threshold: row.threshold,
    joined: new Set(row.joined.map((hash) => hash.toString('hex'))),
    pending: (row.pending ?? []).map((r) => ({
      id: r.id,
      kind: r.kind,
      sealed: Buffer.from(r.sealed, 'base64'),
    })),
    question: row.id === null ? null : toQuestion({ ...row, id: row.id }),
  };
}

/**
 * A phone's answer to store: its token's hash, and its sealed value and text (if any) as
 * pending rows, with random ids chosen by the caller.
 */
export interface RoomAnswerRow {
  readonly tokenHash: Buffer;
  readonly scale: RoomPendingRow;
  readonly text: RoomPendingRow | null;
}

/**
 * In one statement: records that each phone answered the question (`room_participation`),
 * and for those that had not before, adds their sealed answers (`room_pending`, random ids,
 * no time; the values and the texts as rows of their own, each list in the order given)
 * and counts them (`answered`, `texts_answered`). Returns the hashes (hex) of the phones
 * whose answers were taken. Give each phone once. Call under the question's lock.
 */
export async function storeRoomAnswers(
  trx: TenantTransaction,
  organizationId: string,
  questionId: string,
  answers: readonly RoomAnswerRow[],
): Promise<Set<string>> {
  if (answers.length === 0) return new Set();
  const texts = answers.filter((a) => a.text !== null);
  const { rows } = await sql<{ token_hash: Buffer }>`
    with claimed as (
      insert into room_participation (organization_id, question_id, token_hash)
      select ${organizationId}, ${questionId}, h
        from unnest(${answers.map((a) => a.tokenHash)}::bytea[]) as h
          on conflict do nothing
      returning token_hash
    ), scale as (
      insert into room_pending (id, organization_id, question_id, kind, sealed)
      select i.id, ${organizationId}, ${questionId}, 'scale', i.sealed
        from unnest(${answers.map((a) => a.tokenHash)}::bytea[],
                    ${answers.map((a) => a.scale.id)}::uuid[],
                    ${answers.map((a) => a.scale.sealed)}::bytea[])
             with ordinality as i(token_hash, id, sealed, n)
       where i.token_hash in (select token_hash from claimed)
       order by i.n
      returning 1
    ), text as (
      insert into room_pending (id, organization_id, question_id, kind, sealed)
      select i.id, ${organizationId}, ${questionId}, 'text', i.sealed
        from unnest(${texts.map((a) => a.tokenHash)}::bytea[],
                    ${texts.map((a) => a.text?.id)}::uuid[],
                    ${texts.map((a) => a.text?.sealed)}::bytea[])
             with ordinality as i(token_hash, id, sealed, n)
       where i.token_hash in (select token_hash from claimed)
       order by i.n
      returning 1
    ), counted as (
      update room_questions
         set answered = answered + (select count(*) from scale),
             texts_answered = texts_answered + (select count(*) from text)
       where id = ${questionId}
      returning 1
    )
    select token_hash from claimed where (select count(*) from counted) >= 0
  `.execute(trx);
  return new Set(rows.map((r) => r.token_hash.toString('hex')));
}

/**
 * Advances what a question's screen shows, and deletes the pending answers now folded into
 * it, in one statement; nothing else of the question changes. Call under the question's lock.
 */
export async function advanceRoomShown(
  trx: TenantTransaction,
  questionId: string,
  shown: { readonly counts: readonly number[]; readonly texts: readonly string[] },
  folded: readonly string[],
): Promise<void> {
  await sql`
    with folded as (
      delete from room_pending
       where question_id = ${questionId} and id = any(${[...folded]}::uuid[])
    )
    update room_questions
       set shown_counts = ${[...shown.counts]}::int[], shown_texts = ${[...shown.texts]}::text[]
     where id = ${questionId}
  `.execute(trx);
}
