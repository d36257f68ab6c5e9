import { describe, expect, test } from 'vitest';
import { GroupCommit } from './group-commit.js';

/** One call of `write`, answered when the test says so. */
interface Write {
  readonly lane: string;
  readonly items: readonly number[];
  finish(outcomes?: readonly string[]): void;
  fail(error: unknown): void;
}

/** A `write` that records its calls and leaves each one pending until finished or failed. */
function heldWrites() {
  const calls: Write[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const write = (lane: string, items: readonly number[]) =>
    new Promise<readonly string[]>((resolve, reject) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      calls.push({
        lane,
        items: [...items],
        finish(outcomes = items.map((i) => `${lane}:${i}`)) {
          inFlight -= 1;
          resolve(outcomes);
        },
        fail(error) {
          inFlight -= 1;
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      });
    });
  return {
    write,
    calls,
    call(index: number): Write {
      const found = calls[index];
      if (found === undefined) throw new Error(`write was called ${calls.length} times`);
      return found;
    },
    mostInFlight: () => mostInFlight,
  };
}

/** Lets the current turn of the event loop end, and with it the batch being gathered. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The turn a writer lets pass after a batch is done, and the one in which it takes the next. */
async function nextBatch(): Promise<void> {
  await nextTurn();
  await nextTurn();
}

/** Tracks whether a promise has settled, without awaiting it. */
function settled<T>(promise: Promise<T>): () => boolean {
  let done = false;
  const markDone = () => {
    done = true;
  };
  void promise.then(markDone, markDone);
  return () => done;
}

describe('GroupCommit', () => {
  test('items submitted in one turn of the event loop are written in one call, in order', async () => {
    const writes = heldWrites();
    const commit = new GroupCommit(writes.write);
    const submitted = [1, 2, 3, 4].map((i) => commit.submit('run', i));
    await nextTurn();
    expect(writes.calls.map((c) => c.items)).toEqual([[1, 2, 3, 4]]);
    writes.call(0).finish();
    // Each item gets the outcome at its own position.
    expect(await Promise.all(submitted)).toEqual(['run:1', 'run:2', 'run:3', 'run:4']);
    expect(writes.calls).toHaveLength(1);
  });

  test('items arriving while a batch is written wait for the next one, together', async () => {
    const writes = heldWrites();
    const commit = new GroupCommit(writes.write, { maxWriters: 1 });
    const first = commit.submit('run', 1);
    await nextTurn();
    const later = [2, 3].map((i) => commit.submit('run', i));
    await nextTurn();
    const last = commit.submit('run', 4);
    await nextTurn();
    expect(writes.calls.map((c) => c.items)).toEqual([[1]]);
    writes.call(0).finish();
    expect(await first).toBe('run:1');
    await nextTurn();
    expect(writes.calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    writes.call(1).finish();
    expect(await Promise.all([...later, last])).toEqual(['run:2', 'run:3', 'run:4']);
  });

  test('a writer lets one turn pass after a batch: items submitted meanwhile join the next', async () => {
    const writes = heldWrites();
    const commit = new GroupCommit(writes.write, { maxWriters: 1 });
    const first = commit.submit('run', 1);
    await nextTurn();
    const waiting = commit.submit('run', 2);
    writes.call(0).finish();
    // Submitted as the first batch's answer arrives (as a connection answered at once sends
    // its next request): it still makes the batch that is taken next.
    const joining = first.then(() => commit.submit('run', 3));
    await nextBatch();
    expect(writes.calls.map((c) => c.items)).toEqual([[1], [2, 3]]);
    writes.call(1).finish();
    expect(await Promise.all([waiting, joining])).toEqual(['run:2', 'run:3']);
  });

  test("no submitter is answered before its batch's write has resolved", async () => {
    const writes = heldWrites();
    const commit = new GroupCommit(writes.write);
    const submitted = [1, 2].map((i) => commit.submit('run', i));
    const answered = submitted.map(settled);
    for (let i = 0; i < 5; i += 1) await nextTurn();
    expect(writes.calls).toHaveLength(1);
    expect(answered.map((a) => a())).toEqual([false, false]);
    writes.call(0).finish();
    expect(await Promise.all(submitted)).toEqual(['run:1', 'run:2']);
  });

  test('a failing write rejects every item of its batch; the next batch is written', async () => {
    const writes = heldWrites();
    const commit = new GroupCommit(writes.write);
    const failure = new Error('connection lost');
    const doomed = [1, 2, 3].map((i) => commit.submit('run', i));
    await nextTurn();
    writes.call(0).fail(failure);
    const outcomes = await Promise.allSettled(doomed);
    expect(outcomes).toEqual([1, 2, 3].map(() => ({ status: 'rejected', reason: failure })));
    const later = commit.submit('run', 4);
    await nextTurn();
    expect(writes.call(1).items).toEqual([4]);
    writes.call(1).finish();
    expect(await later).toBe('run:4');
  });

  test('a write that throws before returning a promise rejects its batch too', async () => {
    const failure = new Error('bad batch');
    let calls = 0;
    const commit = new GroupCommit<number, number>((_lane, items) => {
      calls += 1;
      if (calls === 1) throw failure;
      return Promise.resolve(items.map((i) => i * 10));
    });
    const doomed = [1, 2].map((i) => commit.submit('run', i));
    await expect(Promise.allSettled(doomed)).resolves.toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    expect(await commit.submit('run', 3)).toBe(30);
  });

  test('maxBatch splits what is waiting into batches of at most that many', async () => {
    const writes = heldWrites();
    const commit = new GroupCommit(writes.write, { maxBatch: 2, maxWriters: 1 });
    const submitted = [1, 2, 3, 4, 5].map((i) => commit.submit('run', i));
    for (let call = 0; call < 3; call += 1) {
      await nextBatch();
      writes.call(call).finish();
    }
    expect(await Promise.all(submitted)).toEqual(['run:1', 'run:2', 'run:3', 'run:4', 'run:5']);
    expect(writes.calls.map((c) => c.items)).toEqual([[1, 2], [3, 4], [5]]);
  });

  test('maxWriters limits how many batches of a lane are written at once', async () => {
    const writes = heldWrites();
    const commit = new GroupCommit(writes.write, { maxWriters: 2 });
    const submitted: Promise<string>[] = [];
    for (let i = 1; i <= 4; i += 1) {
      submitted.push(commit.submit('run', i));
      await nextTurn();
    }
    // Two writers are busy with 1 and 2; 3 and 4 wait for whichever finishes first.
    expect(writes.calls.map((c) => c.items)).toEqual([[1], [2]]);
    writes.call(1).finish();
    await nextBatch();
    expect(writes.calls.map((c) => c.items)).toEqual([[1], [2], [3, 4]]);
    writes.call(0).finish();
    writes.call(2).finish();
    expect(await Promise.all(submitted)).toEqual(['run:1', 'run:2', 'run:3', 'run:4']);
    expect(writes.mostInFlight()).toBe(2);
  });

  test('lanes are batched apart, and a busy lane does not hold up another', async () => {
    const writes = heldWrites();
    const commit = new GroupCommit(writes.write, { maxWriters: 1 });
    const a = [1, 2].map((i) => commit.submit('a', i));
    const b = [3, 4].map((i) => commit.submit('b', i));
    await nextTurn();
    expect(writes.calls.map((c) => [c.lane, c.items])).toEqual([
      ['a', [1, 2]],
      ['b', [3, 4]],
    ]);
    // Lane a stays busy; b's next item is still written at once.
    writes.call(1).finish();
    expect(await Promise.all(b)).toEqual(['b:3', 'b:4']);
    const bAgain = commit.submit('b', 5);
    await nextTurn();
    expect(writes.call(2)).toMatchObject({ lane: 'b', items: [5] });
    writes.call(2).finish();
    expect(await bAgain).toBe('b:5');
    writes.call(0).finish();
    expect(await Promise.all(a)).toEqual(['a:1', 'a:2']);
  });

  test('a write that returns too few outcomes rejects the items left without one', async () => {
    const writes = heldWrites();
    const commit = new GroupCommit(writes.write);
    const submitted = [1, 2, 3].map((i) => commit.submit('run', i));
    await nextTurn();
    writes.call(0).finish(['only one']);
    const outcomes = await Promise.allSettled(submitted);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'only one' });
    for (const outcome of outcomes.slice(1)) {
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: expect.objectContaining({ message: 'a batch returned too few outcomes' }),
      });
    }
  });
});
