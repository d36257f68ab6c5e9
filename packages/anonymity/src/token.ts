import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { TOKEN_SALT_LENGTH } from './token-format.js';

/**
 * Checks a submitted token: true if `signature` is a valid RSASSA-PSS signature (SHA-384,
 * MGF1-SHA-384, 48-byte salt) of `message` under the segment's public key, which is what
 * RFC 9474's Finalize produces. `message` is the prepared message exactly as the client
 * returned it (random prefix followed by the random message). Never throws: a key that is
 * not RSA, a signature that is not exactly the modulus length, or any garbage gives false.
 * It runs where it is called: a check with a 2048-bit public key costs about 30 µs, less
 * than handing it to another thread and waiting for the answer.
 */
export function verifyToken(
  publicKeySpki: Uint8Array | KeyObject,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    const key =
      publicKeySpki instanceof Uint8Array
        ? createPublicKey({ key: Buffer.from(publicKeySpki), format: 'der', type: 'spki' })
        : publicKeySpki;
    const bits = key.asymmetricKeyDetails?.modulusLength;
    // RFC 8017 §8.1.2 step 1: a signature of any other length is invalid.
    if (key.asymmetricKeyType !== 'rsa' || bits === undefined) return false;
    if (signature.length !== Math.ceil(bits / 8)) return false;
    return verify(
      'sha384',
      message,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: TOKEN_SALT_LENGTH },
      signature,
    );
  } catch {
    return false;
  }
}

/**
 * SHA-256 of a token's message: what the server stores, under a unique constraint, to
 * accept one response per token. The message itself is random and reveals nothing, but only
 * its hash is needed.
 */
export function tokenHash(message: Uint8Array): Buffer {
  return createHash('sha256').update(message).digest();
}
