import { createHash, randomBytes } from 'node:crypto';
import {
  audienceMembers,
  createRun,
  enqueueJob,
  listPriorities,
  listPulses,
  type TenantTransaction,
} from '@pulsegap/db';
import { isDimension, statementFor } from '@pulsegap/domain';
import { recomputeRunRequest } from '@pulsegap/jobs';
import { conflict, notFound } from '../../errors.js';

/** A started run, with each invitee's one-time secret (only its hash is stored). */
export interface StartedRun {
  readonly id: string;
  readonly invited: number;
  readonly closesAt: Date;
  readonly invitations: readonly {
    personId: string;
    email: string;
    name: string;
    secret: string;
  }[];
}

/** The hash under which an invitation secret is stored. */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/**
 * Starts a run of a pulse now: freezes its questions from the question bank, invites every
 * active person of the audience with a fresh secret, and asks for the first computation.
 */
export async function startRun(
  trx: TenantTransaction,
  organizationId: string,
  pulseId: string,
  now: Date,
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
  const invited = members.map((member) => ({
    member,
    secret: randomBytes(32).toString('base64url'),
  }));
  const closesAt = new Date(now.getTime() + pulse.openForHours * 3600_000);
  const runId = await createRun(trx, organizationId, {
    pulseId,
    openedAt: now,
    closesAt,
    minGroupSize: pulse.minGroupSize,
    commentMinGroupSize: pulse.commentMinGroupSize,
    questions,
    invitees: invited.map(({ member, secret }) => ({
      personId: member.personId,
      secretHash: hashSecret(secret),
      segmentTeamId: member.teamId,
      segmentTier: member.tier,
    })),
  });
  await enqueueJob(trx, recomputeRunRequest(organizationId, runId));
  return {
    id: runId,
    invited: members.length,
    closesAt,
    invitations: invited.map(({ member, secret }) => ({
      personId: member.personId,
      email: member.email,
      name: member.name,
      secret,
    })),
  };
}
