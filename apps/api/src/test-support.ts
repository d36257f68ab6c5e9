import { requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import {
  closeRun,
  findRun,
  storeResponses,
  withTenant,
  type Database,
  type TierValue,
} from '@pulsegap/db';
import {
  closeAndRelease,
  createJobContext,
  deliverInvitationsRequest,
  runJob,
} from '@pulsegap/jobs';
import { deriveKey } from '@pulsegap/config';
import { openTestDatabase, testConfig } from '@pulsegap/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import { createHttpServer } from './http-server.js';

/** The app on the test database, for `inject`. */
export interface TestServer {
  readonly server: FastifyInstance;
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

export async function createTestServer(): Promise<TestServer> {
  const database = await openTestDatabase();
  const server = await createHttpServer({ config: testConfig(), db: database.db });
  return {
    server,
    db: database.db,
    async close() {
      await server.close();
      await database.close();
    },
  };
}

/** A fresh organization with its admin, signed in. */
export interface TestOrganization {
  readonly organizationId: string;
  readonly email: string;
  readonly token: string;
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.test`;
}

export const PASSWORD = 'correct horse battery';

export async function signup(server: FastifyInstance, name = 'Acme'): Promise<TestOrganization> {
  const email = uniqueEmail('admin');
  const response = await server.inject({
    method: 'POST',
    url: '/api/v1/signup',
    payload: { organization: name, email, password: PASSWORD },
  });
  expect(response.statusCode, response.body).toBe(201);
  const body = response.json<{ organizationId: string; token: string }>();
  return { organizationId: body.organizationId, email, token: body.token };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** `count` CSV roster rows `<prefix><i>@<domain>,<prefix><i>,<team>,<tier>`. */
export function rosterRows(
  domain: string,
  prefix: string,
  team: string,
  tier: string,
  count: number,
): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${prefix}${i}@${domain},${prefix}${i},${team},${tier}`,
  );
}

/** Creates a priority as HR would; expects 201 and returns its id. */
export async function createPriority(
  server: FastifyInstance,
  token: string,
  priority: { title: string; statedWeight: number; description?: string },
): Promise<string> {
  const response = await server.inject({
    method: 'POST',
    url: '/api/v1/priorities',
    headers: bearer(token),
    payload: priority,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

/** Asserts a problem+json answer with `status` and returns its body. */
export function expectProblem(
  response: LightMyRequestResponse,
  status: number,
): { status: number; title: string; detail: string; code: string; errors?: unknown[] } {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json<{ status: number; title: string; detail: string; code: string }>();
  expect(body.status).toBe(status);
  expect(body.title).toEqual(expect.any(String));
  expect(body.detail).toEqual(expect.any(String));
  return body;
}

/** A personal link from the development outbox: who it was sent to, and its secret. */
export interface TestLink {
  readonly to: string;
  readonly secret: string;
}

/** Sending hours that are always open: from midnight to midnight, every day. */
export const ALWAYS_SENDING = { from: '00:00', to: '00:00', weekdays: [1, 2, 3, 4, 5, 6, 7] };

/** A message of the development outbox. */
export interface OutboxMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly link: string | null;
}

/** The organization's development outbox (`GET /dev/outbox`); expects 200. */
export async function devOutbox(server: FastifyInstance, token: string): Promise<OutboxMessage[]> {
  const response = await server.inject({ url: '/api/v1/dev/outbox', headers: bearer(token) });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ items: OutboxMessage[] }>().items;
}

/** An organization with a roster, one priority, a pulse and a started run, links delivered. */
export interface AnsweringRun {
  readonly org: TestOrganization;
  readonly pulseId: string;
  readonly runId: string;
  readonly links: readonly TestLink[];
  /** The secret of the link sent to `email`. */
  readonly secretOf: (email: string) => string;
}

/**
 * Signs up `organization`, imports `people` (CSV rows under `header`, by default
 * `email,name,team,tier`), creates a priority and a pulse asking `dimensions`, starts a run
 * and runs its deliver-invitations job into the development outbox, as HR and the worker
 * would.
 */
export async function startAnsweringRun(
  server: FastifyInstance,
  db: Kysely<Database>,
  options: {
    organization: string;
    people: readonly string[];
    header?: string;
    dimensions: readonly string[];
    /** More of the pulse's fields, such as `predictions`. */
    pulse?: Record<string, unknown>;
    /** Runs after sign-up, before the pulse is made (to add custom items, say). */
    prepare?: (org: TestOrganization) => Promise<void>;
  },
): Promise<AnsweringRun> {
  const org = await signup(server, options.organization);
  await options.prepare?.(org);
  const imported = await server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(org.token), 'content-type': 'text/csv' },
    payload: [options.header ?? 'email,name,team,tier', ...options.people].join('\n'),
  });
  expect(imported.statusCode, imported.body).toBe(200);
  const priorityId = await createPriority(server, org.token, {
    title: 'Customer Focus',
    statedWeight: 5,
  });
  const pulse = await server.inject({
    method: 'POST',
    url: '/api/v1/pulses',
    headers: bearer(org.token),
    payload: {
      title: 'Pulse',
      priorityIds: [priorityId],
      dimensions: options.dimensions,
      ...options.pulse,
    },
  });
  expect(pulse.statusCode, pulse.body).toBe(201);
  const pulseId = pulse.json<{ id: string }>().id;
  const run = await server.inject({
    method: 'POST',
    url: `/api/v1/pulses/${pulseId}/runs`,
    headers: bearer(org.token),
  });
  expect(run.statusCode, run.body).toBe(201);
  const runId = run.json<{ id: string }>().id;
  await runJobNow(db, deliverInvitationsRequest(org.organizationId, runId));
  const links = (await devOutbox(server, org.token)).map((m) => ({
    to: m.to,
    secret: m.link?.split('/').at(-1) ?? '',
  }));
  return {
    org,
    pulseId,
    runId,
    links,
    secretOf: (email) => links.find((l) => l.to === email)?.secret ?? '',
  };
}

/** What `GET /invite/:secret` tells the answer page. */
export interface TestInvite {
  readonly runId: string;
  readonly keyId: string;
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly questions: readonly { id: string; dimension: string }[];
  readonly segment: { teamId: string | null; team: string | null; tier: string };
}

/** Opens a personal link as the answer page does; expects 200. */
export async function openInvite(server: FastifyInstance, secret: string): Promise<TestInvite> {
  const response = await server.inject({ url: `/api/v1/invite/${secret}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<TestInvite>();
}

/** The link's one token, by the blind round trip of the answer page's client code. */
export async function collectToken(
  server: FastifyInstance,
  secret: string,
  invite: TestInvite,
): Promise<{ message: Uint8Array; signature: Uint8Array }> {
  return requestToken(invite.publicKey, async (blinded) => {
    const response = await server.inject({
      method: 'POST',
      url: `/api/v1/invite/${secret}/token`,
      payload: { blindedMessage: toBase64Url(blinded) },
    });
    expect(response.statusCode, response.body).toBe(200);
    return Buffer.from(response.json<{ blindSignature: string }>().blindSignature, 'base64url');
  });
}

/** The body of `POST /responses` for a token, answering every question with `value`. */
export function submission(
  invite: TestInvite,
  token: { message: Uint8Array; signature: Uint8Array },
  value = 4,
) {
  return {
    runId: invite.runId,
    token: {
      keyId: invite.keyId,
      message: toBase64Url(token.message),
      signature: toBase64Url(token.signature),
    },
    answers: invite.questions.map((q) => ({ questionId: q.id, value })),
  };
}

/** Runs a job of packages/jobs here and now, as the worker would, e.g. a run's invitation delivery. */
export async function runJobNow(
  db: Kysely<Database>,
  request: { readonly name: string; readonly payload: Record<string, unknown> },
): Promise<void> {
  await runJob(createJobContext(testConfig(), db), request.name, request.payload);
}

/**
 * One response to store with `storeAnswers`: its segment, answers by dimension (a leader's
 * prediction of a dimension under `prediction:<dimension>`), comment.
 */
export interface AnswersByDimension {
  readonly teamId?: string | null;
  readonly tier: TierValue;
  readonly values: Readonly<Partial<Record<string, number>>>;
  readonly comment?: string | null;
}

/**
 * Stores responses straight into a run's responses table, as its release would (each
 * answers every question of a dimension it names, and skips the others), then closes the
 * run and releases it, as the worker would.
 */
export async function storeAnswers(
  db: Kysely<Database>,
  organizationId: string,
  runId: string,
  responses: readonly AnswersByDimension[],
): Promise<void> {
  await withTenant(db, organizationId, async (trx) => {
    const questions = await trx
      .selectFrom('run_questions')
      .select(['position', 'dimension', 'kind'])
      .where('run_id', '=', runId)
      .execute();
    await storeResponses(
      trx,
      organizationId,
      runId,
      responses.map((r) => {
        const answers = Array<number | null>(questions.length).fill(null);
        for (const q of questions) {
          const key = q.kind === 'prediction' ? `prediction:${q.dimension}` : q.dimension;
          answers[q.position] = r.values[key] ?? null;
        }
        return {
          segmentTeamId: r.teamId ?? null,
          segmentTier: r.tier,
          comment: r.comment ?? null,
          answers,
        };
      }),
    );
  });
  await releaseNow(db, organizationId, runId);
}

/**
 * Closes a run now (if it is open) and releases it, as `POST /runs/:id/close` and the worker
 * would. Test files share one database, so another file's job runtime may have released a
 * closed run already: either way the run ends released.
 */
export async function releaseNow(
  db: Kysely<Database>,
  organizationId: string,
  runId: string,
): Promise<void> {
  await withTenant(db, organizationId, (trx) => closeRun(trx, runId, new Date()));
  const outcome = await closeAndRelease(
    db,
    deriveKey(testConfig(), 'response-sealing'),
    organizationId,
    runId,
  );
  expect(['released', 'already-released']).toContain(outcome);
  const run = await withTenant(db, organizationId, (trx) => findRun(trx, runId));
  expect(run?.releasedAt).toEqual(expect.any(Date));
}

/** A user the admin of `token` adds with `role`, signed in; expects 201 and 200. */
export async function addUser(
  server: FastifyInstance,
  token: string,
  role: 'admin' | 'executive',
): Promise<{ id: string; email: string; token: string }> {
  const email = uniqueEmail(role);
  const created = await server.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: bearer(token),
    payload: { email, password: PASSWORD, role },
  });
  expect(created.statusCode, created.body).toBe(201);
  const login = await server.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: PASSWORD },
  });
  expect(login.statusCode, login.body).toBe(200);
  return {
    id: created.json<{ id: string }>().id,
    email,
    token: login.json<{ token: string }>().token,
  };
}
