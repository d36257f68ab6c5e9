import { fromBase64Url, requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import { ContractError, ProblemError, requestJson } from './http.js';
import { parseBlindSignature, type Invitation } from './invitation.js';

/** One answered statement: its question and the value on the 1–5 scale. */
export interface Answer {
  questionId: string;
  value: number;
}

/** The unblinded token a response is sent with; the binary parts base64url. */
interface AnonymousToken {
  keyId: string;
  message: string;
  signature: string;
}

/** How a submission ended when it did not fail outright (a failure rejects with the problem). */
export type SubmitOutcome =
  'recorded' | 'link-used' | 'already-recorded' | 'closed' | 'unknown-link';

/** The step a submission is at, for the progress text. */
export type SubmitStep = 'token' | 'sending';

/**
 * Sends one employee's answers: first a one-time token for the segment's key by blind
 * signature (the server signs a blinded message, so it cannot link the token to the link it
 * signed for), then the answers with that token. The token route answers once per link, so a
 * token is kept and reused when sending fails and the person tries again.
 */
export class ResponseSubmission {
  readonly #secret: string;
  readonly #invitation: Invitation;
  #token: AnonymousToken | undefined;

  constructor(secret: string, invitation: Invitation) {
    this.#secret = secret;
    this.#invitation = invitation;
  }

  async send(
    answers: Answer[],
    comment: string | null,
    onStep: (step: SubmitStep) => void,
  ): Promise<SubmitOutcome> {
    if (this.#token === undefined) {
      onStep('token');
      const outcome = await this.#collectToken();
      if (outcome !== undefined) return outcome;
    }
    onStep('sending');
    try {
      await requestJson('/responses', () => undefined, {
        method: 'POST',
        body: {
          runId: this.#invitation.runId,
          token: this.#token,
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

  /** Gets the token; answers an outcome instead when the link cannot give one. */
  async #collectToken(): Promise<SubmitOutcome | undefined> {
    let problem: ProblemError | undefined;
    const signBlinded = async (blinded: Uint8Array): Promise<Uint8Array> => {
      try {
        const blindSignature = await requestJson(
          `/invite/${encodeURIComponent(this.#secret)}/token`,
          parseBlindSignature,
          { method: 'POST', body: { blindedMessage: toBase64Url(blinded) } },
        );
        const bytes = fromBase64Url(blindSignature);
        if (bytes === null) throw new ContractError('token.blindSignature');
        return bytes;
      } catch (error) {
        if (error instanceof ProblemError) problem = error;
        throw error;
      }
    };

    try {
      const { message, signature } = await requestToken(this.#invitation.publicKey, signBlinded);
      this.#token = {
        keyId: this.#invitation.keyId,
        message: toBase64Url(message),
        signature: toBase64Url(signature),
      };
      return undefined;
    } catch (error) {
      const status = problem?.status;
      if (status === 409) return 'link-used';
      if (status === 410) return 'closed';
      if (status === 404) return 'unknown-link';
      throw error;
    }
  }
}
