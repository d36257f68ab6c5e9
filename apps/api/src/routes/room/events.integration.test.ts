import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createTestServer,
  rosterRows,
  startAnsweringRun,
  storeAnswers,
  type AnsweringRun,
  type TestServer,
} from '../../test-support.js';
import { EventReader } from './event-reader.js';

interface View {
  answered: number;
  revealed: boolean;
  distribution?: number[];
  mean?: number;
  texts?: string[];
}
interface Session {
  id: string;
  code: string;
  closedAt: string | null;
  participants: number;
  questions: { id: string; position: number; room: View }[];
}
interface Room {
  closed: boolean;
  participants: number;
  current: { id: string; room: View } | null;
}

// The live streams on one process (its in-process bus), over real sockets.
describe('the room’s event streams', () => {
  let t: TestServer;
  let base: string;
  let run: AnsweringRun;
  let session: Session;
  let priorityId: string;
  const findings = () => [
    { priorityId, dimension: 'staffing' },
    { priorityId, dimension: 'feasibility' },
  ];

  beforeAll(async () => {
    t = await createTestServer();
    run = await startAnsweringRun(t.server, t.db, {
      organization: 'Streams Co',
      people: [
        ...rosterRows('streams.test', 'lead', 'Ops', 'leadership', 5),
        ...rosterRows('streams.test', 'floor', 'Floor', 'frontline', 5),
      ],
      dimensions: ['staffing', 'feasibility'],
    });
    await storeAnswers(t.db, run.org.organizationId, run.runId, [
      ...Array.from({ length: 5 }, () => ({
        tier: 'leadership' as const,
        values: { staffing: 5, feasibility: 4 },
      })),
      ...Array.from({ length: 5 }, () => ({
        tier: 'frontline' as const,
        values: { staffing: 1, feasibility: 2 },
      })),
    ]);
    const priorities = await t.server.inject({
      url: '/api/v1/priorities',
      headers: bearer(run.org.token),
    });
    priorityId = priorities.json<{ items: { id: string }[] }>().items[0]?.id ?? '';
    const created = await t.server.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: bearer(run.org.token),
      payload: { runId: run.runId, findings: findings() },
    });
    expect(created.statusCode, created.body).toBe(201);
    session = created.json<Session>();
    base = await t.server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  const post = async (path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method: 'POST',
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  test('refused streams are problems: no session, another’s, no token, an unknown code', async () => {
    const unknown = await fetch(`${base}/api/v1/room/NOSUCH9/events`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const anonymous = await fetch(`${base}/api/v1/sessions/${session.id}/events`);
    expect(anonymous.status).toBe(401);
    const missing = await fetch(`${base}/api/v1/sessions/${crypto.randomUUID()}/events`, {
      headers: bearer(run.org.token),
    });
    expect(missing.status).toBe(404);
  });

  test('each change reaches both streams; nothing is shown before 5 answers; close ends them', async () => {
    const facilitator = await EventReader.open(
      `${base}/api/v1/sessions/${session.id}/events`,
      bearer(run.org.token),
    );
    expect(facilitator.response.headers.get('content-type')).toBe(
      'text/event-stream; charset=utf-8',
    );
    expect(facilitator.response.headers.get('cache-control')).toMatch(/no-cache/);
    expect(facilitator.response.headers.get('x-accel-buffering')).toBe('no');
    const phone = await EventReader.open(`${base}/api/v1/room/${session.code}/events`);
    const first = await facilitator.next();
    expect(first?.event).toBe('session');
    expect(JSON.parse(first?.data ?? '{}')).toMatchObject({ id: session.id, participants: 0 });
    expect((await phone.next())?.event).toBe('room');

    const tokens: string[] = [];
    for (let i = 1; i <= 5; i += 1) {
      const joined = await post(`/room/${session.code}/join`);
      expect(joined.status).toBe(201);
      tokens.push(joined.body.participant as string);
      await facilitator.until<Session>((s) => s.participants === i);
      await phone.until<Room>((r) => r.participants === i);
    }
    const questionId = session.questions[0]?.id ?? '';
    for (let i = 1; i <= 5; i += 1) {
      const answered = await post(`/room/${session.code}/answers`, {
        participant: tokens[i - 1],
        questionId,
        value: i,
        text: `text ${String(i)}`,
      });
      expect(answered.status).toBe(201);
      const seen = await facilitator.until<Session>(
        (s) => (s.questions[0]?.room.answered ?? 0) >= i,
      );
      const phoneSeen = await phone.until<Room>((r) => (r.current?.room.answered ?? 0) >= i);
      for (const view of [seen.questions[0]?.room, phoneSeen.current?.room]) {
        if (i < 5) {
          expect(view).toEqual({ answered: i, textsAnswered: i, needed: 5, revealed: false });
        } else {
          expect(view).toMatchObject({ revealed: true, n: 5, distribution: [1, 1, 1, 1, 1] });
        }
      }
    }

    const moved = await post(
      `/sessions/${session.id}/current`,
      { questionId: session.questions[1]?.id },
      bearer(run.org.token),
    );
    expect(moved.status).toBe(200);
    await phone.until<Room>((r) => r.current?.id === session.questions[1]?.id);

    const closed = await post(`/sessions/${session.id}/close`, undefined, bearer(run.org.token));
    expect(closed.status).toBe(200);
    await facilitator.until<Session>((s) => s.closedAt !== null);
    await phone.until<Room>((r) => r.closed);
    // Then both streams end.
    expect(await facilitator.next()).toBeNull();
    expect(await phone.next()).toBeNull();
  });

  test('a stream of a closed session gives the last view and ends', async () => {
    const reader = await EventReader.open(
      `${base}/api/v1/sessions/${session.id}/events`,
      bearer(run.org.token),
    );
    const only = await reader.next();
    expect(JSON.parse(only?.data ?? '{}')).toMatchObject({ closedAt: expect.any(String) });
    expect(await reader.next()).toBeNull();
  });

  // Last: it stops the server.
  test('the server stops with streams open, and ends them', async () => {
    const again = await t.server.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: bearer(run.org.token),
      payload: { runId: run.runId, findings: findings() },
    });
    expect(again.statusCode, again.body).toBe(201);
    const live = again.json<Session>();
    const facilitator = await EventReader.open(
      `${base}/api/v1/sessions/${live.id}/events`,
      bearer(run.org.token),
    );
    const phone = await EventReader.open(`${base}/api/v1/room/${live.code}/events`);
    expect((await facilitator.next())?.event).toBe('session');
    expect((await phone.next())?.event).toBe('room');
    await t.server.close();
    // Whatever was sent before the stop, each stream then ends.
    for (const reader of [facilitator, phone]) {
      let event = await reader.next();
      for (let i = 0; event !== null && i < 10; i += 1) event = await reader.next();
      expect(event).toBeNull();
    }
  });
});
