import { setTimeout } from 'node:timers/promises';
import { isRunOpen } from '@pulsegap/domain';
import {
  findRun,
  hasUndeliveredInvitations,
  listPulses,
  markDelivered,
  undeliveredInvitations,
  withTenant,
} from '@pulsegap/db';
import type { JobContext } from '../context.js';
import { invitationSecret } from '../invitation-secrets.js';

/** How long to wait before looking again at invitations another delivery holds. */
const HELD_WAIT_MS = 250;

/**
 * Sends every invitation of a run that has not gone out: a personal link to the answer
 * page. Each invitation is locked (`FOR UPDATE SKIP LOCKED`), sent and marked delivered in
 * one transaction, so two runs of the job at once (a queue that lost the first and was
 * handed it again) never send one invitation twice, and a retry sends only what is left.
 * It returns only when every invitation has gone out (waiting for any that another run of
 * the job holds, which goes back to the pool if that run dies). The development outbox records
 * each message in that same transaction: sent and recorded exactly once.
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
    const sent = await withTenant(context.db, organizationId, async (trx) => {
      // One at a time: a message refused or cut off rolls back only its own mark.
      const [invitation] = await undeliveredInvitations(trx, runId, 1);
      if (invitation === undefined) return false;
      const link = `${context.publicUrl}/answer/${invitationSecret(context.invitationKey, invitation.id)}`;
      await context.mailer.send(
        {
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
        },
        { trx, organizationId },
      );
      await markDelivered(trx, invitation.id);
      return true;
    });
    if (sent) continue;
    // Nothing free to send: done, unless another delivery holds some (it may yet fail).
    const held = await withTenant(context.db, organizationId, (trx) =>
      hasUndeliveredInvitations(trx, runId),
    );
    if (!held) return;
    await setTimeout(HELD_WAIT_MS);
  }
}
