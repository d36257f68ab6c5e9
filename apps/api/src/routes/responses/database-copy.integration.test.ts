import { sealedResponseLength } from '@pulsegap/anonymity';
import { COMMENT_MAX_LENGTH } from '@pulsegap/domain';
import { requestDueReleases } from '@pulsegap/jobs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asOwner, closeByHand, releaseByWorker, send, takeToken } from '../../attack-support.js';
import {
  createTestServer,
  rosterRows,
  startAnsweringRun,
  type AnsweringRun,
  type TestServer,
} from '../../test-support.js';

const DIMENSIONS = ['staffing', 'feasibility', 'clarity'];
const ROSTER = [
  ...rosterRows('copy.test', 'exec', 'Exec', 'leadership', 6),
  ...rosterRows('copy.test', 'eng', 'Eng', 'frontline', 8),
  ...rosterRows('copy.test', 'sales', 'Sales', 'frontline', 10),
];
const N = ROSTER.length;

/**
 * The chance that a uniformly random permutation of `n` items has at least `m` fixed points:
 * P(X = j) = (1/j!) Σ_{i=0}^{n−j} (−1)^i / i! (the rencontres numbers over n!).
 */
function fixedPointTail(n: number, m: number): number {
  const factorial = (k: number) =>
    Array.from({ length: k }, (_, i) => i + 1).reduce((a, b) => a * b, 1);
  let tail = 0;
  for (let j = m; j <= n; j += 1) {
    let sum = 0;
    for (let i = 0; i <= n - j; i += 1) sum += (i % 2 === 0 ? 1 : -1) / factorial(i);
    tail += sum / factorial(j);
  }
  return tail;
}

// Two orderings are tried below (heap order and id order): with at most BOUND fixed points
// allowed in each, a correct service fails this test with probability at most
// 2 × P(X ≥ BOUND + 1) for X the fixed points of a uniform permutation of 24: 2 × 1.0e-5 ≈ 2e-5.
const BOUND = 7;
const FALSE_FAILURE = 2 * fixedPointTail(N, BOUND + 1);

/** What person `i` answers: a combination no one else gives, so the test can tell who is who. */
const valuesOf = (i: number) => ({
  staffing: 1 + (i % 5),
  feasibility: 1 + (Math.floor(i / 5) % 5),
  clarity: 3,
});
const signature = (values: { staffing: unknown; feasibility: unknown }) =>
  `${String(values.staffing)},${String(values.feasibility)}`;

/** A comment as long as the service takes (in UTF-16 units, two bytes each), a short one, or none. */
function commentOf(i: number): string | undefined {
  if (i % 3 === 0) return 'ü'.repeat(COMMENT_MAX_LENGTH);
  if (i % 3 === 1) return 'short';
  return undefined;
}

/** `(page,offset)` as numbers, for sorting rows in heap order. */
function heapPosition(ctid: string): [number, number] {
  const [page, offset] = ctid.replace(/[()]/g, '').split(',').map(Number);
  return [page ?? 0, offset ?? 0];
}

function byHeap(a: { ctid: string }, b: { ctid: string }): number {
  const [pa, oa] = heapPosition(a.ctid);
  const [pb, ob] = heapPosition(b.ctid);
  return pa - pb || oa - ob;
}

describe('someone holding a copy of the database taken after close', () => {
  let t: TestServer;
  let run: AnsweringRun;
  /** Emails in the order their tokens were claimed (and answers sent, right after). */
  const claimed: string[] = [];
  /** Who sent which answers. */
  const authorOf = new Map<string, string>();
  let windowStart: Date;
  let windowEnd: Date;
  /** The data file that held the run's sealed rows while it was open. */
  let sealedFile = '';

  const clock = () =>
    asOwner(null, async (owner) => {
      const { rows } = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(owner);
      return rows[0]?.now ?? new Date(NaN);
    });

  beforeAll(async () => {
    t = await createTestServer();
    run = await startAnsweringRun(t.server, t.db, {
      organization: 'Database Copy Co',
      people: ROSTER,
      dimensions: DIMENSIONS,
    });
    windowStart = await clock();
    // One person at a time: open the link, collect the token, send at once; then the next.
    // Exactly the pattern that made each response the transaction after its token claim.
    const emails = ROSTER.map((row) => row.split(',')[0] ?? '');
    const order = emails.map((_, i) => emails[(i * 7) % N] ?? '');
    for (const [i, email] of order.entries()) {
      const ballot = await takeToken(t.server, run.secretOf(email));
      const values = valuesOf(i);
      const sent = await send(t.server, ballot, values, commentOf(i));
      expect(sent.statusCode, sent.body).toBe(201);
      claimed.push(email);
      authorOf.set(signature(values), email);
    }
    windowEnd = await clock();
  }, 180_000);
  afterAll(() => t.close());

  test(`the bound on fixed points is one a correct service fails with probability ${FALSE_FAILURE.toExponential(1)}`, () => {
    expect(new Set(claimed).size).toBe(N);
    expect(authorOf.size).toBe(N);
    expect(FALSE_FAILURE).toBeLessThan(1e-4);
    // One fewer allowed would no longer be below 1e-4.
    expect(2 * fixedPointTail(N, BOUND)).toBeGreaterThan(1e-4);
  });

  test('while open, nothing is in the responses table and every sealed row has the same length, long comment, short or none', async () => {
    // The adversary looks at sealed rows before close: a length would tell a long comment
    // (then shown in the release) from none, and a row in `responses` would be dated.
    const rows = await asOwner(run.org.organizationId, async (owner) => {
      const sealed = await sql<{ length: number }>`
        select octet_length(sealed) as length from sealed_responses where run_id = ${run.runId}
      `.execute(owner);
      const stored = await owner
        .selectFrom('responses')
        .select('id')
        .where('run_id', '=', run.runId)
        .execute();
      return { sealed: sealed.rows.map((r) => r.length), stored: stored.length };
    });
    expect(rows.stored).toBe(0);
    expect(rows.sealed).toHaveLength(N);
    const length = sealedResponseLength({
      questionCount: DIMENSIONS.length,
      commentUnits: COMMENT_MAX_LENGTH,
    });
    expect(new Set(rows.sealed)).toEqual(new Set([length]));
    // The fixture holds all three kinds.
    expect(new Set(claimed.map((_, i) => commentOf(i)?.length ?? 0))).toEqual(
      new Set([COMMENT_MAX_LENGTH, 5, 0]),
    );
  });

  test("while open, the run's sealed rows are a table of their own, which the application role cannot read but through sealed_responses", async () => {
    const partition = await asOwner(null, async (owner) => {
      const { rows } = await sql<{ name: string; file: string; size: number }>`
        select c.relname as name, pg_relation_filepath(c.oid) as file,
               pg_relation_size(c.oid)::int as size
          from pg_class c where c.relname = sealed_responses_partition(${run.runId})
      `.execute(owner);
      return rows[0];
    });
    expect(partition?.size).toBeGreaterThan(N * 4000);
    sealedFile = partition?.file ?? '';
    const direct = await t.db
      .transaction()
      .execute((trx) => sql`select count(*) from ${sql.table(partition?.name ?? '')}`.execute(trx))
      .then(
        () => 'read',
        (error: unknown) => (error as { code?: string }).code,
      );
    expect(direct).toBe('42501');
  });

  test('after close, xmin, ctid, ids, timestamps and the outbox match responses to claims no better than chance', async () => {
    await closeByHand(t.server, run.org.token, run.runId);
    await releaseByWorker(t.db, run.org.organizationId, run.runId);

    const copy = await asOwner(run.org.organizationId, async (owner) => {
      const claims = await sql<{ email: string; xmin: string; ctid: string }>`
        select p.email, i.xmin::text as xmin, i.ctid::text as ctid
          from invitations i join people p on p.id = i.person_id
         where i.run_id = ${run.runId} and i.token_collected
         order by i.xmin::text::bigint
      `.execute(owner);
      const responses = await sql<{
        id: string;
        xmin: string;
        ctid: string;
        answers: (number | null)[];
      }>`
        select id, xmin::text as xmin, ctid::text as ctid, answers
          from responses where run_id = ${run.runId}
      `.execute(owner);
      const positions = await sql<{ dimension: string; position: number }>`
        select dimension, position from run_questions where run_id = ${run.runId}
      `.execute(owner);
      const release = await sql<{ xmin: string }>`
        select xmin::text as xmin from run_releases where run_id = ${run.runId}
      `.execute(owner);
      const sealed = await sql<{ n: number }>`
        select count(*)::int as n from sealed_responses where run_id = ${run.runId}
      `.execute(owner);
      const datedColumns = await sql<{ table_name: string; column_name: string }>`
        select table_name, column_name from information_schema.columns
         where table_schema = 'public'
           and table_name in ('responses', 'sealed_responses', 'outbox')
           and (data_type like 'time%' or data_type in ('date', 'interval'))
      `.execute(owner);
      const outbox = await sql<{ job_name: string }>`
        select job_name from outbox
         where payload ->> 'runId' = ${run.runId}
            or payload ->> 'organizationId' = ${run.org.organizationId}
      `.execute(owner);
      const mail = await sql<{ created_at: Date }>`
        select created_at from outbound_messages where organization_id = ${run.org.organizationId}
      `.execute(owner);
      return {
        claims: claims.rows,
        responses: responses.rows,
        positions: new Map(positions.rows.map((q) => [q.dimension, q.position])),
        releaseXmin: release.rows[0]?.xmin,
        sealed: sealed.rows[0]?.n,
        datedColumns: datedColumns.rows,
        outbox: outbox.rows,
        mail: mail.rows,
      };
    });

    // The adversary's side of the pairing is sound: transaction ids give the claim order.
    expect(copy.claims.map((c) => c.email)).toEqual(claimed);

    // All of the run's responses were written in one transaction, the release's, at close.
    expect(copy.responses).toHaveLength(N);
    expect(new Set(copy.responses.map((r) => r.xmin))).toEqual(new Set([copy.releaseXmin]));
    expect(copy.sealed).toBe(0);
    // Nothing in a response row dates it: no time column, and random (version 4) ids.
    expect(copy.datedColumns).toEqual([]);
    for (const r of copy.responses) expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);

    // No outbox row dates anything (the table has no time, and a relayed row is deleted),
    // and what is left asks only for invitations, the release or keys made ahead for a run,
    // never for anything per submission. No mail was made while people were answering.
    const during = (at: Date) => at >= windowStart && at <= windowEnd;
    for (const row of copy.outbox) {
      expect(['deliver-invitations', 'release-run', 'stock-segment-keys']).toContain(row.job_name);
    }
    expect(copy.mail.filter((row) => during(row.created_at))).toEqual([]);

    // The natural matching: the i-th claim with the i-th response, in heap or in id order.
    const authorOfRow = (r: { answers: (number | null)[] }) =>
      authorOf.get(
        signature({
          staffing: r.answers[copy.positions.get('staffing') ?? -1],
          feasibility: r.answers[copy.positions.get('feasibility') ?? -1],
        }),
      );
    const fixedPoints = (ordered: { answers: (number | null)[] }[]) =>
      ordered.filter((r, i) => authorOfRow(r) === claimed[i]).length;
    const inHeapOrder = [...copy.responses].sort(byHeap);
    expect(new Set(inHeapOrder.map(authorOfRow))).toEqual(new Set(claimed));
    const inIdOrder = [...copy.responses].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(fixedPoints(inHeapOrder)).toBeLessThanOrEqual(BOUND);
    expect(fixedPoints(inIdOrder)).toBeLessThanOrEqual(BOUND);
  });

  test('after close, no byte of a sealed row is left in the data directory, and the sweep drops the emptied table', async () => {
    expect(sealedFile).not.toBe('');
    // Emptied by TRUNCATE at release: the file is gone or (until the next checkpoint) empty;
    // a DELETE would have left every sealed row in its page, marked dead.
    const size = await asOwner(null, async (owner) => {
      const { rows } = await sql<{ size: number | null }>`
        select (pg_stat_file(${sealedFile}, true)).size::int as size
      `.execute(owner);
      return rows[0]?.size ?? null;
    });
    expect(size ?? 0).toBe(0);

    await requestDueReleases(t.db);
    const left = await asOwner(null, async (owner) => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_class
         where relname = sealed_responses_partition(${run.runId})
      `.execute(owner);
      return rows[0]?.n;
    });
    expect(left).toBe(0);
  });
});
