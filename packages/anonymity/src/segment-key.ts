import { createHash, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * Bits of a segment key's modulus. 2048 bits is the smallest RSA size NIST still approves
 * (SP 800-131A, through 2030). It keeps a blind signature well under a millisecond, and a
 * key only has to outlive its run.
 */
export const SEGMENT_KEY_BITS = 2048;

const PUBLIC_EXPONENT = 0x10001;

const generateRsaKeyPair = promisify(generateKeyPair);

/**
 * The RSA key pair of one run and one segment (team + tier). The public half and its
 * fingerprint are published with the run; the private half is stored sealed
 * (`encryptPrivateKey`) and only ever opened to blind-sign.
 */
export interface SegmentKeyPair {
  /** DER SubjectPublicKeyInfo with the rsaEncryption algorithm, as WebCrypto imports it. */
  publicKeySpki: Buffer;
  /** DER PKCS#8 private key. Seal it before it leaves memory. */
  privateKeyPkcs8: Buffer;
  /** Lowercase hex SHA-256 of `publicKeySpki`, see `keyFingerprint`. */
  fingerprint: string;
}

/**
 * Generates a segment key: RSA, 2048-bit modulus, public exponent 65537. Generation runs on
 * libuv's thread pool, so making the keys of a run does not block the event loop.
 */
export async function generateSegmentKey(): Promise<SegmentKeyPair> {
  const { publicKey, privateKey } = await generateRsaKeyPair('rsa', {
    modulusLength: SEGMENT_KEY_BITS,
    publicExponent: PUBLIC_EXPONENT,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  return {
    publicKeySpki: publicKey,
    privateKeyPkcs8: privateKey,
    fingerprint: keyFingerprint(publicKey),
  };
}

/**
 * The fingerprint of a public key: lowercase hex SHA-256 of its DER SubjectPublicKeyInfo.
 * Fingerprints are published with a run so that anyone can check that every respondent of a
 * segment was handed the same key, which is what keeps a key from singling someone out.
 */
export function keyFingerprint(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}
