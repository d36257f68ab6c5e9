import { isRunOpen } from '@pulsegap/domain';
import {
  findRun,
  listPulses,
  lockReminder,
  nextUncollectedInvitation,
  readSettings,
  updateReminder,
  withTenant,
} from '@pulsegap/db';
import type { JobContext } from '../context.js';
import { invitationSecret } from '../invitation-secrets.js';
import { reminderMessage } from '../messages.js';

/**
 * Sends one queued reminder of a run: to every invitee whose invitation went out and who has
 * not collected a token, one message a transaction, in invitation id order. Each transaction
 * locks the reminder (so two runs of the job take turns), sends to the next invitee after
 * the last one reached, and moves the reminder past them: a retry goes on where it stopped,
 * and nobody gets the same reminder twice. Invitations are locked while read, so a token
 * claimed at that moment is either seen (no reminder) or waits for it. A run that has closed
 * is reminded no more (`skipped`). Nothing records who was reminded.
 */
export async function deliverReminder(
  context: JobContext,
  organizationId: string,
  reminderId: string,
): Promise<void> {
  // What every message of the reminder says: read once, not per message.
  const about = await withTenant(context.db, organizationId, async (trx) => {
    const reminder = await lockReminder(trx, reminderId);
    const run = reminder === null ? null : await findRun(trx, reminder.runId);
    if (run === null) return null;
    const [pulse] = await listPulses(trx, run.pulseId);
    const { timezone } = await readSettings(trx, organizationId);
    return { title: pulse?.title ?? 'Pulse', timezone };
  });
  if (about === null) return;
  for (;;) {
    const more = await withTenant(context.db, organizationId, async (trx) => {
      const reminder = await lockReminder(trx, reminderId);
      if (reminder === null || reminder.state !== 'queued') return false;
      const run = await findRun(trx, reminder.runId);
      if (run === null || !isRunOpen(run)) {
        await updateReminder(trx, reminderId, { state: 'skipped', afterInvitation: null });
        return false;
      }
      const invitation = await nextUncollectedInvitation(trx, run.id, reminder.afterInvitation);
      if (invitation === null) {
        await updateReminder(trx, reminderId, { state: 'sent', afterInvitation: null });
        return false;
      }
      await context.mailer.send(
        reminderMessage({
          to: invitation.email,
          name: invitation.name,
          title: about.title,
          closesAt: run.closesAt,
          timezone: about.timezone,
          link: `${context.publicUrl}/answer/${invitationSecret(context.invitationKey, invitation.id)}`,
        }),
        { trx, organizationId },
      );
      await updateReminder(trx, reminderId, { state: 'queued', afterInvitation: invitation.id });
      return true;
    });
    if (!more) return;
  }
}
