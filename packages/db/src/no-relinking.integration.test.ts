import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deliverInvitationsRequest, JOBS, releaseRunRequest } from '@pulsegap/jobs';
import { openOwnerDatabase } from '@pulsegap/testing';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from './schema.js';

// PRODUCT.md §6.2, "nothing that re-links": checked on the live, migrated schema (as its
// owner, through the catalogs), not on the migration files, so a column added by any
// later migration is caught. The lists below are exhaustive on purpose: a new column on
// `responses` or `invitations` fails here until someone has argued why it
// cannot join an invitation to a response, and written that argument into this list.

/** Every column a response may have, with its type. */
const RESPONSE_COLUMNS = {
  id: 'uuid',
  organization_id: 'uuid',
  run_id: 'uuid',
  segment_team_id: 'uuid',
  segment_tier: 'text',
  comment: 'text',
  // Values by the run's question position: the order of the questions, not of anything done.
  answers: 'smallint[]',
};

/**
 * Every column of a response waiting sealed while its run is open: the token's hash (one
 * response per token; nothing else holds it), the token's segment (what the invitation
 * already says of whoever claimed the token), and the sealed content, the same length for
 * every response of a run. No id that orders, no time.
 */
const SEALED_RESPONSE_COLUMNS = {
  token_hash: 'bytea',
  organization_id: 'uuid',
  run_id: 'uuid',
  segment_team_id: 'uuid',
  segment_tier: 'text',
  sealed: 'bytea',
};

/** Every column an invitation may have: who was invited, never what came back or when. */
const INVITATION_COLUMNS = {
  id: 'uuid',
  organization_id: 'uuid',
  run_id: 'uuid',
  person_id: 'uuid',
  secret_hash: 'bytea',
  segment_team_id: 'uuid',
  segment_tier: 'text',
  token_collected: 'boolean',
  // The digest of the blinded message the token was claimed with, so a retry gets the same
  // signature: a blinded message is unlinkable to the token it becomes (RFC 9474 §6).
  blinded_digest: 'bytea',
  delivered: 'boolean',
};

/** The tables each table may reference by foreign key. */
const REFERENCES = {
  responses: ['organizations', 'runs', 'teams'],
  sealed_responses: ['organizations', 'runs', 'teams'],
  invitations: ['organizations', 'people', 'runs', 'teams'],
  segment_keys: ['organizations', 'runs', 'teams'],
};

/** Column names that would say who answered, from where or when. */
const IDENTIFYING_NAME =
  /(^|_)(ip|ips|inet|addr|address|remote|agent|ua|browser|device|invit\w*|person|people|user\w*|email|mail|name|session|cookie|created|updated|submitted|answered|received|stored|inserted|at|on|time\w*|date\w*|ts|seq\w*|order|position|rank)($|_)/;

/**
 * Column names of invitations that would hold the token or its trace. The one exception,
 * `blinded_digest`, holds only what the server saw before blinding was undone (see above).
 */
const TOKEN_TRACE_NAME =
  /token(?!_collected$)|signature|signed|blind(?!ed_digest$)|message|nonce|(^|_)key(_|$)|fingerprint|response|answer|(^|_)(collected|issued|used|redeemed)_(at|on|time)/;

/** Catalog categories of date and time types (pg_type.typcategory): D date/time, T interval. */
const DATETIME_CATEGORIES = ['D', 'T'];

interface ColumnRow {
  column_name: string;
  type: string;
  category: string;
  element_category: string | null;
  column_default: string | null;
  is_identity: string;
  is_nullable: string;
}

interface ReferenceRow {
  constraint_name: string;
  referenced_table: string;
  definition: string;
}

let owner: Kysely<Database>;

async function columns(table: string): Promise<ColumnRow[]> {
  const { rows } = await sql<ColumnRow>`
    select a.attname as column_name,
           format_type(a.atttypid, a.atttypmod) as type,
           t.typcategory as category,
           e.typcategory as element_category,
           pg_get_expr(d.adbin, d.adrelid) as column_default,
           case when a.attidentity = '' then 'NO' else 'YES' end as is_identity,
           case when a.attnotnull then 'NO' else 'YES' end as is_nullable
      from pg_attribute a
      join pg_type t on t.oid = a.atttypid
      left join pg_type e on e.oid = t.typelem and t.typcategory = 'A'
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where a.attrelid = to_regclass(${`public.${table}`})
       and a.attnum > 0
       and not a.attisdropped
     order by a.attnum
  `.execute(owner);
  return rows;
}

async function references(table: string): Promise<ReferenceRow[]> {
  const { rows } = await sql<ReferenceRow>`
    select c.conname as constraint_name,
           c.confrelid::regclass::text as referenced_table,
           pg_get_constraintdef(c.oid) as definition
      from pg_constraint c
     where c.conrelid = to_regclass(${`public.${table}`}) and c.contype = 'f'
     order by c.conname
  `.execute(owner);
  return rows;
}

/** Every constraint and index definition on `table`, as PostgreSQL prints it. */
async function definitions(table: string): Promise<string[]> {
  const { rows } = await sql<{ definition: string }>`
    select pg_get_constraintdef(c.oid) as definition
      from pg_constraint c
     where c.conrelid = to_regclass(${`public.${table}`})
    union all
    select pg_get_indexdef(i.indexrelid)
      from pg_index i
     where i.indrelid = to_regclass(${`public.${table}`})
  `.execute(owner);
  return rows.map((r) => r.definition);
}

function typesOf(rows: readonly ColumnRow[]): Record<string, string> {
  return Object.fromEntries(rows.map((r) => [r.column_name, r.type]));
}

function isDateTime(row: ColumnRow): boolean {
  return (
    DATETIME_CATEGORIES.includes(row.category) ||
    (row.element_category !== null && DATETIME_CATEGORIES.includes(row.element_category))
  );
}

beforeAll(() => {
  owner = openOwnerDatabase();
});
afterAll(() => owner.destroy());

describe('responses say nothing about who answered, or when', () => {
  test('responses has exactly the listed columns, and answers are kept nowhere else', async () => {
    expect(typesOf(await columns('responses'))).toEqual(RESPONSE_COLUMNS);
    const { rows } = await sql<{ name: string }>`
      select c.relname as name
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm') and c.relname ~ 'answer'
    `.execute(owner);
    expect(rows).toEqual([]);
  });

  test('a sealed response holds exactly the listed columns, and nothing in clear that a stored response holds', async () => {
    expect(typesOf(await columns('sealed_responses'))).toEqual(SEALED_RESPONSE_COLUMNS);
    const stored = new Set(Object.keys(RESPONSE_COLUMNS));
    // Shared: the run and the segment. The token hash is not in responses, the content is sealed.
    expect(
      Object.keys(SEALED_RESPONSE_COLUMNS)
        .filter((c) => stored.has(c))
        .sort(),
    ).toEqual(['organization_id', 'run_id', 'segment_team_id', 'segment_tier']);
  });

  test.each(['responses', 'sealed_responses'])(
    '%s has no date or time column and no identifying name',
    async (table) => {
      const rows = await columns(table);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.filter(isDateTime).map((r) => r.column_name)).toEqual([]);
      expect(rows.map((r) => r.column_name).filter((name) => IDENTIFYING_NAME.test(name))).toEqual(
        [],
      );
    },
  );

  test.each(['responses', 'sealed_responses'])(
    '%s takes no default from the clock or a sequence, and no identity column',
    async (table) => {
      const rows = await columns(table);
      const ordered = rows.filter(
        (r) =>
          r.is_identity === 'YES' ||
          /now\(|current_(timestamp|date|time)|localtime|clock_|statement_|transaction_|nextval\(|txid|xact/i.test(
            r.column_default ?? '',
          ),
      );
      expect(ordered.map((r) => `${r.column_name} ${r.column_default ?? 'identity'}`)).toEqual([]);
      const { rows: sequences } = await sql<{ name: string }>`
        select s.relname as name
          from pg_depend d
          join pg_class s on s.oid = d.objid and s.relkind = 'S'
         where d.refobjid = to_regclass(${`public.${table}`})
      `.execute(owner);
      expect(sequences).toEqual([]);
    },
  );

  test('a response id is random: gen_random_uuid(), not derived from anything', async () => {
    const id = (await columns('responses')).find((r) => r.column_name === 'id');
    expect(id).toMatchObject({ type: 'uuid', column_default: 'gen_random_uuid()' });
    const { rows } = await sql<{ columns: string[] }>`
      select array_agg(a.attname::text order by a.attname) as columns
        from pg_index i
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
       where i.indrelid = 'public.responses'::regclass and i.indisprimary
    `.execute(owner);
    expect(rows).toEqual([{ columns: ['id'] }]);
  });

  test.each(['responses', 'sealed_responses'] as const)(
    '%s references no invitation, person or user',
    async (table) => {
      const found = await references(table);
      expect([...new Set(found.map((r) => r.referenced_table))].sort()).toEqual(REFERENCES[table]);
      for (const definition of await definitions(table)) {
        expect(definition).not.toMatch(/invitation|people|person|users|secret/i);
      }
    },
  );

  test('no trigger or rule copies a response anywhere', async () => {
    const { rows: triggers } = await sql<{ name: string; table: string }>`
      select tgname as name, tgrelid::regclass::text as table
        from pg_trigger
       where not tgisinternal
         and tgrelid = 'public.responses'::regclass
    `.execute(owner);
    expect(triggers).toEqual([]);
    const { rows: rules } = await sql<{ name: string }>`
      select rulename as name from pg_rules
       where schemaname = 'public' and tablename = 'responses'
    `.execute(owner);
    expect(rules).toEqual([]);
  });

  test('no view and no function joins invitations to responses', async () => {
    const { rows: views } = await sql<{ name: string; definition: string }>`
      select c.relname as name, pg_get_viewdef(c.oid) as definition
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('v', 'm')
    `.execute(owner);
    const { rows: functions } = await sql<{ name: string; definition: string }>`
      select p.proname as name, p.prosrc as definition
        from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public' and p.prokind in ('f', 'p')
    `.execute(owner);
    expect(functions.length).toBeGreaterThan(0);
    const joining = [...views, ...functions].filter(
      (o) => /\binvitations\b/i.test(o.definition) && /\b(responses|answers)\b/i.test(o.definition),
    );
    expect(joining.map((o) => o.name)).toEqual([]);
  });
});

describe('invitations know who was invited, never what came back', () => {
  test('invitations has exactly the listed columns, with no timestamp', async () => {
    const rows = await columns('invitations');
    expect(typesOf(rows)).toEqual(INVITATION_COLUMNS);
    expect(rows.filter(isDateTime).map((r) => r.column_name)).toEqual([]);
  });

  test('no column holds a token, its hash, a signature or when the token was collected', async () => {
    const rows = await columns('invitations');
    expect(rows.map((r) => r.column_name).filter((name) => TOKEN_TRACE_NAME.test(name))).toEqual(
      [],
    );
    expect(rows.find((r) => r.column_name === 'token_collected')).toMatchObject({
      type: 'boolean',
      is_nullable: 'NO',
      column_default: 'false',
    });
    // The only binary columns: the hash of the link's secret, which the token never sees,
    // and the digest of the blinded message, which is unlinkable to the token.
    expect(rows.filter((r) => r.type === 'bytea').map((r) => r.column_name)).toEqual([
      'secret_hash',
      'blinded_digest',
    ]);
  });

  test('invitations reference no response, answer or segment key', async () => {
    const found = await references('invitations');
    expect([...new Set(found.map((r) => r.referenced_table))].sort()).toEqual(
      REFERENCES.invitations,
    );
    for (const definition of await definitions('invitations')) {
      expect(definition).not.toMatch(/responses|answers|segment_keys|token_hash/i);
    }
  });

  test('no table but invitations names a person or an invitation, besides the roster', async () => {
    const { rows } = await sql<{ table: string; column: string }>`
      select c.relname as table, a.attname as column
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
         and a.attnum > 0 and not a.attisdropped
         and (a.attname ~ 'invitation' or a.attname ~ 'person')
    `.execute(owner);
    // The one other: a reminder's cursor while it goes out (the last invitation it reached,
    // in id order; cleared when done). It names an invitation whose token was not collected
    // when the reminder reached it, which the claim's own row version in the WAL dates anyway,
    // and nothing of any response.
    expect(rows.toSorted((a, b) => a.table.localeCompare(b.table))).toEqual([
      { table: 'invitations', column: 'person_id' },
      { table: 'run_reminders', column: 'after_invitation' },
    ]);
  });
});

describe('segment keys belong to a segment, never to a person', () => {
  test('one key per run and segment, with no reference to an invitation or a person', async () => {
    const found = await references('segment_keys');
    expect([...new Set(found.map((r) => r.referenced_table))].sort()).toEqual(
      REFERENCES.segment_keys,
    );
    const names = (await columns('segment_keys')).map((r) => r.column_name);
    expect(names.filter((name) => IDENTIFYING_NAME.test(name))).toEqual([]);
    expect(await definitions('segment_keys')).toContainEqual(
      'UNIQUE NULLS NOT DISTINCT (run_id, segment_team_id, segment_tier)',
    );
  });
});

describe('jobs carry no invitation', () => {
  test('every job payload is an organization and a run, a pulse occurrence, a reminder, or nothing', () => {
    expect([...JOBS.keys()].sort()).toEqual([
      'deliver-invitations',
      'deliver-reminder',
      'release-run',
      'send-launch-notice',
      'start-scheduled-run',
      'sweep-due-messages',
      'sweep-due-releases',
    ]);
    const fields: Record<string, string[]> = {
      'sweep-due-releases': [],
      'sweep-due-messages': [],
      'start-scheduled-run': ['organizationId', 'pulseId', 'scheduledFor'],
      'send-launch-notice': ['organizationId', 'pulseId', 'scheduledFor'],
      'deliver-reminder': ['organizationId', 'reminderId'],
    };
    for (const job of JOBS.values()) {
      const schema = job.schema as {
        properties?: Record<string, unknown>;
        additionalProperties?: unknown;
      };
      expect(Object.keys(schema.properties ?? {}).sort(), job.name).toEqual(
        fields[job.name] ?? ['organizationId', 'runId'],
      );
      expect(schema.additionalProperties, job.name).toBe(false);
    }
    const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    for (const request of [deliverInvitationsRequest, releaseRunRequest]) {
      const job = request(ids[0] ?? '', ids[1] ?? '');
      expect(Object.keys(job.payload).sort()).toEqual(['organizationId', 'runId']);
    }
  });

  test('the live outbox holds no payload with any other field', async () => {
    const { rows } = await sql<{ key: string }>`
      select distinct jsonb_object_keys(payload) as key from outbox
    `.execute(owner);
    const allowed = ['organizationId', 'runId', 'reminderId', 'pulseId', 'scheduledFor'];
    expect(rows.map((r) => r.key).filter((k) => !allowed.includes(k))).toEqual([]);
  });

  test('every place that enqueues a job builds it with a request helper of packages/jobs', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const sources = ['apps', 'packages'].flatMap((top) =>
      readdirSync(join(root, top)).flatMap((workspace) => {
        const src = join(root, top, workspace, 'src');
        if (!existsSync(src)) return [];
        return readdirSync(src, { recursive: true, encoding: 'utf8' })
          .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts'))
          .map((path) => join(src, path));
      }),
    );
    const calls = sources.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/enqueueJob\(\s*\w+\s*,\s*([^)]*\)?)/g)].map((m) => ({
        file,
        argument: m[1] ?? '',
      })),
    );
    expect(calls.length).toBeGreaterThan(0);
    expect(
      calls.filter(
        (c) =>
          !/^(deliverInvitationsRequest|releaseRunRequest|deliverReminderRequest|launchNoticeRequest)\(/.test(
            c.argument.trim(),
          ),
      ),
    ).toEqual([]);
  });
});
