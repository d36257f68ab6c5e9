import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BlindSigner } from './blind-signer.js';
import { AnonymityError } from './errors.js';
import { generateSegmentKey } from './segment-key.js';
import { SigningPool } from './signing-pool.js';

let signers: BlindSigner[];
const pool = new SigningPool(2);

/** A blinded message below every 2048-bit modulus. */
function blindedMessage(): Buffer {
  const message = randomBytes(256);
  message[0] = (message[0] ?? 0) & 0x7f;
  return message;
}

beforeAll(async () => {
  signers = await Promise.all(
    [1, 2, 3].map(async () => new BlindSigner((await generateSegmentKey()).privateKeyPkcs8)),
  );
});
afterAll(() => pool.close());

describe('SigningPool', () => {
  test('signs on its threads exactly as on the event loop, for several keys at once', async () => {
    const jobs = Array.from({ length: 60 }, (_, i) => ({
      signer: signers[i % 3] as BlindSigner,
      message: blindedMessage(),
    }));
    const signatures = await Promise.all(jobs.map((j) => j.signer.signOn(pool, j.message)));
    signatures.forEach((signature, i) => {
      const job = jobs[i];
      expect(signature.equals(job?.signer.sign(job.message) ?? Buffer.alloc(0))).toBe(true);
    });
  });

  test('refuses a blinded message out of range before it reaches a thread', async () => {
    const tooLong = Buffer.alloc(257, 1);
    const error = await (signers[0] as BlindSigner).signOn(pool, tooLong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnonymityError);
    expect((error as AnonymityError).code).toBe('ANON_INVALID_BLINDED_MESSAGE');
  });

  test('a closed pool refuses work', async () => {
    const closed = new SigningPool(1);
    const signer = signers[0] as BlindSigner;
    expect((await signer.signOn(closed, blindedMessage())).length).toBe(256);
    await closed.close();
    const error = await signer.signOn(closed, blindedMessage()).catch((e: unknown) => e);
    expect((error as AnonymityError).code).toBe('ANON_SIGNATURE_FAULT');
  });

  test('takes at least one thread', () => {
    expect(() => new SigningPool(0)).toThrow(RangeError);
  });
});
