import { setTimeout as sleep } from 'node:timers/promises';
import { sealedResponseLength, tokenHash } from '@pulsegap/anonymity';
import type { Database } from '@pulsegap/db';
import { COMMENT_MAX_LENGTH } from '@pulsegap/domain';
import { openOwnerDatabase } from '@pulsegap/testing';
import type { LightMyRequestResponse } from 'fastify';
import { sql, type ControlledTransaction, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  collectToken,
  createTestServer,
  expectProblem,
  openInvite,
  rosterRows,
  startAnsweringRun,
  submission,
  type TestServer,
} from '../../test-support.js';

// The intake answers 201 only once the response is committed, sealed, and responses that
// arrive while a batch of their run is being written are committed together, by the next
// batch. To see the intake mid-write, the test holds the run's row lock, as a concurrent
// close does: `seal_responses` checks the run under FOR SHARE, so its batch waits for the
// lock. While the run is open, responses are kept only in `sealed_responses`.

/** How long a request that should be waiting is watched before the lock is let go. */
const WATCH_MS = 400;

let t: TestServer;
let owner: Kysely<Database>;
let runId: string;
let links: readonly { to: string; secret: string }[];
let nextLink = 0;

beforeAll(async () => {
  t = await createTestServer();
  owner = openOwnerDatabase();
  const people = [
    ...rosterRows('intake.test', 'p', 'Desk', 'frontline', 26),
    ...rosterRows('intake.test', 'l', 'Board', 'leadership', 5),
  ];
  ({ runId, links } = await startAnsweringRun(t.server, t.db, {
    organization: 'Intake Co',
    people,
    dimensions: ['staffing', 'clarity'],
  }));
  expect(links).toHaveLength(31);
});
afterAll(async () => {
  await t.close();
  await owner.destroy();
});

/** A valid submission with a fresh token from the next unused link, and its token hash. */
async function freshSubmission() {
  const link = links[nextLink];
  nextLink += 1;
  if (link === undefined) throw new Error('the run has no unused link left');
  const invite = await openInvite(t.server, link.secret);
  const token = await collectToken(t.server, link.secret, invite);
  return { body: submission(invite, token), hash: tokenHash(token.message) };
}

function post(body: object): Promise<LightMyRequestResponse> {
  return t.server.inject({ method: 'POST', url: '/api/v1/responses', payload: body });
}

/** Whether `promise` has settled yet, without waiting for it. */
function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  const markDone = () => {
    done = true;
  };
  void promise.then(markDone, markDone);
  return () => done;
}

/** The run's row lock, held by the owner in an open transaction until `release`. */
interface RunLock {
  /** Resolves once `count` statements are waiting for the lock. */
  waitForWaiters(count: number): Promise<void>;
  /** How many statements are waiting for the lock now. */
  waiters(): Promise<number>;
  release(): Promise<void>;
}

async function lockRun(): Promise<RunLock> {
  const trx: ControlledTransaction<Database> = await owner.startTransaction().execute();
  await sql`select id from runs where id = ${runId} for update`.execute(trx);
  const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
  const pid = rows[0]?.pid;
  let released = false;
  const waiters = async () => {
    const { rows: found } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where ${pid} = any(pg_blocking_pids(pid))
    `.execute(owner);
    return found[0]?.n ?? 0;
  };
  return {
    waiters,
    async waitForWaiters(count) {
      const deadline = Date.now() + 10_000;
      while ((await waiters()) < count) {
        if (Date.now() > deadline) throw new Error(`fewer than ${count} waiting for the run`);
        await sleep(20);
      }
    },
    async release() {
      if (released) return;
      released = true;
      await trx.commit().execute();
    },
  };
}

/** The run's sealed responses with these token hashes, as the owner sees them. */
async function storedRows(hashes: readonly Buffer[]) {
  const { rows } = await sql<{ token_hash: Buffer; xmin: string }>`
    select token_hash, xmin::text as xmin from sealed_responses
     where run_id = ${runId} and token_hash = any(${hashes})
  `.execute(owner);
  return rows;
}

/** How many rows the run has in the responses table: none while it is open. */
async function responsesTableRows(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from responses where run_id = ${runId}
  `.execute(owner);
  return rows[0]?.n ?? -1;
}

describe('POST /responses answers only once the response is committed', () => {
  test('a submission waiting on its batch is not answered, nor stored, until the commit', async () => {
    const { body, hash } = await freshSubmission();
    const lock = await lockRun();
    try {
      const reply = post(body);
      const answered = settled(reply);
      await lock.waitForWaiters(1);
      await sleep(WATCH_MS);
      expect(answered()).toBe(false);
      expect(await storedRows([hash])).toEqual([]);
      await lock.release();
      const response = await reply;
      expect(response.statusCode, response.body).toBe(201);
      // Seen at once from another connection: the 201 came after the commit, not before.
      expect(await storedRows([hash])).toHaveLength(1);
      expect(await responsesTableRows()).toBe(0);
    } finally {
      await lock.release();
    }
  });

  test('submissions that arrive while a batch is written are stored by one transaction', async () => {
    const first = await freshSubmission();
    const group = [];
    for (let i = 0; i < 20; i += 1) group.push(await freshSubmission());
    const lock = await lockRun();
    try {
      // The first takes the run's one writer; the twenty gather behind it meanwhile.
      const firstReply = post(first.body);
      await lock.waitForWaiters(1);
      const replies = group.map((s) => post(s.body));
      const answered = replies.map(settled);
      // Longer than the others' watch: all twenty must have passed their checks and be
      // waiting in the intake when the lock goes, or some would make a batch of their own.
      await sleep(3 * WATCH_MS);
      expect(answered.filter((a) => a())).toEqual([]);
      // Only the first batch is at the database; the others wait in the intake.
      expect(await lock.waiters()).toBe(1);
      await lock.release();
      expect((await firstReply).statusCode).toBe(201);
      const responses = await Promise.all(replies);
      expect(responses.map((r) => r.statusCode)).toEqual(group.map(() => 201));
      const rows = await storedRows(group.map((s) => s.hash));
      expect(rows).toHaveLength(20);
      const [firstRow] = await storedRows([first.hash]);
      const transactions = new Set(rows.map((r) => r.xmin));
      expect(transactions.size).toBe(1);
      expect(firstRow?.xmin).toEqual(expect.any(String));
      expect(transactions.has(firstRow?.xmin ?? '')).toBe(false);
      expect(await responsesTableRows()).toBe(0);
    } finally {
      await lock.release();
    }
  });
});

describe('one token, one stored response, whichever batch its copies land in', () => {
  test('a copy sent while the first is being written is refused by the database: 201, 409, one row', async () => {
    const { body, hash } = await freshSubmission();
    const lock = await lockRun();
    try {
      const firstReply = post(body);
      // The first copy's batch is at the database before the second copy arrives, so the
      // two cannot meet in one batch; the unique token hash decides.
      await lock.waitForWaiters(1);
      const secondReply = post(body);
      const secondAnswered = settled(secondReply);
      await sleep(WATCH_MS);
      expect(secondAnswered()).toBe(false);
      await lock.release();
      const replies = await Promise.all([firstReply, secondReply]);
      expect(replies.map((r) => r.statusCode).sort()).toEqual([201, 409]);
      const refused = replies.find((r) => r.statusCode === 409);
      if (refused === undefined) throw new Error('no copy was refused');
      expect(expectProblem(refused, 409).code).toBe('PG_ERR_TOKEN_USED');
      expect(await storedRows([hash])).toHaveLength(1);
      expect(await responsesTableRows()).toBe(0);
    } finally {
      await lock.release();
    }
  });
});

describe('a sealed response says nothing by its size', () => {
  test('every sealed row of the run has the same length, whatever was answered and commented', async () => {
    const variants: Record<string, unknown>[] = [
      {},
      { comment: 'Short.' },
      { comment: 'ü'.repeat(COMMENT_MAX_LENGTH) },
      { comment: '😀'.repeat(COMMENT_MAX_LENGTH / 2) },
    ];
    const sent = [];
    for (const [i, extra] of variants.entries()) {
      const s = await freshSubmission();
      const answers = i % 2 === 0 ? s.body.answers : s.body.answers.slice(0, 1);
      const response = await post({ ...s.body, answers, ...extra });
      expect(response.statusCode, response.body).toBe(201);
      sent.push(s.hash);
    }
    expect(await storedRows(sent)).toHaveLength(variants.length);
    const { rows } = await sql<{ length: number }>`
      select distinct octet_length(sealed) as length from sealed_responses where run_id = ${runId}
    `.execute(owner);
    // Two questions and room for the longest comment, for every response of the run.
    expect(rows).toEqual([
      { length: sealedResponseLength({ questionCount: 2, commentUnits: COMMENT_MAX_LENGTH }) },
    ]);
    expect(await responsesTableRows()).toBe(0);
  });
});
