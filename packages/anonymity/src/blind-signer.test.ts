import { constants, createPrivateKey, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { BlindSigner } from './blind-signer.js';
import { AnonymityError } from './errors.js';
import { generateSegmentKey, type SegmentKeyPair } from './segment-key.js';
import { SigningPool } from './signing-pool.js';

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

/**
 * The segment key with d and dp both wrong: OpenSSL's own CRT check falls back to d, so the
 * result is wrong and only the signer's check catches it.
 */
function faultySigner(): BlindSigner {
  const jwk = createPrivateKey({
    key: segmentKey.privateKeyPkcs8,
    format: 'der',
    type: 'pkcs8',
  }).export({ format: 'jwk' });
  return new BlindSigner(
    createPrivateKey({
      key: { ...jwk, d: flipLowBit(jwk.d), dp: flipLowBit(jwk.dp) },
      format: 'jwk',
    }),
  );
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
    const blinded = Buffer.from(modulus);
    blinded[0] = 0x10;
    expect(codeOf(() => faultySigner().sign(blinded))).toBe('ANON_SIGNATURE_FAULT');
  });

  test('withholds a faulty signature made on a signing thread too', async () => {
    // The token route signs with `signOn`: the thread's result gets the same check.
    const pool = new SigningPool(1);
    try {
      const blinded = Buffer.from(modulus);
      blinded[0] = 0x10;
      const error = await faultySigner()
        .signOn(pool, blinded)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AnonymityError);
      expect((error as AnonymityError).code).toBe('ANON_SIGNATURE_FAULT');
      expect((error as AnonymityError).message).toBe('the blind signature failed its check');
      // The same pool signs with the sound key, so the refusal is the check's.
      expect(await signer.signOn(pool, blinded)).toEqual(signer.sign(blinded));
    } finally {
      await pool.close();
    }
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
