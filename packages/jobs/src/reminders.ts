import {
  addRunReminders,
  countUncollectedInvitations,
  enqueueJob,
  lockRun,
  readSettings,
  recordAudit,
  runReminders,
  updateReminder,
  type TenantTransaction,
} from '@pulsegap/db';
import { isRunOpen, nextManualReminderAt, MANUAL_REMINDER_INTERVAL_HOURS } from '@pulsegap/domain';
import { nextSendingTime } from '@pulsegap/domain/schedule';
import { deliverReminderRequest } from './contract.js';
import { Refused } from './refused.js';

/** A reminder asked for by hand. */
export interface ReminderAsked {
  /** Invitees it will reach: their invitation went out and they have not collected a token. */
  readonly queued: number;
  /** When it goes out: now, or the next opening of the sending hours. */
  readonly sendsAt: Date;
}

/**
 * "Send reminder now" on a run, in the caller's transaction: at most once in
 * {@link MANUAL_REMINDER_INTERVAL_HOURS} hours counting every reminder that went out or is
 * going out (409 `PG_ERR_REMINDER_TOO_SOON`, with `nextAllowedAt`), only while the run is
 * open (409 `PG_ERR_RUN_CLOSED`) and only if it can go out before the run closes (409
 * `PG_ERR_OUTSIDE_SENDING_HOURS`). Inside the sending hours it is queued at once; outside,
 * it waits for the next opening. Kept in the audit log with the number it will reach (the
 * organization's participation shows as much).
 */
export async function remindNow(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  now: Date,
  actorUserId: string,
): Promise<ReminderAsked> {
  const run = await lockRun(trx, runId);
  if (run === null) throw new Refused(404, 'PG_ERR_NOT_FOUND', 'The run was not found');
  if (!isRunOpen(run, now)) {
    throw new Refused(409, 'PG_ERR_RUN_CLOSED', 'The run has closed: there is nobody to remind.');
  }
  const reminded = (await runReminders(trx, [runId]))
    .filter((r) => r.state === 'queued' || r.state === 'sent' || r.kind === 'manual')
    .map((r) => r.dueAt);
  const allowedAt = nextManualReminderAt(reminded, now);
  if (allowedAt > now) {
    throw new Refused(
      409,
      'PG_ERR_REMINDER_TOO_SOON',
      `This run was reminded less than ${MANUAL_REMINDER_INTERVAL_HOURS} hours ago; the next reminder can be sent from ${allowedAt.toISOString()}.`,
      { nextAllowedAt: allowedAt.toISOString() },
    );
  }
  const settings = await readSettings(trx, organizationId);
  const sendsAt = nextSendingTime(now, settings.quietHours, settings.timezone);
  if (sendsAt === null || sendsAt >= run.closesAt) {
    throw new Refused(
      409,
      'PG_ERR_OUTSIDE_SENDING_HOURS',
      'The organization’s sending hours do not open again before the run closes, so a reminder could not go out. Change the sending hours in the settings to send it.',
      { closesAt: run.closesAt.toISOString() },
    );
  }
  const [reminderId] = await addRunReminders(trx, organizationId, runId, [
    { kind: 'manual', dueAt: now },
  ]);
  if (reminderId !== undefined && sendsAt.getTime() === now.getTime()) {
    await updateReminder(trx, reminderId, { state: 'queued', afterInvitation: null });
    await enqueueJob(trx, deliverReminderRequest(organizationId, reminderId));
  }
  const queued = await countUncollectedInvitations(trx, runId);
  await recordAudit(trx, organizationId, {
    actorUserId,
    action: 'run.reminded',
    subject: `run/${runId}`,
    detail: { queued, sendsAt: sendsAt.toISOString() },
  });
  return { queued, sendsAt };
}
