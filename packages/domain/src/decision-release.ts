/**
 * What a run's release says of the decisions it followed up, and how a decision held over
 * the releases of the runs that asked about it.
 *
 * A decision's items are asked of its owning team and the teams under it, both tiers
 * (`decisionItems`), so each item's group is the owning team's roll-up over both tiers'
 * stored segments. Those groups are planned with {@link planSuppression} over the run's team
 * snapshot, like team cells, so that no group of fewer than k can be derived by
 * subtracting one decision's group from another's (a decision of a parent team and one of
 * its child): the plan counts, per team, the fewest answers its own segments gave to any
 * decision item asked of them, so it is planned on the smallest group any item shows.
 * A team whose roll-up misses people merged upward (at the run's start or its close) is
 * not shown, as its team cells are not.
 */
import Type, { type Static } from 'typebox';
import { formatPercent } from './brief-format.js';
import {
  decisionDurability,
  RELITIGATION_FLOOR,
  type DurabilityPoint,
  type DurabilityRun,
  type RelitigationReason,
  type ShownDurabilityPoint,
} from './decisions.js';
import { assertMinGroupSize } from './group-size.js';
import { addToHistogram, emptyHistogram, mergeHistograms, type Histogram } from './histogram.js';
import type { ShareEstimate } from './run-metrics.js';
import type { SegmentCount } from './run-figures.js';
import type { DecisionItemKind } from './run-items.js';
import type { SegmentSize } from './segments.js';
import { wilsonInterval } from './statistics.js';
import { planSuppression, type SuppressionReason } from './suppression.js';
import { TeamTree, type TeamNode } from './team-tree.js';

const Id = Type.String({ format: 'uuid' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Estimate = Type.Object({
  count: Type.Integer({ minimum: 0 }),
  n: Type.Integer({ minimum: 0 }),
  share: Type.Number({ minimum: 0, maximum: 1 }),
  ci95: Type.Unsafe<readonly [number, number]>(
    Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }),
  ),
});

/**
 * A decision a run followed up, as its release shows it: the share of the owning team's
 * respondents answering 4 or 5 to each item, or null when withheld (and why).
 */
export const ReleasedDecisionSchema = Type.Object({
  decisionId: Id,
  title: Type.String(),
  priorityId: Id,
  /** The team the items were asked of (the decision's owning team when the run started). */
  teamId: Id,
  settled: Nullable(Estimate),
  stopped: Nullable(Estimate),
  /** Both items withheld. */
  suppressed: Type.Boolean(),
  /** Why an item is withheld: `small` (under k), `complementary` or `merged`. */
  suppressionReason: Nullable(
    Type.Union([Type.Literal('small'), Type.Literal('complementary'), Type.Literal('merged')]),
  ),
});
export type ReleasedDecision = Static<typeof ReleasedDecisionSchema>;

/** A decision's follow-up item among a run's questions. */
export interface DecisionQuestion {
  readonly position: number;
  readonly kind: DecisionItemKind;
  readonly decisionId: string;
  /** The team it was asked of, with the teams under it. */
  readonly audienceTeamId: string;
}

/** What a run's decision figures are computed from, all of it frozen at close. */
export interface DecisionReleaseInput {
  readonly teams: readonly TeamNode[];
  /** The decisions the run followed up, as they stand at close. */
  readonly decisions: readonly { id: string; title: string; priorityId: string }[];
  readonly questions: readonly DecisionQuestion[];
  /** Answer counts by stored segment, question and value. */
  readonly counts: readonly SegmentCount[];
  /** Respondents per stored segment. */
  readonly respondents: readonly SegmentSize[];
  readonly minGroupSize: number;
  /** Teams whose roll-up misses people of some tier merged upward: never shown. */
  readonly incomplete: ReadonlySet<string>;
}

/** Per decision the run followed up, its two items' shares, or why they are withheld. */
export function releaseDecisions(input: DecisionReleaseInput): ReleasedDecision[] {
  const k = input.minGroupSize;
  assertMinGroupSize(k);
  const tree = new TeamTree(input.teams);
  const known = new Set(input.teams.map((t) => t.id));
  // Answers per position and segment team, both tiers together.
  const histograms = new Map<number, Map<string | null, Histogram>>();
  for (const c of input.counts) {
    const bySegment = histograms.get(c.position) ?? new Map<string | null, Histogram>();
    bySegment.set(
      c.segmentTeamId,
      addToHistogram(bySegment.get(c.segmentTeamId) ?? emptyHistogram(), c.value, c.count),
    );
    histograms.set(c.position, bySegment);
  }
  const answers = (position: number, teamId: string | null) =>
    total(histograms.get(position)?.get(teamId) ?? emptyHistogram());
  const respondents = (teamId: string | null) =>
    input.respondents.filter((r) => r.teamId === teamId).reduce((n, r) => n + r.count, 0);
  const asked = input.questions.filter((q) => known.has(q.audienceTeamId));
  const plan = planSuppression({
    teams: input.teams.map((t) => {
      const inTeam = new Set([t.id, ...tree.ancestorsOf(t.id)]);
      const positions = asked.filter((q) => inTeam.has(q.audienceTeamId)).map((q) => q.position);
      return {
        id: t.id,
        parentId: t.parentId,
        ownCount:
          positions.length === 0
            ? respondents(t.id)
            : Math.min(...positions.map((p) => answers(p, t.id))),
      };
    }),
    organizationOwnCount: respondents(null),
    minGroupSize: k,
    incomplete: input.incomplete,
  });

  return input.decisions.flatMap((decision) => {
    const items = asked.filter((q) => q.decisionId === decision.id);
    const settled = items.find((q) => q.kind === 'settled');
    const teamId = settled?.audienceTeamId ?? items[0]?.audienceTeamId;
    if (teamId === undefined) return [];
    const groupReason: SuppressionReason | null = plan.shown.has(teamId)
      ? null
      : (plan.suppressed.get(teamId) ?? 'small');
    const estimate = (kind: DecisionItemKind): ShareEstimate | null => {
      const item = items.find((q) => q.kind === kind);
      if (item === undefined || groupReason !== null) return null;
      const h = tree
        .rollUp(teamId)
        .reduce<Histogram>(
          (sum, id) =>
            mergeHistograms(sum, histograms.get(item.position)?.get(id) ?? emptyHistogram()),
          emptyHistogram(),
        );
      const n = total(h);
      const count = h[3] + h[4];
      const ci95 = wilsonInterval(count, n);
      if (n < k || ci95 === null) return null;
      return { count, n, share: count / n, ci95 };
    };
    const shownSettled = estimate('settled');
    const shownStopped = estimate('stopped');
    const withheld = shownSettled === null || shownStopped === null;
    return [
      {
        decisionId: decision.id,
        title: decision.title,
        priorityId: decision.priorityId,
        teamId,
        settled: shownSettled,
        stopped: shownStopped,
        suppressed: shownSettled === null && shownStopped === null,
        suppressionReason: withheld ? (groupReason ?? 'small') : null,
      },
    ];
  });
}

function total(h: Histogram): number {
  return h[0] + h[1] + h[2] + h[3] + h[4];
}

/** One run of a decision's durability, as readers see it: each item shown or withheld. */
export interface DecisionDurabilityRun {
  readonly runId: string;
  readonly closedAt: string;
  readonly settled: DurabilityPoint;
  readonly stopped: DurabilityPoint;
  /** Why the items are withheld, when one is; null when both are shown. */
  readonly withheldReason: SuppressionReason | null;
}

/** How a decision held over the released runs that asked about it. */
export interface DecisionDurabilityView {
  /** Oldest first. */
  readonly runs: readonly DecisionDurabilityRun[];
  /** The newest shown settled point, with its run; null while none is shown. */
  readonly latest: ShownDurabilityPoint | null;
  /** Whether the newest shown settled point is flagged (`decisionDurability`). */
  readonly relitigated: boolean;
  /** Why it is flagged: the newest shown settled point's reasons. */
  readonly reasons: readonly RelitigationReason[];
}

/** What durability reads of a release. */
export interface DurabilityRelease {
  readonly runId: string;
  readonly closedAt: string;
  readonly minGroupSize: number;
  readonly decisions?: readonly ReleasedDecision[] | undefined;
}

/**
 * A decision's durability over the releases of the runs that asked about it, given oldest
 * first (`decisionDurability`). A release shows a share with its count and n, which is all
 * the series needs: it is read as a histogram of that many 4s among n answers. A withheld
 * item stays withheld and carries no number.
 */
export function durabilityOfReleases(
  decisionId: string,
  releases: readonly DurabilityRelease[],
): DecisionDurabilityView {
  const entries = releases.flatMap((release) => {
    const entry = release.decisions?.find((d) => d.decisionId === decisionId);
    return entry === undefined ? [] : [{ release, entry }];
  });
  if (entries.length === 0) return { runs: [], latest: null, relitigated: false, reasons: [] };
  const run = (runId: string, estimate: ShareEstimate | null): DurabilityRun => ({
    runId,
    answers: estimate === null ? null : [0, estimate.n - estimate.count, 0, estimate.count, 0],
    shown: estimate !== null,
  });
  const durability = decisionDurability({
    // Each release has applied its own k already; the smallest of them is checked again.
    minGroupSize: Math.min(...entries.map((e) => e.release.minGroupSize)),
    settled: entries.map((e) => run(e.release.runId, e.entry.settled)),
    tradeoffHonoured: entries.map((e) => run(e.release.runId, e.entry.stopped)),
  });
  const latest = durability.settled.findLast((p): p is ShownDurabilityPoint => !p.withheld) ?? null;
  return {
    runs: entries.map((e, i) => ({
      runId: e.release.runId,
      closedAt: e.release.closedAt,
      settled: durability.settled[i] ?? { runId: e.release.runId, withheld: true },
      stopped: durability.tradeoffHonoured[i] ?? { runId: e.release.runId, withheld: true },
      withheldReason: e.entry.suppressionReason,
    })),
    latest,
    relitigated: durability.relitigated,
    reasons: latest?.reasons ?? [],
  };
}

/** A decision this run finds relitigated, as the brief names it. */
export interface RelitigatedDecision {
  readonly decisionId: string;
  readonly title: string;
  readonly priorityId: string;
  /** The share of the owning team that treats it as settled, in this run. */
  readonly settledShare: number;
  /** That share in the run before that showed one; null when there was none. */
  readonly previousShare: number | null;
  readonly reasons: readonly RelitigationReason[];
  readonly sentence: string;
  /** What the brief asks the room about it. */
  readonly question: string;
}

/**
 * The decisions that this run (`current`) finds relitigated: those whose durability over the
 * earlier releases and this one (`durabilityOfReleases`) ends in a flagged point of this
 * run. Only shown shares are read, so nothing withheld reappears. `names` gives a priority's
 * title and a team's name (from the run's snapshot). In the order of the run's decisions.
 */
export function relitigatedDecisions(
  current: DurabilityRelease,
  earlier: readonly DurabilityRelease[],
  names: { readonly priority: (id: string) => string; readonly team: (id: string) => string },
): RelitigatedDecision[] {
  return (current.decisions ?? []).flatMap((decision): RelitigatedDecision[] => {
    const view = durabilityOfReleases(decision.decisionId, [...earlier, current]);
    const latest = view.latest;
    if (!view.relitigated || latest === null || latest.runId !== current.runId) return [];
    const previousShare = latest.change === null ? null : latest.share - latest.change;
    const settled = `${formatPercent(latest.share)} of ${names.team(decision.teamId)} treat it as settled`;
    const why =
      previousShare !== null && latest.reasons.includes('drop')
        ? `, down from ${formatPercent(previousShare)} in the run before`
        : `, under the ${formatPercent(RELITIGATION_FLOOR)} of a settled decision`;
    return [
      {
        decisionId: decision.decisionId,
        title: decision.title,
        priorityId: decision.priorityId,
        settledShare: latest.share,
        previousShare,
        reasons: latest.reasons,
        sentence: `The decision “${decision.title}” (${names.priority(decision.priorityId)}) is being relitigated: ${settled}${why}.`,
        question: `What would it take for “${decision.title}” to hold, or should it be changed openly?`,
      },
    ];
  });
}
