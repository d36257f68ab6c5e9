import { finishToken, fromBase64Url, prepareToken, toBase64Url } from '@pulsegap/anonymity/client';
import { ContractError, ProblemError, requestJson } from './http.js';
import { parseBlindSignature, type Invitation } from './invitation.js';

/** One answered statement: its question and the value on the 1–5 scale. */
export interface Answer {
  questionId: string;
  value: number;
}

/** The unblinded token a response is sent with, as sent: the binary parts base64url. */
export interface ResponseToken {
  keyId: string;
  message: string;
  signature: string;
}

/**
 * A token asked for and not yet signed, as kept: the key it is for, and the prepared
 * message, blinded message and inverse of the blinding factor, base64url.
 */
export interface PendingResponseToken {
  keyId: string;
  message: string;
  blindedMessage: string;
  inverse: string;
}

/** How a submission ended when it did not fail outright (a failure rejects with the problem). */
export type SubmitOutcome =
  'recorded' | 'link-used' | 'already-recorded' | 'closed' | 'unknown-link';

/** Why a link gives no token: it gave its one already, its run has closed, or it is unknown. */
export type TokenRefusal = Extract<SubmitOutcome, 'link-used' | 'closed' | 'unknown-link'>;

/** The step a submission is at, for the progress text. */
export type SubmitStep = 'token' | 'sending';

/**
 * Where the page keeps the link's token: the route gives one per link, so a token must be kept
 * the moment it is made, and is read back on a later visit (or from another tab).
 */
export interface TokenKeeper {
  /** The token this browser holds for the invitation; null when it holds none. */
  readonly token: ResponseToken | null;
  /** The token asked for and not yet signed, kept before it is asked for. */
  readonly pendingToken: PendingResponseToken | null;
  savePendingToken(pending: PendingResponseToken): void;
  /** Keeps the token, and forgets the pending one it finishes. */
  saveToken(token: ResponseToken): void;
}

/**
 * One employee's response: a one-time token for the segment's key by blind signature (the
 * server signs a blinded message, so it cannot link the token to the link it signed for), then
 * the answers with that token. The page collects the token as soon as answering starts, in
 * the background, so that its claim and the response are apart in time; the token is kept
 * (see {@link TokenKeeper}) and reused when sending fails and the person tries again.
 */
export class ResponseSubmission {
  readonly #secret: string;
  readonly #invitation: Invitation;
  readonly #keeper: TokenKeeper;
  #collecting: Promise<TokenRefusal | undefined> | undefined;

  constructor(secret: string, invitation: Invitation, keeper: TokenKeeper) {
    this.#secret = secret;
    this.#invitation = invitation;
    this.#keeper = keeper;
  }

  get hasToken(): boolean {
    return this.#keeper.token !== null;
  }

  /**
   * Collects the link's token unless this browser holds it already; a call while a collection
   * is on its way joins that one. Resolves once the token is kept, or with the reason the link
   * cannot give one; rejects when collecting failed, and a later call tries again.
   */
  collectToken(): Promise<TokenRefusal | undefined> {
    if (this.hasToken) return Promise.resolve(undefined);
    this.#collecting ??= this.#collect().finally(() => {
      this.#collecting = undefined;
    });
    return this.#collecting;
  }

  async send(
    answers: Answer[],
    comment: string | null,
    onStep: (step: SubmitStep) => void,
  ): Promise<SubmitOutcome> {
    if (!this.hasToken) {
      onStep('token');
      const refusal = await this.collectToken();
      if (refusal !== undefined) return refusal;
    }
    const token = this.#keeper.token;
    if (token === null) throw new Error('the token was not kept');
    onStep('sending');
    try {
      await requestJson('/responses', () => undefined, {
        method: 'POST',
        body: {
          runId: this.#invitation.runId,
          token,
          answers,
          ...(comment === null ? {} : { comment }),
        },
      });
      return 'recorded';
    } catch (error) {
      if (error instanceof ProblemError && error.status === 409) return 'already-recorded';
      if (error instanceof ProblemError && error.status === 410) return 'closed';
      throw error;
    }
  }

  async #collect(): Promise<TokenRefusal | undefined> {
    const { publicKey, keyId } = this.#invitation;
    // A token asked for before and never signed (its answer lost, or the page closed) is
    // asked for again with the same blinded message: the server signs that one again, and
    // would refuse any other.
    let pending = this.#keeper.pendingToken;
    if (pending?.keyId !== keyId) {
      const prepared = await prepareToken(publicKey);
      pending = {
        keyId,
        message: toBase64Url(prepared.message),
        blindedMessage: toBase64Url(prepared.blindedMessage),
        inverse: toBase64Url(prepared.inverse),
      };
      this.#keeper.savePendingToken(pending);
    }
    let blindSignature: Uint8Array;
    try {
      const answer = await requestJson(
        `/invite/${encodeURIComponent(this.#secret)}/token`,
        parseBlindSignature,
        { method: 'POST', body: { blindedMessage: pending.blindedMessage } },
      );
      const bytes = fromBase64Url(answer);
      if (bytes === null) throw new ContractError('token.blindSignature');
      blindSignature = bytes;
    } catch (error) {
      const status = error instanceof ProblemError ? error.status : undefined;
      // Another tab of this browser may have collected and kept it meanwhile.
      if (status === 409) return this.hasToken ? undefined : 'link-used';
      if (status === 410) return 'closed';
      if (status === 404) return 'unknown-link';
      throw error;
    }
    const decoded = {
      message: fromBase64Url(pending.message),
      blindedMessage: fromBase64Url(pending.blindedMessage),
      inverse: fromBase64Url(pending.inverse),
    };
    if (decoded.message === null || decoded.blindedMessage === null || decoded.inverse === null) {
      throw new ContractError('the kept token request');
    }
    const { message, signature } = await finishToken(
      publicKey,
      {
        message: decoded.message,
        blindedMessage: decoded.blindedMessage,
        inverse: decoded.inverse,
      },
      blindSignature,
    );
    this.#keeper.saveToken({
      keyId,
      message: toBase64Url(message),
      signature: toBase64Url(signature),
    });
    return undefined;
  }
}
