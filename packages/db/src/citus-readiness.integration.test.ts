import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openOwnerDatabase, testDatabaseUrl } from '@pulsegap/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCitusReadiness, inspectCitusReadiness, replaceSection } from './citus-readiness.js';
import { LATEST_MIGRATION } from './migrate.js';

const run = promisify(execFile);
const repositories = fileURLToPath(new URL('./repositories/', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const SUMMARY =
  /^Output: `citus-readiness: tables=\d+ tables_without_tenant=\d+ keys_without_tenant=\d+ foreign_keys_without_tenant=\d+ tenantless_lookups=\d+ triggers=\d+ statements_without_tenant=\d+`$/;

describe('the Citus readiness of the schema', () => {
  const owner = openOwnerDatabase();
  afterAll(() => owner.destroy());

  it('finds what leaves out organization_id in the migrated test database', async () => {
    const readiness = await inspectCitusReadiness(owner, repositories);
    expect(readiness.schemaVersion).toBe(LATEST_MIGRATION);
    expect(readiness.tablesWithoutTenant.map((t) => t.table)).toContain('organizations');
    const keys = readiness.keysWithoutTenant.map((k) => k.name);
    expect(keys).toEqual(expect.arrayContaining(['users_email_key', 'teams_pkey']));
    // Keys that include the tenant already are not findings.
    expect(keys).not.toContain('teams_organization_id_name_key');
    expect(readiness.keysWithoutTenant.find((k) => k.name === 'teams_pkey')?.advice).toBe(
      '(organization_id, id)',
    );
    const foreignKeys = readiness.foreignKeysWithoutTenant.map((f) => f.name);
    expect(foreignKeys).toContain('teams_parent_id_fkey');
    expect(foreignKeys.filter((name) => name.endsWith('_organization_id_fkey'))).toEqual([]);
    expect(readiness.tenantlessLookups.map((l) => l.name)).toContain('auth_login_lookup');
    // A function that names the tenant in its statement is not listed.
    const functions = readiness.statementsWithoutTenant.map((s) => s.functionName);
    expect(functions).toContain('listPriorities');
    expect(functions).not.toContain('createPriority');
    const report = formatCitusReadiness(readiness);
    expect(report.split('\n').at(-1)).toMatch(SUMMARY);
  });

  it('is written between the markers of a document by the command', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'pulsegap-citus-'));
    try {
      const document = path.join(folder, 'SCALING.md');
      writeFileSync(
        document,
        '# Scaling\n\n<!-- citus-readiness -->\nstale report\n<!-- /citus-readiness -->\n',
      );
      const { stdout } = await run(
        process.execPath,
        [
          '--conditions=pulsegap-source',
          '--import',
          'tsx',
          'packages/db/src/citus-readiness-cli.ts',
          '--write',
          document,
        ],
        { cwd: root, env: { ...process.env, DATABASE_URL: testDatabaseUrl() } },
      );
      expect(stdout.trim()).toMatch(SUMMARY);
      const written = readFileSync(document, 'utf8');
      expect(written).not.toContain('stale report');
      expect(written).toMatch(/<!-- citus-readiness -->\n\nSchema `[^`]+` on PostgreSQL /);
      expect(written).toContain('**Foreign keys between tenant tables without `organization_id`**');
      expect(written.trimEnd().endsWith('<!-- /citus-readiness -->')).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses a document without the markers', () => {
    expect(() => replaceSection('# nothing here', 'citus-readiness', 'x')).toThrow(/no <!--/);
  });
});
