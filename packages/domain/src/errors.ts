/**
 * Stable codes of the errors the domain throws. The HTTP edge maps them to problem+json;
 * callers branch on the code, never on the message.
 */
export type DomainErrorCode =
  | 'DOMAIN_INVALID_ANSWER'
  | 'DOMAIN_INVALID_COUNT'
  | 'DOMAIN_INVALID_GROUP_SIZE'
  | 'DOMAIN_INVALID_HISTOGRAM'
  | 'DOMAIN_INVALID_PROBABILITY'
  | 'DOMAIN_INVALID_RELEASE'
  | 'DOMAIN_INVALID_ROOM_STATE'
  | 'DOMAIN_INVALID_ROOM_THRESHOLD'
  | 'DOMAIN_INVALID_SAMPLE'
  | 'DOMAIN_INVALID_STATED_WEIGHT';

/**
 * An input the domain cannot work with, such as an answer outside 1..5 or a minimum group
 * size below the anonymity floor. It carries a stable `code` so that callers can tell the
 * cases apart without parsing the message.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly code: DomainErrorCode;

  constructor(code: DomainErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
