import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AnonymityError } from './errors.js';

const VERSION = 1;
const KEY_LENGTH = 32;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + IV_LENGTH + TAG_LENGTH;
const AAD_LABEL = 'pulsegap/anonymity/response/v1\u0000';
/** Written for a question left unanswered (answers are 1..5). */
const SKIPPED = 0;

/**
 * The fixed shape of a run's sealed responses: how many questions it asks, and how many
 * UTF-16 code units its open question takes (0 when it has none). Every response of a run
 * seals to the same length, whatever was answered and however long the comment, so the
 * size of a sealed row says nothing that could pair it with a released comment.
 */
export interface SealedResponseShape {
  readonly questionCount: number;
  readonly commentUnits: number;
}

/** What a sealed response holds: values by question position (null: skipped) and a comment. */
export interface ResponseContent {
  readonly answers: readonly (number | null)[];
  readonly comment: string | null;
}

/** The length in bytes of every sealed response of a run of this shape. */
export function sealedResponseLength(shape: SealedResponseShape): number {
  return HEADER_LENGTH + plaintextLength(shape);
}

function plaintextLength(shape: SealedResponseShape): number {
  return shape.questionCount + (shape.commentUnits > 0 ? 2 + 2 * shape.commentUnits : 0);
}

function assertKey(key: Uint8Array): void {
  if (key.length !== KEY_LENGTH)
    throw new RangeError(`the sealing key must be ${KEY_LENGTH} bytes`);
}

// The run and the shape are authenticated: a sealed response opens only as what it was
// sealed as, never as another run's or another shape of the same length.
function additionalData(runId: string, shape: SealedResponseShape): Buffer {
  return Buffer.from(
    `${AAD_LABEL}${runId}\u0000${shape.questionCount}\u0000${shape.commentUnits}`,
    'utf8',
  );
}

/**
 * Seals an accepted response while its run is open (PRODUCT.md §6.7): AES-256-GCM under
 * the sealing key (32 bytes, derived from the service's secret and never stored), a fresh
 * random IV, and the run's id as associated data, so a sealed response opens only for its
 * own run, and the shape too. The plaintext is padded to the run's fixed shape. Throws a RangeError when the
 * content does not fit the shape (a programming error: the route checks first).
 */
export function sealResponse(
  content: ResponseContent,
  shape: SealedResponseShape,
  key: Uint8Array,
  runId: string,
): Buffer {
  assertKey(key);
  if (content.answers.length !== shape.questionCount) {
    throw new RangeError('a sealed response answers every question of its run, or skips it');
  }
  const plain = Buffer.alloc(plaintextLength(shape));
  content.answers.forEach((value, i) => {
    if (value !== null && (!Number.isInteger(value) || value < 1 || value > 5)) {
      throw new RangeError(`answer ${value} is not on the 1..5 scale`);
    }
    plain[i] = value ?? SKIPPED;
  });
  if (content.comment !== null) {
    if (shape.commentUnits === 0) throw new RangeError('this run takes no comment');
    if (content.comment.length > shape.commentUnits)
      throw new RangeError('the comment is too long');
    const at = shape.questionCount;
    plain.writeUInt16LE(content.comment.length, at);
    plain.write(content.comment, at + 2, 'utf16le');
  }
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(additionalData(runId, shape));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), ciphertext]);
}

/**
 * Opens a response sealed by {@link sealResponse} for the same run and shape. A wrong key
 * or run, a different length, an unknown version or any changed byte throws
 * `AnonymityError` `ANON_RESPONSE_SEALED_INVALID`.
 */
export function openSealedResponse(
  sealed: Uint8Array,
  shape: SealedResponseShape,
  key: Uint8Array,
  runId: string,
): ResponseContent {
  assertKey(key);
  if (sealed.length !== sealedResponseLength(shape) || sealed[0] !== VERSION) {
    throw new AnonymityError('ANON_RESPONSE_SEALED_INVALID', 'the sealed response is malformed');
  }
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + IV_LENGTH), {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAuthTag(sealed.subarray(1 + IV_LENGTH, HEADER_LENGTH));
    decipher.setAAD(additionalData(runId, shape));
    plain = Buffer.concat([decipher.update(sealed.subarray(HEADER_LENGTH)), decipher.final()]);
  } catch (error) {
    throw new AnonymityError('ANON_RESPONSE_SEALED_INVALID', 'the sealed response does not open', {
      cause: error,
    });
  }
  const answers: (number | null)[] = [];
  for (let i = 0; i < shape.questionCount; i += 1) {
    const value = plain[i] ?? SKIPPED;
    answers.push(value === SKIPPED ? null : value);
  }
  let comment: string | null = null;
  if (shape.commentUnits > 0) {
    const at = shape.questionCount;
    const units = plain.readUInt16LE(at);
    if (units > 0) comment = plain.toString('utf16le', at + 2, at + 2 + 2 * units);
  }
  return { answers, comment };
}
