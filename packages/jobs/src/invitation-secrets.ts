import { createHash, createHmac } from 'node:crypto';

/**
 * The secret of an invitation's link: an HMAC of its id under a key the database never
 * holds. The database stores only its hash; the delivery job derives it again to send it,
 * so no copy of the secret is kept anywhere.
 */
export function invitationSecret(invitationKey: Buffer, invitationId: string): string {
  return createHmac('sha256', invitationKey).update(invitationId).digest('base64url');
}

/** The hash under which an invitation secret is stored and looked up. */
export function hashInvitationSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
