import { randomUUID } from 'node:crypto';
import {
  audienceMembers,
  createRun,
  enqueueJob,
  listPriorities,
  listPulses,
  listTeams,
  type TenantTransaction,
} from '@pulsegap/db';
import { assignSegments, isDimension, statementFor } from '@pulsegap/domain';
import {
  deliverInvitationsRequest,
  hashInvitationSecret,
  invitationSecret,
  recomputeRunRequest,
} from '@pulsegap/jobs';
import { conflict, notFound } from '../../errors.js';

/** A started run. */
export interface StartedRun {
  readonly id: string;
  readonly invited: number;
  readonly closesAt: Date;
}

/**
 * Starts a run of a pulse now: freezes its questions from the question bank, invites every
 * active person of the audience under the segment their token will name (teams under k
 * merged upward), and asks for the invitations to be sent and the first computation, all
 * in the caller's transaction. Each invitation's secret is derived from its id with
 * `invitationKey`; only its hash is stored.
 */
export async function startRun(
  trx: TenantTransaction,
  organizationId: string,
  pulseId: string,
  now: Date,
  invitationKey: Buffer,
): Promise<StartedRun> {
  const [pulse] = await listPulses(trx, pulseId);
  if (pulse === undefined) throw notFound('The pulse');
  const titles = new Map((await listPriorities(trx)).map((p) => [p.id, p.title]));
  const questions = pulse.priorityIds.flatMap((priorityId) =>
    pulse.dimensions.filter(isDimension).map((dimension) => ({
      priorityId,
      dimension,
      text: statementFor(dimension, titles.get(priorityId) ?? ''),
    })),
  );
  const members = await audienceMembers(trx, {
    teamIds: pulse.audience.teams,
    tiers: pulse.audience.tiers,
  });
  if (members.length === 0) {
    throw conflict(
      'PG_ERR_EMPTY_AUDIENCE',
      'Nobody active on the roster is in this pulse’s audience.',
    );
  }
  const segmentOf = assignSegments(await listTeams(trx), members, pulse.minGroupSize);
  const closesAt = new Date(now.getTime() + pulse.openForHours * 3600_000);
  const runId = await createRun(trx, organizationId, {
    pulseId,
    openedAt: now,
    closesAt,
    minGroupSize: pulse.minGroupSize,
    commentMinGroupSize: pulse.commentMinGroupSize,
    questions,
    invitees: members.map((member) => {
      const id = randomUUID();
      const segment = segmentOf(member.teamId, member.tier);
      return {
        id,
        personId: member.personId,
        secretHash: hashInvitationSecret(invitationSecret(invitationKey, id)),
        segmentTeamId: segment.teamId,
        segmentTier: segment.tier,
      };
    }),
  });
  await enqueueJob(trx, deliverInvitationsRequest(organizationId, runId));
  await enqueueJob(trx, recomputeRunRequest(organizationId, runId));
  return { id: runId, invited: members.length, closesAt };
}
