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
 * Gets a one-time token by RFC 9474 blind signature (RSABSSA-SHA384-PSS-Randomized). It
 * draws a random 32-byte message, prepares it (a random 32-byte prefix is prepended), blinds
 * it with a random factor that never leaves this function, has the server sign the blinded
 * message through `signBlinded`, and finalizes: unblinds and checks the signature against
 * the key. The server therefore signs without learning the message it will later see on a
 * response.
 *
 * `publicKeySpkiBase64Url` is the segment's DER SubjectPublicKeyInfo in unpadded base64url.
 * A key that cannot be used throws `ANON_INVALID_PUBLIC_KEY`; a blind signature that does
 * not finalize into a valid signature throws `ANON_INVALID_TOKEN`; errors of `signBlinded`
 * itself pass through unchanged.
 */
export async function requestToken(
  publicKeySpkiBase64Url: string,
  signBlinded: (blindedMessage: Uint8Array) => Promise<Uint8Array>,
): Promise<AnonymousToken> {
  const suite = RSABSSA.SHA384.PSS.Randomized();
  const spki = fromBase64Url(publicKeySpkiBase64Url);
  if (spki === null) {
    throw new AnonymityError('ANON_INVALID_PUBLIC_KEY', 'the public key is not base64url');
  }
  const message = suite.prepare(crypto.getRandomValues(new Uint8Array(TOKEN_NONCE_LENGTH)));
  let publicKey: CryptoKey;
  let blinded: { blindedMsg: Uint8Array; inv: Uint8Array };
  try {
    // The library reads n and e through a JWK export, so the key must be extractable.
    publicKey = await crypto.subtle.importKey(
      'spki',
      spki,
      { name: 'RSA-PSS', hash: 'SHA-384' },
      true,
      ['verify'],
    );
    blinded = await suite.blind(publicKey, message);
  } catch (error) {
    throw new AnonymityError('ANON_INVALID_PUBLIC_KEY', 'the public key cannot blind', {
      cause: error,
    });
  }
  const blindSignature = await signBlinded(blinded.blindedMsg);
  let signature: Uint8Array;
  try {
    signature = await suite.finalize(publicKey, message, blindSignature, blinded.inv);
  } catch (error) {
    throw new AnonymityError('ANON_INVALID_TOKEN', 'the blind signature does not finalize', {
      cause: error,
    });
  }
  return { message, signature };
}
