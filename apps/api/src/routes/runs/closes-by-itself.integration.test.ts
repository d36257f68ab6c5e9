import { randomUUID } from 'node:crypto';
import {
  createJobContext,
  startBullmqRuntime,
  startInProcessRuntime,
  type JobLogger,
  type JobRuntime,
  JOBS,
} from '@pulsegap/jobs';
import { testConfig } from '@pulsegap/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  answer,
  asOwner,
  blindedMessageFor,
  closeByHand,
  expectNotReleased,
  linksOfRun,
  passDeadline,
  readReports,
  send,
  startRun,
  takeToken,
} from '../../attack-support.js';
import {
  bearer,
  createTestServer,
  expectProblem,
  rosterRows,
  startAnsweringRun,
  type AnsweringRun,
  type TestServer,
} from '../../test-support.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DIMENSIONS = ['staffing', 'feasibility'];

const errors: unknown[] = [];
const logger: JobLogger = { info: () => undefined, error: (object) => errors.push(object) };

interface RunItem {
  id: string;
  state: 'open' | 'closing' | 'released';
  closesAt: string;
  closedAt: string | null;
  releasedAt: string | null;
  participation: unknown;
  teams: unknown[];
  withheld: unknown[];
}

interface Gaps {
  releasedAt: string;
  cells: {
    teamId: string | null;
    dimension: string;
    suppressed: boolean;
    leadership: { n: number } | null;
    frontline: { n: number } | null;
  }[];
}

/** Who answers, and what: leaders optimistic about staffing, the frontline not. */
const LEADERS = rosterRows('self.test', 'l', 'Exec', 'leadership', 5);
const OPS = rosterRows('self.test', 'o', 'Ops', 'frontline', 6);
const SALES = rosterRows('self.test', 's', 'Sales', 'frontline', 5);
const emailOf = (row: string) => row.split(',')[0] ?? '';
const valueOf = (email: string) => (email.startsWith('l') ? 5 : 1 + (email.length % 3));

describe('a run closes by itself at its deadline', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(() => t.close());

  const start = (organization: string) =>
    startAnsweringRun(t.server, t.db, {
      organization,
      people: [...LEADERS, ...OPS, ...SALES],
      dimensions: DIMENSIONS,
    });

  async function runItem(run: AnsweringRun, runId = run.runId): Promise<RunItem> {
    const runs = await t.server.inject({
      url: `/api/v1/pulses/${run.pulseId}/runs`,
      headers: bearer(run.org.token),
    });
    expect(runs.statusCode, runs.body).toBe(200);
    const item = runs.json<{ items: RunItem[] }>().items.find((i) => i.id === runId);
    if (item === undefined) throw new Error(`run ${runId} is not listed`);
    return item;
  }

  async function gapsOf(run: AnsweringRun, runId = run.runId): Promise<Gaps> {
    const gaps = await t.server.inject({
      url: `/api/v1/runs/${runId}/gaps`,
      headers: bearer(run.org.token),
    });
    expect(gaps.statusCode, gaps.body).toBe(200);
    return gaps.json<Gaps>();
  }

  /** Stored rows of a run, as the owner counts them. */
  async function storedRows(run: AnsweringRun, runId = run.runId) {
    return asOwner(run.org.organizationId, async (owner) => {
      const count = async (table: 'responses' | 'sealed_responses') =>
        Number(
          (
            await owner
              .selectFrom(table)
              .select(owner.fn.countAll().as('n'))
              .where('run_id', '=', runId)
              .executeTakeFirstOrThrow()
          ).n,
        );
      return { responses: await count('responses'), sealed: await count('sealed_responses') };
    });
  }

  async function untilReleased(run: AnsweringRun, runId: string, timeout: number) {
    await vi.waitFor(
      async () => {
        expect((await runItem(run, runId)).state).toBe('released');
      },
      { timeout, interval: 100 },
    );
  }

  const inProcess = (options: { pollMs?: number; sweepMs?: number } = {}): JobRuntime =>
    startInProcessRuntime({
      context: createJobContext(testConfig(), t.db),
      logger,
      ...options,
    });

  test('a run whose deadline passes while the worker runs is closed and released with nobody calling close', async () => {
    // The adversary hopes a run nobody closes stays open, its answers piling up unreleased
    // (or, before, recomputed live). Time alone must close it.
    const run = await start('Deadline Co');
    for (const row of [...LEADERS, ...OPS]) await answer(t.server, run.secretOf(emailOf(row)), 4);
    const runtime = inProcess({ pollMs: 50, sweepMs: 100 });
    try {
      expect((await runItem(run)).state).toBe('open');
      const deadline = await passDeadline(run.org.organizationId, run.runId);
      await untilReleased(run, run.runId, 10_000);
      const item = await runItem(run);
      // Closed at its deadline, not at whenever the worker noticed.
      expect(item.closedAt).toBe(deadline.toISOString());
      expect(item.releasedAt).not.toBeNull();
    } finally {
      await runtime.close();
    }
    const organization = (await gapsOf(run)).cells.filter((c) => c.teamId === null);
    expect(organization).toHaveLength(DIMENSIONS.length);
    for (const cell of organization) {
      expect(cell).toMatchObject({ suppressed: false, leadership: { n: 5 }, frontline: { n: 6 } });
    }
    expect(await storedRows(run)).toEqual({ responses: 11, sealed: 0 });
  }, 120_000);

  test('a worker down at the deadline closes the overdue run when it starts; answers after the deadline get 410 and are not stored', async () => {
    // The adversary keeps answering after the deadline (or hopes a late answer joins the
    // release while the worker is down).
    const run = await start('Worker Down Co');
    for (const row of [...LEADERS, ...OPS]) await answer(t.server, run.secretOf(emailOf(row)), 3);
    const late = await takeToken(t.server, run.secretOf(emailOf(SALES[0] ?? '')));
    const deadline = await passDeadline(run.org.organizationId, run.runId);

    // Nobody runs a worker now. The deadline alone closes the run to answers.
    expectProblem(await send(t.server, late, 1, 'after the deadline'), 410);
    const lateSecret = run.secretOf(emailOf(SALES[1] ?? ''));
    expectProblem(await t.server.inject({ url: `/api/v1/invite/${lateSecret}` }), 410);
    expectProblem(
      await t.server.inject({
        method: 'POST',
        url: `/api/v1/invite/${lateSecret}/token`,
        payload: { blindedMessage: await blindedMessageFor(late.invite.publicKey) },
      }),
      410,
    );
    const stored = await storedRows(run);
    const reports = await readReports(t.server, run.org.token, run.runId);
    const waiting = await runItem(run);
    expect(stored.responses + stored.sealed).toBe(11);
    // Test files share the database: another file's worker may have released it meanwhile.
    if (waiting.state === 'closing') {
      expect(stored).toEqual({ responses: 0, sealed: 11 });
      for (const r of reports) expectNotReleased(r, waiting.closesAt);
    }

    // The worker comes back, its sweep every 10 s: released well before, at its start.
    const runtime = inProcess();
    try {
      await untilReleased(run, run.runId, 5000);
      await runtime.drain();
    } finally {
      await runtime.close();
    }
    expect((await runItem(run)).closedAt).toBe(deadline.toISOString());
    expect(await storedRows(run)).toEqual({ responses: 11, sealed: 0 });
    const organization = (await gapsOf(run)).cells.filter((c) => c.teamId === null);
    for (const cell of organization) {
      expect(cell).toMatchObject({ leadership: { n: 5 }, frontline: { n: 6 } });
    }
    expectProblem(await send(t.server, late, 1, 'after the release'), 410);
    expect(await storedRows(run)).toEqual({ responses: 11, sealed: 0 });
  }, 120_000);

  test('a BullMQ worker started after the deadline closes the overdue run', async () => {
    // Production: the API replicas take answers, the workers were down at the deadline.
    const run = await start('BullMQ Down Co');
    for (const row of [...LEADERS, ...SALES]) await answer(t.server, run.secretOf(emailOf(row)), 2);
    const deadline = await passDeadline(run.org.organizationId, run.runId);
    const prefix = `test-${randomUUID()}`;
    const runtime = startBullmqRuntime({
      context: createJobContext(testConfig(), t.db),
      redisUrl: REDIS_URL,
      logger,
      prefix,
    });
    try {
      await untilReleased(run, run.runId, 5000);
    } finally {
      await runtime.close();
      for (const name of JOBS.keys()) {
        const queue = new Queue(name, { connection: { url: REDIS_URL }, prefix });
        await queue.obliterate({ force: true });
        await queue.close();
      }
    }
    expect((await runItem(run)).closedAt).toBe(deadline.toISOString());
    expect(await storedRows(run)).toEqual({ responses: 10, sealed: 0 });
  }, 120_000);

  test('closing early by hand gives the same release as reaching the deadline', async () => {
    // Two runs of one pulse, answered alike: one reaches its deadline, one is closed early.
    const run = await start('By Hand Co');
    const everyone = [...LEADERS, ...OPS, ...SALES].map(emailOf);
    const comment = (email: string) => `hard for ${email.slice(0, 1)}`;
    for (const email of everyone) {
      await answer(t.server, run.secretOf(email), valueOf(email), comment(email));
    }
    const deadline = await passDeadline(run.org.organizationId, run.runId);
    let runtime = inProcess();
    try {
      await runtime.drain();
      await untilReleased(run, run.runId, 5000);
    } finally {
      await runtime.close();
    }

    const second = await startRun(t.server, run.org.token, run.pulseId);
    const links = await linksOfRun(
      t.server,
      t.db,
      run.org.organizationId,
      run.org.token,
      second.id,
    );
    expect(links).toHaveLength(everyone.length);
    for (const link of links) {
      await answer(t.server, link.secret, valueOf(link.to), comment(link.to));
    }
    const closedBefore = Date.now();
    await closeByHand(t.server, run.org.token, second.id);
    runtime = inProcess();
    try {
      await runtime.drain();
      await untilReleased(run, second.id, 5000);
    } finally {
      await runtime.close();
    }

    const byDeadline = await runItem(run);
    const byHand = await runItem(run, second.id);
    expect(byDeadline.closedAt).toBe(deadline.toISOString());
    expect(Date.parse(byHand.closedAt ?? '')).toBeGreaterThanOrEqual(closedBefore - 1000);
    expect(Date.parse(byHand.closedAt ?? '')).toBeLessThan(Date.parse(byHand.closesAt));
    const participation = (i: RunItem) => ({
      participation: i.participation,
      teams: i.teams,
      withheld: i.withheld,
    });
    expect(participation(byHand)).toEqual(participation(byDeadline));

    const reports = async (runId: string) => {
      const [gaps, collisions, comments, brief] = await readReports(t.server, run.org.token, runId);
      for (const r of [gaps, collisions, comments, brief]) expect(r?.status, r?.body).toBe(200);
      const parsed = (r: typeof gaps): unknown => JSON.parse(r?.body ?? 'null');
      const listed = parsed(comments) as { items: { comments: string[] }[]; withheld: unknown[] };
      const briefBody = parsed(brief) as {
        findings: unknown[];
        notes: unknown[];
        responses: number;
      };
      return {
        cells: (parsed(gaps) as Gaps).cells,
        collisions: parsed(collisions),
        // Each release shuffles its comments once: compare them as sets.
        comments: listed.items.map((g) => ({ ...g, comments: [...g.comments].sort() })),
        withheld: listed.withheld,
        brief: {
          findings: briefBody.findings,
          notes: briefBody.notes,
          responses: briefBody.responses,
        },
      };
    };
    const deadlineRelease = await reports(run.runId);
    expect(deadlineRelease.brief.responses).toBe(everyone.length);
    expect(await reports(second.id)).toEqual(deadlineRelease);
  }, 120_000);
});
