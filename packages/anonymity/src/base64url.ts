// Browser-safe: no Buffer, only the btoa/atob globals that browsers and Node share.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Options of the strict base64url decoders. */
export interface Base64UrlDecodeOptions {
  /** The exact number of decoded bytes required; anything else is invalid. */
  length?: number;
}

/**
 * Encodes bytes as unpadded base64url (RFC 4648 §5), the form in which keys, blinded
 * messages and tokens travel in JSON.
 */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/**
 * Whether `text` is unpadded base64url in its one canonical form: only characters of the
 * base64url alphabet (no `+`, `/`, `=` or whitespace), a possible length, unused trailing
 * bits that are zero (so each byte string has exactly one encoding) and, with
 * `options.length`, exactly that many decoded bytes.
 */
export function isCanonicalBase64Url(text: string, options: Base64UrlDecodeOptions = {}): boolean {
  if (typeof text !== 'string' || text.length % 4 === 1) {
    return false;
  }
  const decodedLength = Math.floor((text.length * 3) / 4);
  if (options.length !== undefined && decodedLength !== options.length) {
    return false;
  }
  if (!BASE64URL.test(text)) {
    return false;
  }
  const remainder = text.length % 4;
  if (remainder !== 0) {
    const last = ALPHABET.indexOf(text.charAt(text.length - 1));
    const unusedBits = remainder === 2 ? 0b1111 : 0b11;
    if ((last & unusedBits) !== 0) {
      return false;
    }
  }
  return true;
}

/**
 * Decodes unpadded base64url strictly, returning null rather than guessing: anything
 * `isCanonicalBase64Url` refuses is invalid.
 */
export function fromBase64Url(
  text: string,
  options: Base64UrlDecodeOptions = {},
): Uint8Array<ArrayBuffer> | null {
  if (!isCanonicalBase64Url(text, options)) {
    return null;
  }
  const binary = atob(
    text.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (text.length % 4)) % 4),
  );
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) {
    bytes[index] = binary.charCodeAt(index);
  }
  return bytes;
}
