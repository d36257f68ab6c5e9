import { lockPulse, recordAudit, runOfOccurrence, withTenant } from '@pulsegap/db';
import { nextOccurrences, previousOccurrence } from '@pulsegap/domain/schedule';
import type { JobContext } from '../context.js';
import { Refused } from '../refused.js';
import { startRun } from '../run-start.js';

/** What became of an occurrence. */
export type OccurrenceOutcome = 'started' | 'already started' | 'skipped';

/**
 * Starts the run of one occurrence of a pulse's schedule (given, or else the latest one up to
 * `now`: what a scheduler firing at the occurrence means), at most once: the pulse's row is
 * locked first, so two workers taking the same occurrence (or a scheduler firing twice)
 * run one after the other and the second finds the run (`runOfOccurrence`; a unique index
 * on pulse and occurrence backs it). Everything happens in one transaction, so a worker
 * killed halfway leaves nothing, and the next try starts the run whole. The run opens at the
 * occurrence, so it closes when the schedule says even when a worker got to it late; its
 * invitations go to the roster as it is now, filtered by the audience (`startRun`).
 * Skipped: a pulse deleted, paused or no longer scheduled at that time (its schedule
 * changed), an occurrence whose window has already passed, and an audience that cannot
 * make a run (`Refused`); the last two write `run.skipped` to the audit log.
 */
export async function startScheduledRun(
  context: JobContext,
  organizationId: string,
  pulseId: string,
  occurrenceAsked: Date | null,
  now = new Date(),
): Promise<OccurrenceOutcome> {
  return withTenant(context.db, organizationId, async (trx) => {
    const pulse = await lockPulse(trx, pulseId);
    if (pulse === null || pulse.paused || pulse.schedule === null) return 'skipped';
    const scheduledFor = occurrenceAsked ?? previousOccurrence(pulse.schedule, now);
    if (scheduledFor === null) return 'skipped';
    if ((await runOfOccurrence(trx, pulseId, scheduledFor)) !== null) return 'already started';
    const [occurrence] = nextOccurrences(pulse.schedule, new Date(scheduledFor.getTime() - 1), 1);
    if (occurrence?.getTime() !== scheduledFor.getTime()) return 'skipped';
    // Skipped starts of a live schedule are in the audit log, so HR can see why none came.
    const skip = async (reason: string, code: string) => {
      await recordAudit(trx, organizationId, {
        actorUserId: null,
        action: 'run.skipped',
        subject: `pulse/${pulseId}`,
        detail: { scheduledFor: scheduledFor.toISOString(), code, reason },
      });
      return 'skipped' as const;
    };
    if (scheduledFor.getTime() + pulse.openForHours * 3_600_000 <= now.getTime()) {
      return skip('No worker got to this occurrence before its window ended.', 'WINDOW_OVER');
    }
    try {
      await startRun(
        trx,
        organizationId,
        pulseId,
        scheduledFor,
        { invitationKey: context.invitationKey, segmentKeySealing: context.segmentKeySealing },
        null,
        scheduledFor,
      );
      return 'started';
    } catch (error) {
      if (error instanceof Refused) return skip(error.message, error.code);
      throw error;
    }
  });
}
