// The request fuzzer behind `npm run fuzz` and its CI subset (bench/fuzz.test.ts): requests
// generated from the API's own OpenAPI document, over every operation, with valid and
// invalid bodies, parameters and sign-ins, sent to the real app (`createHttpServer`, the
// production route set) on a scratch PostgreSQL database. It counts server errors (5xx) and
// rejected requests (4xx) that changed data. Changes are counted by triggers the fuzzer adds
// to every table of its scratch database: a row inserted, updated or deleted, or a table
// emptied, adds one to a counter in the same transaction, so a write that rolls back counts
// nothing. The audit log is left out: it records what was done, not data a request may not
// change (and it is append-only).
import { createHmac, randomUUID } from 'node:crypto';
import { createHttpServer } from '@pulsegap/api';
import { openDatabase, type DatabaseHandle } from '@pulsegap/db';
import {
  createJobContext,
  deliverInvitationsRequest,
  releaseRunRequest,
  runJob,
} from '@pulsegap/jobs';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import {
  Api,
  createPriorities,
  importRoster,
  roster,
  secretOfLink,
  signup,
  type ScratchDatabase,
} from './harness.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly { name: string; in: string; schema: Schema; required?: boolean }[];
  readonly body: { readonly type: string; readonly schema: Schema }[];
}

/** What a fuzzing run found. */
export interface FuzzResult {
  readonly requests: number;
  readonly operations: number;
  readonly serverErrors: number;
  readonly changedByRejected: number;
  /** Rows changed by the requests that succeeded: the counter at work. */
  readonly changedByAccepted: number;
  readonly byStatus: ReadonlyMap<number, number>;
  /** The first few requests that failed, to reproduce them. */
  readonly failures: readonly string[];
}

/** The app under test, its data, and what the fuzzer draws from. */
export interface FuzzTarget {
  readonly server: FastifyInstance;
  readonly operations: readonly Operation[];
  close(): Promise<void>;
  /** Rows changed so far (the triggers' counter). */
  changes(): Promise<number>;
  readonly tokens: readonly (string | null)[];
  readonly ids: readonly string[];
  readonly secrets: readonly string[];
}

const CHANGES_SETUP = sql`
  create table fuzz_changes (n bigint not null);
  insert into fuzz_changes values (0);
  create function fuzz_count_change() returns trigger
    language plpgsql security definer set search_path = public, pg_temp
    as $$ begin update public.fuzz_changes set n = n + 1; return null; end $$;
  do $$
  declare t record;
  begin
    for t in select c.relname from pg_class c join pg_namespace s on s.oid = c.relnamespace
              where s.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
                and c.relname not in ('fuzz_changes', 'audit_events')
                and c.relname not like 'kysely_%'
    loop
      execute format('create trigger fuzz_rows after insert or update or delete on public.%I '
                     || 'for each row execute function fuzz_count_change()', t.relname);
      execute format('create trigger fuzz_truncate after truncate on public.%I '
                     || 'for each statement execute function fuzz_count_change()', t.relname);
    end loop;
  end $$;
`;

/**
 * Sets up an organization to fuzz (a roster, priorities, a pulse with an open run whose
 * invitations were sent, and a released run), a second organization, an executive, and the
 * change counter; then the app with the production route set.
 */
export async function createFuzzTarget(
  scratch: ScratchDatabase,
  options: { redis?: Redis } = {},
): Promise<FuzzTarget> {
  await CHANGES_SETUP.execute(scratch.owner);
  const config = { ...scratch.config, production: false };
  const handle: DatabaseHandle = await openDatabase(config, { poolSize: 4 });
  const setup = await createHttpServer({ config, db: handle.db });
  const api = new Api(setup);
  const organizationId = await signup(api, 'Fuzzed Co');
  const admin = api.token;
  await importRoster(api, roster(3, 5, 10));
  const priorities = await createPriorities(api, 2);
  const executiveEmail = `exec-${randomUUID().slice(0, 8)}@bench.test`;
  await api.call('POST', '/api/v1/users', {
    email: executiveEmail,
    password: 'an executive password, long enough',
    role: 'executive',
  });
  const { token: executive } = await api.call<{ token: string }>('POST', '/api/v1/auth/login', {
    email: executiveEmail,
    password: 'an executive password, long enough',
  });
  const context = createJobContext(config, handle.db);
  const runOf = async (title: string) => {
    const pulse = await api.call<{ id: string }>('POST', '/api/v1/pulses', {
      title,
      priorityIds: priorities,
      openQuestion: true,
    });
    const run = await api.call<{ id: string }>('POST', `/api/v1/pulses/${pulse.id}/runs`);
    const request = deliverInvitationsRequest(organizationId, run.id);
    await runJob(context, request.name, request.payload);
    return { pulseId: pulse.id, runId: run.id };
  };
  const released = await runOf('Released pulse');
  await api.call('POST', `/api/v1/runs/${released.runId}/close`);
  const release = releaseRunRequest(organizationId, released.runId);
  await runJob(context, release.name, release.payload);
  const open = await runOf('Open pulse');
  context.mailer.close();
  const { rows: links } = await sql<{ link: string | null }>`
    select link from outbound_messages where organization_id = ${organizationId}
  `.execute(scratch.owner);
  const other = new Api(setup);
  await signup(other, 'Other Co');
  const [otherPriority] = await createPriorities(other, 1);
  await setup.close();

  const { rows: idRows } = await sql<{ id: string }>`
    select id::text from teams union all select id::text from people
    union all select id::text from priorities union all select id::text from pulses
    union all select id::text from runs union all select id::text from users
  `.execute(scratch.owner);

  // The production route set, with the API's own rate limits (in memory unless given Redis).
  const server = await createHttpServer({
    config: { ...config, production: true },
    db: handle.db,
    ...(options.redis === undefined ? {} : { redis: options.redis }),
  });
  const document = (await server.inject({ url: '/api/v1/openapi.json' })).json<{
    paths: Record<string, Record<string, Record<string, unknown>>>;
  }>();
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const content = ((operation.requestBody as { content?: object } | undefined)?.content ??
        {}) as Record<string, { schema?: Schema }>;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters ?? []) as Operation['parameters'],
        body: Object.entries(content).map(([type, media]) => ({
          type,
          schema: media.schema ?? {},
        })),
      });
    }
  }
  const forged = (secret: string, claims: object) => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
    return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
  };
  const now = Math.floor(Date.now() / 1000);
  const claims = JSON.parse(
    Buffer.from(admin.split('.')[1] ?? '', 'base64url').toString(),
  ) as Record<string, unknown>;
  return {
    server,
    operations,
    tokens: [
      admin,
      admin,
      admin,
      admin,
      executive,
      executive,
      other.token,
      null,
      'not-a-token',
      // Signed with the wrong secret, expired, issued in the future, unsigned.
      forged('the development secret, guessed', { ...claims, iat: now }),
      forged(config.jwtSecret, { ...claims, iat: now - 7200, exp: now - 3600 }),
      forged(config.jwtSecret, { ...claims, iat: now + 3600, exp: now + 7200 }),
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${admin.split('.')[1] ?? ''}.`,
    ],
    ids: [
      ...idRows.map((r) => r.id),
      released.runId,
      open.runId,
      released.pulseId,
      open.pulseId,
      otherPriority ?? randomUUID(),
    ],
    secrets: links.map((l) => secretOfLink(l.link)),
    async changes() {
      const { rows } = await sql<{ n: string }>`select n::text from fuzz_changes`.execute(
        scratch.owner,
      );
      return Number(rows[0]?.n ?? 0);
    },
    async close() {
      await server.close();
      await handle.close();
    },
  };
}

/** A small seeded generator (mulberry32), so a run can be repeated. */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

const NASTY_STRINGS = [
  '',
  ' ',
  'a'.repeat(70_000),
  '\u0000',
  '%00',
  '../../etc/passwd',
  "'; drop table people; --",
  '=HYPERLINK("http://x")',
  '\uD800',
  '😀'.repeat(300),
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  '-1',
  '1e308',
  'NaN',
  'null',
  'true',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789 _-';
const NASTY_VALUES: Json[] = [null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53, [], {}, [[]]];

/** A value that satisfies `schema` (as far as it can tell), drawing ids from the pools. */
function valid(schema: Schema, target: FuzzTarget, random: Random, depth = 0): Json {
  if (Array.isArray(schema.enum)) return random.pick(schema.enum as Json[]);
  if ('const' in schema) return schema.const as Json;
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives !== undefined) return valid(random.pick(alternatives), target, random, depth);
  const type = Array.isArray(schema.type) ? random.pick(schema.type as string[]) : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const value: Record<string, Json> = {};
      for (const [name, property] of Object.entries(properties)) {
        if (required.has(name) || random.chance(0.6)) {
          value[name] = valid(property, target, random, depth + 1);
        }
      }
      return value;
    }
    case 'array': {
      if (depth > 4) return [];
      const items = (schema.items ?? {}) as Schema;
      const min = Number(schema.minItems ?? 0);
      const max = Math.min(Number(schema.maxItems ?? min + 4), min + 6);
      return Array.from({ length: random.int(min, max) }, () =>
        valid(items, target, random, depth + 1),
      );
    }
    case 'integer':
    case 'number': {
      const min = Number(schema.minimum ?? -5);
      const max = Number(schema.maximum ?? 50);
      return type === 'integer' ? random.int(min, max) : min + random.next() * (max - min);
    }
    case 'boolean':
      return random.chance(0.5);
    case 'null':
      return null;
    case 'string': {
      if (schema.format === 'uuid')
        return random.chance(0.8) ? random.pick(target.ids) : randomUUID();
      if (schema.format === 'email') return `fuzz-${random.int(0, 1_000_000)}@fuzz.test`;
      if (schema.format === 'date-time')
        return new Date(Date.now() + random.int(-9, 9) * 86_400_000).toISOString();
      const min = Number(schema.minLength ?? 1);
      const max = Math.min(Number(schema.maxLength ?? min + 20), min + 40);
      const length = random.int(min, max);
      return Array.from({ length }, () => ALPHABET.charAt(random.int(0, ALPHABET.length - 1))).join(
        '',
      );
    }
    default:
      return random.pick(NASTY_VALUES);
  }
}

/** `value` with one thing wrong: a missing or extra field, a wrong type, an extreme value. */
function mutate(value: Json, random: Random, depth = 0): Json {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 3) {
    const keys = Object.keys(value);
    const roll = random.int(0, 4);
    if (roll === 0 && keys.length > 0) {
      const dropped = random.pick(keys);
      return Object.fromEntries(Object.entries(value).filter(([key]) => key !== dropped));
    }
    if (roll === 1)
      return {
        ...value,
        [random.pick(['extra', '__proto__', 'constructor', 'id'])]: random.pick(NASTY_VALUES),
      };
    if (roll <= 3 && keys.length > 0) {
      const key = random.pick(keys);
      return { ...value, [key]: mutate(value[key] ?? null, random, depth + 1) };
    }
  }
  if (Array.isArray(value) && value.length > 0 && random.chance(0.5)) {
    const copy = [...value];
    const index = random.int(0, copy.length - 1);
    copy[index] = mutate(copy[index] ?? null, random, depth + 1);
    return copy;
  }
  if (Array.isArray(value) && random.chance(0.3)) {
    return Array.from({ length: random.pick([1_000, 40_000]) }, () => value[0] ?? 1);
  }
  return random.chance(0.5) ? random.pick(NASTY_STRINGS) : random.pick(NASTY_VALUES);
}

function csvBody(random: Random): string {
  const header = random.pick([
    'email,name,team,tier',
    'email,name,team,tier,parent',
    'name,email',
    '',
  ]);
  const rows = Array.from({ length: random.int(0, 8) }, () =>
    [
      random.chance(0.8) ? `fuzz-${random.int(0, 40)}@fuzz.test` : random.pick(NASTY_STRINGS),
      random.chance(0.8) ? 'Fuzzy Person' : random.pick(NASTY_STRINGS),
      random.chance(0.8) ? `Team ${random.int(0, 3)}` : random.pick(NASTY_STRINGS),
      random.chance(0.8) ? random.pick(['leadership', 'frontline']) : random.pick(NASTY_STRINGS),
    ]
      .map((cell) => (random.chance(0.1) ? `"${cell.replaceAll('"', '""')}"` : cell.slice(0, 200)))
      .join(','),
  );
  return [header, ...rows].join(random.pick(['\n', '\r\n']));
}

function pathValue(name: string, schema: Schema, target: FuzzTarget, random: Random): string {
  const roll = random.next();
  if (name === 'secret') {
    if (roll < 0.6 && target.secrets.length > 0) return random.pick(target.secrets);
    if (roll < 0.8) return Buffer.from(randomUUID()).toString('base64url').slice(0, 43);
  } else if (roll < 0.75) {
    const value = valid(schema, target, random);
    return typeof value === 'string' ? encodeURIComponent(value) : JSON.stringify(value);
  }
  // Every byte percent-encoded (a lone surrogate becomes U+FFFD's bytes).
  const bytes = [...Buffer.from(random.pick(NASTY_STRINGS).slice(0, 600))];
  return bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('') || 'x';
}

/** A generated request, and its body as sent. */
interface Generated {
  readonly options: InjectOptions;
  readonly url: string;
  readonly body: string;
}

/** One generated request for `operation`. */
function generate(operation: Operation, target: FuzzTarget, random: Random): Generated {
  let url = operation.path;
  const query: Record<string, string> = {};
  for (const parameter of operation.parameters) {
    if (parameter.in === 'path') {
      url = url.replace(
        `{${parameter.name}}`,
        pathValue(parameter.name, parameter.schema, target, random),
      );
    } else if (parameter.in === 'query' && random.chance(0.6)) {
      const value = random.chance(0.7)
        ? valid(parameter.schema, target, random)
        : random.pick(NASTY_STRINGS);
      // Through UTF-8 and back: a lone surrogate becomes U+FFFD, as any client would send it.
      query[parameter.name] = Buffer.from(
        typeof value === 'string' ? value.slice(0, 3_000) : JSON.stringify(value),
      ).toString();
    }
  }
  const headers: Record<string, string> = {};
  const token = random.pick(target.tokens);
  if (token !== null) headers.authorization = random.chance(0.95) ? `Bearer ${token}` : token;
  let body: string | undefined;
  const media = operation.body.length > 0 ? random.pick(operation.body) : null;
  if (media !== null || random.chance(0.05)) {
    const roll = random.next();
    if (media?.type === 'text/csv' && roll < 0.5) {
      headers['content-type'] = 'text/csv';
      body = csvBody(random);
    } else if (roll < 0.08) {
      headers['content-type'] = random.pick([
        'application/json',
        'text/csv',
        'text/plain',
        'application/xml',
        'multipart/form-data',
      ]);
      body = random.pick([
        '{',
        '{"a":',
        'null',
        '[]',
        '',
        '\u0000',
        '{"__proto__":{"admin":true}}',
        'a'.repeat(2_000_000),
      ]);
    } else {
      headers['content-type'] = 'application/json';
      const value = valid(media?.schema ?? { type: 'object' }, target, random);
      body = JSON.stringify(random.chance(0.55) ? mutate(value, random) : value);
    }
  }
  const options: InjectOptions = {
    method: operation.method,
    url,
    query,
    headers,
    ...(body === undefined ? {} : { payload: body }),
  };
  return { options, url, body: body ?? '' };
}

/**
 * Sends `count` generated requests, one at a time, going round every operation of the
 * document in turn; after each, reads the change counter.
 */
export async function fuzz(
  target: FuzzTarget,
  count: number,
  seed: number,
  progress?: (sent: number, result: FuzzResult) => void,
): Promise<FuzzResult> {
  const random = new Random(seed);
  const byStatus = new Map<number, number>();
  const failures: string[] = [];
  let serverErrors = 0;
  let changedByRejected = 0;
  let changedByAccepted = 0;
  let changes = await target.changes();
  const result = (requests: number): FuzzResult => ({
    requests,
    operations: target.operations.length,
    serverErrors,
    changedByRejected,
    changedByAccepted,
    byStatus,
    failures,
  });
  for (let i = 0; i < count; i += 1) {
    const operation = target.operations[i % target.operations.length] as Operation;
    const request = generate(operation, target, random);
    const response = await target.server.inject(request.options);
    const status = response.statusCode;
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    const after = await target.changes();
    const rejected = status >= 400 && status < 500;
    const describe = () =>
      `${String(status)} ${operation.method} ${request.url} ${JSON.stringify(request.options.query)} ` +
      `${request.body.slice(0, 300)} -> ${response.body.slice(0, 300)}`;
    if (status >= 500) {
      serverErrors += 1;
      if (failures.length < 20) failures.push(`server error: ${describe()}`);
    } else if (!rejected) {
      changedByAccepted += after - changes;
    } else if (after !== changes) {
      changedByRejected += 1;
      if (failures.length < 20)
        failures.push(`rejected but changed ${String(after - changes)} rows: ${describe()}`);
    }
    changes = after;
    if (progress !== undefined && (i + 1) % 10_000 === 0) progress(i + 1, result(i + 1));
  }
  return result(count);
}
