import { createHmac } from 'node:crypto';
import type { Database } from '@pulsegap/db';
import { openOwnerDatabase, testConfig } from '@pulsegap/testing';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PASSWORD_WORK_AT_ONCE, passwordWork } from '../routes/auth/passwords.js';
import {
  bearer,
  createPriority,
  createTestServer,
  expectProblem,
  PASSWORD,
  releaseNow,
  rosterRows,
  signup,
  uniqueEmail,
  type TestOrganization,
  type TestServer,
} from '../test-support.js';

interface Claims {
  sub?: string;
  org?: string;
  role?: string;
  iat?: number;
  exp?: number;
  iss?: string;
  aud?: string;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A JWT made by hand: `header.payload.signature`, HMAC-signed unless `alg` is `none`. */
function handMadeToken(claims: Claims, options: { alg?: string; secret?: string } = {}): string {
  const alg = options.alg ?? 'HS256';
  const signingInput = `${base64url(JSON.stringify({ alg, typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  if (alg === 'none') return `${signingInput}.`;
  const hash = alg === 'HS512' ? 'sha512' : 'sha256';
  const signature = createHmac(hash, options.secret ?? testConfig().jwtSecret)
    .update(signingInput)
    .digest();
  return `${signingInput}.${base64url(signature)}`;
}

function claimsOf(token: string): Claims {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
}

const now = () => Math.floor(Date.now() / 1000);

async function login(t: TestServer, email: string, password: string) {
  return t.server.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
}

describe('bearer tokens', () => {
  let t: TestServer;
  let admin: TestOrganization;
  let valid: Claims;

  beforeAll(async () => {
    t = await createTestServer();
    admin = await signup(t.server, 'Token Org');
    const issued = claimsOf(admin.token);
    valid = {
      sub: issued.sub,
      org: admin.organizationId,
      role: 'admin',
      iat: now(),
      exp: now() + 600,
      iss: 'pulsegap',
      aud: 'pulsegap-api',
    };
  });
  afterAll(() => t.close());

  const getPriorities = (headers: Record<string, string>) =>
    t.server.inject({ method: 'GET', url: '/api/v1/priorities', headers });

  test('a hand-made token with every claim, signed HS256 with the secret, is accepted', async () => {
    const response = await getPriorities(bearer(handMadeToken(valid)));
    expect(response.statusCode, response.body).toBe(200);
  });

  test('the issued token carries the pinned algorithm, issuer, audience and an hour of life', () => {
    const header = JSON.parse(
      Buffer.from(admin.token.split('.')[0] ?? '', 'base64url').toString('utf8'),
    ) as { alg: string };
    const claims = claimsOf(admin.token);
    expect(header.alg).toBe('HS256');
    expect(claims).toMatchObject({
      org: admin.organizationId,
      role: 'admin',
      iss: 'pulsegap',
      aud: 'pulsegap-api',
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
  });

  test('no Authorization header is a 401', async () => {
    expectProblem(await getPriorities({}), 401);
  });

  const rejected: { name: string; authorization: () => string }[] = [
    { name: 'a garbage token', authorization: () => 'Bearer not.a.token' },
    { name: 'a token without the Bearer scheme', authorization: () => handMadeToken(valid) },
    { name: 'Basic credentials', authorization: () => `Basic ${base64url('a:b')}` },
    {
      name: 'a token signed with another secret',
      authorization: () =>
        `Bearer ${handMadeToken(valid, { secret: 'another-secret-of-at-least-32-characters' })}`,
    },
    {
      name: 'an alg:none token',
      authorization: () => `Bearer ${handMadeToken(valid, { alg: 'none' })}`,
    },
    {
      name: 'an HS512 token with the right secret',
      authorization: () => `Bearer ${handMadeToken(valid, { alg: 'HS512' })}`,
    },
    {
      name: 'an expired token',
      authorization: () =>
        `Bearer ${handMadeToken({ ...valid, iat: now() - 7200, exp: now() - 3600 })}`,
    },
    {
      name: 'a token whose exp is ten years ahead, issued two hours ago',
      authorization: () =>
        `Bearer ${handMadeToken({ ...valid, iat: now() - 7200, exp: now() + 10 * 365 * 86400 })}`,
    },
    {
      name: 'a token issued in the future',
      authorization: () =>
        `Bearer ${handMadeToken({ ...valid, iat: now() + 3600, exp: now() + 5400 })}`,
    },
    {
      name: 'a token issued ten years ahead with an exp to match',
      authorization: () =>
        `Bearer ${handMadeToken({ ...valid, iat: now() + 10 * 365 * 86400, exp: now() + 10 * 365 * 86400 + 3600 })}`,
    },
    {
      name: 'a token without aud',
      authorization: () => `Bearer ${handMadeToken({ ...valid, aud: undefined })}`,
    },
    {
      name: 'a token for another audience',
      authorization: () => `Bearer ${handMadeToken({ ...valid, aud: 'someone-else' })}`,
    },
    {
      name: 'a token from another issuer',
      authorization: () => `Bearer ${handMadeToken({ ...valid, iss: 'not-pulsegap' })}`,
    },
    {
      name: 'a token without exp',
      authorization: () => `Bearer ${handMadeToken({ ...valid, exp: undefined })}`,
    },
    {
      name: 'a token with an unknown role',
      authorization: () => `Bearer ${handMadeToken({ ...valid, role: 'owner' })}`,
    },
    {
      name: 'a token whose organization is not a uuid',
      authorization: () => `Bearer ${handMadeToken({ ...valid, org: 'everyone' })}`,
    },
  ];

  test.for(rejected)('$name is a 401', async ({ authorization }) => {
    const body = expectProblem(await getPriorities({ authorization: authorization() }), 401);
    expect(body.title).toBe('Unauthorized');
  });
});

describe('roles', () => {
  let t: TestServer;
  let owner: Kysely<Database>;
  let admin: TestOrganization;
  let executiveToken: string;
  let pulseId: string;
  let runId: string;
  let priorityId: string;

  beforeAll(async () => {
    t = await createTestServer();
    owner = openOwnerDatabase();
    admin = await signup(t.server, 'Roles Org');
    const h = bearer(admin.token);
    const roster = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: { ...h, 'content-type': 'text/csv' },
      payload: [
        'email,name,team,tier',
        ...rosterRows('roles.test', 'pat', 'Ops', 'frontline', 5),
        ...rosterRows('roles.test', 'quinn', 'Ops', 'leadership', 5),
      ].join('\n'),
    });
    expect(roster.statusCode, roster.body).toBe(200);
    priorityId = await createPriority(t.server, admin.token, {
      title: 'Ship faster',
      statedWeight: 4,
    });
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: h,
      payload: { title: 'Q1', priorityIds: [priorityId] },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    pulseId = pulse.json<{ id: string }>().id;
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: h,
    });
    expect(run.statusCode, run.body).toBe(201);
    runId = run.json<{ id: string }>().id;

    const executiveEmail = uniqueEmail('exec');
    const created = await t.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: h,
      payload: { email: executiveEmail, password: PASSWORD, role: 'executive' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const loggedIn = await login(t, executiveEmail, PASSWORD);
    expect(loggedIn.statusCode, loggedIn.body).toBe(200);
    executiveToken = loggedIn.json<{ token: string }>().token;
  });
  afterAll(async () => {
    await owner.destroy();
    await t.close();
  });

  async function organizationState() {
    const org = admin.organizationId;
    const count = (table: 'users' | 'people' | 'priorities' | 'pulses' | 'runs') =>
      owner
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('organization_id', '=', org)
        .executeTakeFirstOrThrow()
        .then((row) => row.n);
    const [users, people, priorities, pulses, runs, run] = await Promise.all([
      count('users'),
      count('people'),
      count('priorities'),
      count('pulses'),
      count('runs'),
      owner
        .selectFrom('runs')
        .select('closed_at')
        .where('id', '=', runId)
        .executeTakeFirstOrThrow(),
    ]);
    return { users, people, priorities, pulses, runs, closedAt: run.closed_at };
  }

  const adminOnly = [
    {
      name: 'POST /priorities',
      method: 'POST',
      url: () => '/api/v1/priorities',
      payload: () => ({ title: 'Mine', statedWeight: 2 }),
    },
    {
      name: 'POST /people/import',
      method: 'POST',
      url: () => '/api/v1/people/import',
      payload: () => ({
        people: [{ email: uniqueEmail('x'), name: 'X', team: 'Ops', tier: 'frontline' }],
      }),
    },
    {
      name: 'POST /pulses',
      method: 'POST',
      url: () => '/api/v1/pulses',
      payload: () => ({ title: 'Mine', priorityIds: [priorityId] }),
    },
    {
      name: 'POST /users',
      method: 'POST',
      url: () => '/api/v1/users',
      payload: () => ({ email: uniqueEmail('u'), password: PASSWORD, role: 'admin' }),
    },
    {
      name: 'POST /pulses/:id/runs',
      method: 'POST',
      url: () => `/api/v1/pulses/${pulseId}/runs`,
      payload: () => undefined,
    },
    {
      name: 'POST /runs/:id/close',
      method: 'POST',
      url: () => `/api/v1/runs/${runId}/close`,
      payload: () => undefined,
    },
    { name: 'GET /people', method: 'GET', url: () => '/api/v1/people', payload: () => undefined },
  ] as const;

  test.for(adminOnly)('an executive gets 403 on $name and nothing changes', async (route) => {
    const before = await organizationState();
    const payload = route.payload();
    const response = await t.server.inject({
      method: route.method,
      url: route.url(),
      headers: bearer(executiveToken),
      ...(payload === undefined ? {} : { payload }),
    });
    expect(expectProblem(response, 403).title).toBe('Forbidden');
    expect(await organizationState()).toEqual(before);
  });

  test.for(['/api/v1/pulses', '/api/v1/teams', '/api/v1/priorities'])(
    'an executive reads GET %s',
    async (url) => {
      const response = await t.server.inject({
        method: 'GET',
        url,
        headers: bearer(executiveToken),
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json<{ items: unknown[] }>().items.length).toBeGreaterThan(0);
    },
  );

  test('an executive reads a pulse, its runs and a run’s gaps', async () => {
    const read = (url: string) =>
      t.server.inject({ method: 'GET', url, headers: bearer(executiveToken) });
    for (const url of [`/api/v1/pulses/${pulseId}`, `/api/v1/pulses/${pulseId}/runs`]) {
      const response = await read(url);
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    }
    // The open run's figures are not released yet: a 409 for the executive, not a 403.
    const open = await read(`/api/v1/runs/${runId}/gaps`);
    expect(expectProblem(open, 409).code).toBe('PG_ERR_NOT_RELEASED');

    // Another run of the pulse, closed and released: its reports are the executive's to read.
    const started = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(admin.token),
    });
    expect(started.statusCode, started.body).toBe(201);
    const releasedRunId = started.json<{ id: string }>().id;
    await releaseNow(t.db, admin.organizationId, releasedRunId);
    for (const report of ['gaps', 'collisions', 'comments', 'brief', 'export.csv']) {
      const url = `/api/v1/runs/${releasedRunId}/${report}`;
      const response = await read(url);
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    }
  });

  test('passwords are stored as argon2id, never as given', async () => {
    const users = await owner
      .selectFrom('users')
      .select(['role', 'password_hash'])
      .where('organization_id', '=', admin.organizationId)
      .execute();
    expect(users.map((u) => u.role).sort()).toEqual(['admin', 'executive']);
    for (const user of users) {
      expect(user.password_hash.startsWith('$argon2id$')).toBe(true);
      expect(user.password_hash).not.toContain(PASSWORD);
    }
  });
});

describe('login', () => {
  let t: TestServer;
  let admin: TestOrganization;

  beforeAll(async () => {
    t = await createTestServer();
    admin = await signup(t.server, 'Login Org');
  });
  afterAll(() => t.close());

  test('answers a working token that lives an hour', async () => {
    const response = await login(t, admin.email.toUpperCase(), PASSWORD);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ token: string; expiresIn: number }>();
    expect(body.expiresIn).toBe(3600);
    expect(body.token.split('.')).toHaveLength(3);
    const claims = claimsOf(body.token);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    const priorities = await t.server.inject({
      method: 'GET',
      url: '/api/v1/priorities',
      headers: bearer(body.token),
    });
    expect(priorities.statusCode, priorities.body).toBe(200);
  });

  test('a flood of sign-ins waits its turn: argon2 runs two at a time, the rest queue', async () => {
    let mostRunning = 0;
    let mostWaiting = 0;
    const watching = setInterval(() => {
      const now = passwordWork();
      mostRunning = Math.max(mostRunning, now.running);
      mostWaiting = Math.max(mostWaiting, now.waiting);
    }, 5);
    const replies = await Promise.all(
      // From as many addresses: the per-address limit is not what is tested here.
      Array.from({ length: 40 }, (_, i) =>
        t.server.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: uniqueEmail(`flood${String(i)}`), password: PASSWORD },
          remoteAddress: `10.200.0.${String(i + 1)}`,
        }),
      ),
    );
    clearInterval(watching);
    expect(new Set(replies.map((r) => r.statusCode))).toEqual(new Set([401]));
    expect(mostRunning).toBe(PASSWORD_WORK_AT_ONCE);
    expect(mostWaiting).toBeGreaterThan(10);
    expect(passwordWork()).toEqual({ running: 0, waiting: 0 });
  });

  test('a wrong password and an unknown email are the same 401', async () => {
    const wrongPassword = expectProblem(
      await login(t, admin.email, 'not the password at all'),
      401,
    );
    const unknownEmail = expectProblem(await login(t, uniqueEmail('nobody'), PASSWORD), 401);
    expect(wrongPassword.detail).toBe(unknownEmail.detail);
    expect(wrongPassword.code).toBe(unknownEmail.code);
    expect(JSON.stringify(wrongPassword)).not.toContain('token');
  });

  test('the 11th attempt in a minute for one email is a 429; other emails still sign in', async () => {
    const h = bearer(admin.token);
    const email = uniqueEmail('limited');
    const created = await t.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: h,
      payload: { email, password: PASSWORD, role: 'executive' },
    });
    expect(created.statusCode, created.body).toBe(201);

    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const response = await login(t, email, `wrong password ${attempt}`);
      expect(response.statusCode, `attempt ${attempt}: ${response.body}`).toBe(401);
    }
    // Even the right password is refused once the limit is reached.
    const limited = expectProblem(await login(t, email, PASSWORD), 429);
    expect(limited.title).toBe('Too Many Requests');
    // A forged X-Forwarded-For does not buy a fresh allowance: no proxy is trusted by default.
    const forged = await t.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-forwarded-for': '203.0.113.7' },
      payload: { email, password: PASSWORD },
    });
    expectProblem(forged, 429);

    const other = await login(t, admin.email, PASSWORD);
    expect(other.statusCode, other.body).toBe(200);
  });
});

describe('security headers', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(() => t.close());

  test.for([
    ['an answer', 'GET', '/api/v1/openapi.json', 200],
    ['an error', 'GET', '/api/v1/priorities', 401],
    ['an employee route refusal', 'POST', '/api/v1/responses', 400],
    ['a page', 'GET', '/', 200],
    ['the answer page', 'GET', '/answer/not-a-secret', 200],
    ['a missing path', 'GET', '/no/such/path', 404],
  ] as const)('are on %s', async ([, method, url, status]) => {
    const response = await t.server.inject({
      method,
      url,
      ...(method === 'POST' ? { payload: {} } : {}),
    });
    expect(response.statusCode).toBe(status);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(response.headers['x-frame-options']).toBeDefined();
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
    // Plain HTTP outside production: no HTTPS-only header, and nothing names the server.
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});
