import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { RSABSSA } from '@cloudflare/blindrsa-ts';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { BlindSigner } from './blind-signer.js';
import { requestToken } from './client.js';
import { AnonymityError } from './errors.js';
import { generateSegmentKey, keyFingerprint, type SegmentKeyPair } from './segment-key.js';
import { TOKEN_MESSAGE_LENGTH } from './token-format.js';
import { tokenHash, verifyToken } from './token.js';

async function codeOf(action: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await action();
  } catch (error) {
    return error instanceof AnonymityError ? error.code : 'not an AnonymityError';
  }
  return undefined;
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const index = Math.floor(bit / 8) % copy.length;
  copy[index] = (copy[index] ?? 0) ^ (1 << (bit % 8));
  return copy;
}

let segmentKey: SegmentKeyPair;
let otherKey: SegmentKeyPair;
let signer: BlindSigner;
let spkiText: string;

beforeAll(async () => {
  [segmentKey, otherKey] = await Promise.all([generateSegmentKey(), generateSegmentKey()]);
  signer = new BlindSigner(segmentKey.privateKeyPkcs8);
  spkiText = segmentKey.publicKeySpki.toString('base64url');
});

function issue(
  spki = spkiText,
  sign: (blinded: Uint8Array) => Promise<Uint8Array> = (blinded) =>
    Promise.resolve(signer.sign(blinded)),
): ReturnType<typeof requestToken> {
  return requestToken(spki, sign);
}

describe('segment keys', () => {
  test('are 2048-bit rsaEncryption keys with e = 65537 and a SHA-256 fingerprint', () => {
    const publicKey = createPublicKey({
      key: segmentKey.publicKeySpki,
      format: 'der',
      type: 'spki',
    });
    expect(publicKey.asymmetricKeyType).toBe('rsa');
    expect(publicKey.asymmetricKeyDetails).toMatchObject({
      modulusLength: 2048,
      publicExponent: 65537n,
    });
    expect(segmentKey.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(segmentKey.fingerprint).toBe(
      createHash('sha256').update(segmentKey.publicKeySpki).digest('hex'),
    );
    expect(keyFingerprint(segmentKey.publicKeySpki)).toBe(segmentKey.fingerprint);
    expect(otherKey.fingerprint).not.toBe(segmentKey.fingerprint);
  });
});

describe('tokens', () => {
  test('issued through the client verify on the server', async () => {
    const token = await issue();
    expect(token.message).toHaveLength(TOKEN_MESSAGE_LENGTH);
    expect(token.signature).toHaveLength(256);
    expect(verifyToken(segmentKey.publicKeySpki, token.message, token.signature)).toBe(true);
    expect(verifyToken(signer.publicKey, token.message, token.signature)).toBe(true);
  });

  test('do not verify with a bit flipped in the message or the signature', async () => {
    const token = await issue();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 256 * 8 - 1 }), async (bit) => {
        expect(
          verifyToken(segmentKey.publicKeySpki, flipBit(token.message, bit), token.signature),
        ).toBe(false);
        expect(
          verifyToken(segmentKey.publicKeySpki, token.message, flipBit(token.signature, bit)),
        ).toBe(false);
      }),
    );
  });

  test('do not verify under another segment key', async () => {
    const token = await issue();
    expect(verifyToken(otherKey.publicKeySpki, token.message, token.signature)).toBe(false);
  });

  test('do not verify with a truncated or padded signature', async () => {
    const token = await issue();
    const padded = Buffer.concat([Buffer.of(0), token.signature]);
    expect(verifyToken(segmentKey.publicKeySpki, token.message, padded)).toBe(false);
    expect(verifyToken(segmentKey.publicKeySpki, token.message, token.signature.subarray(1))).toBe(
      false,
    );
  });

  test('hash to 32 bytes, one hash per message', async () => {
    const [first, second] = await Promise.all([issue(), issue()]);
    expect(tokenHash(first.message)).toHaveLength(32);
    expect(tokenHash(first.message)).toEqual(tokenHash(Buffer.from(first.message)));
    expect(tokenHash(first.message)).not.toEqual(tokenHash(second.message));
  });
});

describe('unlinkability', () => {
  test('the signer sees only fresh blinded messages, never the token', async () => {
    const seen: Uint8Array[] = [];
    const sign = (blinded: Uint8Array): Promise<Uint8Array> => {
      seen.push(Uint8Array.from(blinded));
      return Promise.resolve(signer.sign(blinded));
    };
    const first = await issue(spkiText, sign);
    const second = await issue(spkiText, sign);
    const [firstBlinded, secondBlinded] = seen;
    if (firstBlinded === undefined || secondBlinded === undefined) {
      throw new Error('the signer was not called twice');
    }
    expect(seen).toHaveLength(2);
    expect(Buffer.from(firstBlinded)).not.toEqual(Buffer.from(secondBlinded));
    expect(Buffer.from(first.message)).not.toEqual(Buffer.from(second.message));
    for (const [blinded, token] of [
      [firstBlinded, first],
      [secondBlinded, second],
    ] as const) {
      const view = Buffer.from(blinded);
      expect(view).toHaveLength(256);
      expect(view.includes(Buffer.from(token.message))).toBe(false);
      expect(view.includes(Buffer.from(token.message.subarray(32)))).toBe(false);
      expect(view.equals(Buffer.from(token.signature))).toBe(false);
    }
  });
});

describe('requestToken', () => {
  test('refuses a public key that is not base64url or not an RSA key', async () => {
    expect(await codeOf(() => issue('not+base64url/'))).toBe('ANON_INVALID_PUBLIC_KEY');
    expect(await codeOf(() => issue(randomBytes(294).toString('base64url')))).toBe(
      'ANON_INVALID_PUBLIC_KEY',
    );
  });

  test('refuses a blind signature that does not finalize', async () => {
    const otherSigner = new BlindSigner(otherKey.privateKeyPkcs8);
    // Values below both moduli, so that only finalization can fail.
    const belowModulus = (bytes: Uint8Array): Uint8Array => {
      const copy = Uint8Array.from(bytes);
      copy[0] = 0;
      return copy;
    };
    const cases: ((blinded: Uint8Array) => Promise<Uint8Array>)[] = [
      () => Promise.resolve(belowModulus(randomBytes(256))),
      () => Promise.resolve(new Uint8Array(255)),
      () => Promise.resolve(new Uint8Array(257)),
      (blinded) => Promise.resolve(blinded),
      (blinded) => Promise.resolve(otherSigner.sign(belowModulus(blinded))),
    ];
    for (const sign of cases) {
      expect(await codeOf(() => issue(spkiText, sign))).toBe('ANON_INVALID_TOKEN');
    }
  });

  test('lets errors of the signing request through', async () => {
    const failure = new Error('network down');
    await expect(issue(spkiText, () => Promise.reject(failure))).rejects.toBe(failure);
  });
});

describe('properties', () => {
  test('any message blinded by the library, signed and finalized verifies', async () => {
    const suite = RSABSSA.SHA384.PSS.Randomized();
    const publicKey = await crypto.subtle.importKey(
      'spki',
      new Uint8Array(segmentKey.publicKeySpki),
      { name: 'RSA-PSS', hash: 'SHA-384' },
      true,
      ['verify'],
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (raw) => {
        const message = suite.prepare(raw);
        const { blindedMsg, inv } = await suite.blind(publicKey, message);
        const signature = await suite.finalize(publicKey, message, signer.sign(blindedMsg), inv);
        expect(verifyToken(segmentKey.publicKeySpki, message, signature)).toBe(true);
        expect(verifyToken(otherKey.publicKeySpki, message, signature)).toBe(false);
      }),
      { numRuns: 20 },
    );
  });

  test('verifyToken never throws and says no to arbitrary bytes', async () => {
    const key = fc.oneof(
      fc.constant(segmentKey.publicKeySpki),
      fc.uint8Array({ maxLength: 400 }),
      fc.uint8Array({ minLength: 294, maxLength: 294 }),
    );
    await fc.assert(
      fc.asyncProperty(
        key,
        fc.uint8Array({ maxLength: 100 }),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ minLength: 256, maxLength: 256 }),
        ),
        async (spki, message, signature) => {
          expect(verifyToken(spki, message, signature)).toBe(false);
        },
      ),
    );
  });
});
