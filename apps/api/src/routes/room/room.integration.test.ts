import { statementFor } from '@pulsegap/domain';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asOwner } from '../../attack-support.js';
import {
  bearer,
  createTestServer,
  expectProblem,
  rosterRows,
  signup,
  startAnsweringRun,
  storeAnswers,
  type AnsweringRun,
  type TestServer,
} from '../../test-support.js';
import { ROOM_JOIN_LIMIT, ROOM_READ_LIMIT } from './index.js';

// A released run of one priority: staffing and feasibility shown for the whole organization,
// clarity withheld (two frontline answers), ownership never asked.
const DIMENSIONS = ['staffing', 'feasibility', 'clarity'];
const ROOM_TABLES = [
  'room_sessions',
  'room_questions',
  'room_pending',
  'room_participants',
  'room_participation',
] as const;

interface View {
  answered: number;
  textsAnswered: number;
  needed: number;
  revealed: boolean;
  n?: number;
  distribution?: number[];
  mean?: number;
  texts?: string[];
  waiting?: number;
}
interface Question {
  id: string;
  position: number;
  priorityId: string;
  dimension: string;
  title: string;
  statement: string;
  figures: Record<string, unknown>;
  room: View;
}
interface Session {
  id: string;
  runId: string;
  code: string;
  joinPath: string;
  threshold: number;
  capacity: number | null;
  prompt: string;
  closedAt: string | null;
  currentQuestionId: string | null;
  participants: number;
  questions: Question[];
}
interface Room {
  code: string;
  closed: boolean;
  participants: number;
  current: null | { id: string; count: number; room: View };
}

describe('the live room: sessions, joining, the reveal rule, anonymity', () => {
  let t: TestServer;
  let run: AnsweringRun;
  let priorityId: string;

  const facilitator = () => bearer(run.org.token);

  async function openSession(payload: Record<string, unknown> = {}) {
    return t.server.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: facilitator(),
      payload: {
        runId: run.runId,
        findings: [
          { priorityId, dimension: 'staffing' },
          { priorityId, dimension: 'feasibility' },
        ],
        ...payload,
      },
    });
  }

  async function newSession(payload: Record<string, unknown> = {}): Promise<Session> {
    const response = await openSession(payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json<Session>();
  }

  async function join(code: string): Promise<string> {
    const response = await t.server.inject({ method: 'POST', url: `/api/v1/room/${code}/join` });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ participant: string }>().participant;
  }

  function answer(code: string, body: Record<string, unknown>) {
    return t.server.inject({ method: 'POST', url: `/api/v1/room/${code}/answers`, payload: body });
  }

  async function views(session: Session): Promise<{ facilitator: View; phone: View; raw: string }> {
    const s = await t.server.inject({
      url: `/api/v1/sessions/${session.id}`,
      headers: facilitator(),
    });
    const r = await t.server.inject({ url: `/api/v1/room/${session.code}` });
    expect(s.statusCode, s.body).toBe(200);
    expect(r.statusCode, r.body).toBe(200);
    const question = s.json<Session>().questions.find((q) => q.position === 1);
    const current = r.json<Room>().current;
    if (question === undefined || current === null) throw new Error('no first question');
    return { facilitator: question.room, phone: current.room, raw: s.body + r.body };
  }

  beforeAll(async () => {
    t = await createTestServer();
    run = await startAnsweringRun(t.server, t.db, {
      organization: 'Room Co',
      people: [
        ...rosterRows('room.test', 'lead', 'Ops', 'leadership', 6),
        ...rosterRows('room.test', 'floor', 'Floor', 'frontline', 6),
      ],
      dimensions: DIMENSIONS,
    });
    const priorities = await t.server.inject({
      url: '/api/v1/priorities',
      headers: facilitator(),
    });
    priorityId = priorities.json<{ items: { id: string }[] }>().items[0]?.id ?? '';
    await storeAnswers(t.db, run.org.organizationId, run.runId, [
      ...Array.from({ length: 6 }, () => ({
        tier: 'leadership' as const,
        values: { staffing: 5, feasibility: 4, clarity: 5 },
      })),
      ...Array.from({ length: 6 }, (_, i) => ({
        tier: 'frontline' as const,
        values: { staffing: 2, feasibility: 2, ...(i < 2 ? { clarity: 3 } : {}) },
      })),
    ]);
  });
  afterAll(() => t.close());

  test('a session opens from the release’s findings, with the bank’s statements and the release’s figures', async () => {
    const session = await newSession();
    expect(session).toMatchObject({
      runId: run.runId,
      joinPath: `/room/${session.code}`,
      threshold: 5,
      prompt: 'What would have to stop for this to be staffed?',
      closedAt: null,
      participants: 0,
      currentQuestionId: session.questions[0]?.id,
    });
    expect(session.code).toMatch(/^[A-Z0-9]{6}$/);
    expect(session.questions.map((q) => [q.position, q.dimension, q.title, q.statement])).toEqual([
      [1, 'staffing', 'Customer Focus', statementFor('staffing', 'Customer Focus')],
      [2, 'feasibility', 'Customer Focus', statementFor('feasibility', 'Customer Focus')],
    ]);
    expect(session.questions[0]?.figures).toMatchObject({
      leadershipMean: 5,
      frontlineMean: 2,
      gap: 3,
      leadershipN: 6,
      frontlineN: 6,
    });
    expect(session.questions[0]?.room).toEqual({
      answered: 0,
      textsAnswered: 0,
      needed: 5,
      revealed: false,
    });
    const listed = await t.server.inject({
      url: `/api/v1/sessions?runId=${run.runId}`,
      headers: facilitator(),
    });
    expect(listed.json<{ items: Session[] }>().items.map((s) => s.id)).toContain(session.id);
    // The code is case-insensitive.
    const room = await t.server.inject({ url: `/api/v1/room/${session.code.toLowerCase()}` });
    expect(room.statusCode, room.body).toBe(200);
    expect(room.json<Room>()).toMatchObject({ code: session.code, closed: false });
  });

  test('nothing is shown below 5 answers; the 5th reveals; the 6th–9th do not move it; the 10th does', async () => {
    const session = await newSession();
    const questionId = session.questions[0]?.id ?? '';
    const phones = await Promise.all(Array.from({ length: 10 }, () => join(session.code)));
    const values = [1, 2, 2, 4, 5, 3, 3, 3, 3, 1];
    const texts = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'f', 'g', 'h', 'i', 'j'];
    for (let i = 0; i < 4; i += 1) {
      const r = await answer(session.code, {
        participant: phones[i],
        questionId,
        value: values[i],
        text: ` ${texts[i] ?? ''} `,
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const before = await views(session);
    for (const view of [before.facilitator, before.phone]) {
      expect(view).toEqual({ answered: 4, textsAnswered: 4, needed: 5, revealed: false });
    }
    for (const text of texts.slice(0, 4)) expect(before.raw).not.toContain(text);
    expect(before.raw).not.toMatch(/"distribution"|"mean"|"texts"/);

    const fifth = await answer(session.code, {
      participant: phones[4],
      questionId,
      value: values[4],
      text: texts[4],
    });
    expect(fifth.statusCode, fifth.body).toBe(201);
    const revealed = await views(session);
    for (const view of [revealed.facilitator, revealed.phone]) {
      expect(view).toMatchObject({
        answered: 5,
        textsAnswered: 5,
        revealed: true,
        n: 5,
        distribution: [1, 2, 0, 1, 1],
        mean: (1 + 2 + 2 + 4 + 5) / 5,
        waiting: 0,
      });
      expect([...(view.texts ?? [])].sort()).toEqual(texts.slice(0, 5).sort());
    }

    for (let i = 5; i < 9; i += 1) {
      const r = await answer(session.code, {
        participant: phones[i],
        questionId,
        value: values[i],
      });
      expect(r.statusCode, r.body).toBe(201);
      const held = await views(session);
      for (const view of [held.facilitator, held.phone]) {
        expect(view).toMatchObject({
          answered: i + 1,
          n: 5,
          distribution: [1, 2, 0, 1, 1],
          waiting: i + 1 - 5,
        });
      }
    }
    const tenth = await answer(session.code, {
      participant: phones[9],
      questionId,
      value: values[9],
    });
    expect(tenth.json<{ room: Room }>().room.current?.room).toMatchObject({
      answered: 10,
      n: 10,
      distribution: [2, 2, 4, 1, 1],
      waiting: 0,
      // Five texts only, all shown in the first batch.
      textsAnswered: 5,
    });
    const after = await views(session);
    expect(after.facilitator).toEqual(after.phone);
    expect(after.facilitator.texts).toHaveLength(5);

    // One answer per phone and finding: a second one changes nothing.
    const again = await answer(session.code, { participant: phones[0], questionId, value: 5 });
    expectProblem(again, 409);
    expect((await views(session)).facilitator).toEqual(after.facilitator);
  });

  test('a database copy after 4 answers holds no answer in clear, and no time of any answer', async () => {
    const session = await newSession();
    const questionId = session.questions[0]?.id ?? '';
    const phones = await Promise.all(Array.from({ length: 4 }, () => join(session.code)));
    const secrets = ['zebra crossing', 'quartz lamp', 'violet harbour', 'mustard field'];
    for (const [i, phone] of phones.entries()) {
      const r = await answer(session.code, {
        participant: phone,
        questionId,
        value: 1 + i,
        text: secrets[i],
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const copy = await asOwner(null, async (owner) => {
      const tables: Record<string, unknown[]> = {};
      for (const table of ROOM_TABLES) {
        const { rows } = await sql<
          Record<string, unknown>
        >`select * from ${sql.table(table)}`.execute(owner);
        tables[table] = rows;
      }
      const { rows: columns } = await sql<{ table_name: string; data_type: string }>`
        select table_name, data_type from information_schema.columns
         where table_schema = 'public' and table_name in (${sql.join(ROOM_TABLES.filter((t) => t !== 'room_sessions'))})
      `.execute(owner);
      return { tables, columns };
    });
    // Only a session has a time (when it opened and closed); nothing per answer, phone or question.
    expect(copy.columns.filter((c) => /time|date/.test(c.data_type))).toEqual([]);
    const pending = (
      copy.tables.room_pending as { question_id: string; kind: string; sealed: Buffer }[]
    ).filter((r) => r.question_id === questionId);
    expect(pending.filter((r) => r.kind === 'scale')).toHaveLength(4);
    expect(pending.filter((r) => r.kind === 'text')).toHaveLength(4);
    // Every sealed row of a kind is as long as every other: the size tells nothing.
    for (const kind of ['scale', 'text']) {
      expect(new Set(pending.filter((r) => r.kind === kind).map((r) => r.sealed.length)).size).toBe(
        1,
      );
    }
    const question = (
      copy.tables.room_questions as { id: string; shown_counts: number[]; shown_texts: string[] }[]
    ).find((q) => q.id === questionId);
    expect(question).toMatchObject({ shown_counts: [0, 0, 0, 0, 0], shown_texts: [] });
    const dump = JSON.stringify(copy.tables, (_key, value: unknown) =>
      value instanceof Buffer ? value.toString('latin1') : value,
    );
    const binary = Buffer.concat(pending.map((r) => r.sealed));
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      expect(binary.includes(Buffer.from(secret, 'utf16le'))).toBe(false);
      expect(binary.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    }
    // Which phone took part is kept apart from what it answered: the participation rows
    // name no value, and the pending rows no phone.
    expect(Object.keys((copy.tables.room_participation as object[])[0] ?? {}).sort()).toEqual([
      'organization_id',
      'question_id',
      'token_hash',
    ]);

    // Closed, the room deletes the 4 answers it never showed, and who answered what.
    const closed = await t.server.inject({
      method: 'POST',
      url: `/api/v1/sessions/${session.id}/close`,
      headers: facilitator(),
    });
    expect(closed.statusCode, closed.body).toBe(200);
    const left = await asOwner(null, async (owner) => {
      const pendingLeft = await owner
        .selectFrom('room_pending')
        .select('id')
        .where('question_id', '=', questionId)
        .execute();
      const participationLeft = await owner
        .selectFrom('room_participation')
        .select('token_hash')
        .where('question_id', '=', questionId)
        .execute();
      return pendingLeft.length + participationLeft.length;
    });
    expect(left).toBe(0);
  });

  test('bad input gets a problem and changes nothing', async () => {
    const session = await newSession();
    const questionId = session.questions[0]?.id ?? '';
    const phone = await join(session.code);
    const cases: [Record<string, unknown>, number][] = [
      [{ participant: phone, questionId, value: 0 }, 400],
      [{ participant: phone, questionId, value: 6 }, 400],
      [{ participant: phone, questionId, value: '3' }, 400],
      [{ participant: phone, questionId, value: 2.5 }, 400],
      [{ participant: phone, questionId, value: 3, text: 'x'.repeat(2001) }, 400],
      [{ participant: phone, questionId, value: 3, extra: 1 }, 400],
      [{ participant: phone, questionId: 'not-a-uuid', value: 3 }, 400],
      [{ participant: phone, questionId: crypto.randomUUID(), value: 3 }, 404],
      // The other session's finding is no finding of this room.
      [{ participant: phone, questionId: (await newSession()).questions[0]?.id, value: 3 }, 404],
      [{ participant: 'bm90LWEtcGhvbmU', questionId, value: 3 }, 403],
      [{ questionId, value: 3 }, 400],
    ];
    for (const [body, status] of cases) {
      expectProblem(await answer(session.code, body), status);
    }
    expectProblem(await answer('NOSUCH1', { participant: phone, questionId, value: 3 }), 404);
    expectProblem(await t.server.inject({ url: '/api/v1/room/NOSUCH1' }), 404);
    expectProblem(await t.server.inject({ method: 'POST', url: '/api/v1/room/NOSUCH1/join' }), 404);
    expectProblem(await t.server.inject({ url: '/api/v1/room/no!' }), 400);
    const after = await views(session);
    expect(after.facilitator).toEqual({
      answered: 0,
      textsAnswered: 0,
      needed: 5,
      revealed: false,
    });

    // Closed: no more joins (404, as an unknown code) or answers (410); the room reads 410.
    const closed = await t.server.inject({
      method: 'POST',
      url: `/api/v1/sessions/${session.id}/close`,
      headers: facilitator(),
    });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json<Session>().closedAt).toEqual(expect.any(String));
    expectProblem(await answer(session.code, { participant: phone, questionId, value: 3 }), 410);
    expectProblem(await t.server.inject({ url: `/api/v1/room/${session.code}` }), 410);
    expectProblem(
      await t.server.inject({ method: 'POST', url: `/api/v1/room/${session.code}/join` }),
      404,
    );
    expectProblem(
      await t.server.inject({
        method: 'POST',
        url: `/api/v1/sessions/${session.id}/close`,
        headers: facilitator(),
      }),
      409,
    );
    const s = await t.server.inject({
      url: `/api/v1/sessions/${session.id}`,
      headers: facilitator(),
    });
    expect(s.json<Session>().questions[0]?.room).toEqual({
      answered: 0,
      textsAnswered: 0,
      needed: 5,
      revealed: false,
    });
  });

  test('sessions are opened only from a released run’s shown findings, at a threshold not below k', async () => {
    const problem = (r: Awaited<ReturnType<typeof openSession>>, status: number) =>
      expectProblem(r, status);
    const suppressed = problem(
      await openSession({
        findings: [
          { priorityId, dimension: 'staffing' },
          { priorityId, dimension: 'clarity' },
        ],
      }),
      400,
    );
    expect(suppressed.errors).toEqual([{ path: 'body/findings/1', message: expect.any(String) }]);
    for (const findings of [
      [
        { priorityId, dimension: 'staffing' },
        { priorityId, dimension: 'ownership' },
      ],
      [
        { priorityId, dimension: 'staffing' },
        { priorityId: crypto.randomUUID(), dimension: 'feasibility' },
      ],
      [
        { priorityId, dimension: 'staffing' },
        { priorityId, dimension: 'staffing' },
      ],
      [{ priorityId, dimension: 'staffing' }],
    ]) {
      problem(await openSession({ findings }), 400);
    }
    problem(await openSession({ threshold: 4 }), 400);
    problem(await openSession({ threshold: 51 }), 400);
    problem(await openSession({ prompt: '' }), 400);
    problem(await openSession({ runId: crypto.randomUUID() }), 404);
    expect((await newSession({ threshold: 7, prompt: 'Why?' })).threshold).toBe(7);

    const open = await startAnsweringRun(t.server, t.db, {
      organization: 'Open Co',
      people: [
        ...rosterRows('open-room.test', 'l', 'Ops', 'leadership', 5),
        ...rosterRows('open-room.test', 'f', 'Floor', 'frontline', 5),
      ],
      dimensions: ['staffing'],
    });
    const early = await t.server.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: bearer(open.org.token),
      payload: {
        runId: open.runId,
        findings: [
          { priorityId, dimension: 'staffing' },
          { priorityId, dimension: 'feasibility' },
        ],
      },
    });
    problem(early, 409);

    // Another organization can open no session of Room Co's run, and sees none of its sessions.
    problem(
      await t.server.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        headers: bearer(open.org.token),
        payload: {
          runId: run.runId,
          findings: [
            { priorityId, dimension: 'staffing' },
            { priorityId, dimension: 'feasibility' },
          ],
        },
      }),
      404,
    );
    const theirs = await newSession();
    for (const url of [`/api/v1/sessions/${theirs.id}`, `/api/v1/sessions/${theirs.id}/events`]) {
      problem(await t.server.inject({ url, headers: bearer(open.org.token) }), 404);
    }
    for (const url of [
      `/api/v1/sessions/${theirs.id}/close`,
      `/api/v1/sessions/${theirs.id}/current`,
    ]) {
      const r = await t.server.inject({
        method: 'POST',
        url,
        headers: bearer(open.org.token),
        payload: url.endsWith('current') ? { questionId: theirs.questions[1]?.id } : undefined,
      });
      problem(r, 404);
    }
    const listed = await t.server.inject({
      url: `/api/v1/sessions?runId=${run.runId}`,
      headers: bearer(open.org.token),
    });
    expect(listed.json<{ items: unknown[] }>().items).toEqual([]);
    problem(await t.server.inject({ url: `/api/v1/sessions/${theirs.id}` }), 401);
  });

  test('the facilitator moves the room from finding to finding', async () => {
    const session = await newSession();
    const second = session.questions[1]?.id ?? '';
    const moved = await t.server.inject({
      method: 'POST',
      url: `/api/v1/sessions/${session.id}/current`,
      headers: facilitator(),
      payload: { questionId: second },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json<Session>().currentQuestionId).toBe(second);
    const room = await t.server.inject({ url: `/api/v1/room/${session.code}` });
    expect(room.json<Room>().current).toMatchObject({ id: second, count: 2 });
    expectProblem(
      await t.server.inject({
        method: 'POST',
        url: `/api/v1/sessions/${session.id}/current`,
        headers: facilitator(),
        payload: { questionId: crypto.randomUUID() },
      }),
      400,
    );
  });

  test('a watcher who reads the room after every answer learns nothing of fewer than 5 people', async () => {
    const session = await newSession();
    const questionId = session.questions[0]?.id ?? '';
    const phones = await Promise.all(Array.from({ length: 23 }, () => join(session.code)));
    const seen: { distribution: number[]; texts: string[] }[] = [];
    for (const [i, phone] of phones.entries()) {
      const r = await answer(session.code, {
        participant: phone,
        questionId,
        value: 1 + ((i * 7) % 5),
        ...(i % 2 === 0 ? { text: `said by phone ${String(i)}` } : {}),
      });
      expect(r.statusCode, r.body).toBe(201);
      const view = (await views(session)).phone;
      if (view.revealed)
        seen.push({ distribution: view.distribution ?? [], texts: view.texts ?? [] });
    }
    // Every change between two views, of the distribution or of the texts, is at least 5.
    const total = (d: number[]) => d.reduce((a, b) => a + b, 0);
    for (let i = 1; i < seen.length; i += 1) {
      const [before, after] = [seen[i - 1], seen[i]];
      if (before === undefined || after === undefined) continue;
      const added = total(after.distribution) - total(before.distribution);
      expect(added === 0 || added >= 5).toBe(true);
      after.distribution.forEach((count, v) => {
        expect(count).toBeGreaterThanOrEqual(before.distribution[v] ?? 0);
      });
      const newTexts = after.texts.length - before.texts.length;
      expect(newTexts === 0 || newTexts >= 5).toBe(true);
      // Texts shown stay in place; new ones come after them.
      expect(after.texts.slice(0, before.texts.length)).toEqual(before.texts);
    }
    expect(total(seen.at(-1)?.distribution ?? [])).toBe(20);
    expect(seen.at(-1)?.texts).toHaveLength(10);
  });

  test('two answers of one phone at once: one is taken, the other is a 409', async () => {
    const session = await newSession();
    const questionId = session.questions[0]?.id ?? '';
    const phone = await join(session.code);
    const both = await Promise.all(
      [2, 4].map((value) => answer(session.code, { participant: phone, questionId, value })),
    );
    expect(both.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const s = await t.server.inject({
      url: `/api/v1/sessions/${session.id}`,
      headers: facilitator(),
    });
    expect(s.json<Session>().questions[0]?.room.answered).toBe(1);
  });

  // Last: it uses up this server's join allowance.
  test('one person cannot stand in for several: a room told its headcount takes no more phones', async () => {
    const patch = (id: string, capacity: unknown, headers = facilitator()) =>
      t.server.inject({
        method: 'PATCH',
        url: `/api/v1/sessions/${id}`,
        headers,
        payload: { capacity },
      });
    const joinRoom = (code: string) =>
      t.server.inject({ method: 'POST', url: `/api/v1/room/${code}/join` });
    const participants = async (id: string) =>
      (
        await t.server.inject({ url: `/api/v1/sessions/${id}`, headers: facilitator() })
      ).json<Session>().participants;

    // A headcount below the threshold could never reveal anything: refused, nothing opened.
    const before = await t.db
      .selectFrom('room_sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const low = expectProblem(await openSession({ capacity: 4 }), 400);
    expect(low.errors).toEqual([
      { path: 'body/capacity', message: expect.stringMatching(/from 5/) },
    ]);
    const after = await t.db
      .selectFrom('room_sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);

    // Six people in the room: nine phones joining at once, six get in, three are refused.
    const session = await newSession({ capacity: 6 });
    expect(session.capacity).toBe(6);
    const joins = await Promise.all(Array.from({ length: 9 }, () => joinRoom(session.code)));
    expect(joins.filter((r) => r.statusCode === 201)).toHaveLength(6);
    const refused = joins.filter((r) => r.statusCode !== 201);
    expect(refused).toHaveLength(3);
    for (const response of refused) {
      const problem = expectProblem(response, 409);
      expect(problem.title).toBe('The room is full');
      expect(problem.code).toBe('PG_ERR_ROOM_FULL');
    }
    expect(await participants(session.id)).toBe(6);
    const phone = await t.server.inject({ url: `/api/v1/room/${session.code}` });
    expect(phone.json<{ capacity: number | null }>().capacity).toBe(6);

    // The headcount cannot drop below the phones in, nor the threshold; bad values are 400s.
    for (const capacity of [5, 2, 1001, 6.5, '7']) {
      expectProblem(await patch(session.id, capacity), 400);
    }
    expect((await patch(session.id, 6)).statusCode).toBe(200);
    // A latecomer: one more person, one more phone; then the room is full again.
    expect((await patch(session.id, 7)).json<Session>().capacity).toBe(7);
    expect((await joinRoom(session.code)).statusCode).toBe(201);
    expectProblem(await joinRoom(session.code), 409);
    // Null lifts the limit.
    expect((await patch(session.id, null)).json<Session>().capacity).toBeNull();
    expect((await joinRoom(session.code)).statusCode).toBe(201);
    expect(await participants(session.id)).toBe(8);

    // Another organization cannot change it; a closed room takes no change.
    const other = await signup(t.server, 'Other Room Co');
    expectProblem(await patch(session.id, 9, bearer(other.token)), 404);
    await t.server.inject({
      method: 'POST',
      url: `/api/v1/sessions/${session.id}/close`,
      headers: facilitator(),
    });
    expectProblem(await patch(session.id, 9), 410);

    // The audit log keeps who opened the room, every headcount change (a raised one lets
    // phones in) and the close: never anything answered. Refused changes, and setting the
    // headcount it had, left no entry.
    const audit = await t.server.inject({ url: '/api/v1/audit?limit=200', headers: facilitator() });
    expect(audit.statusCode, audit.body).toBe(200);
    const entries = audit
      .json<{ items: { action: string; subject: string; detail: Record<string, unknown> }[] }>()
      .items.filter((e) => e.subject === `room/${session.id}`)
      .reverse();
    expect(entries.map((e) => e.action)).toEqual([
      'room.opened',
      'room.headcount',
      'room.headcount',
      'room.closed',
    ]);
    expect(entries[0]?.detail).toEqual({
      runId: run.runId,
      findings: 2,
      threshold: 5,
      capacity: 6,
    });
    expect(entries.slice(1, 3).map((e) => e.detail)).toEqual([
      { capacity: { old: 6, new: 7 }, joined: 6 },
      { capacity: { old: 7, new: null }, joined: 7 },
    ]);
  });

  test('a join flood is refused with 429 and retry-after', async () => {
    const session = await newSession();
    let refused: Awaited<ReturnType<typeof t.server.inject>> | undefined;
    for (let i = 0; i <= ROOM_JOIN_LIMIT.max && refused === undefined; i += 1) {
      const r = await t.server.inject({ method: 'POST', url: `/api/v1/room/NOSUCH2/join` });
      if (r.statusCode === 429) refused = r;
      else expect(r.statusCode).toBe(404);
    }
    if (refused === undefined) throw new Error('no join was refused');
    expectProblem(refused, 429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expectProblem(
      await t.server.inject({ method: 'POST', url: `/api/v1/room/${session.code}/join` }),
      429,
    );
    const s = await t.server.inject({
      url: `/api/v1/sessions/${session.id}`,
      headers: facilitator(),
    });
    expect(s.json<Session>().participants).toBe(0);
  });

  // Last: it uses up this server's read allowance.
  test('reading rooms by code is rate-limited too, so codes cannot be found by reading', async () => {
    const session = await newSession();
    let refused: Awaited<ReturnType<typeof t.server.inject>> | undefined;
    for (let i = 0; i <= ROOM_READ_LIMIT.max && refused === undefined; i += 1) {
      const r = await t.server.inject({ url: `/api/v1/room/NOSUCH${String(i % 10)}` });
      if (r.statusCode === 429) refused = r;
      else expect(r.statusCode).toBe(404);
    }
    if (refused === undefined) throw new Error('no read was refused');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    for (const url of [`/api/v1/room/${session.code}`, `/api/v1/room/${session.code}/events`]) {
      expectProblem(await t.server.inject({ url }), 429);
    }
  });
});
