import { randomBytes } from 'node:crypto';
import { createRunFixture, openOwnerDatabase, openTestDatabase } from '@pulsegap/testing';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DatabaseHandle } from '../database.js';
import type { Database } from '../schema.js';
import { withTenant } from '../tenant.js';
import { admitResponses, storeResponses, type NewResponse } from './responses.js';

const response = (answers: readonly (number | null)[], comment: string | null = null) =>
  ({
    segmentTeamId: null,
    segmentTier: 'frontline',
    tokenHash: randomBytes(32),
    comment,
    answers,
  }) satisfies NewResponse;

describe('admitResponses: a batch in one statement', () => {
  let handle: DatabaseHandle;
  let owner: Kysely<Database>;
  beforeAll(async () => {
    handle = await openTestDatabase();
    owner = openOwnerDatabase();
  });
  afterAll(async () => {
    await owner.destroy();
    await handle.close();
  });

  const job = (runId: string) => ({
    name: 'recompute-run',
    key: `recompute-run-${runId}`,
    payload: { runId },
  });
  const stored = (runId: string) =>
    owner
      .selectFrom('responses')
      .select(['token_hash', 'answers', 'comment'])
      .where('run_id', '=', runId)
      .execute();

  test('stores new responses with their answers and comments, and skips used tokens', async () => {
    const { organizationId, runId } = await createRunFixture(handle.db, {
      leadership: [],
      frontline: [],
    });
    const first = response([4], 'More people on the late shift.');
    const second = response([null]);
    const admitted = await admitResponses(
      handle.db,
      organizationId,
      runId,
      [first, second],
      job(runId),
    );
    expect(admitted.open).toBe(true);
    expect([...admitted.stored].sort()).toEqual(
      [first, second].map((r) => r.tokenHash.toString('hex')).sort(),
    );
    const third = response([2]);
    const again = await admitResponses(
      handle.db,
      organizationId,
      runId,
      [first, third],
      job(runId),
    );
    expect([...again.stored]).toEqual([third.tokenHash.toString('hex')]);
    const rows = await stored(runId);
    expect(rows.map((r) => [r.token_hash.toString('hex'), r.answers, r.comment]).sort()).toEqual(
      [
        [first.tokenHash.toString('hex'), [4], 'More people on the late shift.'],
        [second.tokenHash.toString('hex'), [null], null],
        [third.tokenHash.toString('hex'), [2], null],
      ].sort(),
    );
    const pending = await owner
      .selectFrom('outbox')
      .select('job_key')
      .where('job_key', '=', `recompute-run-${runId}`)
      .where('dispatched_at', 'is', null)
      .execute();
    expect(pending).toHaveLength(1);
  });

  test('keeps each response answers apart in a batch of many', async () => {
    const { organizationId, runId } = await createRunFixture(handle.db, {
      leadership: [],
      frontline: [],
    });
    const wide = Array.from({ length: 40 }, (_, i) =>
      response([1 + (i % 5), i % 3 === 0 ? null : 5, 1 + ((i * 7) % 5)]),
    );
    // The statement slices the answers by width; the fixture run has one question, which
    // the column does not check.
    const admitted = await admitResponses(handle.db, organizationId, runId, wide, job(runId));
    expect(admitted.stored.size).toBe(40);
    const byHash = new Map(
      (await stored(runId)).map((r) => [r.token_hash.toString('hex'), r.answers]),
    );
    for (const r of wide) expect(byHash.get(r.tokenHash.toString('hex'))).toEqual(r.answers);
  });

  test('stores nothing for a closed run, and nothing of another organization', async () => {
    const { organizationId, runId } = await createRunFixture(handle.db, {
      leadership: [],
      frontline: [],
    });
    const other = await createRunFixture(handle.db, { leadership: [], frontline: [] });
    // The run of another organization is invisible to this one: as good as closed.
    const foreign = await admitResponses(
      handle.db,
      organizationId,
      other.runId,
      [response([3])],
      job(other.runId),
    );
    expect(foreign).toEqual({ open: false, stored: new Set() });
    expect(await stored(other.runId)).toEqual([]);

    await withTenant(handle.db, organizationId, (trx) =>
      trx.updateTable('runs').set({ closed_at: new Date() }).where('id', '=', runId).execute(),
    );
    const late = await admitResponses(
      handle.db,
      organizationId,
      runId,
      [response([3])],
      job(runId),
    );
    expect(late).toEqual({ open: false, stored: new Set() });
    expect(await stored(runId)).toEqual([]);
  });

  test('is its own transaction: the tenant setting ends with it', async () => {
    const { organizationId, runId } = await createRunFixture(handle.db, {
      leadership: [],
      frontline: [],
    });
    // One connection: the statement after the batch runs where the batch ran.
    const single = await openTestDatabase();
    try {
      const connection = await single.db.connection().execute(async (db) => {
        await admitResponses(db, organizationId, runId, [response([5])], job(runId));
        const { rows } = await sql<{ v: string | null; inTransaction: boolean }>`
          select current_setting('app.organization_id', true) as v,
                 now() <> statement_timestamp() as "inTransaction"
        `.execute(db);
        return rows[0];
      });
      expect(connection?.v ?? '').toBe('');
      expect(connection?.inTransaction).toBe(false);
      expect(await stored(runId)).toHaveLength(1);
    } finally {
      await single.close();
    }
  });

  // PRODUCT.md §6.2: responses are written in shuffled batches, so that storage order says
  // nothing about who answered when. Token hashes are of random messages: their order is
  // random and independent of arrival.
  test.each([
    [
      'admitResponses',
      (organizationId: string, runId: string, batch: readonly NewResponse[]) =>
        admitResponses(handle.db, organizationId, runId, batch, job(runId)),
    ],
    [
      'storeResponses',
      (organizationId: string, runId: string, batch: readonly NewResponse[]) =>
        withTenant(handle.db, organizationId, (trx) =>
          storeResponses(trx, organizationId, runId, batch),
        ),
    ],
  ])(
    '%s stores a batch in token-hash order, not arrival order, with random ids',
    async (_name, write) => {
      const { organizationId, runId } = await createRunFixture(handle.db, {
        leadership: [],
        frontline: [],
      });
      const hex = (hashes: readonly Buffer[]) => hashes.map((h) => h.toString('hex'));
      const batch = Array.from({ length: 50 }, (_, i) => response([1 + (i % 5)]));
      const byHash = batch.map((r) => r.tokenHash).sort((x, y) => Buffer.compare(x, y));
      // Arriving in the reverse of token-hash order, so that the two orders cannot agree.
      const arrival = [...batch].sort((x, y) => Buffer.compare(y.tokenHash, x.tokenHash));
      await write(organizationId, runId, arrival);
      const { rows } = await sql<{ id: string; token_hash: Buffer }>`
        select id, token_hash from responses where run_id = ${runId} order by ctid
      `.execute(owner);
      const physical = rows.map((r) => r.token_hash);
      expect(hex(physical)).toEqual(hex(byHash));
      expect(hex(physical)).not.toEqual(hex(arrival.map((r) => r.tokenHash)));
      // Ids are random (version 4, made by the database), so they do not follow storage order.
      const ids = rows.map((r) => r.id);
      for (const id of ids) {
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
      expect(ids).not.toEqual([...ids].sort());
    },
  );

  test('refuses a batch whose responses answer different numbers of questions', async () => {
    const { organizationId, runId } = await createRunFixture(handle.db, {
      leadership: [],
      frontline: [],
    });
    await expect(
      admitResponses(
        handle.db,
        organizationId,
        runId,
        [response([1]), response([1, 2])],
        job(runId),
      ),
    ).rejects.toThrow(RangeError);
    expect(await stored(runId)).toEqual([]);
  });
});
