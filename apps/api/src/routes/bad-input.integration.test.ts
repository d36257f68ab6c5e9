import type { Database } from '@pulsegap/db';
import { openOwnerDatabase } from '@pulsegap/testing';
import type { HTTPMethods } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createTestServer,
  expectProblem,
  PASSWORD,
  signup,
  uniqueEmail,
  type TestOrganization,
  type TestServer,
} from '../test-support.js';

const MIB = 1024 * 1024;
const JSON_TOO_LARGE = 'x'.repeat(MIB + 1);
const MISSING_ID = '6f1c1b7e-2f0a-4c39-9d55-0b7f2c1a9e10';
const CSV_HEADER = 'email,name,team,tier';

/** An organization with a roster, a priority, a pulse and an open run. */
interface Fixture extends TestOrganization {
  readonly priorityId: string;
  readonly pulseId: string;
  readonly runId: string;
  readonly teamId: string;
}

/** What a bad request is, and what it must be answered. */
interface BadRequest {
  readonly name: string;
  readonly method: HTTPMethods;
  readonly url: () => string;
  /** JSON (an object) or raw text with `contentType`. */
  readonly payload?: () => unknown;
  readonly contentType?: string;
  /** Routes open to anyone are called without a token, from their own address. */
  readonly anonymous?: boolean;
  readonly status: number;
  /** The whole `errors` list, or (with `some`) entries it must hold. */
  readonly errors?: readonly object[];
  readonly some?: boolean;
}

let t: TestServer;
let owner: Kysely<Database>;
let main: Fixture;
let other: Fixture;

async function inject(
  organization: TestOrganization | null,
  method: HTTPMethods,
  url: string,
  payload?: unknown,
  contentType?: string,
) {
  return t.server.inject({
    method,
    url: `/api/v1${url}`,
    headers: {
      ...(organization === null ? {} : bearer(organization.token)),
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
    },
    ...(payload === undefined ? {} : { payload: payload as string | object }),
    // Signup is limited per address; bad requests must not use up the fixtures' budget.
    ...(organization === null ? { remoteAddress: '198.51.100.23' } : {}),
  });
}

function csv(...rows: string[]): string {
  return [CSV_HEADER, ...rows].join('\n') + '\n';
}

/** `n` roster rows of one team and tier, with fresh e-mails. */
function people(name: string, team: string, tier: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${uniqueEmail(name)},${name} ${i},${team},${tier}`);
}

async function fixture(name: string, roster: string): Promise<Fixture> {
  const organization = await signup(t.server, name);
  const imported = await inject(organization, 'POST', '/people/import', roster, 'text/csv');
  expect(imported.statusCode, imported.body).toBe(200);
  const priority = await inject(organization, 'POST', '/priorities', {
    title: `${name} priority`,
    statedWeight: 3,
  });
  expect(priority.statusCode, priority.body).toBe(201);
  const priorityId = priority.json<{ id: string }>().id;
  const pulse = await inject(organization, 'POST', '/pulses', {
    title: `${name} pulse`,
    priorityIds: [priorityId],
  });
  expect(pulse.statusCode, pulse.body).toBe(201);
  const pulseId = pulse.json<{ id: string }>().id;
  const run = await inject(organization, 'POST', `/pulses/${pulseId}/runs`);
  expect(run.statusCode, run.body).toBe(201);
  const teams = await inject(organization, 'GET', '/teams');
  const [team] = teams.json<{ items: { id: string }[] }>().items;
  if (team === undefined) throw new Error('the fixture has no team');
  return {
    ...organization,
    priorityId,
    pulseId,
    runId: run.json<{ id: string }>().id,
    teamId: team.id,
  };
}

/** Everything of one organization that a request could change, read past row-level security. */
async function state(organizationId: string) {
  const org = organizationId;
  const [users, teams, people, priorities, pulses, runs, invitations, settings, audit] =
    await Promise.all([
      owner
        .selectFrom('users')
        .select(['id', 'email', 'role'])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
      owner
        .selectFrom('teams')
        .select(['id', 'name', 'parent_id'])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
      owner
        .selectFrom('people')
        .select(['id', 'email', 'name', 'team_id', 'tier', 'active'])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
      owner
        .selectFrom('priorities')
        .select(['id', 'title', 'stated_weight'])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
      owner
        .selectFrom('pulses')
        .select([
          'id',
          'title',
          'audience_tiers',
          'schedule_cron',
          'paused',
          'min_group_size',
          'comment_min_group_size',
          'deleted_at',
        ])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
      owner
        .selectFrom('runs')
        .select(['id', 'closes_at', 'closed_at'])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
      owner
        .selectFrom('invitations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('organization_id', '=', org)
        .executeTakeFirstOrThrow(),
      owner
        .selectFrom('organizations')
        .select([
          'timezone',
          'min_group_size',
          'comment_min_group_size',
          'quiet_hours_from',
          'quiet_hours_to',
          'quiet_hours_weekdays',
        ])
        .where('id', '=', org)
        .executeTakeFirstOrThrow(),
      owner
        .selectFrom('audit_events')
        .select('id')
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute(),
    ]);
  return {
    users,
    teams,
    people,
    priorities,
    pulses,
    runs,
    invitations: invitations.n,
    settings,
    audit,
  };
}

async function usersWithEmail(email: string): Promise<number> {
  const rows = await owner
    .selectFrom('users')
    .select('id')
    .where('email', '=', email.toLowerCase())
    .execute();
  return rows.length;
}

beforeAll(async () => {
  t = await createTestServer();
  owner = openOwnerDatabase();
  // At least k (5) of each tier, or no run starts.
  main = await fixture(
    'Main',
    csv(
      ...people('lee', 'Sales', 'leadership', 3),
      ...people('fran', 'Sales', 'frontline', 3),
      ...people('olu', 'Operations', 'leadership', 2),
      ...people('ode', 'Operations', 'frontline', 2),
    ),
  );
  other = await fixture(
    'Other',
    csv(
      ...people('zed', 'Elsewhere', 'frontline', 5),
      ...people('yan', 'Elsewhere', 'leadership', 5),
    ),
  );
});
afterAll(async () => {
  await owner.destroy();
  await t.close();
});

// Per route: malformed JSON, wrong types, unknown and missing fields, size, media type.
const signupEmail = uniqueEmail('never');
const loginEmail = uniqueEmail('nobody');
const newUserEmail = uniqueEmail('user');
const validSignup = { organization: 'Never Made', email: signupEmail, password: PASSWORD };
const validUser = { email: newUserEmail, password: PASSWORD, role: 'executive' };
const validPulse = () => ({ title: 'Pulse', priorityIds: [main.priorityId] });
const validSettings = {
  timezone: 'UTC',
  minGroupSize: 5,
  commentMinGroupSize: 10,
  quietHours: { from: '09:00', to: '17:00', weekdays: [1, 2, 3, 4, 5] },
};
const unknownField = (path: string) => [{ path, message: 'is not a known field' }];
const pathOf = (path: string, message = /./) => ({
  path,
  message: expect.stringMatching(message) as string,
});

// A file of about 1.7 MiB (over the JSON limit, under the CSV one) whose last row is wrong.
const BIG_CSV_ROWS = 14_000;
const bigCsv = () =>
  csv(
    ...Array.from(
      { length: BIG_CSV_ROWS },
      (_, i) =>
        `big-${i}@bulk.example,${'N'.repeat(80)} ${i},Bulk,${i === BIG_CSV_ROWS - 1 ? 'boss' : 'frontline'}`,
    ),
  );

const BAD_REQUESTS: readonly BadRequest[] = [
  // POST /signup
  ...[
    {
      name: 'malformed JSON',
      payload: '{"organization": "Acme",',
      contentType: 'application/json',
      status: 400,
    },
    {
      name: 'wrong types',
      payload: { organization: 42, email: true, password: ['x'] },
      status: 400,
      some: true,
      errors: [pathOf('body/organization'), pathOf('body/email'), pathOf('body/password')],
    },
    {
      name: 'an unknown field',
      payload: { ...validSignup, extra: 1 },
      status: 400,
      errors: unknownField('body/extra'),
    },
    {
      name: 'missing fields',
      payload: { organization: 'Acme' },
      status: 400,
      errors: [pathOf('body', /email/)],
    },
    {
      name: 'a malformed email',
      payload: { ...validSignup, email: 'not-an-email' },
      status: 400,
      errors: [pathOf('body/email')],
    },
    {
      name: 'a short password',
      payload: { ...validSignup, password: 'short' },
      status: 400,
      errors: [pathOf('body/password')],
    },
    {
      name: 'an empty organization',
      payload: { ...validSignup, organization: '' },
      status: 400,
      errors: [pathOf('body/organization')],
    },
    {
      name: 'a body over 1 MiB',
      payload: { ...validSignup, organization: JSON_TOO_LARGE },
      status: 413,
    },
    {
      name: 'text/plain',
      payload: JSON.stringify(validSignup),
      contentType: 'text/plain',
      status: 415,
    },
    {
      name: 'a NUL character',
      payload: { ...validSignup, organization: 'Nul\u0000Corp' },
      status: 400,
    },
  ].map((c) => ({
    ...c,
    name: `POST /signup: ${c.name}`,
    method: 'POST' as const,
    url: () => '/signup',
    payload: () => c.payload,
    anonymous: true,
  })),

  // POST /auth/login
  ...[
    { name: 'malformed JSON', payload: '{"email":', contentType: 'application/json', status: 400 },
    {
      name: 'wrong types',
      payload: { email: 5, password: null },
      status: 400,
      errors: [pathOf('body/email'), pathOf('body/password')],
    },
    {
      name: 'an unknown field',
      payload: { email: loginEmail, password: PASSWORD, extra: true },
      status: 400,
      errors: unknownField('body/extra'),
    },
    {
      name: 'a missing password',
      payload: { email: loginEmail },
      status: 400,
      errors: [pathOf('body', /password/)],
    },
    {
      name: 'a body over 1 MiB',
      payload: { email: loginEmail, password: JSON_TOO_LARGE },
      status: 413,
    },
    { name: 'text/plain', payload: 'email=a&password=b', contentType: 'text/plain', status: 415 },
  ].map((c) => ({
    ...c,
    name: `POST /auth/login: ${c.name}`,
    method: 'POST' as const,
    url: () => '/auth/login',
    payload: () => c.payload,
    anonymous: true,
  })),

  // POST /users
  ...[
    {
      name: 'malformed JSON',
      payload: '{"email": "a@b.c" "role": 1}',
      contentType: 'application/json',
      status: 400,
    },
    {
      name: 'wrong types',
      payload: { email: 5, password: PASSWORD, role: 'owner' },
      status: 400,
      some: true,
      errors: [pathOf('body/email'), pathOf('body/role')],
    },
    {
      name: 'an unknown field',
      payload: { ...validUser, team: 'x' },
      status: 400,
      errors: unknownField('body/team'),
    },
    {
      name: 'a missing role',
      payload: { email: newUserEmail, password: PASSWORD },
      status: 400,
      errors: [pathOf('body', /role/)],
    },
    {
      name: 'a short password',
      payload: { ...validUser, password: 'short' },
      status: 400,
      errors: [pathOf('body/password')],
    },
    { name: 'a body over 1 MiB', payload: { ...validUser, password: JSON_TOO_LARGE }, status: 413 },
    {
      name: 'text/plain',
      payload: JSON.stringify(validUser),
      contentType: 'text/plain',
      status: 415,
    },
  ].map((c) => ({
    ...c,
    name: `POST /users: ${c.name}`,
    method: 'POST' as const,
    url: () => '/users',
    payload: () => c.payload,
  })),

  // POST /people/import as CSV
  ...[
    {
      name: 'a bad tier on line 3',
      payload: csv(
        'ann@csv.example,Ann,Sales,frontline',
        'bob@csv.example,Bob,Sales,boss',
        'cy@csv.example,Cy,Sales,leadership',
      ),
      errors: [
        {
          line: 3,
          field: 'tier',
          message: expect.stringMatching(/leadership or frontline/) as string,
        },
      ],
    },
    {
      name: 'a quoted field over two lines, then a bad tier on line 4',
      payload: csv(
        'ann@csv.example,"Ann\nMarie",Sales,frontline',
        'bob@csv.example,Bob,Sales,boss',
      ),
      errors: [{ line: 4, field: 'tier', message: expect.any(String) as string }],
    },
    {
      name: 'a bad tier in a row that spans lines 2 and 3',
      payload: csv(
        'ann@csv.example,"Ann\nMarie",Sales,boss',
        'bob@csv.example,Bob,Sales,frontline',
      ),
      errors: [{ line: 2, field: 'tier', message: expect.any(String) as string }],
    },
    {
      name: 'a quote never closed on line 3',
      payload: csv('ann@csv.example,Ann,Sales,frontline', 'bob@csv.example,"Bob,Sales,frontline'),
      errors: [{ line: 3, field: 'row', message: expect.stringMatching(/never closed/) as string }],
    },
    {
      name: 'a header without tier',
      payload: 'email,name,team\nann@csv.example,Ann,Sales\n',
      errors: [{ line: 1, field: 'tier', message: 'missing column' }],
    },
    {
      name: 'a duplicate email on line 3',
      payload: csv('ann@csv.example,Ann,Sales,frontline', 'ANN@csv.example,Annie,Sales,frontline'),
      errors: [{ line: 3, field: 'email', message: expect.stringMatching(/line 2/) as string }],
    },
    {
      name: 'a file of 1.7 MiB with a bad last row',
      payload: bigCsv(),
      errors: [{ line: BIG_CSV_ROWS + 1, field: 'tier', message: expect.any(String) as string }],
    },
    {
      name: 'a NUL character',
      payload: csv('ann@csv.example,A\u0000nn,Sales,frontline'),
      status: 400,
    },
    {
      name: 'a file over 5 MiB',
      payload: csv('ann@csv.example,Ann,Sales,frontline') + 'x'.repeat(5 * MIB),
      status: 413,
    },
  ].map((c) => ({
    status: 400,
    ...c,
    name: `POST /people/import (CSV): ${c.name}`,
    method: 'POST' as const,
    url: () => '/people/import',
    payload: () => c.payload,
    contentType: 'text/csv',
  })),
  ...[
    { name: 'text/plain', contentType: 'text/plain', status: 415 },
    { name: 'application/xml', contentType: 'application/xml', status: 415 },
    {
      name: 'a deactivateMissing that is not a boolean',
      query: '?deactivateMissing=maybe',
      status: 400,
      errors: [pathOf('querystring/deactivateMissing')],
    },
    {
      name: 'an unknown query field',
      query: '?preview=true',
      status: 400,
      errors: unknownField('querystring/preview'),
    },
    {
      name: 'a dryRun that is not a boolean',
      query: '?dryRun=perhaps',
      status: 400,
      errors: [pathOf('querystring/dryRun')],
    },
  ].map((c) => ({
    contentType: 'text/csv',
    ...c,
    name: `POST /people/import: ${c.name}`,
    method: 'POST' as const,
    url: () => `/people/import${c.query ?? ''}`,
    payload: () => csv('ann@csv.example,Ann,Sales,frontline'),
  })),

  // POST /people/import as JSON
  ...[
    {
      name: 'malformed JSON',
      payload: '{"people": [',
      contentType: 'application/json',
      status: 400,
    },
    {
      name: 'people that is not a list',
      payload: { people: 'everyone' },
      errors: [pathOf('body/people')],
    },
    {
      name: 'an unknown field',
      payload: { people: [], replace: true },
      errors: unknownField('body/replace'),
    },
    { name: 'no people', payload: {}, errors: [pathOf('body', /people/)] },
    {
      name: 'a bad tier in the 2nd person',
      payload: {
        people: [
          { email: 'ann@json.example', name: 'Ann', team: 'Sales', tier: 'frontline' },
          { email: 'bob@json.example', name: 'Bob', team: 'Sales', tier: 'boss' },
          { email: 'cy@json.example', name: 'Cy', team: 'Sales', tier: 'leadership' },
        ],
      },
      errors: [{ line: 2, field: 'tier', message: expect.any(String) as string }],
    },
    {
      name: 'an unknown field of a person',
      payload: {
        people: [
          {
            email: 'ann@json.example',
            name: 'Ann',
            team: 'Sales',
            tier: 'frontline',
            nickname: 'A',
          },
        ],
      },
      errors: [{ line: 1, field: 'nickname', message: 'unknown field' }],
    },
    {
      name: 'a person of the wrong type',
      payload: { people: ['ann@json.example'] },
      errors: [{ line: 1, field: 'row', message: expect.any(String) as string }],
    },
    { name: 'a body over 5 MiB', payload: { people: ['x'.repeat(5 * MIB)] }, status: 413 },
  ].map((c) => ({
    status: 400,
    ...c,
    name: `POST /people/import (JSON): ${c.name}`,
    method: 'POST' as const,
    url: () => '/people/import',
    payload: () => c.payload,
  })),

  // POST /priorities
  ...[
    {
      name: 'malformed JSON',
      payload: "{'title': 'single quotes'}",
      contentType: 'application/json',
    },
    {
      name: 'wrong types',
      payload: { title: 5, statedWeight: '3' },
      errors: [pathOf('body/title'), pathOf('body/statedWeight')],
    },
    {
      name: 'an unknown field',
      payload: { title: 'T', statedWeight: 3, extra: 1 },
      errors: unknownField('body/extra'),
    },
    {
      name: 'a missing statedWeight',
      payload: { title: 'T' },
      errors: [pathOf('body', /statedWeight/)],
    },
    {
      name: 'a whitespace-only title',
      payload: { title: ' \t\n ', statedWeight: 3 },
      errors: [pathOf('body/title')],
    },
    {
      name: 'a statedWeight of 6',
      payload: { title: 'T', statedWeight: 6 },
      errors: [pathOf('body/statedWeight')],
    },
    {
      name: 'a fractional statedWeight',
      payload: { title: 'T', statedWeight: 2.5 },
      errors: [pathOf('body/statedWeight')],
    },
    { name: 'a NUL character', payload: { title: 'T\u0000', statedWeight: 3 } },
    {
      name: 'a lone high surrogate escape',
      payload: '{"title":"\\ud800","statedWeight":3}',
      contentType: 'application/json',
    },
    {
      name: 'a lone low surrogate escape in a key',
      payload: '{"title":"T","statedWeight":3,"\\udc00":1}',
      contentType: 'application/json',
    },
    {
      name: 'a body over 1 MiB',
      payload: { title: 'T', description: JSON_TOO_LARGE, statedWeight: 3 },
      status: 413,
    },
    { name: 'text/plain', payload: 'Grow revenue', contentType: 'text/plain', status: 415 },
    { name: 'an empty JSON body', payload: '', contentType: 'application/json' },
  ].map((c) => ({
    status: 400,
    ...c,
    name: `POST /priorities: ${c.name}`,
    method: 'POST' as const,
    url: () => '/priorities',
    payload: () => c.payload,
  })),

  // POST /pulses
  ...[
    {
      name: 'malformed JSON',
      payload: () => '{"title": "P", "priorityIds": [}',
      contentType: 'application/json',
    },
    {
      name: 'wrong types',
      payload: () => ({ title: 'P', priorityIds: 'all' }),
      errors: [pathOf('body/priorityIds')],
    },
    {
      name: 'an unknown field',
      payload: () => ({ ...validPulse(), extra: 1 }),
      errors: unknownField('body/extra'),
    },
    {
      name: 'an unknown field in audience',
      payload: () => ({ ...validPulse(), audience: { tiers: ['frontline'], everyone: true } }),
      errors: unknownField('body/audience/everyone'),
    },
    {
      name: 'missing priorityIds',
      payload: () => ({ title: 'P' }),
      errors: [pathOf('body', /priorityIds/)],
    },
    {
      name: 'no priorityIds',
      payload: () => ({ title: 'P', priorityIds: [] }),
      errors: [pathOf('body/priorityIds')],
    },
    {
      name: 'a whitespace-only title',
      payload: () => ({ ...validPulse(), title: '   ' }),
      errors: [pathOf('body/title')],
    },
    {
      name: 'a priorityId that is not a uuid',
      payload: () => ({ title: 'P', priorityIds: ['growth'] }),
      errors: [pathOf('body/priorityIds/0')],
    },
    {
      name: 'a priority of another organization',
      payload: () => ({ title: 'P', priorityIds: [other.priorityId] }),
      errors: [{ path: 'body/priorityIds/0', message: 'is not a priority of this organization' }],
    },
    {
      name: 'an audience team of another organization',
      payload: () => ({ ...validPulse(), audience: { teams: [other.teamId] } }),
      errors: [pathOf('body/audience/teams/0')],
    },
    {
      name: 'commentMinGroupSize below minGroupSize',
      payload: () => ({ ...validPulse(), minGroupSize: 8, commentMinGroupSize: 6 }),
      errors: [pathOf('body/commentMinGroupSize', /minGroupSize/)],
    },
    {
      name: 'a minGroupSize of 2',
      payload: () => ({ ...validPulse(), minGroupSize: 2 }),
      errors: [pathOf('body/minGroupSize')],
    },
    {
      name: 'an unknown dimension',
      payload: () => ({ ...validPulse(), dimensions: ['vibes'] }),
      errors: [pathOf('body/dimensions/0')],
      some: true,
    },
    {
      name: 'a bad schedule',
      payload: () => ({
        ...validPulse(),
        schedule: { cron: 'every monday', timezone: 'Mars/Olympus' },
      }),
      errors: [pathOf('body/schedule/cron'), pathOf('body/schedule/timezone')],
    },
    {
      name: 'a cron expression out of range',
      payload: () => ({
        ...validPulse(),
        schedule: { cron: '99 99 99 99 99', timezone: 'Europe/Berlin' },
      }),
      errors: [pathOf('body/schedule/cron')],
    },
    {
      name: 'a daily schedule with the default three-day window',
      payload: () => ({
        ...validPulse(),
        schedule: { cron: '0 9 * * *', timezone: 'Europe/Berlin' },
      }),
      errors: [pathOf('body/schedule/openForHours')],
    },
    {
      name: 'a cron expression picking its minute at random (H)',
      payload: () => ({
        ...validPulse(),
        schedule: { cron: 'H 9 * * MON', timezone: 'Europe/Berlin' },
      }),
      errors: [pathOf('body/schedule/cron')],
    },
    {
      name: 'a body over 1 MiB',
      payload: () => ({ ...validPulse(), title: JSON_TOO_LARGE }),
      status: 413,
    },
    {
      name: 'text/plain',
      payload: () => JSON.stringify(validPulse()),
      contentType: 'text/plain',
      status: 415,
    },
  ].map((c) => ({
    status: 400,
    ...c,
    name: `POST /pulses: ${c.name}`,
    method: 'POST' as const,
    url: () => '/pulses',
  })),

  // PUT /settings
  ...[
    {
      name: 'malformed JSON',
      payload: '{"timezone": "UTC",',
      contentType: 'application/json',
    },
    {
      name: 'wrong types',
      payload: { ...validSettings, timezone: 1, minGroupSize: 'five' },
      some: true,
      errors: [pathOf('body/timezone'), pathOf('body/minGroupSize')],
    },
    {
      name: 'an unknown field',
      payload: { ...validSettings, locale: 'de' },
      errors: unknownField('body/locale'),
    },
    {
      name: 'a missing quietHours',
      payload: { timezone: 'UTC', minGroupSize: 5, commentMinGroupSize: 10 },
      errors: [pathOf('body', /quietHours/)],
    },
    {
      name: 'a lower minGroupSize',
      payload: { ...validSettings, minGroupSize: 4 },
      errors: [{ path: 'body/minGroupSize', message: 'can only go up: it is 5' }],
    },
    {
      name: 'a lower commentMinGroupSize',
      payload: { ...validSettings, commentMinGroupSize: 9 },
      errors: [{ path: 'body/commentMinGroupSize', message: 'can only go up: it is 10' }],
    },
    {
      name: 'an unknown time zone',
      payload: { ...validSettings, timezone: 'Mars/Olympus' },
      errors: [pathOf('body/timezone', /IANA/)],
    },
    {
      name: 'a weekday of 8',
      payload: { ...validSettings, quietHours: { ...validSettings.quietHours, weekdays: [8] } },
      some: true,
      errors: [pathOf('body/quietHours/weekdays/0')],
    },
    {
      name: 'a NUL character',
      payload: { ...validSettings, timezone: 'UTC\u0000' },
    },
    {
      name: 'a body over 1 MiB',
      payload: { ...validSettings, timezone: JSON_TOO_LARGE },
      status: 413,
    },
    {
      name: 'text/plain',
      payload: JSON.stringify(validSettings),
      contentType: 'text/plain',
      status: 415,
    },
  ].map((c) => ({
    status: 400,
    ...c,
    name: `PUT /settings: ${c.name}`,
    method: 'PUT' as const,
    url: () => '/settings',
    payload: () => c.payload,
  })),

  // PATCH /pulses/:id
  ...[
    {
      name: 'malformed JSON',
      payload: () => '{"title": ',
      contentType: 'application/json',
    },
    {
      name: 'an unknown field',
      payload: () => ({ title: 'T', priorityIds: [main.priorityId] }),
      errors: unknownField('body/priorityIds'),
    },
    { name: 'no field', payload: () => ({}), errors: [pathOf('body')] },
    {
      name: 'a lower minGroupSize',
      payload: () => ({ minGroupSize: 4 }),
      errors: [{ path: 'body/minGroupSize', message: 'can only go up: it is 5' }],
    },
    {
      name: 'a commentMinGroupSize under minGroupSize',
      payload: () => ({ minGroupSize: 12, commentMinGroupSize: 11 }),
      errors: [pathOf('body/commentMinGroupSize', /minGroupSize \(12\)/)],
    },
    {
      name: 'an audience team of another organization',
      payload: () => ({ audience: { teams: [other.teamId] } }),
      errors: [pathOf('body/audience/teams/0')],
    },
    {
      name: 'a bad schedule',
      payload: () => ({ schedule: { cron: 'every monday', timezone: 'Nowhere/Else' } }),
      errors: [pathOf('body/schedule/cron'), pathOf('body/schedule/timezone')],
    },
    {
      name: 'a weekly schedule with a window of eight days',
      payload: () => ({
        schedule: { cron: '0 9 * * MON', timezone: 'Europe/Berlin', openForHours: 192 },
      }),
      errors: [pathOf('body/schedule/openForHours')],
    },
    {
      name: 'a schedule on 31 February',
      payload: () => ({ schedule: { cron: '0 9 31 2 *', timezone: 'UTC' } }),
      errors: [pathOf('body/schedule/cron')],
    },
    { name: 'a NUL character', payload: () => ({ title: 'T\u0000' }) },
    {
      name: 'a body over 1 MiB',
      payload: () => ({ title: JSON_TOO_LARGE }),
      status: 413,
    },
    {
      name: 'text/plain',
      payload: () => 'paused',
      contentType: 'text/plain',
      status: 415,
    },
  ].map((c) => ({
    status: 400,
    ...c,
    name: `PATCH /pulses/:id: ${c.name}`,
    method: 'PATCH' as const,
    url: () => `/pulses/${main.pulseId}`,
  })),

  // GET /audit
  ...[
    {
      name: 'a cursor it did not make',
      query: '?cursor=eyJhdCI6MX0',
      errors: [pathOf('querystring/cursor')],
    },
    { name: 'a limit of 0', query: '?limit=0', errors: [pathOf('querystring/limit')] },
    { name: 'a limit of 500', query: '?limit=500', errors: [pathOf('querystring/limit')] },
    {
      name: 'an unknown query field',
      query: '?actor=me',
      errors: unknownField('querystring/actor'),
    },
  ].map((c) => ({
    ...c,
    status: 400,
    name: `GET /audit: ${c.name}`,
    method: 'GET' as const,
    url: () => `/audit${c.query}`,
  })),

  // The routes that take an id.
  ...[
    {
      name: 'GET /pulses/:id with an id that is not a uuid',
      method: 'GET',
      url: () => '/pulses/42',
    },
    {
      name: 'GET /pulses/:id/runs with an id that is not a uuid',
      method: 'GET',
      url: () => '/pulses/latest/runs',
    },
    {
      name: 'POST /pulses/:id/runs with an id that is not a uuid',
      method: 'POST',
      url: () => `/pulses/${main.pulseId}x/runs`,
    },
    {
      name: 'POST /runs/:id/close with an id that is not a uuid',
      method: 'POST',
      url: () => '/runs/1%27%20or%201=1/close',
    },
    ...['gaps', 'collisions', 'comments', 'export.csv', 'brief'].map((report) => ({
      name: `GET /runs/:id/${report} with an id that is not a uuid`,
      method: 'GET' as const,
      url: () => `/runs/latest/${report}`,
    })),
    {
      name: 'GET /pulses/:id/trends with an id that is not a uuid',
      method: 'GET',
      url: () => '/pulses/all/trends',
    },
    {
      name: 'PATCH /pulses/:id with an id that is not a uuid',
      method: 'PATCH',
      url: () => '/pulses/current',
      payload: () => ({ title: 'T' }),
    },
    {
      name: 'DELETE /pulses/:id with an id that is not a uuid',
      method: 'DELETE',
      url: () => `/pulses/${main.pulseId.slice(1)}`,
    },
  ].map((c) => ({
    ...c,
    status: 400,
    errors: [pathOf('params/id', /uuid/)],
  })),
  ...[
    {
      name: 'POST /pulses/:id/runs with malformed JSON',
      url: () => `/pulses/${main.pulseId}/runs`,
      payload: () => '{',
      contentType: 'application/json',
      status: 400,
    },
    {
      name: 'POST /pulses/:id/runs with text/plain',
      url: () => `/pulses/${main.pulseId}/runs`,
      payload: () => 'now',
      contentType: 'text/plain',
      status: 415,
    },
    {
      name: 'POST /pulses/:id/runs with a body over 1 MiB',
      url: () => `/pulses/${main.pulseId}/runs`,
      payload: () => ({ note: JSON_TOO_LARGE }),
      status: 413,
    },
    {
      name: 'POST /pulses/:id/runs of no pulse',
      url: () => `/pulses/${MISSING_ID}/runs`,
      status: 404,
    },
    {
      name: 'POST /runs/:id/close with malformed JSON',
      url: () => `/runs/${main.runId}/close`,
      payload: () => '{"reason"',
      contentType: 'application/json',
      status: 400,
    },
    {
      name: 'POST /runs/:id/close with text/plain',
      url: () => `/runs/${main.runId}/close`,
      payload: () => 'close',
      contentType: 'text/plain',
      status: 415,
    },
    {
      name: 'POST /runs/:id/close with a body over 1 MiB',
      url: () => `/runs/${main.runId}/close`,
      payload: () => ({ note: JSON_TOO_LARGE }),
      status: 413,
    },
    { name: 'POST /runs/:id/close of no run', url: () => `/runs/${MISSING_ID}/close`, status: 404 },
  ].map((c) => ({ ...c, method: 'POST' as const })),
  ...['gaps', 'collisions', 'comments', 'export.csv', 'brief', 'brief?format=md'].map((report) => ({
    name: `GET /runs/:id/${report} of no run`,
    method: 'GET' as const,
    url: () => `/runs/${MISSING_ID}/${report}`,
    status: 404,
  })),
  // An open run's reports are not released yet.
  ...['gaps', 'collisions', 'comments', 'export.csv', 'brief', 'brief?format=md'].map((report) => ({
    name: `GET /runs/:id/${report} of an open run`,
    method: 'GET' as const,
    url: () => `/runs/${main.runId}/${report}`,
    status: 409,
  })),
  {
    name: 'GET /runs/:id/brief?format=pdf',
    method: 'GET',
    url: () => `/runs/${main.runId}/brief?format=pdf`,
    status: 400,
  },
  {
    name: 'GET /pulses/:id/trends of no pulse',
    method: 'GET',
    url: () => `/pulses/${MISSING_ID}/trends`,
    status: 404,
  },
  {
    name: 'PATCH /pulses/:id of no pulse',
    method: 'PATCH',
    url: () => `/pulses/${MISSING_ID}`,
    payload: () => ({ paused: true }),
    status: 404,
  },
  {
    name: 'PATCH /pulses/:id of the other organization’s pulse',
    method: 'PATCH',
    url: () => `/pulses/${other.pulseId}`,
    payload: () => ({ title: 'Mine' }),
    status: 404,
  },
  {
    name: 'DELETE /pulses/:id of no pulse',
    method: 'DELETE',
    url: () => `/pulses/${MISSING_ID}`,
    status: 404,
  },
  {
    name: 'DELETE /pulses/:id of the other organization’s pulse',
    method: 'DELETE',
    url: () => `/pulses/${other.pulseId}`,
    status: 404,
  },
];

describe('bad input', () => {
  test.for(BAD_REQUESTS)('$name → $status, nothing changes', async (bad) => {
    const before = await Promise.all([state(main.organizationId), state(other.organizationId)]);
    const response = await inject(
      bad.anonymous === true ? null : main,
      bad.method,
      bad.url(),
      bad.payload?.(),
      bad.contentType,
    );
    const problem = expectProblem(response, bad.status);
    if (bad.errors !== undefined) {
      if (bad.some === true) {
        expect(problem.errors).toEqual(
          expect.arrayContaining(bad.errors.map((e) => expect.objectContaining(e) as unknown)),
        );
      } else {
        expect(problem.errors).toEqual(bad.errors);
      }
    }
    expect(await Promise.all([state(main.organizationId), state(other.organizationId)])).toEqual(
      before,
    );
    expect(await usersWithEmail(signupEmail)).toBe(0);
    expect(await usersWithEmail(newUserEmail)).toBe(0);
  });
});

describe('roster import', () => {
  test('a file where one of three rows is bad imports nobody; fixed, it imports all', async () => {
    const organization = await signup(t.server, 'All Or Nothing');
    const rows = (tier: string) =>
      csv(
        'a@all.example,Ann,Sales,frontline',
        `b@all.example,Bob,Sales,${tier}`,
        'c@all.example,Cy,Ops,leadership',
      );
    const rejected = await inject(
      organization,
      'POST',
      '/people/import',
      rows('chief'),
      'text/csv',
    );
    expect(expectProblem(rejected, 400).errors).toEqual([
      { line: 3, field: 'tier', message: expect.any(String) as string },
    ]);
    const after = await state(organization.organizationId);
    expect(after.people).toEqual([]);
    expect(after.teams).toEqual([]);

    const accepted = await inject(
      organization,
      'POST',
      '/people/import',
      rows('leadership'),
      'text/csv',
    );
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toEqual({ created: 3, updated: 0, deactivated: 0 });
    expect((await state(organization.organizationId)).people).toHaveLength(3);
  });

  test('a re-import updates by email; deactivateMissing deactivates whoever is not listed', async () => {
    const organization = await signup(t.server, 'Reimport');
    const people = async () => {
      const response = await inject(organization, 'GET', '/people');
      expect(response.statusCode, response.body).toBe(200);
      return Object.fromEntries(
        response
          .json<{
            items: { email: string; name: string; team: string; tier: string; active: boolean }[];
          }>()
          .items.map((p) => [
            p.email,
            { name: p.name, team: p.team, tier: p.tier, active: p.active },
          ]),
      );
    };

    const first = await inject(
      organization,
      'POST',
      '/people/import',
      csv(
        'ann@re.example,Ann,Sales,frontline',
        'bob@re.example,Bob,Sales,frontline',
        'cy@re.example,Cy,Ops,leadership',
      ),
      'text/csv',
    );
    expect(first.json()).toEqual({ created: 3, updated: 0, deactivated: 0 });

    const second = await inject(organization, 'POST', '/people/import', {
      people: [
        { email: 'ANN@re.example', name: 'Ann Lee', team: 'Sales', tier: 'frontline' },
        { email: 'bob@re.example', name: 'Bob', team: 'Ops', tier: 'leadership' },
        { email: 'dee@re.example', name: 'Dee', team: 'Ops', tier: 'frontline' },
      ],
    });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toEqual({ created: 1, updated: 2, deactivated: 0 });
    expect(await people()).toEqual({
      'ann@re.example': { name: 'Ann Lee', team: 'Sales', tier: 'frontline', active: true },
      'bob@re.example': { name: 'Bob', team: 'Ops', tier: 'leadership', active: true },
      'cy@re.example': { name: 'Cy', team: 'Ops', tier: 'leadership', active: true },
      'dee@re.example': { name: 'Dee', team: 'Ops', tier: 'frontline', active: true },
    });

    // Three of four active people would go: more than 40 %, so it asks first and applies
    // nothing; a file of only its header would take everyone.
    const before = await people();
    for (const file of [csv('cy@re.example,Cy,Ops,leadership'), 'email,name,team,tier\n']) {
      const unconfirmed = await inject(
        organization,
        'POST',
        '/people/import?deactivateMissing=true',
        file,
        'text/csv',
      );
      expect(expectProblem(unconfirmed, 409)).toMatchObject({
        code: 'PG_ERR_CONFIRM_DEACTIVATION',
        active: 4,
      });
      expect(await people()).toEqual(before);
    }
    const noBody = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import?deactivateMissing=true',
      headers: bearer(organization.token),
    });
    expect(expectProblem(noBody, 400).code).toBe('PG_ERR_VALIDATION');
    expect(await people()).toEqual(before);

    // A dry run answers as the import would, and applies nothing (not even to the audit log).
    const stored = await state(organization.organizationId);
    const dry = await inject(
      organization,
      'POST',
      '/people/import?deactivateMissing=true&confirmDeactivation=true&dryRun=true',
      csv('cy@re.example,Cy,Ops,leadership', 'eve@re.example,Eve,New team,frontline'),
      'text/csv',
    );
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toEqual({ created: 1, updated: 1, deactivated: 3 });
    const dryUnconfirmed = await inject(
      organization,
      'POST',
      '/people/import?deactivateMissing=true&dryRun=true',
      csv('cy@re.example,Cy,Ops,leadership'),
      'text/csv',
    );
    expect(expectProblem(dryUnconfirmed, 409)).toMatchObject({
      code: 'PG_ERR_CONFIRM_DEACTIVATION',
      deactivated: 3,
      active: 4,
    });
    const dryErrors = await inject(
      organization,
      'POST',
      '/people/import?dryRun=true',
      csv('cy@re.example,Cy,Ops,leadership', 'not-an-email,Zed,Ops,frontline'),
      'text/csv',
    );
    expect(expectProblem(dryErrors, 400).errors).toEqual([
      expect.objectContaining({ line: 3, field: 'email' }),
    ]);
    expect(await state(organization.organizationId)).toEqual(stored);

    const third = await inject(
      organization,
      'POST',
      '/people/import?deactivateMissing=true&confirmDeactivation=true',
      csv('cy@re.example,Cy,Ops,leadership'),
      'text/csv',
    );
    expect(third.statusCode, third.body).toBe(200);
    expect(third.json()).toEqual({ created: 0, updated: 1, deactivated: 3 });
    const active = Object.fromEntries(
      Object.entries(await people()).map(([e, p]) => [e, p.active]),
    );
    expect(active).toEqual({
      'ann@re.example': false,
      'bob@re.example': false,
      'cy@re.example': true,
      'dee@re.example': false,
    });

    // Listed again, a deactivated person is active again.
    const fourth = await inject(
      organization,
      'POST',
      '/people/import',
      csv('bob@re.example,Bob,Ops,leadership'),
      'text/csv',
    );
    expect(fourth.json()).toEqual({ created: 0, updated: 1, deactivated: 0 });
    expect((await people())['bob@re.example']?.active).toBe(true);
  });

  test('a team that would become its own ancestor through the existing teams is refused', async () => {
    const organization = await signup(t.server, 'Cycles');
    const first = await inject(
      organization,
      'POST',
      '/people/import',
      'email,name,team,tier,parent_team\nann@cy.example,Ann,A,frontline,B\n',
      'text/csv',
    );
    expect(first.statusCode, first.body).toBe(200);
    const before = await state(organization.organizationId);

    const csvCycle = await inject(
      organization,
      'POST',
      '/people/import',
      'email,name,team,tier,parent_team\ncy@cy.example,Cy,C,frontline,\nbob@cy.example,Bob,B,leadership,A\n',
      'text/csv',
    );
    expect(expectProblem(csvCycle, 400).errors).toEqual([
      { line: 3, field: 'parent_team', message: expect.stringMatching(/cycle/) as string },
    ]);

    const jsonCycle = await inject(organization, 'POST', '/people/import', {
      people: [
        { email: 'bob@cy.example', name: 'Bob', team: 'B', tier: 'leadership', parentTeam: 'A' },
      ],
    });
    expect(expectProblem(jsonCycle, 400).errors).toEqual([
      { line: 1, field: 'parentTeam', message: expect.any(String) as string },
    ]);
    expect(await state(organization.organizationId)).toEqual(before);
  });
});

describe('conflicts', () => {
  test('signing up with an email already used is a 409, whatever its letter case', async () => {
    const name = `Duplicate ${uniqueEmail('org')}`;
    for (const email of [main.email, main.email.toUpperCase()]) {
      const response = await inject(null, 'POST', '/signup', {
        organization: name,
        email,
        password: PASSWORD,
      });
      expect(expectProblem(response, 409).code).toBe('PG_ERR_EMAIL_TAKEN');
    }
    expect(await usersWithEmail(main.email)).toBe(1);
    const made = await owner
      .selectFrom('organizations')
      .select('id')
      .where('name', '=', name)
      .execute();
    expect(made).toEqual([]);
  });

  test('adding a user with an email already used is a 409', async () => {
    const before = await state(main.organizationId);
    const response = await inject(main, 'POST', '/users', {
      email: other.email,
      password: PASSWORD,
      role: 'executive',
    });
    expectProblem(response, 409);
    expect(await state(main.organizationId)).toEqual(before);
    expect(await usersWithEmail(other.email)).toBe(1);
  });

  test('starting a run of a pulse whose audience has nobody, or a tier under k, is a 409', async () => {
    const organization = await signup(t.server, 'Frontline Only');
    const roster = await inject(
      organization,
      'POST',
      '/people/import',
      csv(...people('fo', 'Sales', 'frontline', 5)),
      'text/csv',
    );
    expect(roster.statusCode, roster.body).toBe(200);
    const priority = await inject(organization, 'POST', '/priorities', {
      title: 'P',
      statedWeight: 2,
    });
    const priorityIds = [priority.json<{ id: string }>().id];
    const pulseOf = async (payload: object) => {
      const pulse = await inject(organization, 'POST', '/pulses', { priorityIds, ...payload });
      expect(pulse.statusCode, pulse.body).toBe(201);
      return pulse.json<{ id: string }>().id;
    };
    const startRun = (pulseId: string) => inject(organization, 'POST', `/pulses/${pulseId}/runs`);
    const leadersOnly = await pulseOf({ title: 'Leaders', audience: { tiers: ['leadership'] } });
    const everyone = await pulseOf({ title: 'All' });
    const strict = await pulseOf({
      title: 'Frontline, k = 6',
      audience: { tiers: ['frontline'] },
      minGroupSize: 6,
    });

    const before = await state(organization.organizationId);
    expect(before.runs).toEqual([]);
    expect(expectProblem(await startRun(leadersOnly), 409).code).toBe('PG_ERR_EMPTY_AUDIENCE');
    expect(await state(organization.organizationId)).toEqual(before);
    // Both tiers asked, and no leader: even the organization's leadership would be under k.
    expect(expectProblem(await startRun(everyone), 409)).toMatchObject({
      code: 'PG_ERR_TIER_UNDER_K',
      tier: 'leadership',
      count: 0,
      minGroupSize: 5,
    });
    expect(await state(organization.organizationId)).toEqual(before);
    // The pulse's own k counts: five of the frontline are not six.
    expect(expectProblem(await startRun(strict), 409)).toMatchObject({
      code: 'PG_ERR_TIER_UNDER_K',
      tier: 'frontline',
      count: 5,
      minGroupSize: 6,
    });
    expect(await state(organization.organizationId)).toEqual(before);

    // Asking the frontline alone, at k = 5, the run starts.
    const frontline = await pulseOf({ title: 'Frontline', audience: { tiers: ['frontline'] } });
    const started = await startRun(frontline);
    expect(started.statusCode, started.body).toBe(201);
    expect(started.json<{ invited: number }>().invited).toBe(5);
  });

  test('closing a run twice: the second is a 409 and the run keeps its first closing time', async () => {
    const started = await inject(main, 'POST', `/pulses/${main.pulseId}/runs`);
    expect(started.statusCode, started.body).toBe(201);
    const runId = started.json<{ id: string }>().id;
    const first = await inject(main, 'POST', `/runs/${runId}/close`);
    expect(first.statusCode, first.body).toBe(200);
    const closedAt = first.json<{ closedAt: string }>().closedAt;
    const before = await state(main.organizationId);

    const second = await inject(main, 'POST', `/runs/${runId}/close`);
    expect(expectProblem(second, 409).code).toBe('PG_ERR_RUN_CLOSED');
    expect(await state(main.organizationId)).toEqual(before);
    const run = before.runs.find((r) => r.id === runId);
    expect(run?.closed_at?.toISOString()).toBe(closedAt);
  });
});
