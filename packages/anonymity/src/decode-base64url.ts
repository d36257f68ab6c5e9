import { fromBase64Url, type Base64UrlDecodeOptions } from './base64url.js';

/**
 * Decodes unpadded base64url strictly into a Buffer, or returns null. Node's own decoder
 * skips characters it does not know and accepts padding and the `+`/`/` alphabet; this one
 * rejects them, an impossible length, non-zero unused trailing bits and, with
 * `options.length`, any other decoded length.
 */
export function decodeBase64Url(text: string, options: Base64UrlDecodeOptions = {}): Buffer | null {
  const bytes = fromBase64Url(text, options);
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
