import type { Invitation } from './invitation.js';
import type {
  Answer,
  PendingResponseToken,
  ResponseToken,
  TokenKeeper,
} from './submit-response.js';

/*
 * What the answer page keeps in the browser until the answers are sent: the link's one-time
 * token and the draft (answers and comment), so that a reload, or coming back later on the
 * same device, finds them again. One `localStorage` entry per invitation, named by the run and
 * a hash of the link's secret, never by the secret itself.
 */

/** The start of the name of every entry the answer page keeps. */
export const DRAFT_KEY_PREFIX = 'pulsegap.answer.';

/** The answers and comment given so far. */
export interface Draft {
  answers: Answer[];
  comment: string;
}

/**
 * One entry as stored: the draft, the token once collected (and, until then, the token asked
 * for and not yet signed), and when the run closes.
 */
export interface StoredDraft extends Draft {
  closesAt: string;
  token: ResponseToken | null;
  pendingToken: PendingResponseToken | null;
}

const EMPTY_DRAFT: Draft = { answers: [], comment: '' };

/** The entry's name for an invitation: the run id and the first 128 bits of a SHA-256 hash. */
export async function draftKey(runId: string, secret: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`pulsegap answer draft\n${secret}`),
  );
  const hash = Array.from(new Uint8Array(digest).subarray(0, 16), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
  return `${DRAFT_KEY_PREFIX}${runId}.${hash}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseToken(value: unknown): ResponseToken | null {
  if (!isRecord(value)) return null;
  const { keyId, message, signature } = value;
  return typeof keyId === 'string' && typeof message === 'string' && typeof signature === 'string'
    ? { keyId, message, signature }
    : null;
}

function parsePendingToken(value: unknown): PendingResponseToken | null {
  if (!isRecord(value)) return null;
  const { keyId, message, blindedMessage, inverse } = value;
  return typeof keyId === 'string' &&
    typeof message === 'string' &&
    typeof blindedMessage === 'string' &&
    typeof inverse === 'string'
    ? { keyId, message, blindedMessage, inverse }
    : null;
}

function parseAnswer(value: unknown): Answer[] {
  if (!isRecord(value)) return [];
  const { questionId, value: answer } = value;
  return typeof questionId === 'string' &&
    typeof answer === 'number' &&
    Number.isInteger(answer) &&
    answer >= 1 &&
    answer <= 5
    ? [{ questionId, value: answer }]
    : [];
}

/**
 * Reads an entry as stored; null when there is none or it cannot be read (written by another
 * version of the page, or altered): such an entry is dropped rather than trusted in part.
 */
export function parseStoredDraft(text: string | null): StoredDraft | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value) || typeof value.closesAt !== 'string' || !Array.isArray(value.answers)) {
    return null;
  }
  const token = value.token === null ? null : parseToken(value.token);
  if (value.token !== null && token === null) return null;
  // Absent in entries written before tokens were kept pending.
  const pendingToken =
    value.pendingToken === undefined || value.pendingToken === null
      ? null
      : parsePendingToken(value.pendingToken);
  if (value.pendingToken !== undefined && value.pendingToken !== null && pendingToken === null) {
    return null;
  }
  return {
    closesAt: value.closesAt,
    token,
    pendingToken,
    answers: value.answers.flatMap(parseAnswer),
    comment: typeof value.comment === 'string' ? value.comment : '',
  };
}

/**
 * Removes the entries of runs that have closed by `now`, and entries that cannot be read:
 * their answers can no longer be sent, and the device should not keep them.
 */
export function sweepDrafts(storage: Storage, now: Date): void {
  const names: string[] = [];
  for (let index = 0; index < storage.length; index += 1) {
    const name = storage.key(index);
    if (name?.startsWith(DRAFT_KEY_PREFIX) === true) names.push(name);
  }
  for (const name of names) {
    const stored = parseStoredDraft(storage.getItem(name));
    const closesAt = stored === null ? Number.NaN : Date.parse(stored.closesAt);
    if (!(closesAt > now.getTime())) storage.removeItem(name);
  }
}

/** The browser's `localStorage`, or null where it cannot be used (turned off, or refused). */
export function browserStorage(): Storage | null {
  try {
    return globalThis.localStorage;
  } catch {
    return null;
  }
}

/**
 * The draft and token of one invitation, kept in `storage` as the person answers. Without
 * usable storage it keeps them in memory for this page only, and says so (`persistent`).
 */
export class DraftStore implements TokenKeeper {
  readonly #storage: Storage | null;
  readonly #key: string;
  readonly #keyId: string;
  readonly #closesAt: string;
  #draft: Draft = EMPTY_DRAFT;
  #token: ResponseToken | null = null;
  #pendingToken: PendingResponseToken | null = null;
  #persistent: boolean;

  private constructor(
    storage: Storage | null,
    key: string,
    invitation: Pick<Invitation, 'keyId' | 'closesAt'>,
  ) {
    this.#storage = storage;
    this.#key = key;
    this.#keyId = invitation.keyId;
    this.#closesAt = invitation.closesAt;
    this.#persistent = storage !== null;
  }

  /**
   * Opens the entry of the invitation of `secret`, after dropping those of closed runs. A token
   * stored for another key than the invitation's is not used.
   */
  static async open(
    secret: string,
    invitation: Pick<Invitation, 'runId' | 'keyId' | 'closesAt'>,
    storage: Storage | null = browserStorage(),
    now = new Date(),
  ): Promise<DraftStore> {
    const store = new DraftStore(storage, await draftKey(invitation.runId, secret), invitation);
    try {
      if (storage !== null) sweepDrafts(storage, now);
    } catch {
      store.#persistent = false;
    }
    const stored = store.#read();
    if (stored !== null) {
      store.#draft = { answers: stored.answers, comment: stored.comment };
      store.#token = stored.token;
      store.#pendingToken = stored.pendingToken;
    }
    return store;
  }

  /** False when this browser cannot keep the draft past this page. */
  get persistent(): boolean {
    return this.#persistent;
  }

  get draft(): Draft {
    return this.#draft;
  }

  /** The token, from this page or, when it has none, as another tab may have stored it. */
  get token(): ResponseToken | null {
    this.#token ??= this.#read()?.token ?? null;
    return this.#token;
  }

  saveDraft(draft: Draft): void {
    this.#draft = draft;
    this.#write();
  }

  /** The token asked for and not yet signed, from this page or as another tab stored it. */
  get pendingToken(): PendingResponseToken | null {
    this.#pendingToken ??= this.#read()?.pendingToken ?? null;
    return this.#pendingToken;
  }

  savePendingToken(pending: PendingResponseToken): void {
    this.#pendingToken = pending;
    this.#write();
  }

  saveToken(token: ResponseToken): void {
    this.#token = token;
    this.#pendingToken = null;
    this.#write();
  }

  /** Forgets the token and the draft: sent, or never to be sent. */
  clear(): void {
    this.#draft = EMPTY_DRAFT;
    this.#token = null;
    this.#pendingToken = null;
    try {
      this.#storage?.removeItem(this.#key);
    } catch {
      // Nothing was kept that could be removed.
    }
  }

  #read(): StoredDraft | null {
    if (this.#storage === null) return null;
    let stored: StoredDraft | null;
    try {
      stored = parseStoredDraft(this.#storage.getItem(this.#key));
    } catch {
      return null;
    }
    if (stored === null || stored.token === null || stored.token.keyId === this.#keyId) {
      return stored;
    }
    return { ...stored, token: null };
  }

  #write(): void {
    if (this.#storage === null) return;
    // A token another tab kept is never overwritten by this tab's draft.
    const token = this.#token ?? this.#read()?.token ?? null;
    this.#token = token;
    const pendingToken = token === null ? this.#pendingToken : null;
    const stored: StoredDraft = { closesAt: this.#closesAt, token, pendingToken, ...this.#draft };
    try {
      this.#storage.setItem(this.#key, JSON.stringify(stored));
      this.#persistent = true;
    } catch {
      this.#persistent = false;
    }
  }
}
