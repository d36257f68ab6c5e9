/**
 * What the schema would need to be distributed with Citus by `organization_id`, read from a
 * live, migrated database (pg_catalog) and from the repositories' sources: tables without
 * the column, primary keys, unique constraints and foreign keys that leave it out, the
 * owner-defined functions that look rows up before the tenant is known, triggers, and the
 * repository functions whose statements name no tenant (they rely on row-level security,
 * which filters through a function Citus cannot route by). `npm run citus-check` prints it;
 * docs/SCALING.md holds its latest output.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';

const TENANT = 'organization_id';

/** A table (a partitioned one counts once, its partitions not at all). */
export interface TableFinding {
  readonly table: string;
  readonly advice: string;
}

/** A primary key, unique constraint or unique index that leaves out the tenant. */
export interface KeyFinding {
  readonly table: string;
  readonly name: string;
  readonly kind: 'primary key' | 'unique' | 'unique index';
  readonly definition: string;
  readonly advice: string;
}

/** A foreign key between tenant tables that leaves out the tenant. */
export interface ForeignKeyFinding {
  readonly table: string;
  readonly name: string;
  readonly definition: string;
  readonly advice: string;
}

/** An owner-defined (SECURITY DEFINER) function: it runs before or across tenants. */
export interface LookupFinding {
  readonly name: string;
  readonly arguments: string;
  readonly takesTenant: boolean;
}

export interface TriggerFinding {
  readonly table: string;
  readonly name: string;
}

/** A repository function with statements that name no tenant. */
export interface StatementFinding {
  readonly file: string;
  readonly functionName: string;
}

/** Everything the inspection found; each list is what would have to change or be decided. */
export interface CitusReadiness {
  readonly postgresVersion: string;
  readonly schemaVersion: string;
  readonly tables: number;
  readonly tablesWithoutTenant: readonly TableFinding[];
  readonly keysWithoutTenant: readonly KeyFinding[];
  readonly foreignKeysWithoutTenant: readonly ForeignKeyFinding[];
  readonly tenantlessLookups: readonly LookupFinding[];
  readonly triggers: readonly TriggerFinding[];
  readonly statementsWithoutTenant: readonly StatementFinding[];
}

function tableAdvice(table: string): string {
  if (table === 'organizations') {
    return 'the tenant itself: distribute by `id`, co-located with the tables distributed by `organization_id`';
  }
  if (table.startsWith('kysely_'))
    return 'migration bookkeeping: stays a local table on the coordinator';
  return 'add `organization_id` (filled from the row it belongs to) and distribute by it, or make it a reference table';
}

/** Reads the live schema of `db` (schema `public`) and the repositories under `repositories`. */
export async function inspectCitusReadiness<T>(
  db: Kysely<T>,
  repositories: string,
): Promise<CitusReadiness> {
  const { rows: meta } = await sql<{ version: string; schema: string | null }>`
    select current_setting('server_version') as version,
      (select max(name) from kysely_migration) as schema
  `.execute(db);

  const { rows: tables } = await sql<{ table: string; tenant: boolean }>`
    select c.relname as table,
      exists (
        select 1 from pg_attribute a
        where a.attrelid = c.oid and a.attname = ${TENANT} and not a.attisdropped
      ) as tenant
    from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
      and not c.relispartition
    order by c.relname
  `.execute(db);
  const tenantTables = new Set(tables.filter((t) => t.tenant).map((t) => t.table));

  const { rows: constraints } = await sql<{
    table: string;
    name: string;
    type: 'p' | 'u' | 'f';
    definition: string;
    columns: string[];
    referenced: string | null;
  }>`
    select c.conrelid::regclass::text as table, c.conname as name, c.contype as type,
      pg_get_constraintdef(c.oid) as definition,
      array(
        select a.attname::text from unnest(c.conkey) with ordinality k (attnum, position)
          join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
        order by k.position
      ) as columns,
      c.confrelid::regclass::text as referenced
    from pg_constraint c join pg_class r on r.oid = c.conrelid
    where c.connamespace = 'public'::regnamespace and c.contype in ('p', 'u', 'f')
      and not r.relispartition
    order by 1, 2
  `.execute(db);

  const { rows: indexes } = await sql<{ table: string; name: string; definition: string }>`
    select i.indrelid::regclass::text as table, i.indexrelid::regclass::text as name,
      pg_get_indexdef(i.indexrelid) as definition
    from pg_index i join pg_class r on r.oid = i.indrelid
    where r.relnamespace = 'public'::regnamespace and i.indisunique and not r.relispartition
      and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
    order by 1, 2
  `.execute(db);

  const keysWithoutTenant: KeyFinding[] = [];
  const foreignKeysWithoutTenant: ForeignKeyFinding[] = [];
  for (const c of constraints) {
    if (c.columns.includes(TENANT)) continue;
    if (c.type === 'f') {
      if (c.referenced === null || !tenantTables.has(c.referenced)) continue;
      const [, from = '', to = ''] =
        /^FOREIGN KEY \((.*?)\) REFERENCES \w+\((.*?)\)/.exec(c.definition) ?? [];
      foreignKeysWithoutTenant.push({
        table: c.table,
        name: c.name,
        definition: c.definition,
        advice: `FOREIGN KEY (${TENANT}, ${from}) REFERENCES ${c.referenced} (${TENANT}, ${to})`,
      });
      continue;
    }
    if (!tenantTables.has(c.table)) continue;
    const columns = c.columns.join(', ');
    keysWithoutTenant.push({
      table: c.table,
      name: c.name,
      kind: c.type === 'p' ? 'primary key' : 'unique',
      definition: c.definition,
      advice:
        c.type === 'u' && c.columns.length === 1 && !c.columns[0]?.endsWith('id')
          ? `unique across organizations: (${TENANT}, ${columns}) plus a lookup table keyed by ${columns}`
          : `(${TENANT}, ${columns})`,
    });
  }
  for (const index of indexes) {
    if (!tenantTables.has(index.table)) continue;
    const using = /USING \w+ \(([^)]*)\)/.exec(index.definition)?.[1] ?? '';
    if (using.split(',').some((c) => c.trim() === TENANT)) continue;
    keysWithoutTenant.push({
      table: index.table,
      name: index.name,
      kind: 'unique index',
      definition: index.definition.replace(/^CREATE UNIQUE INDEX \S+ ON \S+ USING \w+ /, ''),
      advice: `(${TENANT}, ${using})`,
    });
  }

  const { rows: lookups } = await sql<{ name: string; arguments: string }>`
    select p.proname as name, pg_get_function_identity_arguments(p.oid) as arguments
    from pg_proc p
    where p.pronamespace = 'public'::regnamespace and p.prosecdef
    order by 1
  `.execute(db);

  const { rows: triggers } = await sql<TriggerFinding>`
    select t.tgrelid::regclass::text as table, t.tgname as name
    from pg_trigger t join pg_class r on r.oid = t.tgrelid
    where r.relnamespace = 'public'::regnamespace and not t.tgisinternal and not r.relispartition
    order by 1, 2
  `.execute(db);

  return {
    postgresVersion: meta[0]?.version ?? 'unknown',
    schemaVersion: meta[0]?.schema ?? 'not migrated',
    tables: tables.length,
    tablesWithoutTenant: tables
      .filter((t) => !t.tenant)
      .map((t) => ({ table: t.table, advice: tableAdvice(t.table) })),
    keysWithoutTenant,
    foreignKeysWithoutTenant,
    tenantlessLookups: lookups.map((l) => ({
      ...l,
      takesTenant: /\bp_organization\w*\b/.test(l.arguments),
    })),
    triggers,
    statementsWithoutTenant: statementsWithoutTenant(repositories),
  };
}

const QUERY = /\.(selectFrom|updateTable|deleteFrom|insertInto|mergeInto)\(|\bsql(<[^`]*>)?`/;
const SENT = /\.(execute\w*|stream)\(/;
const NAMES_TENANT = /\borganization_?[iI]d\b/;

/**
 * The functions of the repository files (`*.ts`, not tests) that send statements and never
 * name the tenant (`organization_id`, or an `organizationId` they pass on): inside
 * `withTenant` row-level security filters them, but the statement itself does not say which
 * tenant it is for. A reading of the source, not a parser: a top-level function runs from
 * its `function` line to the next top-level one.
 */
export function statementsWithoutTenant(repositories: string): StatementFinding[] {
  const findings: StatementFinding[] = [];
  const files = readdirSync(repositories)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  for (const file of files) {
    const source = readFileSync(path.join(repositories, file), 'utf8');
    const starts = [...source.matchAll(/^(?:export )?(?:async )?function\*? (\w+)/gm)];
    starts.forEach((start, i) => {
      const body = source.slice(start.index, starts[i + 1]?.index ?? source.length);
      if (QUERY.test(body) && SENT.test(body) && !NAMES_TENANT.test(body)) {
        findings.push({ file, functionName: start[1] ?? '' });
      }
    });
  }
  return findings;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '_none_';
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const code = (text: string) => `\`${text.replaceAll('|', '\\|')}\``;

/** The inspection as Markdown, ending with one `citus-readiness:` summary line. */
export function formatCitusReadiness(r: CitusReadiness): string {
  const byFile = new Map<string, string[]>();
  for (const s of r.statementsWithoutTenant) {
    byFile.set(s.file, [...(byFile.get(s.file) ?? []), s.functionName]);
  }
  return [
    `Schema ${code(r.schemaVersion)} on PostgreSQL ${r.postgresVersion}: ${r.tables} tables ` +
      '(a partitioned table counted once).',
    '',
    `**Tables without \`${TENANT}\`** (${r.tablesWithoutTenant.length}):`,
    '',
    table(
      ['table', 'to do'],
      r.tablesWithoutTenant.map((t) => [code(t.table), t.advice]),
    ),
    '',
    `**Primary keys and unique constraints without \`${TENANT}\`** (${r.keysWithoutTenant.length}); ` +
      'Citus enforces uniqueness only when the distribution column is part of the key:',
    '',
    table(
      ['table', 'constraint', 'now', 'becomes'],
      r.keysWithoutTenant.map((k) => [
        code(k.table),
        `${code(k.name)} (${k.kind})`,
        code(k.definition),
        code(k.advice),
      ]),
    ),
    '',
    `**Foreign keys between tenant tables without \`${TENANT}\`** ` +
      `(${r.foreignKeysWithoutTenant.length}); the referenced table needs a unique ` +
      `(${TENANT}, id) for each:`,
    '',
    table(
      ['table', 'constraint', 'now', 'becomes'],
      r.foreignKeysWithoutTenant.map((f) => [
        code(f.table),
        code(f.name),
        code(f.definition),
        code(f.advice),
      ]),
    ),
    '',
    `**Lookups that run before the tenant is known, or across tenants** ` +
      `(${r.tenantlessLookups.length} owner-defined functions): without the tenant Citus sends ` +
      'them to every shard; the ones that find the tenant from a secret, an email or a run ' +
      'need a lookup table keyed by what they take, the sweeps may stay multi-shard:',
    '',
    table(
      ['function', 'takes the tenant'],
      r.tenantlessLookups.map((l) => [
        code(`${l.name}(${l.arguments})`),
        l.takesTenant ? 'yes' : 'no',
      ]),
    ),
    '',
    `**Triggers** (${r.triggers.length}); Citus runs triggers on distributed tables only with ` +
      '`citus.enable_unsafe_triggers`, and they may touch only their own shard:',
    '',
    table(
      ['table', 'trigger'],
      r.triggers.map((t) => [code(t.table), code(t.name)]),
    ),
    '',
    `**Repository functions whose statements name no tenant** ` +
      `(${r.statementsWithoutTenant.length}, in packages/db/src/repositories): row-level ` +
      'security filters them by `app_current_organization()`, which Citus cannot route ' +
      `by; each needs \`${TENANT} = $1\` in its statements:`,
    '',
    table(
      ['file', 'functions'],
      [...byFile].map(([file, names]) => [code(file), names.map(code).join(', ')]),
    ),
    '',
    `Output: \`citus-readiness: tables=${r.tables}` +
      ` tables_without_tenant=${r.tablesWithoutTenant.length}` +
      ` keys_without_tenant=${r.keysWithoutTenant.length}` +
      ` foreign_keys_without_tenant=${r.foreignKeysWithoutTenant.length}` +
      ` tenantless_lookups=${r.tenantlessLookups.length}` +
      ` triggers=${r.triggers.length}` +
      ` statements_without_tenant=${r.statementsWithoutTenant.length}\``,
  ].join('\n');
}

/** Replaces what stands between `<!-- name -->` and `<!-- /name -->` in `document`. */
export function replaceSection(document: string, name: string, content: string): string {
  const open = `<!-- ${name} -->`;
  const close = `<!-- /${name} -->`;
  const start = document.indexOf(open);
  const end = document.indexOf(close);
  if (start === -1 || end < start) throw new Error(`no ${open} … ${close} section`);
  return `${document.slice(0, start + open.length)}\n\n${content}\n\n${document.slice(end)}`;
}
