import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { AnonymityError } from './errors.js';
import { decryptPrivateKey, encryptPrivateKey } from './sealed-key.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof AnonymityError ? error.code : 'not an AnonymityError';
  }
  return undefined;
}

const kek = randomBytes(32);
const keyId = 'run-7f3a/segment-12';
const pkcs8 = randomBytes(1217);

describe('sealed private keys', () => {
  test('open with the same key-encryption key and key id', () => {
    const sealed = encryptPrivateKey(pkcs8, kek, keyId);
    expect(sealed[0]).toBe(1);
    expect(sealed).toHaveLength(1 + 12 + 16 + pkcs8.length);
    expect(sealed.includes(pkcs8.subarray(0, 32))).toBe(false);
    expect(decryptPrivateKey(sealed, kek, keyId)).toEqual(pkcs8);
  });

  test('use a fresh IV each time', () => {
    const first = encryptPrivateKey(pkcs8, kek, keyId);
    const second = encryptPrivateKey(pkcs8, kek, keyId);
    expect(first.subarray(1, 13)).not.toEqual(second.subarray(1, 13));
    expect(first).not.toEqual(second);
  });

  test('do not open under another key-encryption key or key id', () => {
    const sealed = encryptPrivateKey(pkcs8, kek, keyId);
    expect(codeOf(() => decryptPrivateKey(sealed, randomBytes(32), keyId))).toBe(
      'ANON_KEY_SEALED_INVALID',
    );
    expect(codeOf(() => decryptPrivateKey(sealed, kek, 'run-7f3a/segment-13'))).toBe(
      'ANON_KEY_SEALED_INVALID',
    );
    expect(codeOf(() => decryptPrivateKey(sealed, kek, ''))).toBe('ANON_KEY_SEALED_INVALID');
  });

  test.each([
    ['the version', 0],
    ['the IV', 5],
    ['the tag', 20],
    ['the ciphertext', 40],
    ['the last byte', -1],
  ])('do not open when %s changes', (_part, index) => {
    const sealed = encryptPrivateKey(pkcs8, kek, keyId);
    const at = index < 0 ? sealed.length + index : index;
    sealed[at] = (sealed[at] ?? 0) ^ 0x01;
    expect(codeOf(() => decryptPrivateKey(sealed, kek, keyId))).toBe('ANON_KEY_SEALED_INVALID');
  });

  test.each([0, 1, 13, 29, 100])('do not open when cut to %i bytes', (length) => {
    const sealed = encryptPrivateKey(pkcs8, kek, keyId).subarray(0, length);
    expect(codeOf(() => decryptPrivateKey(sealed, kek, keyId))).toBe('ANON_KEY_SEALED_INVALID');
  });

  test('refuse a key-encryption key that is not 32 bytes', () => {
    expect(() => encryptPrivateKey(pkcs8, randomBytes(16), keyId)).toThrow(RangeError);
    const sealed = encryptPrivateKey(pkcs8, kek, keyId);
    expect(() => decryptPrivateKey(sealed, randomBytes(31), keyId)).toThrow(RangeError);
  });
});
