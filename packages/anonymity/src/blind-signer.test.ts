import { constants, createPrivateKey, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { BlindSigner } from './blind-signer.js';
import { AnonymityError } from './errors.js';
import { generateSegmentKey, type SegmentKeyPair } from './segment-key.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof AnonymityError ? error.code : 'not an AnonymityError';
  }
  return undefined;
}

function flipLowBit(base64Url: string | undefined): string {
  const bytes = Buffer.from(base64Url ?? '', 'base64url');
  bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 0b10;
  return bytes.toString('base64url');
}

let segmentKey: SegmentKeyPair;
let signer: BlindSigner;
let modulus: Buffer;

beforeAll(async () => {
  segmentKey = await generateSegmentKey();
  signer = new BlindSigner(segmentKey.privateKeyPkcs8);
  modulus = Buffer.from(signer.publicKey.export({ format: 'jwk' }).n ?? '', 'base64url');
});

describe('BlindSigner', () => {
  test('returns m^d mod n, modulus-length and checked by s^e mod n', () => {
    expect(signer.modulusLength).toBe(256);
    const blinded = Buffer.from(modulus);
    blinded[0] = (blinded[0] ?? 0) - 1;
    const signature = signer.sign(blinded);
    expect(signature).toHaveLength(256);
    const recovered = publicEncrypt(
      { key: signer.publicKey, padding: constants.RSA_NO_PADDING },
      signature,
    );
    expect(recovered).toEqual(blinded);
  });

  test('signs the largest value in range, n - 1', () => {
    const largest = Buffer.from(modulus);
    largest[largest.length - 1] = (largest.at(-1) ?? 0) - 1;
    expect(signer.sign(largest)).toHaveLength(256);
  });

  test.each([0, 1, 255, 257, 512])('rejects a blinded message of %i bytes', (length) => {
    expect(codeOf(() => signer.sign(new Uint8Array(length)))).toBe('ANON_INVALID_BLINDED_MESSAGE');
  });

  test('rejects a blinded message that is not below n', () => {
    expect(codeOf(() => signer.sign(Buffer.alloc(256, 0xff)))).toBe('ANON_INVALID_BLINDED_MESSAGE');
    expect(codeOf(() => signer.sign(modulus))).toBe('ANON_INVALID_BLINDED_MESSAGE');
  });

  test.each<[string, unknown]>([
    ['a string', 'a'.repeat(256)],
    ['null', null],
    ['a number array', Array.from({ length: 256 }, () => 1)],
    ['an object', { length: 256 }],
  ])('rejects %s', (_name, garbage) => {
    expect(codeOf(() => signer.sign(garbage as Uint8Array))).toBe('ANON_INVALID_BLINDED_MESSAGE');
  });

  test('withholds a signature that fails its check', () => {
    // A key whose d and dp are both wrong: OpenSSL's own CRT check falls back to d, so the
    // result is wrong and only the signer's check catches it.
    const jwk = createPrivateKey({
      key: segmentKey.privateKeyPkcs8,
      format: 'der',
      type: 'pkcs8',
    }).export({ format: 'jwk' });
    const faulty = new BlindSigner(
      createPrivateKey({
        key: { ...jwk, d: flipLowBit(jwk.d), dp: flipLowBit(jwk.dp) },
        format: 'jwk',
      }),
    );
    const blinded = Buffer.from(modulus);
    blinded[0] = 0x10;
    expect(codeOf(() => faulty.sign(blinded))).toBe('ANON_SIGNATURE_FAULT');
  });

  test('accepts a KeyObject of a larger key', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    expect(new BlindSigner(privateKey).modulusLength).toBe(384);
  });

  test('refuses keys that are not RSA private keys of 2048+ bits', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => new BlindSigner(small.privateKey)).toThrow(TypeError);
    expect(() => new BlindSigner(ec.privateKey)).toThrow(TypeError);
    expect(() => new BlindSigner(signer.publicKey)).toThrow(TypeError);
    expect(() => new BlindSigner(segmentKey.publicKeySpki)).toThrow(TypeError);
    expect(() => new BlindSigner(Buffer.from('not a key'))).toThrow(TypeError);
  });
});
