import { listPulses, listTeams, listUsers, readSettings, withTenant } from '@pulsegap/db';
import { nextOccurrences } from '@pulsegap/domain/schedule';
import type { JobContext } from '../context.js';
import { launchNoticeMessage, pulsePageUrl } from '../messages.js';
import { previewPulseRun } from '../run-start.js';

/**
 * Tells every admin of the organization what the run of a pulse's occurrence will send, a
 * while before it starts: when, how many questions, who is invited per team and tier, which
 * teams are merged upward, and the link to pause it. Nothing is sent for an occurrence the
 * pulse no longer has (paused, deleted, rescheduled since the notice was asked for).
 */
export async function sendLaunchNotice(
  context: JobContext,
  organizationId: string,
  pulseId: string,
  scheduledFor: Date,
): Promise<void> {
  await withTenant(context.db, organizationId, async (trx) => {
    const [pulse] = await listPulses(trx, pulseId);
    if (pulse === undefined || pulse.paused || pulse.schedule === null) return;
    const [occurrence] = nextOccurrences(pulse.schedule, new Date(scheduledFor.getTime() - 1), 1);
    if (occurrence?.getTime() !== scheduledFor.getTime()) return;
    const { timezone } = await readSettings(trx, organizationId);
    const preview = await previewPulseRun(trx, organizationId, pulse);
    const teamNames = new Map((await listTeams(trx)).map((team) => [team.id, team.name]));
    const admins = (await listUsers(trx)).filter((user) => user.role === 'admin');
    for (const admin of admins) {
      await context.mailer.send(
        launchNoticeMessage({
          to: admin.email,
          title: pulse.title,
          startsAt: scheduledFor,
          openForHours: pulse.openForHours,
          timezone,
          preview,
          teamNames,
          pulseUrl: pulsePageUrl(context.publicUrl, pulseId),
        }),
        { trx, organizationId },
      );
    }
  });
}
