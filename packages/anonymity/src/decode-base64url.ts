import { isCanonicalBase64Url, type Base64UrlDecodeOptions } from './base64url.js';

/**
 * Decodes unpadded base64url strictly into a Buffer, or returns null. Node's own decoder
 * skips characters it does not know and accepts padding and the `+`/`/` alphabet, so the
 * text is first checked to be canonical (`isCanonicalBase64Url`: no such characters, a
 * possible length, zero unused trailing bits and, with `options.length`, that many bytes);
 * then Node decodes it natively.
 */
export function decodeBase64Url(text: string, options: Base64UrlDecodeOptions = {}): Buffer | null {
  if (!isCanonicalBase64Url(text, options)) return null;
  return Buffer.from(text, 'base64url');
}
