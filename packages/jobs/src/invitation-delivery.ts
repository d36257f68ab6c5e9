import { createHash, createHmac } from 'node:crypto';
import { isRunOpen } from '@pulsegap/domain';
import {
  findRun,
  listPulses,
  markDelivered,
  undeliveredInvitations,
  withTenant,
} from '@pulsegap/db';
import type { JobContext } from './definitions.js';

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

const BATCH = 200;

/**
 * Sends every invitation of a run that has not gone out: a personal link to the answer
 * page. Each is marked delivered after it is sent, so a retry sends only what is left.
 */
export async function deliverInvitations(
  context: JobContext,
  organizationId: string,
  runId: string,
): Promise<void> {
  const run = await withTenant(context.db, organizationId, async (trx) => {
    const found = await findRun(trx, runId);
    if (found === null) return null;
    const [pulse] = await listPulses(trx, found.pulseId);
    return { ...found, title: pulse?.title ?? 'Pulse' };
  });
  // A run that has closed takes no answers: its invitations are not sent.
  if (run === null || !isRunOpen(run)) return;
  for (;;) {
    const batch = await withTenant(context.db, organizationId, (trx) =>
      undeliveredInvitations(trx, runId, BATCH),
    );
    if (batch.length === 0) return;
    for (const invitation of batch) {
      const link = `${context.publicUrl}/answer/${invitationSecret(context.invitationKey, invitation.id)}`;
      await context.mailer.send(organizationId, {
        to: invitation.email,
        subject: `${run.title}: two minutes, anonymously`,
        text: [
          `Hello ${invitation.name},`,
          '',
          `Your team is asked a few short questions: ${run.title}.`,
          'It takes about two minutes. Your answers are anonymous: your browser gets a one-time',
          'token that the server signs without seeing it, so nobody can link your answers to you.',
          '',
          `Answer here: ${link}`,
          '',
          `The pulse closes on ${run.closesAt.toUTCString()}.`,
        ].join('\n'),
        link,
      });
      await withTenant(context.db, organizationId, (trx) => markDelivered(trx, invitation.id));
    }
  }
}
