import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createTestServer,
  rosterRows,
  startAnsweringRun,
  storeAnswers,
  type AnsweringRun,
  type TestServer,
} from '../../test-support.js';
import { csvCell } from './export-csv.js';

describe('csvCell', () => {
  test.each(['=1+2', '+1', '-1+2', '@SUM(A1)', '\tx', '\rx'])(
    'text a spreadsheet would run (%j) is shown behind an apostrophe',
    (text) => {
      expect(csvCell(text)).toBe(`'${text}`);
    },
  );

  test('numbers stay numbers, negative ones too; other text and nothing are as they are', () => {
    expect(csvCell(-0.52)).toBe('-0.52');
    expect(csvCell(3)).toBe('3');
    expect(csvCell('Customer Focus')).toBe('Customer Focus');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });
});

// Someone names teams like formulas in the roster; an executive opens the export.
describe('the CSV export of a run whose teams are named like formulas', () => {
  let t: TestServer;
  let run: AnsweringRun;

  beforeAll(async () => {
    t = await createTestServer();
    run = await startAnsweringRun(t.server, t.db, {
      organization: 'Formula Co',
      people: [
        ...rosterRows('formula.test', 'lead', '-Leads', 'leadership', 6),
        ...rosterRows('formula.test', 'front', '=1+2', 'frontline', 6),
      ],
      dimensions: ['staffing', 'feasibility'],
    });
    const teams = await t.server.inject({ url: '/api/v1/teams', headers: bearer(run.org.token) });
    const idOf = new Map(
      teams.json<{ items: { id: string; name: string }[] }>().items.map((x) => [x.name, x.id]),
    );
    const group = (team: string, tier: 'leadership' | 'frontline', value: number) =>
      Array.from({ length: 6 }, () => ({
        teamId: idOf.get(team) ?? null,
        tier,
        values: { staffing: value, feasibility: value },
      }));
    await storeAnswers(t.db, run.org.organizationId, run.runId, [
      ...group('-Leads', 'leadership', 1),
      ...group('=1+2', 'frontline', 5),
    ]);
  });
  afterAll(() => t.close());

  test('team names are shown, never run, and the negative gaps stay numbers', async () => {
    const csv = await t.server.inject({
      url: `/api/v1/runs/${run.runId}/export.csv`,
      headers: bearer(run.org.token),
    });
    expect(csv.statusCode, csv.body).toBe(200);
    const rows = parse<Record<string, string>>(csv.body, { columns: true });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.team)).toContain("'=1+2");
    for (const row of rows) {
      expect(row.team === '' || row.team === "'=1+2").toBe(true);
      expect(row.gap).toMatch(/^-\d/);
      expect(Number(row.gap)).toBeLessThan(0);
    }
  });
});
