import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AnonymityError } from './errors.js';

const VERSION = 1;
const KEY_LENGTH = 32;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + IV_LENGTH + TAG_LENGTH;
// Domain separation: a ciphertext made with the same key-encryption key for another purpose
// cannot be passed off as a sealed segment key.
const AAD_LABEL = 'pulsegap/anonymity/segment-key/v1\u0000';

function assertKeyEncryptionKey(keyEncryptionKey: Uint8Array): void {
  if (keyEncryptionKey.length !== KEY_LENGTH) {
    throw new RangeError(`the key-encryption key must be ${KEY_LENGTH} bytes`);
  }
}

function additionalData(associatedData: string): Buffer {
  return Buffer.from(AAD_LABEL + associatedData, 'utf8');
}

/**
 * Seals a segment's PKCS#8 private key for storage with AES-256-GCM under the
 * key-encryption key (32 bytes), with a fresh random 12-byte IV. The result is
 * `version (1 byte, 1) || iv (12) || tag (16) || ciphertext`. `associatedData` should be the
 * key's id: it is authenticated, not stored, so a sealed key copied to another row no longer
 * opens. Throws a RangeError if the key-encryption key is not 32 bytes (a configuration
 * error).
 */
export function encryptPrivateKey(
  pkcs8: Uint8Array,
  keyEncryptionKey: Uint8Array,
  associatedData: string,
): Buffer {
  assertKeyEncryptionKey(keyEncryptionKey);
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', keyEncryptionKey, iv, {
    authTagLength: TAG_LENGTH,
  });
  cipher.setAAD(additionalData(associatedData));
  const ciphertext = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), ciphertext]);
}

/**
 * Opens a key sealed by `encryptPrivateKey` and returns the PKCS#8 DER. A wrong
 * key-encryption key, different associated data, an unknown version, truncation or any
 * changed byte throws `AnonymityError` `ANON_KEY_SEALED_INVALID`; a key-encryption key that
 * is not 32 bytes throws a RangeError.
 */
export function decryptPrivateKey(
  sealed: Uint8Array,
  keyEncryptionKey: Uint8Array,
  associatedData: string,
): Buffer {
  assertKeyEncryptionKey(keyEncryptionKey);
  if (sealed.length <= HEADER_LENGTH || sealed[0] !== VERSION) {
    throw new AnonymityError('ANON_KEY_SEALED_INVALID', 'the sealed key is malformed');
  }
  const iv = sealed.subarray(1, 1 + IV_LENGTH);
  const tag = sealed.subarray(1 + IV_LENGTH, HEADER_LENGTH);
  const ciphertext = sealed.subarray(HEADER_LENGTH);
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyEncryptionKey, iv, {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAuthTag(tag);
    decipher.setAAD(additionalData(associatedData));
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (error) {
    throw new AnonymityError('ANON_KEY_SEALED_INVALID', 'the sealed key does not open', {
      cause: error,
    });
  }
}
