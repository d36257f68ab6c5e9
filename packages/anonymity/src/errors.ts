/**
 * Stable codes of the errors this package throws. The HTTP edge maps them to problem+json;
 * callers branch on the code, never on the message.
 *
 * - `ANON_INVALID_BLINDED_MESSAGE`: a blinded message that is not exactly the modulus length
 *   or is not below the modulus (RFC 9474: "message representative out of range").
 * - `ANON_SIGNATURE_FAULT`: the signer's own result failed its check (s^e mod n != m), so it
 *   was withheld rather than returned.
 * - `ANON_INVALID_TOKEN`: a token that does not verify; the client throws it when the blind
 *   signature it got back does not finalize, and the server may throw it when `verifyToken`
 *   says no.
 * - `ANON_INVALID_PUBLIC_KEY`: the client was given a public key it cannot use.
 * - `ANON_KEY_SEALED_INVALID`: a sealed private key that does not open: wrong key-encryption
 *   key, wrong associated data (another key id), tampered or truncated.
 * - `ANON_RESPONSE_SEALED_INVALID`: a sealed response that does not open: wrong sealing key
 *   or run, another shape, tampered or truncated.
 */
export type AnonymityErrorCode =
  | 'ANON_INVALID_BLINDED_MESSAGE'
  | 'ANON_SIGNATURE_FAULT'
  | 'ANON_INVALID_TOKEN'
  | 'ANON_INVALID_PUBLIC_KEY'
  | 'ANON_KEY_SEALED_INVALID'
  | 'ANON_RESPONSE_SEALED_INVALID';

/**
 * A blind-signature input or key that cannot be used. It carries a stable `code` so that
 * callers can tell the cases apart without parsing the message; the message never contains
 * key material or token bytes.
 */
export class AnonymityError extends Error {
  override readonly name = 'AnonymityError';
  readonly code: AnonymityErrorCode;

  constructor(code: AnonymityErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
