import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
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

  test('runs at most its size of threads, and one for work that comes one at a time', async () => {
    const sized = new SigningPool(3, { idleMs: 60_000 });
    const signer = signers[0] as BlindSigner;
    try {
      expect(sized.size).toBe(3);
      for (let i = 0; i < 5; i++) await signer.signOn(sized, blindedMessage());
      expect(sized.threads).toBe(1);
      await Promise.all(Array.from({ length: 30 }, () => signer.signOn(sized, blindedMessage())));
      expect(sized.threads).toBe(3);
    } finally {
      await sized.close();
    }
    expect(sized.threads).toBe(0);
  });

  test('threads idle for idleMs stop, and the pool starts them again for new work', async () => {
    const shrinking = new SigningPool(2, { idleMs: 200 });
    const signer = signers[1] as BlindSigner;
    try {
      const burst = () =>
        Promise.all(Array.from({ length: 20 }, () => signer.signOn(shrinking, blindedMessage())));
      await burst();
      expect(shrinking.threads).toBe(2);
      await expect.poll(() => shrinking.threads, { timeout: 3_000, interval: 50 }).toBe(0);
      const again = await burst();
      for (const signature of again) expect(signature.length).toBe(256);
      expect(shrinking.threads).toBeGreaterThan(0);
    } finally {
      await shrinking.close();
    }
  });

  test('defaults to the cores, at most four', () => {
    const defaults = new SigningPool();
    expect(defaults.size).toBe(Math.min(availableParallelism(), 4));
    expect(defaults.threads).toBe(0);
  });
});
