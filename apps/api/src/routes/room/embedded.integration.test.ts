import { openDatabase, type DatabaseHandle } from '@pulsegap/db';
import { testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHttpServer } from '../../http-server.js';
import { bearer, rosterRows, startAnsweringRun, storeAnswers } from '../../test-support.js';
import { EventReader } from './event-reader.js';

// The embedded default (`npm start`: PGlite, no Redis): the room's statements, its
// owner-defined code lookup and its in-process bus work there too.
let handle: DatabaseHandle;
let server: FastifyInstance;

beforeAll(async () => {
  handle = await openDatabase({ appDatabaseUrl: null, dataDir: 'memory://' });
  server = await createHttpServer({ config: testConfig(), db: handle.db });
});
afterAll(async () => {
  await server.close();
  await handle.close();
});

interface Session {
  id: string;
  code: string;
  questions: { id: string; room: { answered: number; revealed: boolean; n?: number } }[];
}

test('on the embedded database a room opens, reveals at 5, and its stream follows', async () => {
  const run = await startAnsweringRun(server, handle.db, {
    organization: 'Embedded room',
    people: [
      ...rosterRows('embedded-room.test', 'l', 'Board', 'leadership', 5),
      ...rosterRows('embedded-room.test', 'f', 'Ops', 'frontline', 5),
    ],
    dimensions: ['staffing', 'feasibility'],
  });
  await storeAnswers(handle.db, run.org.organizationId, run.runId, [
    ...Array.from({ length: 5 }, () => ({
      tier: 'leadership' as const,
      values: { staffing: 5, feasibility: 5 },
    })),
    ...Array.from({ length: 5 }, () => ({
      tier: 'frontline' as const,
      values: { staffing: 1, feasibility: 2 },
    })),
  ]);
  const priorities = await server.inject({
    url: '/api/v1/priorities',
    headers: bearer(run.org.token),
  });
  const priorityId = priorities.json<{ items: { id: string }[] }>().items[0]?.id ?? '';
  const created = await server.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    headers: bearer(run.org.token),
    payload: {
      runId: run.runId,
      findings: [
        { priorityId, dimension: 'staffing' },
        { priorityId, dimension: 'feasibility' },
      ],
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  const session = created.json<Session>();
  const questionId = session.questions[0]?.id ?? '';

  const base = await server.listen({ port: 0, host: '127.0.0.1' });
  const screen = await EventReader.open(
    `${base}/api/v1/sessions/${session.id}/events`,
    bearer(run.org.token),
  );
  for (let i = 1; i <= 5; i += 1) {
    const joined = await server.inject({
      method: 'POST',
      url: `/api/v1/room/${session.code}/join`,
    });
    expect(joined.statusCode, joined.body).toBe(201);
    const answered = await server.inject({
      method: 'POST',
      url: `/api/v1/room/${session.code}/answers`,
      payload: {
        participant: joined.json<{ participant: string }>().participant,
        questionId,
        value: i,
        text: `embedded ${String(i)}`,
      },
    });
    expect(answered.statusCode, answered.body).toBe(201);
    const seen = await screen.until<Session>((s) => (s.questions[0]?.room.answered ?? 0) >= i);
    expect(seen.questions[0]?.room.revealed).toBe(i === 5);
  }
  const closed = await server.inject({
    method: 'POST',
    url: `/api/v1/sessions/${session.id}/close`,
    headers: bearer(run.org.token),
  });
  expect(closed.statusCode, closed.body).toBe(200);
  await screen.until<{ closedAt: string | null }>((s) => s.closedAt !== null);
  expect(await screen.next()).toBeNull();
});
