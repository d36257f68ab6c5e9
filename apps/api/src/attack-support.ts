import { requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import type { Database } from '@pulsegap/db';
import { deliverInvitationsRequest, releaseRunRequest } from '@pulsegap/jobs';
import { openOwnerDatabase } from '@pulsegap/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql, type Kysely, type Transaction } from 'kysely';
import { expect } from 'vitest';
import {
  bearer,
  collectToken,
  openInvite,
  PASSWORD,
  runJobNow,
  uniqueEmail,
  type TestInvite,
  type TestLink,
} from './test-support.js';

// Helpers of the tests that attack anonymity the way an adversary would (issue 11): an
// executive reading every report, an HR admin reorganizing between reads, someone holding
// a copy of the database.

/** The report routes of a run, each served only from its release. */
export const REPORT_PATHS = [
  'gaps',
  'collisions',
  'comments',
  'brief',
  'brief?format=md',
  'export.csv',
] as const;

/** One answer of the API as a reader sees it: enough to compare two reads byte for byte. */
export interface Read {
  readonly url: string;
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

export async function read(
  server: FastifyInstance,
  token: string,
  url: string,
  headers: Record<string, string> = {},
): Promise<Read> {
  const response = await server.inject({ url, headers: { ...bearer(token), ...headers } });
  return {
    url,
    status: response.statusCode,
    type: response.headers['content-type'] ?? '',
    body: response.body,
  };
}

/** Every report route of a run, in `REPORT_PATHS` order. */
export async function readReports(
  server: FastifyInstance,
  token: string,
  runId: string,
): Promise<Read[]> {
  const reads: Read[] = [];
  for (const path of REPORT_PATHS) {
    reads.push(await read(server, token, `/api/v1/runs/${runId}/${path}`));
  }
  return reads;
}

/** Asserts a report read is the 409 of a run without a release, and shows nothing else. */
export function expectNotReleased(answer: Read, closesAt: string): void {
  expect(answer.status, `${answer.url}: ${answer.body}`).toBe(409);
  expect(answer.type).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  // Nothing but the problem itself: no count, no figure, no partial result.
  expect(Object.keys(body).sort()).toEqual([
    'closesAt',
    'code',
    'detail',
    'status',
    'title',
    'type',
  ]);
  expect(body).toMatchObject({
    status: 409,
    code: 'PG_ERR_NOT_RELEASED',
    title: 'Results are not released yet',
    closesAt,
  });
}

/** A signed-in user of an organization. */
export async function addUser(
  server: FastifyInstance,
  adminToken: string,
  role: 'admin' | 'executive',
): Promise<string> {
  const email = uniqueEmail(role);
  const created = await server.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: bearer(adminToken),
    payload: { email, password: PASSWORD, role },
  });
  expect(created.statusCode, created.body).toBe(201);
  const login = await server.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: PASSWORD },
  });
  expect(login.statusCode, login.body).toBe(200);
  return login.json<{ token: string }>().token;
}

/** Imports roster CSV lines under `header` as HR would; expects 200. */
export async function importRoster(
  server: FastifyInstance,
  token: string,
  lines: readonly string[],
  header = 'email,name,team,tier',
): Promise<void> {
  const imported = await server.inject({
    method: 'POST',
    url: '/api/v1/people/import',
    headers: { ...bearer(token), 'content-type': 'text/csv' },
    payload: [header, ...lines].join('\n'),
  });
  expect(imported.statusCode, imported.body).toBe(200);
}

/** A team as `GET /teams` shows it. */
export interface TeamItem {
  readonly id: string;
  readonly name: string;
  readonly parentId: string | null;
}

export async function listTeams(server: FastifyInstance, token: string): Promise<TeamItem[]> {
  const teams = await server.inject({ url: '/api/v1/teams', headers: bearer(token) });
  expect(teams.statusCode, teams.body).toBe(200);
  return teams.json<{ items: TeamItem[] }>().items;
}

/** Creates a pulse; expects 201 and returns its id. */
export async function createPulse(
  server: FastifyInstance,
  token: string,
  pulse: Record<string, unknown>,
): Promise<string> {
  const created = await server.inject({
    method: 'POST',
    url: '/api/v1/pulses',
    headers: bearer(token),
    payload: { title: 'Pulse', ...pulse },
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json<{ id: string }>().id;
}

/** Starts a run of a pulse now; expects 201. */
export async function startRun(
  server: FastifyInstance,
  token: string,
  pulseId: string,
): Promise<{ id: string; invited: number; closesAt: string }> {
  const run = await server.inject({
    method: 'POST',
    url: `/api/v1/pulses/${pulseId}/runs`,
    headers: bearer(token),
  });
  expect(run.statusCode, run.body).toBe(201);
  return run.json<{ id: string; invited: number; closesAt: string }>();
}

/**
 * Sends a run's invitations (its deliver-invitations job, as the worker would) and returns
 * the personal links of that run from the development outbox. Links of the organization's
 * other runs are told apart by what `GET /invite/:secret` says (a closed run's is a 410).
 */
export async function linksOfRun(
  server: FastifyInstance,
  db: Kysely<Database>,
  organizationId: string,
  token: string,
  runId: string,
): Promise<TestLink[]> {
  await runJobNow(db, deliverInvitationsRequest(organizationId, runId));
  const outbox = await server.inject({ url: '/api/v1/dev/outbox', headers: bearer(token) });
  expect(outbox.statusCode, outbox.body).toBe(200);
  const links: TestLink[] = [];
  for (const message of outbox.json<{ items: { to: string; link: string | null }[] }>().items) {
    const secret = message.link?.split('/').at(-1) ?? '';
    const invite = await server.inject({ url: `/api/v1/invite/${secret}` });
    if (invite.statusCode === 200 && invite.json<{ runId: string }>().runId === runId) {
      links.push({ to: message.to, secret });
    }
  }
  return links;
}

/** A link opened and its one token collected: what the answer page holds before "Send". */
export interface Ballot {
  readonly invite: TestInvite;
  readonly token: { message: Uint8Array; signature: Uint8Array };
}

/** Opens a personal link and collects its token, as the answer page does. */
export async function takeToken(server: FastifyInstance, secret: string): Promise<Ballot> {
  const invite = await openInvite(server, secret);
  const token = await collectToken(server, secret, invite);
  return { invite, token };
}

/**
 * Submits a ballot: `values` answers each question by its dimension (one number answers
 * every question), with an optional comment. Returns the API's answer unchecked.
 */
export function send(
  server: FastifyInstance,
  ballot: Ballot,
  values: number | Readonly<Record<string, number>>,
  comment?: string,
): Promise<LightMyRequestResponse> {
  return server.inject({
    method: 'POST',
    url: '/api/v1/responses',
    payload: {
      runId: ballot.invite.runId,
      token: {
        keyId: ballot.invite.keyId,
        message: toBase64Url(ballot.token.message),
        signature: toBase64Url(ballot.token.signature),
      },
      answers: ballot.invite.questions.map((q) => ({
        questionId: q.id,
        value: typeof values === 'number' ? values : (values[q.dimension] ?? 3),
      })),
      ...(comment === undefined ? {} : { comment }),
    },
  });
}

/**
 * A well-formed blinded message for a segment key, as the answer page would send to collect
 * a token (nothing is signed): for asking the token route with a real request.
 */
export async function blindedMessageFor(publicKey: string): Promise<string> {
  let blinded: Uint8Array | undefined;
  await requestToken(publicKey, (message) => {
    blinded = message;
    return Promise.reject(new Error('not signed'));
  }).catch(() => undefined);
  if (blinded === undefined) throw new Error('nothing was blinded');
  return toBase64Url(blinded);
}

/** Takes a token and submits at once; expects 201. */
export async function answer(
  server: FastifyInstance,
  secret: string,
  values: number | Readonly<Record<string, number>>,
  comment?: string,
): Promise<void> {
  const response = await send(server, await takeToken(server, secret), values, comment);
  expect(response.statusCode, response.body).toBe(201);
}

/** Closes a run by hand, as an admin would (`POST /runs/:id/close`); expects 200. */
export async function closeByHand(
  server: FastifyInstance,
  token: string,
  runId: string,
): Promise<void> {
  const closed = await server.inject({
    method: 'POST',
    url: `/api/v1/runs/${runId}/close`,
    headers: bearer(token),
  });
  expect(closed.statusCode, closed.body).toBe(200);
}

/**
 * Runs a run's release-run job, as a worker would, and checks that the run is released.
 * Another test file's job runtime may have released it first (test files share one
 * database, and a runtime sweeps every due run): that is the same release.
 */
export async function releaseByWorker(
  db: Kysely<Database>,
  organizationId: string,
  runId: string,
): Promise<void> {
  await runJobNow(db, releaseRunRequest(organizationId, runId));
  await asOwner(organizationId, async (owner) => {
    const run = await owner
      .selectFrom('runs')
      .select('released_at')
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    expect(run.released_at).not.toBeNull();
  });
}

/**
 * Works as the database's owner (what someone holding a copy of the database sees: system
 * columns such as `xmin` and `ctid`, and rows the application role cannot read), in one
 * transaction scoped to an organization so row-level security lets its rows through.
 */
export async function asOwner<T>(
  organizationId: string | null,
  work: (owner: Transaction<Database>) => Promise<T>,
): Promise<T> {
  const owner = openOwnerDatabase();
  try {
    return await owner.transaction().execute(async (trx) => {
      if (organizationId !== null) {
        await sql`select set_config('app.organization_id', ${organizationId}, true)`.execute(trx);
      }
      return work(trx);
    });
  } finally {
    await owner.destroy();
  }
}

/** Moves a run's deadline into the past, as time would: nobody calls close. */
export async function passDeadline(organizationId: string, runId: string): Promise<Date> {
  return asOwner(organizationId, async (owner) => {
    const { rows } = await sql<{ closes_at: Date }>`
      update runs set closes_at = now() - interval '1 second'
       where id = ${runId} returning closes_at
    `.execute(owner);
    const closesAt = rows[0]?.closes_at;
    if (closesAt === undefined) throw new Error(`run ${runId} not found`);
    return closesAt;
  });
}

/** Whether a report group (a team's roll-up, or `null` for the whole organization) holds a segment. */
export function holds(
  teams: readonly TeamItem[],
  group: string | null,
  segmentTeamId: string | null,
): boolean {
  if (group === null) return true;
  const parent = new Map(teams.map((t) => [t.id, t.parentId]));
  for (let t = segmentTeamId; t !== null; t = parent.get(t) ?? null) {
    if (t === group) return true;
  }
  return false;
}
