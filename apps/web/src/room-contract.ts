import {
  array,
  boolean,
  id,
  number,
  optionalNumber,
  optionalString,
  record,
  string,
} from './fields.js';
import { ContractError } from './http.js';

/*
 * The live room's answers, as the facilitator's screen and the phone page read them, checked at
 * the boundary. Fields the pages do not read are ignored.
 */

/** Answers per value of the 1–5 scale, index 0 counting the 1s. */
export type Distribution = readonly [number, number, number, number, number];

/** What the room may see of one finding's answers: a count while withheld. */
export interface RoomWithheld {
  revealed: false;
  answered: number;
  textsAnswered: number;
  needed: number;
}

/** The answers once at least `needed` people answered, as of the last snapshot shown. */
export interface RoomRevealed {
  revealed: true;
  answered: number;
  textsAnswered: number;
  needed: number;
  n: number;
  distribution: Distribution;
  mean: number;
  /** The prompt's texts, shuffled by the server; empty until enough texts were written. */
  texts: string[];
  /** Answers that arrived after the snapshot shown, not in it yet. */
  waiting: number;
}

export type RoomQuestionView = RoomWithheld | RoomRevealed;

/** The pulse's figures of the finding, for the whole organization. */
export interface FindingFigures {
  leadershipMean: number | null;
  frontlineMean: number | null;
  gap: number | null;
  ci95: readonly [number, number] | null;
  qValue: number | null;
  leadershipN: number | null;
  frontlineN: number | null;
}

/** One finding of a session, as the facilitator sees it. */
export interface SessionQuestion {
  id: string;
  position: number;
  priorityId: string;
  dimension: string;
  title: string;
  statement: string;
  figures: FindingFigures;
  room: RoomQuestionView;
}

/** A live session, as the facilitator sees it. */
export interface Session {
  id: string;
  runId: string;
  code: string;
  joinPath: string;
  threshold: number;
  /** How many people are in the room: no more phones join (null: not said). */
  capacity: number | null;
  prompt: string;
  closedAt: string | null;
  currentQuestionId: string | null;
  participants: number;
  questions: SessionQuestion[];
}

/** The finding the room is on, as the phones see it. */
export interface RoomCurrent {
  id: string;
  position: number;
  count: number;
  title: string;
  statement: string;
  figures: FindingFigures | null;
  room: RoomQuestionView;
}

/** A live session, as the phones see it. */
export interface Room {
  code: string;
  prompt: string;
  threshold: number;
  capacity: number | null;
  closed: boolean;
  participants: number;
  current: RoomCurrent | null;
}

function count(value: unknown, where: string): number {
  const n = number(value, where);
  if (!Number.isInteger(n) || n < 0) throw new ContractError(where);
  return n;
}

/** A count the API may leave unsaid (null); absent from an older API, also null. */
function optionalCount(value: unknown, where: string): number | null {
  return value === null || value === undefined ? null : count(value, where);
}

export function parseRoomQuestionView(value: unknown, where: string): RoomQuestionView {
  const view = record(value, where);
  const answered = count(view.answered, `${where}.answered`);
  const textsAnswered = count(view.textsAnswered ?? 0, `${where}.textsAnswered`);
  const needed = count(view.needed, `${where}.needed`);
  if (!boolean(view.revealed, `${where}.revealed`)) {
    return { revealed: false, answered, textsAnswered, needed };
  }
  const distribution = array(view.distribution, `${where}.distribution`).map((c, i) =>
    count(c, `${where}.distribution[${i}]`),
  );
  if (distribution.length !== 5) throw new ContractError(`${where}.distribution`);
  const n = count(view.n, `${where}.n`);
  return {
    revealed: true,
    answered,
    textsAnswered,
    needed,
    n,
    distribution: distribution as unknown as Distribution,
    mean: number(view.mean, `${where}.mean`),
    texts: array(view.texts ?? [], `${where}.texts`).map((t, i) =>
      string(t, `${where}.texts[${i}]`),
    ),
    waiting: count(view.waiting ?? Math.max(0, answered - n), `${where}.waiting`),
  };
}

export function parseFigures(value: unknown, where: string): FindingFigures {
  const figures = record(value, where);
  let ci95: readonly [number, number] | null = null;
  if (figures.ci95 !== null && figures.ci95 !== undefined) {
    const pair = array(figures.ci95, `${where}.ci95`);
    ci95 = [number(pair[0], `${where}.ci95[0]`), number(pair[1], `${where}.ci95[1]`)];
  }
  return {
    leadershipMean: optionalNumber(figures.leadershipMean, `${where}.leadershipMean`),
    frontlineMean: optionalNumber(figures.frontlineMean, `${where}.frontlineMean`),
    gap: optionalNumber(figures.gap, `${where}.gap`),
    ci95,
    qValue: optionalNumber(figures.qValue, `${where}.qValue`),
    leadershipN: optionalNumber(figures.leadershipN, `${where}.leadershipN`),
    frontlineN: optionalNumber(figures.frontlineN, `${where}.frontlineN`),
  };
}

export function parseSession(body: unknown): Session {
  const session = record(body, 'session');
  return {
    id: id(session.id, 'session.id'),
    runId: id(session.runId, 'session.runId'),
    code: string(session.code, 'session.code'),
    joinPath: string(session.joinPath, 'session.joinPath'),
    threshold: count(session.threshold, 'session.threshold'),
    capacity: optionalCount(session.capacity, 'session.capacity'),
    prompt: string(session.prompt, 'session.prompt'),
    closedAt: optionalString(session.closedAt, 'session.closedAt'),
    currentQuestionId:
      session.currentQuestionId === null || session.currentQuestionId === undefined
        ? null
        : id(session.currentQuestionId, 'session.currentQuestionId'),
    participants: count(session.participants, 'session.participants'),
    questions: array(session.questions, 'session.questions').map((value, i) => {
      const where = `session.questions[${i}]`;
      const question = record(value, where);
      return {
        id: id(question.id, `${where}.id`),
        position: number(question.position, `${where}.position`),
        priorityId: id(question.priorityId, `${where}.priorityId`),
        dimension: string(question.dimension, `${where}.dimension`),
        title: string(question.title, `${where}.title`),
        statement: string(question.statement, `${where}.statement`),
        figures: parseFigures(question.figures, `${where}.figures`),
        room: parseRoomQuestionView(question.room, `${where}.room`),
      };
    }),
  };
}

export function parseRoom(body: unknown): Room {
  const room = record(body, 'room');
  let current: RoomCurrent | null = null;
  if (room.current !== null && room.current !== undefined) {
    const value = record(room.current, 'room.current');
    current = {
      id: id(value.id, 'room.current.id'),
      position: number(value.position, 'room.current.position'),
      count: count(value.count, 'room.current.count'),
      title: string(value.title, 'room.current.title'),
      statement: string(value.statement, 'room.current.statement'),
      figures:
        value.figures === null || value.figures === undefined
          ? null
          : parseFigures(value.figures, 'room.current.figures'),
      room: parseRoomQuestionView(value.room, 'room.current.room'),
    };
  }
  return {
    code: string(room.code, 'room.code'),
    prompt: string(room.prompt, 'room.prompt'),
    threshold: count(room.threshold, 'room.threshold'),
    capacity: optionalCount(room.capacity, 'room.capacity'),
    closed: boolean(room.closed, 'room.closed'),
    participants: count(room.participants, 'room.participants'),
    current,
  };
}

/** `POST /room/:code/join`: the phone's token and the room. */
export function parseJoin(body: unknown): { participant: string; room: Room } {
  const joined = record(body, 'join');
  return {
    participant: string(joined.participant, 'join.participant'),
    room: parseRoom(joined.room),
  };
}

/** `POST /room/:code/answers`: the room after the answer. */
export function parseAnswered(body: unknown): Room {
  return parseRoom(record(body, 'answered').room);
}
