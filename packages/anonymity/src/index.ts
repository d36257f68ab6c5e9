// The server side of anonymous tokens (node:crypto only). The browser side is
// `@pulsegap/anonymity/client`.
export { AnonymityError, type AnonymityErrorCode } from './errors.js';
export {
  TOKEN_MESSAGE_LENGTH,
  TOKEN_NONCE_LENGTH,
  TOKEN_SALT_LENGTH,
  TOKEN_SUITE,
} from './token-format.js';
export {
  generateSegmentKey,
  keyFingerprint,
  SEGMENT_KEY_BITS,
  type SegmentKeyPair,
} from './segment-key.js';
export { decryptPrivateKey, encryptPrivateKey } from './sealed-key.js';
export {
  openSealedResponse,
  sealedResponseLength,
  sealResponse,
  type ResponseContent,
  type SealedResponseShape,
} from './sealed-response.js';
export { BlindSigner } from './blind-signer.js';
export {
  DEFAULT_SIGNING_IDLE_MS,
  DEFAULT_SIGNING_THREADS,
  SigningPool,
  type SigningPoolOptions,
} from './signing-pool.js';
export { tokenHash, verifyToken } from './token.js';
export { decodeBase64Url } from './decode-base64url.js';
export { type Base64UrlDecodeOptions } from './base64url.js';
