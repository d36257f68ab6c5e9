import {
  constants,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  type KeyObject,
} from 'node:crypto';
import { AnonymityError } from './errors.js';
import { SEGMENT_KEY_BITS } from './segment-key.js';
import type { SigningPool } from './signing-pool.js';

/**
 * The server's half of RFC 9474's BlindSign (§4.3) for one segment key. It computes the raw
 * RSA signature m^d mod n of a blinded message with OpenSSL (`privateDecrypt` without
 * padding, CRT and base blinding included), which is hundreds of times faster than the
 * pure-JavaScript `blindSign` of `@cloudflare/blindrsa-ts`. The private key is parsed once
 * and kept as a KeyObject.
 *
 * It never sees the token: a blinded message is the PSS encoding of the token multiplied by
 * r^e for a random r only the browser knows, so it is uniformly distributed and cannot be
 * linked to the token that is later submitted.
 */
export class BlindSigner {
  /** The public half of the key, for `verifyToken`. */
  readonly publicKey: KeyObject;
  /** Bytes of the modulus: the exact length of a blinded message and of a blind signature. */
  readonly modulusLength: number;
  readonly #privateKey: KeyObject;
  readonly #modulus: Buffer;

  /**
   * Takes the segment's private key as PKCS#8 DER (what `decryptPrivateKey` returns) or as
   * a KeyObject. Throws a TypeError for anything but an RSA private key of at least
   * 2048 bits.
   */
  constructor(privateKey: Uint8Array | KeyObject) {
    let key: KeyObject;
    try {
      key =
        privateKey instanceof Uint8Array
          ? createPrivateKey({ key: Buffer.from(privateKey), format: 'der', type: 'pkcs8' })
          : privateKey;
    } catch (error) {
      throw new TypeError('the segment key is not a PKCS#8 private key', { cause: error });
    }
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa' || bits < SEGMENT_KEY_BITS) {
      throw new TypeError(`the segment key is not an RSA private key of ${SEGMENT_KEY_BITS}+ bits`);
    }
    this.#privateKey = key;
    this.publicKey = createPublicKey(key);
    this.modulusLength = Math.ceil(bits / 8);
    const { n } = this.publicKey.export({ format: 'jwk' });
    this.#modulus = Buffer.from(n ?? '', 'base64url');
    if (this.#modulus.length !== this.modulusLength) {
      throw new TypeError('the segment key has a malformed modulus');
    }
  }

  /**
   * Signs a blinded message: returns s = m^d mod n, big-endian, `modulusLength` bytes. A
   * blinded message that is not exactly `modulusLength` bytes or whose value is not below n
   * throws `ANON_INVALID_BLINDED_MESSAGE`. The result is checked before it is returned
   * (s^e mod n must give m back, RFC 9474 §4.3 step 4 and §7): a faulty CRT computation
   * could otherwise leak a factor of n, so a mismatch throws `ANON_SIGNATURE_FAULT`.
   */
  sign(blindedMessage: Uint8Array): Buffer {
    const message = this.#checkedMessage(blindedMessage);
    let signature: Buffer;
    try {
      signature = privateDecrypt(
        { key: this.#privateKey, padding: constants.RSA_NO_PADDING },
        message,
      );
    } catch (error) {
      throw signingFailed(error);
    }
    return this.#checkedSignature(message, signature);
  }

  /**
   * `sign` with the private-key operation done on one of `pool`'s threads, so that signing
   * uses every core and the event loop stays free. Same checks, same errors.
   */
  async signOn(pool: SigningPool, blindedMessage: Uint8Array): Promise<Buffer> {
    const message = this.#checkedMessage(blindedMessage);
    let signature: Buffer;
    try {
      signature = await pool.rawSign(this.#privateKey, message);
    } catch (error) {
      throw signingFailed(error);
    }
    return this.#checkedSignature(message, signature);
  }

  /**
   * Throws `ANON_INVALID_BLINDED_MESSAGE` for a blinded message this key cannot sign, as
   * `sign` would: so a caller can refuse it before recording anything.
   */
  checkBlindedMessage(blindedMessage: Uint8Array): void {
    this.#checkedMessage(blindedMessage);
  }

  #checkedMessage(blindedMessage: Uint8Array): Buffer {
    if (!(blindedMessage instanceof Uint8Array) || blindedMessage.length !== this.modulusLength) {
      throw new AnonymityError(
        'ANON_INVALID_BLINDED_MESSAGE',
        `a blinded message must be ${this.modulusLength} bytes`,
      );
    }
    // A copy, so that the caller cannot change the input between signing and checking.
    const message = Buffer.from(blindedMessage);
    // Same length, big-endian: byte order is numeric order.
    if (Buffer.compare(message, this.#modulus) >= 0) {
      throw new AnonymityError(
        'ANON_INVALID_BLINDED_MESSAGE',
        'message representative out of range',
      );
    }
    return message;
  }

  #checkedSignature(message: Buffer, signature: Buffer): Buffer {
    let recovered: Buffer;
    try {
      recovered = publicEncrypt(
        { key: this.publicKey, padding: constants.RSA_NO_PADDING },
        signature,
      );
    } catch (error) {
      throw signingFailed(error);
    }
    if (signature.length !== this.modulusLength || !recovered.equals(message)) {
      throw new AnonymityError('ANON_SIGNATURE_FAULT', 'the blind signature failed its check');
    }
    return signature;
  }
}

function signingFailed(cause: unknown): AnonymityError {
  return new AnonymityError('ANON_SIGNATURE_FAULT', 'the RSA signing operation failed', { cause });
}
