import { randomUUID } from 'node:crypto';
import {
  addRunReminders,
  audienceMembers,
  createRun,
  enqueueJob,
  listCustomItems,
  listPriorities,
  listPulses,
  listTeams,
  openDecisionsOf,
  readSettings,
  recordAudit,
  type TenantTransaction,
} from '@pulsegap/db';
import {
  assignSegments,
  audienceShortfalls,
  decisionItems,
  effectiveThresholds,
  BLIND_SPOT_DIMENSIONS,
  isDimension,
  itemStatementFor,
  itemStatements,
  plannedReminders,
  predictionStatementFor,
  previewRun,
  TIERS,
  type DecisionItem,
  type RunPreview,
  type Segment,
  type Tier,
} from '@pulsegap/domain';
import { deliverInvitationsRequest, stockSegmentKeysRequest } from './contract.js';
import { Refused } from './refused.js';
import { hashInvitationSecret, invitationSecret } from './invitation-secrets.js';
import { makeSegmentKeys } from './segment-keys.js';

/** What a run is planned from: a pulse's definition, as stored or as a draft. */
export interface RunDefinition {
  readonly priorityIds: readonly string[];
  readonly dimensions: readonly string[];
  readonly openQuestion: boolean;
  /** Ask leaders to predict the frontline's staffing and feasibility answers. */
  readonly predictions?: boolean;
  readonly audience: {
    readonly teams: readonly string[] | null;
    readonly tiers: readonly Tier[] | null;
  };
  readonly minGroupSize: number;
  readonly commentMinGroupSize: number;
}

/** A decision's follow-up item a run would ask, with the decision's title. */
export interface PreviewDecisionItem extends DecisionItem {
  readonly decisionTitle: string;
}

/**
 * The follow-up items a run of a pulse asking `priorityIds` adds now: two per open decision
 * about one of them (`decisionItems`), asked of the decision's owning team and those under it.
 */
export async function followUpItems(
  trx: TenantTransaction,
  priorityIds: readonly string[],
): Promise<PreviewDecisionItem[]> {
  const decisions = await openDecisionsOf(trx, priorityIds);
  const titles = new Map(decisions.map((d) => [d.id, d.title]));
  return decisionItems(decisions, priorityIds).map((item) => ({
    ...item,
    decisionTitle: titles.get(item.decisionId) ?? '',
  }));
}

/** A question a run will ask, before it is stored. */
export interface PlannedQuestion {
  readonly priorityId: string;
  readonly dimension: string;
  readonly text: string;
  readonly kind: 'bank' | 'custom' | 'prediction';
  readonly audienceTier: Tier | null;
}

/**
 * The questions a run of `pulse` asks, in order: per priority, each dimension it names (a
 * bank dimension, or a custom item's key whose statement `statements` holds), then, when
 * the pulse asks for predictions, leaders' predictions of the frontline's answers to the
 * staffing and feasibility statements the pulse asks (`predictionStatementFor`), asked of
 * leadership only. A dimension with no statement is left out.
 */
export function plannedQuestions(
  pulse: Pick<RunDefinition, 'priorityIds' | 'dimensions' | 'predictions'>,
  titles: ReadonlyMap<string, string>,
  statements: ReadonlyMap<string, string>,
): PlannedQuestion[] {
  return pulse.priorityIds.flatMap((priorityId) => {
    const title = titles.get(priorityId) ?? '';
    const asked = pulse.dimensions.flatMap((dimension): PlannedQuestion[] => {
      const statement = statements.get(dimension);
      if (statement === undefined) return [];
      return [
        {
          priorityId,
          dimension,
          text: itemStatementFor(statement, title),
          kind: isDimension(dimension) ? 'bank' : 'custom',
          audienceTier: null,
        },
      ];
    });
    const predicted =
      pulse.predictions === true
        ? BLIND_SPOT_DIMENSIONS.filter((d) => pulse.dimensions.includes(d)).map(
            (dimension): PlannedQuestion => ({
              priorityId,
              dimension,
              text: predictionStatementFor(dimension, title),
              kind: 'prediction',
              audienceTier: 'leadership',
            }),
          )
        : [];
    return [...asked, ...predicted];
  });
}

/**
 * What a run of the pulse would be, were it started now (`previewRun`): the same audience,
 * thresholds (raised to the organization's floor) and merging of small segments that
 * `startRun` would use, and the decisions' follow-up items it would add, read in the
 * caller's transaction. Its question count and minutes are those of the invitee asked the
 * most (bank and custom items, leaders' predictions, a team's follow-up items). Nothing is
 * written.
 */
export async function previewPulseRun(
  trx: TenantTransaction,
  organizationId: string,
  pulse: RunDefinition,
): Promise<RunPreview & { readonly decisionItems: PreviewDecisionItem[] }> {
  const thresholds = effectiveThresholds(pulse, await readSettings(trx, organizationId));
  const members = await audienceMembers(trx, {
    teamIds: pulse.audience.teams,
    tiers: pulse.audience.tiers,
  });
  const decisionItems = await followUpItems(trx, pulse.priorityIds);
  const preview = previewRun({
    teams: await listTeams(trx),
    members,
    tiers: pulse.audience.tiers,
    thresholds,
    // Counted for the invitee asked the most: a leader answers the predictions too, and a
    // team the follow-up items of its decisions.
    questions: [
      ...plannedQuestions(pulse, new Map(), itemStatements(await listCustomItems(trx))).map(
        (q) => ({ audienceTier: q.audienceTier, audienceTeamId: null }),
      ),
      ...decisionItems,
    ],
    openQuestion: pulse.openQuestion,
  });
  return { ...preview, decisionItems };
}

/** A started run. */
export interface StartedRun {
  readonly id: string;
  readonly invited: number;
  readonly closesAt: Date;
}

/**
 * Starts a run of a pulse now, in the caller's transaction: freezes its questions from the
 * question bank, its audience and a snapshot of the team tree (every figure of the run is
 * planned against it, never against a later reorganization), invites every active person
 * of the audience under the segment their token will name (teams under k merged upward),
 * makes every segment's key (so no key's creation tells when someone first opened a link;
 * taken from the keys made ahead, `makeSegmentKeys`), asks for the invitations to be sent
 * and for the keys it took to be made again, and records the start in the audit log. Its
 * thresholds are the pulse's, raised to the organization's floor. A run whose audience
 * leaves a whole tier under k does not start (`Refused`, 409). Each invitation's secret is derived from its id with
 * `invitationKey`; only its hash is stored.
 */
export async function startRun(
  trx: TenantTransaction,
  organizationId: string,
  pulseId: string,
  now: Date,
  keys: { invitationKey: Buffer; segmentKeySealing: Buffer },
  actorUserId: string | null,
  /** For a run its pulse's schedule starts: the occurrence (one run per occurrence). */
  scheduledFor: Date | null = null,
): Promise<StartedRun> {
  const [pulse] = await listPulses(trx, pulseId);
  if (pulse === undefined) throw new Refused(404, 'PG_ERR_NOT_FOUND', 'The pulse was not found');
  // The organization's floor may have been raised since the pulse was made: it still holds.
  const thresholds = effectiveThresholds(pulse, await readSettings(trx, organizationId));
  const titles = new Map((await listPriorities(trx)).map((p) => [p.id, p.title]));
  const questions = [
    ...plannedQuestions(pulse, titles, itemStatements(await listCustomItems(trx))),
    // After the bank's: each open decision about an asked priority, asked of its team.
    ...(await followUpItems(trx, pulse.priorityIds)).map((item) => ({
      priorityId: item.priorityId,
      dimension: item.dimension,
      text: item.text,
      kind: item.kind,
      audienceTier: item.audienceTier,
      audienceTeamId: item.audienceTeamId,
      decisionId: item.decisionId,
    })),
  ];
  const members = await audienceMembers(trx, {
    teamIds: pulse.audience.teams,
    tiers: pulse.audience.tiers,
  });
  if (members.length === 0) {
    throw new Refused(
      409,
      'PG_ERR_EMPTY_AUDIENCE',
      'Nobody active on the roster is in this pulse’s audience.',
    );
  }
  const [shortfall] = audienceShortfalls(members, pulse.audience.tiers, thresholds.minGroupSize);
  if (shortfall !== undefined) {
    const other = shortfall.tier === 'leadership' ? 'frontline' : 'leadership';
    throw new Refused(
      409,
      'PG_ERR_TIER_UNDER_K',
      `The audience has ${shortfall.count} ${shortfall.tier} ${shortfall.count === 1 ? 'person' : 'people'}; a run needs at least ${shortfall.minGroupSize} (the minimum group size) in each tier it asks, or even the whole organization's ${shortfall.tier} figures would describe fewer people than that. Add ${shortfall.tier} people to the roster or to the audience, or limit the pulse's audience to ${other}.`,
      { tier: shortfall.tier, count: shortfall.count, minGroupSize: shortfall.minGroupSize },
    );
  }
  const teams = await listTeams(trx);
  const merge = assignSegments(teams, members, thresholds.minGroupSize);
  const closesAt = new Date(now.getTime() + pulse.openForHours * 3600_000);
  const invitees = members.map((member) => {
    const id = randomUUID();
    const segment = merge.segmentOf({ teamId: member.teamId, tier: member.tier });
    return {
      id,
      personId: member.personId,
      secretHash: hashInvitationSecret(invitationSecret(keys.invitationKey, id)),
      segmentTeamId: segment.teamId,
      segmentTier: segment.tier,
    };
  });
  const runId = await createRun(trx, organizationId, {
    pulseId,
    openedAt: now,
    closesAt,
    scheduledFor,
    ...thresholds,
    openQuestion: pulse.openQuestion,
    audience: pulse.audience,
    teams: teams.map((t) => ({
      id: t.id,
      name: t.name,
      parentId: t.parentId,
      mergedTiers: TIERS.filter((tier) => merge.incomplete(tier).has(t.id)),
    })),
    questions,
    invitees,
  });
  const segments = new Map<string, Segment>();
  for (const i of invitees) {
    segments.set(`${i.segmentTier}/${i.segmentTeamId ?? ''}`, {
      teamId: i.segmentTeamId,
      tier: i.segmentTier,
    });
  }
  await makeSegmentKeys(trx, organizationId, runId, [...segments.values()], keys.segmentKeySealing);
  await addRunReminders(
    trx,
    organizationId,
    runId,
    plannedReminders(pulse.reminders, now, closesAt),
  );
  await enqueueJob(trx, deliverInvitationsRequest(organizationId, runId));
  // What this run took from the stock of keys is made again for the next one.
  await enqueueJob(trx, stockSegmentKeysRequest(organizationId));
  await recordAudit(trx, organizationId, {
    actorUserId,
    action: 'run.started',
    subject: `run/${runId}`,
    detail: {
      pulseId,
      invited: members.length,
      closesAt: closesAt.toISOString(),
      ...thresholds,
      segments: segments.size,
    },
  });
  return { id: runId, invited: members.length, closesAt };
}
