/** The RFC 9474 variant every token uses: SHA-384, MGF1-SHA-384, 48-byte salt, random prefix. */
export const TOKEN_SUITE = 'RSABSSA-SHA384-PSS-Randomized';

/** Bytes of the RSASSA-PSS salt (SHA-384's output length, as the variant requires). */
export const TOKEN_SALT_LENGTH = 48;

/** Bytes of the random message the client draws before preparing it. */
export const TOKEN_NONCE_LENGTH = 32;

/**
 * Bytes of a token's message as submitted and verified: the 32-byte random prefix that the
 * Randomized variant's `prepare` prepends, followed by the 32-byte random message.
 */
export const TOKEN_MESSAGE_LENGTH = 32 + TOKEN_NONCE_LENGTH;
