import {
  claimLaunchNotice,
  dueReminders,
  enqueueJob,
  findRun,
  lockReminder,
  readSettings,
  scheduledPulses,
  updateReminder,
  withTenant,
} from '@pulsegap/db';
import { isRunOpen } from '@pulsegap/domain';
import { isSendingTime, nextOccurrences } from '@pulsegap/domain/schedule';
import type { JobContext } from './context.js';
import { deliverReminderRequest, launchNoticeRequest } from './contract.js';

/** How many due reminders one sweep looks at. */
const REMINDER_PAGE = 100;

/**
 * Asks for the messages that are due, through the outbox (the recurring job
 * `sweep-due-messages`):
 * - every reminder due by `now`, when its organization's sending hours are open (else it
 *   waits for the next opening); a reminder of a run that closed meanwhile is `skipped`;
 * - the launch notice of every scheduled pulse whose next occurrence is within the
 *   organization's notice time (`launchNoticeHours`), once per occurrence, also in sending
 *   hours.
 * Returns how many were asked for.
 */
export async function requestDueMessages(context: JobContext, now = new Date()): Promise<number> {
  let asked = 0;
  for (const due of await dueReminders(context.db, REMINDER_PAGE)) {
    const queued = await withTenant(context.db, due.organizationId, async (trx) => {
      const reminder = await lockReminder(trx, due.reminderId);
      if (reminder === null || reminder.state !== 'due') return false;
      const run = await findRun(trx, reminder.runId);
      if (run === null || !isRunOpen(run, now)) {
        await updateReminder(trx, reminder.id, { state: 'skipped', afterInvitation: null });
        return false;
      }
      const settings = await readSettings(trx, due.organizationId);
      if (!isSendingTime(now, settings.quietHours, settings.timezone)) return false;
      await updateReminder(trx, reminder.id, { state: 'queued', afterInvitation: null });
      await enqueueJob(trx, deliverReminderRequest(due.organizationId, reminder.id));
      return true;
    });
    if (queued) asked += 1;
  }
  for (const pulse of await scheduledPulses(context.db)) {
    const [next] = nextOccurrences(pulse, now, 1);
    if (next === undefined) continue;
    const claimed = await withTenant(context.db, pulse.organizationId, async (trx) => {
      const settings = await readSettings(trx, pulse.organizationId);
      if (settings.launchNoticeHours === 0) return false;
      if (next.getTime() - now.getTime() > settings.launchNoticeHours * 3_600_000) return false;
      if (!isSendingTime(now, settings.quietHours, settings.timezone)) return false;
      if (!(await claimLaunchNotice(trx, pulse.organizationId, pulse.pulseId, next))) return false;
      await enqueueJob(trx, launchNoticeRequest(pulse.organizationId, pulse.pulseId, next));
      return true;
    });
    if (claimed) asked += 1;
  }
  return asked;
}
