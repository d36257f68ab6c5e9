import { describe, expect, it } from 'vitest';
import {
  DRAFT_KEY_PREFIX,
  DraftStore,
  draftKey,
  parseStoredDraft,
  sweepDrafts,
} from './answer-draft.js';

/** `localStorage` as the browser has it, in memory; `refuse` makes every write fail. */
class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>();
  refuse = false;

  get length(): number {
    return this.#items.size;
  }

  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }

  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    if (this.refuse) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    this.#items.set(key, value);
  }

  removeItem(key: string): void {
    this.#items.delete(key);
  }

  clear(): void {
    this.#items.clear();
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }
}

const SECRET = 'Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg';
const invitation = { runId: 'run-1', keyId: 'key-1', closesAt: '2030-07-04T10:00:00.000Z' };
const token = { keyId: 'key-1', message: 'bWVzc2FnZQ', signature: 'c2lnbmF0dXJl' };
const NOW = new Date('2030-07-01T10:00:00.000Z');
const pending = {
  keyId: 'key-1',
  message: 'bWVzc2FnZQ',
  blindedMessage: 'YmxpbmRlZA',
  inverse: 'aW52ZXJzZQ',
};

describe('draftKey', () => {
  it('names the entry by the run and a hash of the secret, never the secret', async () => {
    const key = await draftKey('run-1', SECRET);
    expect(key).toMatch(
      new RegExp(`^${DRAFT_KEY_PREFIX.replaceAll('.', '\\.')}run-1\\.[0-9a-f]{32}$`),
    );
    expect(key).not.toContain(SECRET);
    expect(key).not.toContain(SECRET.slice(0, 8));
    expect(await draftKey('run-1', SECRET)).toBe(key);
    expect(await draftKey('run-1', `${SECRET.slice(0, -1)}y`)).not.toBe(key);
  });
});

describe('parseStoredDraft', () => {
  it('reads what the store writes and keeps only answers on the scale', () => {
    expect(
      parseStoredDraft(
        JSON.stringify({
          closesAt: invitation.closesAt,
          token,
          answers: [
            { questionId: 'q1', value: 4 },
            { questionId: 'q2', value: 6 },
            { questionId: 'q3', value: 2.5 },
            { questionId: 3, value: 1 },
          ],
          comment: 'Not staffed.',
        }),
      ),
    ).toEqual({
      closesAt: invitation.closesAt,
      token,
      pendingToken: null,
      answers: [{ questionId: 'q1', value: 4 }],
      comment: 'Not staffed.',
    });
  });

  it('drops what it cannot read rather than trust part of it', () => {
    expect(parseStoredDraft(null)).toBeNull();
    expect(parseStoredDraft('{')).toBeNull();
    expect(parseStoredDraft('[]')).toBeNull();
    expect(parseStoredDraft(JSON.stringify({ answers: [], token: null }))).toBeNull();
    expect(
      parseStoredDraft(
        JSON.stringify({ closesAt: invitation.closesAt, answers: [], token: { keyId: 'k' } }),
      ),
    ).toBeNull();
  });
});

describe('sweepDrafts', () => {
  it('removes the drafts of closed runs and unreadable ones, and nothing else', () => {
    const storage = new MemoryStorage();
    const entry = (closesAt: string) => JSON.stringify({ closesAt, answers: [], token: null });
    storage.setItem(`${DRAFT_KEY_PREFIX}open.a`, entry('2030-07-04T10:00:00.000Z'));
    storage.setItem(`${DRAFT_KEY_PREFIX}closed.b`, entry('2030-06-30T10:00:00.000Z'));
    storage.setItem(`${DRAFT_KEY_PREFIX}closing-now.c`, entry(NOW.toISOString()));
    storage.setItem(`${DRAFT_KEY_PREFIX}broken.d`, '{');
    storage.setItem(`${DRAFT_KEY_PREFIX}no-date.e`, entry('soon'));
    storage.setItem('someone-else', 'kept');
    sweepDrafts(storage, NOW);
    expect(storage.keys().sort()).toEqual([`${DRAFT_KEY_PREFIX}open.a`, 'someone-else']);
  });
});

describe('DraftStore', () => {
  it('keeps the draft and the token for the next visit, then forgets both', async () => {
    const storage = new MemoryStorage();
    const first = await DraftStore.open(SECRET, invitation, storage, NOW);
    expect(first.persistent).toBe(true);
    expect(first.draft).toEqual({ answers: [], comment: '' });
    expect(first.token).toBeNull();
    expect(storage.length).toBe(0);

    first.saveDraft({ answers: [{ questionId: 'q1', value: 5 }], comment: 'Hard.' });
    first.saveToken(token);
    const [key] = storage.keys();
    expect(key).toBe(await draftKey(invitation.runId, SECRET));
    expect(storage.getItem(key ?? '')).not.toContain(SECRET);

    const again = await DraftStore.open(SECRET, invitation, storage, NOW);
    expect(again.draft).toEqual({ answers: [{ questionId: 'q1', value: 5 }], comment: 'Hard.' });
    expect(again.token).toEqual(token);

    again.clear();
    expect(storage.length).toBe(0);
    const after = await DraftStore.open(SECRET, invitation, storage, NOW);
    expect(after.token).toBeNull();
    expect(after.draft).toEqual({ answers: [], comment: '' });
  });

  it('keeps a token asked for and not yet signed until its signature comes, for the next visit', async () => {
    const storage = new MemoryStorage();
    const first = await DraftStore.open(SECRET, invitation, storage, NOW);
    expect(first.pendingToken).toBeNull();
    first.savePendingToken(pending);
    // The page is closed before the answer comes: the next visit asks again with the same.
    const again = await DraftStore.open(SECRET, invitation, storage, NOW);
    expect(again.pendingToken).toEqual(pending);
    expect(again.token).toBeNull();
    again.saveToken(token);
    const after = await DraftStore.open(SECRET, invitation, storage, NOW);
    expect(after.token).toEqual(token);
    expect(after.pendingToken).toBeNull();
    expect(storage.getItem(storage.keys()[0] ?? '')).not.toContain(pending.inverse);
  });

  it('keeps one invitation’s draft apart from another’s', async () => {
    const storage = new MemoryStorage();
    const mine = await DraftStore.open(SECRET, invitation, storage, NOW);
    mine.saveToken(token);
    const other = await DraftStore.open(`${SECRET.slice(0, -1)}y`, invitation, storage, NOW);
    expect(other.token).toBeNull();
    other.saveDraft({ answers: [{ questionId: 'q2', value: 1 }], comment: '' });
    expect(storage.length).toBe(2);
    expect((await DraftStore.open(SECRET, invitation, storage, NOW)).draft.answers).toEqual([]);
  });

  it('finds a token another tab kept, and never writes over it', async () => {
    const storage = new MemoryStorage();
    const tabA = await DraftStore.open(SECRET, invitation, storage, NOW);
    const tabB = await DraftStore.open(SECRET, invitation, storage, NOW);
    tabA.saveToken(token);
    tabB.saveDraft({ answers: [{ questionId: 'q1', value: 3 }], comment: '' });
    expect(tabB.token).toEqual(token);
    expect((await DraftStore.open(SECRET, invitation, storage, NOW)).token).toEqual(token);
  });

  it('does not use a token kept for another key', async () => {
    const storage = new MemoryStorage();
    const store = await DraftStore.open(SECRET, invitation, storage, NOW);
    store.saveDraft({ answers: [{ questionId: 'q1', value: 2 }], comment: '' });
    store.saveToken({ ...token, keyId: 'key-0' });
    const again = await DraftStore.open(SECRET, invitation, storage, NOW);
    expect(again.token).toBeNull();
    expect(again.draft.answers).toEqual([{ questionId: 'q1', value: 2 }]);
  });

  it('drops the drafts of closed runs when it opens', async () => {
    const storage = new MemoryStorage();
    const closed = { ...invitation, runId: 'run-0', closesAt: '2030-06-01T00:00:00.000Z' };
    (await DraftStore.open(SECRET, closed, storage, new Date('2030-05-01'))).saveToken(token);
    expect(storage.length).toBe(1);
    await DraftStore.open(SECRET, invitation, storage, NOW);
    expect(storage.length).toBe(0);
  });

  it('keeps the token in memory and says so when the browser keeps nothing', async () => {
    const storage = new MemoryStorage();
    storage.refuse = true;
    const store = await DraftStore.open(SECRET, invitation, storage, NOW);
    store.saveToken(token);
    expect(store.persistent).toBe(false);
    expect(store.token).toEqual(token);

    const without = await DraftStore.open(SECRET, invitation, null, NOW);
    expect(without.persistent).toBe(false);
    without.saveDraft({ answers: [{ questionId: 'q1', value: 1 }], comment: '' });
    expect(without.draft.answers).toHaveLength(1);
  });
});
