import { Writable } from 'node:stream';
import type { DatabaseHandle } from '@pulsegap/db';
import { openTestDatabase, testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createHttpServer } from './http-server.js';

interface LogEntry {
  readonly reqId?: string;
  readonly msg?: string;
  readonly req?: { readonly url?: string };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// PRODUCT.md §6.2: no log line dates or orders an answer. The server logs at `info`, as in
// production, into a stream the test reads back.
describe('the request log', () => {
  const entries: LogEntry[] = [];
  let database: DatabaseHandle;
  let server: FastifyInstance;

  beforeAll(async () => {
    database = await openTestDatabase();
    server = await createHttpServer({
      config: testConfig({ logLevel: 'info' }),
      db: database.db,
      logStream: new Writable({
        write(chunk: Buffer | string, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) {
            entries.push(JSON.parse(line) as LogEntry);
          }
          done();
        },
      }),
    });
  });
  afterAll(async () => {
    await server.close();
    await database.close();
  });

  /** An ordinary API request, refused without a token; resolves with its logged id. */
  async function loggedRequest(): Promise<string> {
    const before = entries.length;
    const response = await server.inject({ url: '/api/v1/teams' });
    expect(response.statusCode).toBe(401);
    return vi.waitFor(() => {
      const completed = entries.slice(before).find((entry) => entry.msg === 'request completed');
      expect(completed?.reqId).toEqual(expect.any(String));
      return String(completed?.reqId);
    });
  }

  test('names each request by a random id, not by a count', async () => {
    const ids = [await loggedRequest(), await loggedRequest()];
    for (const id of ids) {
      const logged = entries.filter((entry) => entry.reqId === id);
      expect(logged.map((entry) => entry.msg)).toEqual(['incoming request', 'request completed']);
      expect(logged[0]?.req?.url).toBe('/api/v1/teams');
      expect(id).toMatch(UUID);
    }
    expect(ids[0]).not.toBe(ids[1]);
  });
});
