import { fromBase64Url } from '@pulsegap/anonymity/client';
import { ContractError } from './http.js';
import type { Invitation, PublishedKey } from './invitation.js';

/** Why the page will not use a key: which check the key it received failed. */
export type KeyMismatch = 'stated-fingerprint' | 'not-published' | 'segment-not-shared';

const MISMATCH_TEXT: Record<KeyMismatch, string> = {
  'stated-fingerprint':
    'The key this page received does not match its published fingerprint, so no answers can be sent with it.',
  'not-published':
    'The key this page received is not the one this pulse publishes for your group, so no answers can be sent with it.',
  'segment-not-shared':
    'This pulse publishes more than one key for your group, so a key could single you out and no answers can be sent with it.',
};

/** The segment's key is not the one the run publishes for everyone in the segment. */
export class KeyMismatchError extends Error {
  readonly reason: KeyMismatch;

  constructor(reason: KeyMismatch) {
    super(MISMATCH_TEXT[reason]);
    this.name = 'KeyMismatchError';
    this.reason = reason;
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
 * here, rather than the server's word for it, and refuses the key unless the run publishes it
 * (`GET /runs/:id/keys`) under the invitation's key id, for the invitation's segment, as that
 * segment's only key: a key made for one person would have to be published as a second key of
 * the segment, which anyone comparing the list can see.
 */
export async function checkedFingerprint(
  invitation: Pick<Invitation, 'publicKey' | 'fingerprint' | 'keyId' | 'segment'>,
  published: readonly PublishedKey[],
): Promise<string> {
  const actual = await fingerprintOf(invitation.publicKey);
  if (invitation.fingerprint !== null && invitation.fingerprint !== actual) {
    throw new KeyMismatchError('stated-fingerprint');
  }
  const key = published.find((k) => k.keyId === invitation.keyId);
  if (
    key?.fingerprint !== actual ||
    key.segment.tier !== invitation.segment.tier ||
    key.segment.teamId !== invitation.segment.teamId
  ) {
    throw new KeyMismatchError('not-published');
  }
  const sameSegment = published.filter(
    (k) => k.segment.teamId === key.segment.teamId && k.segment.tier === key.segment.tier,
  );
  if (sameSegment.length !== 1) throw new KeyMismatchError('segment-not-shared');
  return actual;
}
