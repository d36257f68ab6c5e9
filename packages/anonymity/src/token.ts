import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { SigningPool } from './signing-pool.js';
import { TOKEN_SALT_LENGTH } from './token-format.js';

/**
 * Checks a submitted token: true if `signature` is a valid RSASSA-PSS signature (SHA-384,
 * MGF1-SHA-384, 48-byte salt) of `message` under the segment's public key, which is what
 * RFC 9474's Finalize produces. `message` is the prepared message exactly as the client
 * returned it (random prefix followed by the random message). Never rejects: a key that is
 * not RSA, a signature that is not exactly the modulus length, or any garbage gives false.
 * The RSA operation runs on libuv's thread pool, off the event loop.
 */
export function verifyToken(
  publicKeySpki: Uint8Array | KeyObject,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  let key: KeyObject;
  try {
    key =
      publicKeySpki instanceof Uint8Array
        ? createPublicKey({ key: Buffer.from(publicKeySpki), format: 'der', type: 'spki' })
        : publicKeySpki;
  } catch {
    return Promise.resolve(false);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  // RFC 8017 §8.1.2 step 1: a signature of any other length is invalid.
  if (key.asymmetricKeyType !== 'rsa' || bits === undefined) return Promise.resolve(false);
  if (signature.length !== Math.ceil(bits / 8)) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify(
        'sha384',
        message,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: TOKEN_SALT_LENGTH },
        signature,
        (error, valid) => {
          resolve(error === null && valid);
        },
      );
    } catch {
      resolve(false);
    }
  });
}

/** A submitted token and the segment key it claims to be signed with. */
export interface SubmittedToken {
  readonly publicKey: KeyObject;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * `verifyToken` for many tokens at once, the RSA checks in one message to one of `pool`'s
 * threads: under load, one thread wake-up per batch instead of one per token.
 */
export async function verifyTokensOn(
  pool: SigningPool,
  tokens: readonly SubmittedToken[],
): Promise<boolean[]> {
  const shaped = tokens.map((t) => {
    const bits = t.publicKey.asymmetricKeyDetails?.modulusLength;
    return (
      t.publicKey.asymmetricKeyType === 'rsa' &&
      bits !== undefined &&
      t.signature.length === Math.ceil(bits / 8)
    );
  });
  const checked = await pool.verifyBatch(
    tokens.filter((_, i) => shaped[i]),
    TOKEN_SALT_LENGTH,
  );
  let next = 0;
  return shaped.map((ok) => ok && checked[next++] === true);
}

/**
 * SHA-256 of a token's message: what the server stores, under a unique constraint, to
 * accept one response per token. The message itself is random and reveals nothing, but only
 * its hash is needed.
 */
export function tokenHash(message: Uint8Array): Buffer {
  return createHash('sha256').update(message).digest();
}
