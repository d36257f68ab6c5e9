import { randomBytes } from 'node:crypto';
import { createRunFixture, openOwnerDatabase, openTestDatabase } from '@pulsegap/testing';
import {
  InsertQueryNode,
  PrimitiveValueListNode,
  sql,
  ValuesNode,
  type Kysely,
  type KyselyPlugin,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DatabaseHandle } from '../database.js';
import type { Database } from '../schema.js';
import { withTenant } from '../tenant.js';
import { sealResponses, storeResponses, type SealedSubmission } from './responses.js';

// The sealed content is opaque here: the database never sees the key (packages/anonymity
// seals it). These tests fill it with random bytes of one length, as a run's would be.
const sealed = (): SealedSubmission => ({
  segmentTeamId: null,
  segmentTier: 'frontline',
  tokenHash: randomBytes(32),
  sealed: randomBytes(64),
});

describe('sealResponses: a batch in one statement', () => {
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

  const waiting = (runId: string) =>
    owner
      .selectFrom('sealed_responses')
      .select(['token_hash', 'sealed'])
      .where('run_id', '=', runId)
      .execute();
  const hex = (hashes: readonly Buffer[]) => hashes.map((h) => h.toString('hex')).sort();

  test('stores new sealed responses as they are, refuses used tokens, and asks for no job', async () => {
    const { organizationId, runId } = await createRunFixture(handle.db, {
      leadership: [],
      frontline: [],
    });
    const [first, second, third] = [sealed(), sealed(), sealed()] as const;
    const admitted = await sealResponses(handle.db, organizationId, runId, [first, second]);
    expect(admitted.open).toBe(true);
    expect([...admitted.stored].sort()).toEqual(hex([first.tokenHash, second.tokenHash]));
    const again = await sealResponses(handle.db, organizationId, runId, [first, third]);
    expect([...again.stored]).toEqual([third.tokenHash.toString('hex')]);
    const rows = await waiting(runId);
    expect(
      rows.map((r) => [r.token_hash.toString('hex'), r.sealed.toString('hex')]).sort(),
    ).toEqual(
      [first, second, third]
        .map((s) => [s.tokenHash.toString('hex'), s.sealed.toString('hex')])
        .sort(),
    );
    // Nothing reaches the responses table, and nothing is queued, while the run is open:
    // an outbox row per batch would date it.
    expect(
      await owner.selectFrom('responses').select('id').where('run_id', '=', runId).execute(),
    ).toEqual([]);
    const { rows: jobs } = await sql<{ key: string }>`
      select job_key as key from outbox where payload->>'runId' = ${runId}
    `.execute(owner);
    expect(jobs).toEqual([]);
  });

  test('stores nothing for a closed run, and nothing of another organization', async () => {
    const { organizationId, runId } = await createRunFixture(handle.db, {
      leadership: [],
      frontline: [],
    });
    const other = await createRunFixture(handle.db, { leadership: [], frontline: [] });
    // The run of another organization is invisible to this one: as good as closed.
    const foreign = await sealResponses(handle.db, organizationId, other.runId, [sealed()]);
    expect(foreign).toEqual({ open: false, stored: new Set() });
    expect(await waiting(other.runId)).toEqual([]);

    await withTenant(handle.db, organizationId, (trx) =>
      trx.updateTable('runs').set({ closed_at: new Date() }).where('id', '=', runId).execute(),
    );
    expect(await sealResponses(handle.db, organizationId, runId, [sealed()])).toEqual({
      open: false,
      stored: new Set(),
    });
    expect(await waiting(runId)).toEqual([]);
  });

  test('stores nothing once the deadline has passed, though nobody closed the run', async () => {
    const { organizationId, runId } = await createRunFixture(handle.db, {
      leadership: [],
      frontline: [],
    });
    await withTenant(handle.db, organizationId, (trx) =>
      trx
        .updateTable('runs')
        .set({ closes_at: new Date(Date.now() - 1000) })
        .where('id', '=', runId)
        .execute(),
    );
    expect((await sealResponses(handle.db, organizationId, runId, [sealed()])).open).toBe(false);
    expect(await waiting(runId)).toEqual([]);
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
        await sealResponses(db, organizationId, runId, [sealed()]);
        const { rows } = await sql<{ v: string | null; inTransaction: boolean }>`
          select current_setting('app.organization_id', true) as v,
                 now() <> statement_timestamp() as "inTransaction"
        `.execute(db);
        return rows[0];
      });
      expect(connection?.v ?? '').toBe('');
      expect(connection?.inTransaction).toBe(false);
      expect(await waiting(runId)).toHaveLength(1);
    } finally {
      await single.close();
    }
  });
});

describe('storeResponses: a release writes a run at once', () => {
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

  test('sends the responses in the order given, with random ids, in one transaction', async () => {
    const { organizationId, runId } = await createRunFixture(handle.db, {
      leadership: [],
      frontline: [],
    });
    const batch = Array.from({ length: 50 }, (_, i) => ({
      segmentTeamId: null,
      segmentTier: 'frontline' as const,
      comment: `comment ${i}`,
      answers: [1 + (i % 5)],
    }));
    // The rows as the INSERT statement lists them: the heap's own order (ctid) follows the
    // free space map, which a shared test database fills with holes, so it is read here.
    const listed: unknown[] = [];
    const recorder: KyselyPlugin = {
      transformQuery({ node }) {
        if (InsertQueryNode.is(node) && node.values !== undefined && ValuesNode.is(node.values)) {
          const column = (node.columns ?? []).findIndex((c) => c.column.name === 'comment');
          for (const row of node.values.values) {
            listed.push(
              PrimitiveValueListNode.is(row)
                ? row.values[column]
                : (row.values[column] as { value?: unknown } | undefined)?.value,
            );
          }
        }
        return node;
      },
      transformResult: ({ result }) => Promise.resolve(result),
    };
    await withTenant(handle.db, organizationId, (trx) =>
      storeResponses(trx.withPlugin(recorder), organizationId, runId, batch),
    );
    expect(listed).toEqual(batch.map((r) => r.comment));
    const { rows } = await sql<{ id: string; comment: string; xmin: string }>`
      select id, comment, xmin::text as xmin from responses where run_id = ${runId} order by ctid
    `.execute(owner);
    expect(rows.map((r) => r.comment).toSorted()).toEqual(batch.map((r) => r.comment).toSorted());
    expect(new Set(rows.map((r) => r.xmin)).size).toBe(1);
    // Ids are random (version 4, made by the database), so they do not follow storage order.
    const ids = rows.map((r) => r.id);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(ids).not.toEqual([...ids].sort());
  });
});
