import { fromBase64Url } from '@pulsegap/anonymity/client';
import { ContractError } from './http.js';

/** The segment's key was not the one its published fingerprint names. */
export class KeyMismatchError extends Error {
  constructor() {
    super(
      'The key this page received does not match its published fingerprint, so no answers can be sent with it.',
    );
    this.name = 'KeyMismatchError';
  }
}

/** Hex SHA-256 of a public key's SPKI DER bytes (given base64url), as the API publishes it. */
export async function fingerprintOf(publicKeyBase64Url: string): Promise<string> {
  const der = fromBase64Url(publicKeyBase64Url);
  if (der === null) throw new ContractError('invite.publicKey');
  const digest = await crypto.subtle.digest('SHA-256', der);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The fingerprint of the key the browser will really use. The page shows this one, computed
 * here, rather than the server's word for it, and refuses a key whose fingerprint the server
 * states differently.
 */
export async function checkedFingerprint(
  publicKeyBase64Url: string,
  stated: string | null,
): Promise<string> {
  const actual = await fingerprintOf(publicKeyBase64Url);
  if (stated !== null && stated !== actual) throw new KeyMismatchError();
  return actual;
}
