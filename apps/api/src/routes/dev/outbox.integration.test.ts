import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testConfig } from '@pulsegap/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHttpServer } from '../../http-server.js';
import { WEB_ROOT } from '../../plugins/web.js';
import {
  bearer,
  createTestServer,
  expectProblem,
  PASSWORD,
  rosterRows,
  startAnsweringRun,
  uniqueEmail,
  type AnsweringRun,
  type TestServer,
} from '../../test-support.js';

// At least k of each tier, or the run would not start.
const PEOPLE = [
  ...rosterRows('outbox.test', 'ops', 'Ops', 'frontline', 5),
  ...rosterRows('outbox.test', 'lead', 'Board', 'leadership', 5),
];
const ROSTER = PEOPLE.map((row) => row.split(',')[0] ?? '');

interface Message {
  to: string;
  subject: string;
  text: string;
  link: string | null;
}

// The development outbox: where invitations land when no SMTP server is configured.
describe('GET /api/v1/dev/outbox', () => {
  let t: TestServer;
  let started: AnsweringRun;
  let executiveToken: string;

  beforeAll(async () => {
    t = await createTestServer();
    started = await startAnsweringRun(t.server, t.db, {
      organization: 'Outbox Co',
      people: PEOPLE,
      dimensions: ['staffing'],
    });
    const email = uniqueEmail('exec');
    const created = await t.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(started.org.token),
      payload: { email, password: PASSWORD, role: 'executive' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const login = await t.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(login.statusCode, login.body).toBe(200);
    executiveToken = login.json<{ token: string }>().token;
  });
  afterAll(() => t.close());

  const outbox = (headers: Record<string, string> = {}) =>
    t.server.inject({ url: '/api/v1/dev/outbox', headers });

  test('is for admins: an executive gets 403, no token 401', async () => {
    expectProblem(await outbox(bearer(executiveToken)), 403);
    expectProblem(await outbox(), 401);
  });

  test('each invitation is a message with a full link to the answer page, in its text', async () => {
    const response = await outbox(bearer(started.org.token));
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json<{ items: Message[] }>().items;
    expect(items.map((m) => m.to).sort()).toEqual([...ROSTER].sort());
    const secrets = new Set<string>();
    for (const message of items) {
      expect(Object.keys(message).sort()).toEqual(['link', 'subject', 'text', 'to']);
      expect(message.subject).toContain('Pulse');
      const link = new URL(message.link ?? '');
      expect(`${link.origin}${link.pathname}`).toBe(message.link);
      expect(link.origin).toBe(new URL(testConfig().publicUrl).origin);
      const segments = link.pathname.split('/');
      expect(segments.slice(0, -1)).toEqual(['', 'answer']);
      const secret = segments.at(-1) ?? '';
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(message.text).toContain(message.link);
      secrets.add(secret);

      // The last segment is the invitation's secret: it opens this run's invitation.
      const invite = await t.server.inject({ url: `/api/v1/invite/${secret}` });
      expect(invite.statusCode, invite.body).toBe(200);
      expect(invite.json<{ runId: string }>().runId).toBe(started.runId);
    }
    expect(secrets.size).toBe(ROSTER.length);
  });

  test('the link’s path serves the answer page', async () => {
    const link = new URL(
      (await outbox(bearer(started.org.token))).json<{ items: Message[] }>().items[0]?.link ?? '',
    );
    const page = await t.server.inject({ url: link.pathname });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toBe(await readFile(join(WEB_ROOT, 'answer.html'), 'utf8'));
  });

  test('does not exist in production', async () => {
    const production = await createHttpServer({
      config: testConfig({ production: true }),
      db: t.db,
    });
    try {
      const headers = bearer(started.org.token);
      // The same admin token is good there, so the 404 is the route's absence.
      const teams = await production.inject({ url: '/api/v1/teams', headers });
      expect(teams.statusCode, teams.body).toBe(200);
      expectProblem(await production.inject({ url: '/api/v1/dev/outbox', headers }), 404);
      const document = await production.inject({ url: '/api/v1/openapi.json' });
      expect(Object.keys(document.json<{ paths: object }>().paths)).not.toContain(
        '/api/v1/dev/outbox',
      );
    } finally {
      await production.close();
    }
    // Outside production the same request is answered.
    expect((await outbox(bearer(started.org.token))).statusCode).toBe(200);
  });
});
