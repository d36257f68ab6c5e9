import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import { openTestDatabase, testConfig } from '@pulsegap/testing';
import type { DatabaseHandle } from '@pulsegap/db';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHttpServer } from '../../http-server.js';
import { WEB_ROOT } from '../../plugins/web.js';
import {
  bearer,
  expectProblem,
  rosterRows,
  startAnsweringRun,
  type TestOrganization,
} from '../../test-support.js';

interface Invite {
  runId: string;
  keyId: string;
  publicKey: string;
  questions: { id: string }[];
}

// The employee's address and browser, as the server would see them: neither may be logged.
const EMPLOYEE = { remoteAddress: '203.0.113.77', userAgent: 'EmployeeBrowser/7.7 (no-log)' };
const ANSWER_PAGE_BUILT = existsSync(join(WEB_ROOT, 'answer.html'));

// PRODUCT.md §6.2: the employee's routes log nothing about the caller, and no log line
// joins an invitation to a response. The server logs at `info`, as in production, into
// a stream the test reads back.
describe('the employee routes log nothing', () => {
  const lines: string[] = [];
  let database: DatabaseHandle;
  let server: FastifyInstance;
  let org: TestOrganization;
  let secret: string;

  beforeAll(async () => {
    database = await openTestDatabase();
    server = await createHttpServer({
      config: testConfig({ logLevel: 'info' }),
      db: database.db,
      logStream: new Writable({
        write(chunk: Buffer | string, _encoding, done) {
          lines.push(...chunk.toString().split('\n').filter(Boolean));
          done();
        },
      }),
    });
    const run = await startAnsweringRun(server, database.db, {
      organization: 'Quiet Logs Co',
      people: [
        ...rosterRows('quiet.test', 'q', 'Ops', 'frontline', 5),
        ...rosterRows('quiet.test', 'l', 'Board', 'leadership', 5),
      ],
      dimensions: ['staffing'],
    });
    org = run.org;
    secret = run.links[0]?.secret ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
  afterAll(async () => {
    await server.close();
    await database.close();
  });

  /** A request from the employee's browser. */
  function employee(options: InjectOptions) {
    return server.inject({
      ...options,
      remoteAddress: EMPLOYEE.remoteAddress,
      headers: { 'user-agent': EMPLOYEE.userAgent, ...options.headers },
    });
  }

  test('a whole answer, from the link to the receipt, leaves no trace in the log', async () => {
    // The capture works: the admin's requests above are in it, at info.
    const admin = lines.map((line) => JSON.parse(line) as { req?: { url?: string } });
    expect(admin.some((entry) => entry.req?.url === '/api/v1/dev/outbox')).toBe(true);
    const before = lines.length;

    if (ANSWER_PAGE_BUILT) {
      const page = await employee({ url: `/answer/${secret}` });
      expect(page.statusCode).toBe(200);
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      // The page's own files log nothing either, not even when a browser sends the answer
      // page's address as Referer anyway.
      const html = readFileSync(join(WEB_ROOT, 'answer.html'), 'utf8');
      for (const [, asset] of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
        const file = await server.inject({
          url: asset ?? '',
          headers: { referer: `http://localhost:3000/answer/${secret}` },
        });
        expect(file.statusCode, asset).toBe(200);
      }
    }

    const opened = await employee({ url: `/api/v1/invite/${secret}` });
    expect(opened.statusCode, opened.body).toBe(200);
    const invite = opened.json<Invite>();
    const keys = await employee({ url: `/api/v1/runs/${invite.runId}/keys` });
    expect(keys.statusCode).toBe(200);

    const sent: string[] = [];
    const token = await requestToken(invite.publicKey, async (blinded) => {
      const blindedMessage = toBase64Url(blinded);
      const response = await employee({
        method: 'POST',
        url: `/api/v1/invite/${secret}/token`,
        payload: { blindedMessage },
      });
      expect(response.statusCode, response.body).toBe(200);
      const { blindSignature } = response.json<{ blindSignature: string }>();
      sent.push(blindedMessage, blindSignature);
      return Buffer.from(blindSignature, 'base64url');
    });
    const message = toBase64Url(token.message);
    const signature = toBase64Url(token.signature);
    const submission = {
      runId: invite.runId,
      token: { keyId: invite.keyId, message, signature },
      answers: invite.questions.map((q) => ({ questionId: q.id, value: 2 })),
      comment: 'More people on the night shift.',
    };
    const recorded = await employee({
      method: 'POST',
      url: '/api/v1/responses',
      payload: submission,
    });
    expect(recorded.statusCode, recorded.body).toBe(201);

    // What a browser retrying, or a tampered page, would also send: refused, and not logged.
    expectProblem(
      await employee({ method: 'POST', url: '/api/v1/responses', payload: submission }),
      409,
    );
    // The same blinded message is signed again (a retry); its signature is given again.
    const again = await employee({
      method: 'POST',
      url: `/api/v1/invite/${secret}/token`,
      payload: { blindedMessage: sent[0] },
    });
    expect(again.statusCode, again.body).toBe(200);
    expectProblem(
      await employee({
        method: 'POST',
        url: '/api/v1/responses',
        payload: { ...submission, token: { ...submission.token, signature: message } },
      }),
      403,
    );
    expectProblem(
      await employee({
        method: 'POST',
        url: '/api/v1/responses',
        payload: { ...submission, answers: [{ questionId: invite.keyId, value: 9 }] },
      }),
      400,
    );
    expectProblem(await employee({ url: `/api/v1/invite/${secret.slice(1)}` }), 400);
    expectProblem(
      await employee({
        method: 'POST',
        url: '/api/v1/responses',
        headers: { 'content-type': 'application/json' },
        payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      }),
      400,
    );

    // Not one line for any of it, not even "incoming request".
    expect(lines.slice(before)).toEqual([]);

    // And then an admin's request: logged as usual, after all of the above.
    const runs = await server.inject({ url: '/api/v1/pulses', headers: bearer(org.token) });
    expect(runs.statusCode).toBe(200);
    const after = lines.slice(before);
    expect(after.some((line) => line.includes('"url":"/api/v1/pulses"'))).toBe(true);

    const secrets = [
      secret,
      message,
      signature,
      invite.keyId,
      ...sent,
      EMPLOYEE.remoteAddress,
      EMPLOYEE.userAgent,
      '/responses',
      '/invite/',
      '/answer/',
    ];
    for (const line of lines) {
      for (const needle of secrets) expect(line).not.toContain(needle);
    }
  });

  test('a request that misses the employee routes is logged without the secret', async () => {
    const before = lines.length;
    const misses: InjectOptions[] = [
      { url: `/api/v1/invite/${secret}/` },
      { method: 'PUT', url: `/api/v1/invite/${secret}` },
      { url: `/api/v1/invite/${secret}/token` },
      { url: `/answer/${secret}/` },
      { url: `/answer/${secret}/?from=mail` },
    ];
    for (const miss of misses) expectProblem(await employee(miss), 404);
    const logged = lines.slice(before);
    expect(logged.length).toBeGreaterThanOrEqual(misses.length);
    expect(logged.some((line) => line.includes('/answer/[secret]'))).toBe(true);
    for (const line of logged) expect(line).not.toContain(secret);
  });
});
