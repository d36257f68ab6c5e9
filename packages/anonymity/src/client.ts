// The browser side of anonymous tokens: WebCrypto and @cloudflare/blindrsa-ts only, no
// Node modules, so that the web app can bundle it.
import { RSABSSA } from '@cloudflare/blindrsa-ts';
import { AnonymityError } from './errors.js';
import { fromBase64Url } from './base64url.js';
import { TOKEN_NONCE_LENGTH } from './token-format.js';

export { AnonymityError, type AnonymityErrorCode } from './errors.js';
export { fromBase64Url, toBase64Url, type Base64UrlDecodeOptions } from './base64url.js';
export { TOKEN_MESSAGE_LENGTH, TOKEN_SUITE } from './token-format.js';

/**
 * A finalized token: the prepared message (random prefix followed by a random message) and
 * its RSASSA-PSS signature under the segment's key. It is submitted with a response as is.
 */
export interface AnonymousToken {
  message: Uint8Array;
  signature: Uint8Array;
}

/**
 * A token asked for and not yet signed: the prepared message, the blinded message sent for
 * signing and the inverse of the blinding factor that unblinds the signature. The browser
 * keeps it until the signature comes, so that a request whose answer was lost is sent
 * again with the same blinded message (which the server signs again) rather than a new one
 * (which it refuses: the link's token is taken).
 */
export interface PendingToken {
  message: Uint8Array;
  blindedMessage: Uint8Array;
  inverse: Uint8Array;
}

async function importSegmentKey(publicKeySpkiBase64Url: string): Promise<CryptoKey> {
  const spki = fromBase64Url(publicKeySpkiBase64Url);
  if (spki === null) {
    throw new AnonymityError('ANON_INVALID_PUBLIC_KEY', 'the public key is not base64url');
  }
  try {
    // The library reads n and e through a JWK export, so the key must be extractable.
    return await crypto.subtle.importKey('spki', spki, { name: 'RSA-PSS', hash: 'SHA-384' }, true, [
      'verify',
    ]);
  } catch (error) {
    throw new AnonymityError('ANON_INVALID_PUBLIC_KEY', 'the public key cannot be used', {
      cause: error,
    });
  }
}

/**
 * Starts a one-time token (RFC 9474, RSABSSA-SHA384-PSS-Randomized): draws a random 32-byte
 * message, prepares it (a random 32-byte prefix is prepended) and blinds it with a random
 * factor. Only the blinded message is for the server; the rest stays in the browser.
 * `publicKeySpkiBase64Url` is the segment's DER SubjectPublicKeyInfo in unpadded base64url;
 * a key that cannot be used throws `ANON_INVALID_PUBLIC_KEY`.
 */
export async function prepareToken(publicKeySpkiBase64Url: string): Promise<PendingToken> {
  const suite = RSABSSA.SHA384.PSS.Randomized();
  const publicKey = await importSegmentKey(publicKeySpkiBase64Url);
  const message = suite.prepare(crypto.getRandomValues(new Uint8Array(TOKEN_NONCE_LENGTH)));
  try {
    const blinded = await suite.blind(publicKey, message);
    return { message, blindedMessage: blinded.blindedMsg, inverse: blinded.inv };
  } catch (error) {
    throw new AnonymityError('ANON_INVALID_PUBLIC_KEY', 'the public key cannot blind', {
      cause: error,
    });
  }
}

/**
 * Finishes a token with the server's blind signature of its blinded message: unblinds it
 * and checks the signature against the key. A blind signature that does not finalize into
 * a valid signature throws `ANON_INVALID_TOKEN`.
 */
export async function finishToken(
  publicKeySpkiBase64Url: string,
  pending: PendingToken,
  blindSignature: Uint8Array,
): Promise<AnonymousToken> {
  const suite = RSABSSA.SHA384.PSS.Randomized();
  const publicKey = await importSegmentKey(publicKeySpkiBase64Url);
  try {
    const signature = await suite.finalize(
      publicKey,
      pending.message,
      blindSignature,
      pending.inverse,
    );
    return { message: pending.message, signature };
  } catch (error) {
    throw new AnonymityError('ANON_INVALID_TOKEN', 'the blind signature does not finalize', {
      cause: error,
    });
  }
}

/**
 * Gets a one-time token by blind signature in one go: `prepareToken`, the server signs the
 * blinded message through `signBlinded`, `finishToken`. The server therefore signs without
 * learning the message it will later see on a response. Errors of `signBlinded` pass
 * through unchanged.
 */
export async function requestToken(
  publicKeySpkiBase64Url: string,
  signBlinded: (blindedMessage: Uint8Array) => Promise<Uint8Array>,
): Promise<AnonymousToken> {
  const pending = await prepareToken(publicKeySpkiBase64Url);
  const blindSignature = await signBlinded(pending.blindedMessage);
  return finishToken(publicKeySpkiBase64Url, pending, blindSignature);
}
