import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createKysely, type Database } from '@pulsegap/db';
import {
  createScratchDatabase,
  freePort,
  testConfig,
  stopProcess,
  testDatabaseUrl,
  type ScratchDatabaseHandle,
} from '@pulsegap/testing';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { rosterRows, storeAnswers } from '../../test-support.js';
import { EventReader } from './event-reader.js';
import { ROOM_JOIN_LIMIT } from './index.js';

// Two API processes as `npm run api` starts them (the build), on one PostgreSQL database
// and one Redis prefix: phones on one replica, the facilitator's screen on the other.
const API = fileURLToPath(new URL('../../../dist/server.js', import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'correct horse battery';

interface View {
  answered: number;
  revealed: boolean;
  n?: number;
  distribution?: number[];
}
interface Session {
  id: string;
  code: string;
  participants: number;
  closedAt: string | null;
  questions: { id: string; room: View }[];
}

describe('the room across two API replicas', () => {
  const prefix = `test-room-replicas-${randomUUID()}`;
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  const outputs: (() => string)[] = [];
  let scratch: ScratchDatabaseHandle;
  let owner: Kysely<Database>;
  let token = '';

  const call = async (url: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: {
        ...(token === '' ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined
          ? {}
          : { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }),
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as unknown };
  };

  beforeAll(async () => {
    if (!existsSync(API)) throw new Error('the API is not built: run `npm run build` first');
    scratch = await createScratchDatabase(
      'pulsegap_room_replicas_',
      testDatabaseUrl(),
      testConfig().appDatabasePassword,
    );
    owner = createKysely(scratch.url, 2);
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort();
      let output = '';
      const child = spawn(process.execPath, ['--enable-source-maps', API], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          LOG_LEVEL: 'info',
          PORT: String(port),
          DATABASE_URL: scratch.url,
          APP_DATABASE_PASSWORD: testConfig().appDatabasePassword,
          REDIS_URL,
          QUEUE_PREFIX: prefix,
          METRICS_PORT: 'off',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      children.push(child);
      outputs.push(() => output);
      urls.push(`http://127.0.0.1:${String(port)}`);
    }
    await vi.waitFor(
      async () => {
        for (const [i, url] of urls.entries()) {
          const ready = await fetch(`${url}/ready`).catch(() => null);
          expect(ready?.status, outputs[i]?.()).toBe(200);
        }
      },
      { timeout: 20_000, interval: 200 },
    );
  });

  afterAll(async () => {
    await Promise.all(children.map((child) => stopProcess(child)));
    const redis = new Redis(REDIS_URL);
    const limits = await redis.keys(`${prefix}-limit-*`);
    if (limits.length > 0) await redis.del(...limits);
    redis.disconnect();
    await owner.destroy();
    await scratch.drop();
  });

  test('phones answer through replica A; the facilitator’s stream on replica B sees each change', async () => {
    const [a, b] = urls as [string, string];
    const signedUp = await call(a, 'POST', '/signup', {
      organization: 'Room Replicas',
      email: `admin-${randomUUID()}@room-replicas.test`,
      password: PASSWORD,
    });
    expect(signedUp.status, JSON.stringify(signedUp.body)).toBe(201);
    const { token: issued, organizationId } = signedUp.body as {
      token: string;
      organizationId: string;
    };
    token = issued;
    const roster = [
      'email,name,team,tier',
      ...rosterRows('room-replicas.test', 'l', 'Ops', 'leadership', 5),
      ...rosterRows('room-replicas.test', 'f', 'Floor', 'frontline', 5),
    ].join('\n');
    expect((await call(a, 'POST', '/people/import', roster)).status).toBe(200);
    const priority = await call(a, 'POST', '/priorities', { title: 'Launch', statedWeight: 4 });
    const priorityId = (priority.body as { id: string }).id;
    const pulse = await call(a, 'POST', '/pulses', {
      title: 'Pulse',
      priorityIds: [priorityId],
      dimensions: ['staffing', 'feasibility'],
    });
    const run = await call(b, 'POST', `/pulses/${(pulse.body as { id: string }).id}/runs`);
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const runId = (run.body as { id: string }).id;
    await storeAnswers(owner, organizationId, runId, [
      ...Array.from({ length: 5 }, () => ({
        tier: 'leadership' as const,
        values: { staffing: 5, feasibility: 5 },
      })),
      ...Array.from({ length: 5 }, () => ({
        tier: 'frontline' as const,
        values: { staffing: 2, feasibility: 1 },
      })),
    ]);
    const created = await call(b, 'POST', '/sessions', {
      runId,
      findings: [
        { priorityId, dimension: 'staffing' },
        { priorityId, dimension: 'feasibility' },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const session = created.body as Session;
    const questionId = session.questions[0]?.id ?? '';

    const screen = await EventReader.open(`${b}/api/v1/sessions/${session.id}/events`, {
      authorization: `Bearer ${token}`,
    });
    await screen.until<Session>((s) => s.id === session.id);

    const phones: string[] = [];
    for (let i = 1; i <= 6; i += 1) {
      const joined = await call(a, 'POST', `/room/${session.code.toLowerCase()}/join`);
      expect(joined.status, JSON.stringify(joined.body)).toBe(201);
      phones.push((joined.body as { participant: string }).participant);
      await screen.until<Session>((s) => s.participants === i);
    }
    for (let i = 1; i <= 6; i += 1) {
      const answered = await call(a, 'POST', `/room/${session.code}/answers`, {
        participant: phones[i - 1],
        questionId,
        value: 1 + (i % 5),
      });
      expect(answered.status, JSON.stringify(answered.body)).toBe(201);
      const seen = await screen.until<Session>((s) => (s.questions[0]?.room.answered ?? 0) >= i);
      const view = seen.questions[0]?.room;
      expect(view?.answered).toBe(i);
      if (i < 5)
        expect(view).toEqual({ answered: i, textsAnswered: 0, needed: 5, revealed: false });
      else expect(view).toMatchObject({ revealed: true, n: 5, distribution: [1, 1, 1, 1, 1] });
    }
    // Closed through A: B's stream hears it and ends.
    expect((await call(a, 'POST', `/sessions/${session.id}/close`)).status).toBe(200);
    await screen.until<Session>((s) => s.closedAt !== null);
    expect(await screen.next()).toBeNull();
    // Neither replica logged anything of the phones' requests.
    for (const output of outputs) expect(output()).not.toContain('/room/');

    // Joins are counted in Redis, across replicas: alternating between them, the limit is
    // reached after ROOM_JOIN_LIMIT.max joins in all (the 6 above included).
    let allowed = 6;
    for (let i = 0; allowed <= ROOM_JOIN_LIMIT.max; i += 1) {
      const flood = await call(i % 2 === 0 ? a : b, 'POST', '/room/NOSUCH7/join');
      if (flood.status === 429) break;
      expect(flood.status).toBe(404);
      allowed += 1;
    }
    expect(allowed).toBe(ROOM_JOIN_LIMIT.max);

    // A replica told to stop ends its open streams and exits, without waiting for them.
    const another = await call(a, 'POST', '/sessions', {
      runId,
      findings: [
        { priorityId, dimension: 'staffing' },
        { priorityId, dimension: 'feasibility' },
      ],
    });
    const live = another.body as Session;
    const phone = await EventReader.open(`${b}/api/v1/room/${live.code}/events`);
    const facilitator = await EventReader.open(`${b}/api/v1/sessions/${live.id}/events`, {
      authorization: `Bearer ${token}`,
    });
    expect((await phone.next())?.event).toBe('room');
    expect((await facilitator.next())?.event).toBe('session');
    const replicaB = children[1];
    const exited = new Promise<number | null>((resolve) => replicaB?.once('exit', resolve));
    replicaB?.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const reader of [phone, facilitator]) {
      let event = await reader.next();
      for (let i = 0; event !== null && i < 10; i += 1) event = await reader.next();
      expect(event).toBeNull();
    }
  });
});
