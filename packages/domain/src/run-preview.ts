import { planComments } from './comment-plan.js';
import type { GroupThresholds } from './group-size.js';
import { planParticipation } from './participation.js';
import { TIERS, type Tier } from './question-bank.js';
import { mostAskedOfAny, teamAncestry, type QuestionAudience } from './run-items.js';
import { assignSegments, audienceShortfalls, type Segment } from './segments.js';
import { TeamTree } from './team-tree.js';

/** How long one 1–5 statement takes to read and answer (seconds). */
export const SECONDS_PER_QUESTION = 8;
/** How long the optional open question takes, for those who answer it (seconds). */
export const OPEN_QUESTION_SECONDS = 45;
/** Above this many questions, a pulse is no longer short: the preview warns. */
export const MAX_SHORT_PULSE_QUESTIONS = 15;
/** Above this estimated answering time, a pulse is no longer short: the preview warns. */
export const MAX_SHORT_PULSE_MINUTES = 2;

/** A team of the organization, as the preview names it. */
export interface PreviewTeam {
  readonly id: string;
  readonly name: string;
  readonly parentId: string | null;
}

/** What a run of a pulse would be made of, were it started now. */
export interface RunPreviewInput {
  readonly teams: readonly PreviewTeam[];
  /** The active people of the audience, by team and tier. */
  readonly members: readonly { readonly teamId: string; readonly tier: Tier }[];
  /** The tiers the audience takes (`null`: both). */
  readonly tiers: readonly Tier[] | null;
  readonly thresholds: GroupThresholds;
  /**
   * Every question the run would ask, with whom it is asked of: the bank's and custom items,
   * leaders' predictions, decisions' follow-up items.
   */
  readonly questions: readonly QuestionAudience[];
  readonly openQuestion: boolean;
}

/** Invitees per tier. */
export type TierCounts = Readonly<Record<Tier, number>>;

/** What executives could see of a group, if its invitees answer. */
export interface GroupReportability {
  readonly invited: TierCounts;
  /** Its participation and figures can be shown (planned as the run's are, at k). */
  readonly figures: boolean;
  /** Its comment list of each tier can be shown (at the comment threshold). */
  readonly comments: Readonly<Record<Tier, boolean>>;
}

/** A team of the preview. */
export interface TeamPreview extends GroupReportability {
  readonly teamId: string;
  readonly name: string;
  readonly parentId: string | null;
}

/** People of a team and tier whose token will name a larger group. */
export interface MergedGroup {
  readonly teamId: string;
  readonly tier: Tier;
  readonly invited: number;
  /** The team whose segment they join; `null` for the whole organization's. */
  readonly intoTeamId: string | null;
}

/** What a run would release, before it starts (PRODUCT.md §7, the pulse preview). */
export interface RunPreview {
  readonly invited: number;
  /** Whether a run could start with this audience now. */
  readonly startable: boolean;
  /** Why it could not, in words; `null` when it could. */
  readonly problem: string | null;
  readonly minGroupSize: number;
  readonly commentMinGroupSize: number;
  readonly tiers: { tier: Tier; invited: number; underK: boolean }[];
  /** The groups the run's tokens would name, after small ones are merged upward. */
  readonly segments: (Segment & { readonly invited: number })[];
  readonly merged: MergedGroup[];
  readonly organization: GroupReportability;
  /** Every team with invitees in its roll-up, parents before their children. */
  readonly teams: TeamPreview[];
  /** The most questions any one invitee is asked (the groups their tokens name decide it). */
  readonly questions: number;
  /** The time the most-asked invitee takes (`estimatedMinutes`). */
  readonly estimatedMinutes: number;
  readonly warnings: string[];
}

/** Minutes to answer, rounded up to the half minute. */
export function estimatedMinutes(questions: number, openQuestion: boolean): number {
  const seconds = questions * SECONDS_PER_QUESTION + (openQuestion ? OPEN_QUESTION_SECONDS : 0);
  return Math.ceil(seconds / 30) / 2;
}

/**
 * Previews a run: who would be invited, which groups would be merged upward before their
 * keys are made (`assignSegments`, as the run start does), and which teams executives could
 * see if everyone invited answered, planned with the same suppression as the run's
 * participation (at k) and comments (at the comment threshold). Fewer answers can only
 * hide more. A team that cannot be reported here never will be in this run.
 */
export function previewRun(input: RunPreviewInput): RunPreview {
  const { members, thresholds } = input;
  const k = thresholds.minGroupSize;
  const tree = new TeamTree(input.teams);
  const merge = assignSegments(input.teams, members, k);

  const segmentCounts = new Map<string, Segment & { invited: number }>();
  const mergedCounts = new Map<string, MergedGroup & { invited: number }>();
  for (const member of members) {
    const segment = merge.segmentOf(member);
    const key = `${segment.tier}/${segment.teamId ?? ''}`;
    const counted = segmentCounts.get(key) ?? { ...segment, invited: 0 };
    counted.invited += 1;
    segmentCounts.set(key, counted);
    if (segment.teamId !== member.teamId) {
      const mergedKey = `${member.tier}/${member.teamId}`;
      const group = mergedCounts.get(mergedKey) ?? {
        teamId: member.teamId,
        tier: member.tier,
        invited: 0,
        intoTeamId: segment.teamId,
      };
      group.invited += 1;
      mergedCounts.set(mergedKey, group);
    }
  }
  const segments = [...segmentCounts.values()];
  const participation = planParticipation(
    tree,
    segments.map((s) => ({ ...s, tokensCollected: 0, responses: 0 })),
    k,
    (tier) => merge.incomplete(tier),
  );
  const comments = planComments(
    tree,
    segments.map((s) => ({ teamId: s.teamId, tier: s.tier, count: s.invited })),
    [],
    thresholds.commentMinGroupSize,
    (tier) => merge.incomplete(tier),
  );
  const shownFigures = new Set([
    ...(participation.organization === null ? [] : [null]),
    ...participation.teams.map((team) => team.teamId),
  ]);
  const invitedIn = (group: string | null): TierCounts => {
    const counts = { leadership: 0, frontline: 0 };
    for (const member of members) if (tree.holds(group, member.teamId)) counts[member.tier] += 1;
    return counts;
  };
  const reportability = (group: string | null): GroupReportability => ({
    invited: invitedIn(group),
    figures: shownFigures.has(group),
    comments: {
      leadership: comments.items.some((c) => c.teamId === group && c.tier === 'leadership'),
      frontline: comments.items.some((c) => c.teamId === group && c.tier === 'frontline'),
    },
  });

  const names = new Map(input.teams.map((team) => [team.id, team]));
  // Each team followed by the teams beneath it, as the tree reads from the top.
  const inTreeOrder = (teamIds: readonly string[]): string[] =>
    teamIds.flatMap((id) => [id, ...inTreeOrder(tree.childrenOf(id))]);
  const teams = inTreeOrder(tree.ids.filter((id) => tree.parentOf(id) === null)).flatMap(
    (teamId): TeamPreview[] => {
      const team = names.get(teamId);
      const group = reportability(teamId);
      if (team === undefined || group.invited.leadership + group.invited.frontline === 0) return [];
      return [{ teamId, name: team.name, parentId: tree.parentOf(teamId), ...group }];
    },
  );

  const shortfalls = audienceShortfalls(members, input.tiers, k);
  const asked = input.tiers ?? TIERS;
  const problem =
    members.length === 0
      ? 'Nobody active on the roster is in this pulse’s audience.'
      : shortfalls.length > 0
        ? shortfalls
            .map(
              (s) =>
                `The audience has ${s.count} ${s.tier} ${s.count === 1 ? 'person' : 'people'}; a run needs at least ${s.minGroupSize} (the minimum group size) in each tier it asks.`,
            )
            .join(' ')
        : null;
  // Invitees are asked by the group their token names; with nobody in the audience yet,
  // by any tier the pulse asks, in any team.
  const parents = new Map(input.teams.map((team) => [team.id, team.parentId]));
  const invitees =
    segments.length > 0
      ? segments.map((s) => ({ tier: s.tier, teamAncestry: teamAncestry(s.teamId, parents) }))
      : asked.flatMap((tier) =>
          [null, ...tree.ids].map((teamId) => ({
            tier,
            teamAncestry: teamAncestry(teamId, parents),
          })),
        );
  const questions = mostAskedOfAny(input.questions, invitees);
  const minutes = estimatedMinutes(questions, input.openQuestion);
  const warnings: string[] = [];
  if (questions > MAX_SHORT_PULSE_QUESTIONS || minutes > MAX_SHORT_PULSE_MINUTES) {
    warnings.push(
      `Up to ${questions} questions take about ${minutes} minutes: pulses of more than ${MAX_SHORT_PULSE_QUESTIONS} questions or ${MAX_SHORT_PULSE_MINUTES} minutes get fewer and hastier answers. Ask fewer priorities or dimensions.`,
    );
  }
  const unreportable = teams.filter((team) => !team.figures).length;
  if (problem === null && unreportable > 0) {
    warnings.push(
      `${unreportable} of ${teams.length} teams cannot be shown on their own at k = ${k} (too few invitees, or a neighbour too small to hide); their people count in their parent teams and the whole organization.`,
    );
  }
  return {
    invited: members.length,
    startable: problem === null,
    problem,
    minGroupSize: k,
    commentMinGroupSize: thresholds.commentMinGroupSize,
    tiers: asked.map((tier) => {
      const invited = members.filter((m) => m.tier === tier).length;
      return { tier, invited, underK: invited < k };
    }),
    segments,
    merged: [...mergedCounts.values()],
    organization: reportability(null),
    teams,
    questions,
    estimatedMinutes: minutes,
    warnings,
  };
}
