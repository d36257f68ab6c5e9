import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Writable } from 'node:stream';
import type { DatabaseHandle } from '@pulsegap/db';
import { openTestDatabase, testConfig } from '@pulsegap/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createHttpServer } from './http-server.js';
import { WEB_ROOT } from './plugins/web.js';

interface LogEntry {
  readonly reqId?: string;
  readonly msg?: string;
  readonly req?: { readonly url?: string };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PAGES_BUILT = existsSync(join(WEB_ROOT, 'answer.html'));

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

  test.skipIf(!PAGES_BUILT)('the answer page and every file it loads log nothing', async () => {
    await loggedRequest();
    const before = entries.length;

    const secret = randomBytes(32).toString('base64url');
    expect(secret).toHaveLength(43);
    const page = await server.inject({ url: `/answer/${secret}` });
    expect(page.statusCode).toBe(200);
    const tags = page.body.match(/<(?:script|link)\b[^>]*>/g) ?? [];
    const assets = tags.flatMap((tag) => {
      const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
      return url === undefined ? [] : [url];
    });
    // Its script, the modules that script imports, its stylesheet and its icon.
    expect(assets).toContain('/favicon.svg');
    expect(assets.filter((url) => url.endsWith('.js')).length).toBeGreaterThanOrEqual(2);
    expect(assets.some((url) => url.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const file = await server.inject({ url: asset });
      expect(file.statusCode, asset).toBe(200);
      // A browser's second visit asks whether its copy is still good.
      const etag = file.headers.etag;
      if (typeof etag === 'string') {
        const again = await server.inject({ url: asset, headers: { 'if-none-match': etag } });
        expect(again.statusCode, asset).toBe(304);
      }
    }

    // The log holds the ordinary request after all of that, and nothing before it.
    const after = await loggedRequest();
    expect(entries.slice(before).map((entry) => entry.reqId)).toEqual([after, after]);
  });

  test.skipIf(!PAGES_BUILT)(
    'the room’s phone page and every file it loads log nothing',
    async () => {
      await loggedRequest();
      const before = entries.length;
      // With a code (a joined link, the QR code) and without (the form to type it).
      for (const url of ['/room/K7Q2MX', '/room/k7q2mx', '/room']) {
        const page = await server.inject({ url });
        expect(page.statusCode, url).toBe(200);
        expect(page.body, url).toContain('Join the room');
        const tags = page.body.match(/<(?:script|link)\b[^>]*>/g) ?? [];
        const assets = tags.flatMap((tag) => {
          const asset = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
          return asset === undefined ? [] : [asset];
        });
        expect(assets.filter((asset) => asset.endsWith('.js')).length).toBeGreaterThanOrEqual(1);
        for (const asset of assets) {
          const file = await server.inject({ url: asset });
          expect(file.statusCode, asset).toBe(200);
        }
      }
      const after = await loggedRequest();
      expect(entries.slice(before).map((entry) => entry.reqId)).toEqual([after, after]);
    },
  );

  test.skipIf(!PAGES_BUILT)('no built page or file of the site is logged', async () => {
    await loggedRequest();
    const before = entries.length;
    const files = ['/', ...builtFiles(WEB_ROOT)];
    for (const url of files) {
      const file = await server.inject({ url });
      expect(file.statusCode, url).toBe(200);
    }
    const after = await loggedRequest();
    expect(entries.slice(before).map((entry) => entry.reqId)).toEqual([after, after]);
  });
});

/** Every file of the built site, as the URL path it is served at. */
function builtFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `/${relative(root, join(entry.parentPath, entry.name)).split(sep).join('/')}`);
}
