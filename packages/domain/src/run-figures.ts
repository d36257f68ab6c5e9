import { computeCell, type ReportedCellStatistics } from './cell-statistics.js';
import { addToHistogram, emptyHistogram, mergeHistograms, type Histogram } from './histogram.js';
import type { Tier } from './question-bank.js';
import {
  clarityIndex,
  collisionScore,
  committedClarity,
  type ClarityIndex,
  type CollisionCell,
  type CollisionScore,
  type CommittedClarityInput,
  type ShareEstimate,
} from './run-metrics.js';
import { TeamTree, type TeamNode } from './team-tree.js';
import { benjaminiHochberg } from './statistics.js';
import { planSuppression, type SuppressionReason } from './suppression.js';

/**
 * A priority's clarity and commitment answers paired within each response, over both tiers,
 * with how many of each tier answered both.
 */
export interface PairedClarity extends CommittedClarityInput {
  readonly answeredBothByTier: Readonly<Record<Tier, number>>;
}

/** A question of a run: where its answers are kept, and what it asks about. */
export interface RunQuestion {
  readonly position: number;
  readonly priorityId: string;
  readonly dimension: string;
}

/** Answers of one value to one question in one segment (a team, or null for the whole organization). */
export interface SegmentCount {
  readonly segmentTeamId: string | null;
  readonly tier: Tier;
  readonly position: number;
  readonly value: number;
  readonly count: number;
}

/** Everything a run's figures are computed from. */
export interface RunFiguresInput {
  readonly teams: readonly TeamNode[];
  readonly questions: readonly RunQuestion[];
  readonly priorities: readonly { readonly id: string; readonly statedWeight: number }[];
  readonly counts: readonly SegmentCount[];
  /** Per priority, its clarity and commitment answers paired within each response. */
  readonly committedClarity: ReadonlyMap<string, PairedClarity>;
  readonly minGroupSize: number;
  /**
   * Teams some of whose frontline people were counted with the whole organization (see
   * `mergeSmallSegments`): their cells are withheld (`merged`).
   */
  readonly incompleteFrontline?: ReadonlySet<string>;
}

/** A cell that is shown, with its q-value among the run's shown cells. */
export type ShownCellStatistics = ReportedCellStatistics & { readonly qValue: number | null };

/** A cell that is withheld, and why; it carries no number at all. */
export interface WithheldCellStatistics {
  readonly suppressed: true;
  readonly reason: SuppressionReason;
}

/** One cell of a run: organization (`teamId` null) or a team's roll-up. */
export interface RunCell {
  readonly priorityId: string;
  readonly dimension: string;
  readonly teamId: string | null;
  readonly statistics: ShownCellStatistics | WithheldCellStatistics;
}

/** The whole organization's figures for one priority. */
export interface PriorityFigures {
  readonly priorityId: string;
  readonly clarity: ClarityIndex | null;
  readonly committedClarity: ShareEstimate | null;
  readonly collision: CollisionScore | null;
}

/** All figures of a run. */
export interface RunFigures {
  readonly cells: RunCell[];
  readonly priorities: PriorityFigures[];
}

/**
 * The figures of a run from its answer counts by segment. For each question:
 *
 * - the whole organization's cell compares its leadership with its frontline;
 * - each team's cell compares the frontline of the team's roll-up (its own segment and
 *   every descendant's) with the whole organization's leadership (PRODUCT.md §5);
 * - a cell is shown only when both groups reach k, and the frontline groups shown across
 *   the team tree are planned with complementary suppression (`planSuppression`), so no
 *   group under k can be derived by subtracting shown ones.
 *
 * q-values are Benjamini–Hochberg over the p-values of every shown cell of the run. Per
 * priority: the clarity index (both tiers), committed clarity and the collision score, each
 * only from groups that reach k: the clarity index where the organization's clarity cell is
 * shown, committed clarity where its clarity and commitment cells are and at least k
 * answered both.
 */
export function computeRunFigures(input: RunFiguresInput): RunFigures {
  const k = input.minGroupSize;
  const tree = new TeamTree(input.teams);
  const teamIds = input.teams.map((t) => t.id);
  const histograms = byQuestion(input.counts);

  const draft: {
    cell: Omit<RunCell, 'statistics'>;
    statistics: ReportedCellStatistics | WithheldCellStatistics;
  }[] = [];
  for (const question of input.questions) {
    const segments = histograms.get(question.position) ?? new Map<string, Histogram>();
    const of = (tier: Tier, teamId: string | null) =>
      segments.get(segmentKey(tier, teamId)) ?? emptyHistogram();
    const total = (tier: Tier) =>
      [null, ...teamIds].reduce<Histogram>(
        (h, id) => mergeHistograms(h, of(tier, id)),
        emptyHistogram(),
      );
    const leadership = total('leadership');
    const frontline = total('frontline');
    const plan = planSuppression({
      teams: input.teams.map((t) => ({ ...t, ownCount: count(of('frontline', t.id)) })),
      organizationOwnCount: count(of('frontline', null)),
      minGroupSize: k,
      ...(input.incompleteFrontline === undefined ? {} : { incomplete: input.incompleteFrontline }),
    });
    const place = { priorityId: question.priorityId, dimension: question.dimension };
    draft.push({
      cell: { ...place, teamId: null },
      statistics: shownOrWithheld(computeCell({ leadership, frontline, minGroupSize: k }), 'small'),
    });
    for (const teamId of teamIds) {
      const reason = plan.suppressed.get(teamId);
      const teamFrontline = tree
        .rollUp(teamId)
        .reduce<Histogram>((h, id) => mergeHistograms(h, of('frontline', id)), emptyHistogram());
      draft.push({
        cell: { ...place, teamId },
        statistics:
          reason !== undefined
            ? { suppressed: true, reason }
            : shownOrWithheld(
                computeCell({ leadership, frontline: teamFrontline, minGroupSize: k }),
                'small',
              ),
      });
    }
  }

  const shown = draft.filter((d) => !d.statistics.suppressed);
  const qValues = benjaminiHochberg(
    shown.map((d) => (d.statistics.suppressed ? null : d.statistics.pValue)),
  );
  const qOf = new Map(shown.map((d, i) => [d, qValues[i] ?? null]));
  const cells: RunCell[] = draft.map((d) => ({
    ...d.cell,
    statistics: d.statistics.suppressed
      ? d.statistics
      : { ...d.statistics, qValue: qOf.get(d) ?? null },
  }));

  const organizationCell = (priorityId: string, dimension: string) => {
    const cell = cells.find(
      (c) => c.teamId === null && c.priorityId === priorityId && c.dimension === dimension,
    );
    return cell === undefined || cell.statistics.suppressed ? null : cell.statistics;
  };
  const priorities = input.priorities.map((priority): PriorityFigures => {
    const clarityCell = organizationCell(priority.id, 'clarity');
    const commitmentCell = organizationCell(priority.id, 'commitment');
    const clarityQuestion = input.questions.find(
      (q) => q.priorityId === priority.id && q.dimension === 'clarity',
    );
    const clarityCounts =
      clarityQuestion === undefined
        ? null
        : [...(histograms.get(clarityQuestion.position)?.values() ?? [])].reduce<Histogram>(
            mergeHistograms,
            emptyHistogram(),
          );
    const paired = input.committedClarity.get(priority.id);
    const collisionOf = (dimension: string): CollisionCell | null => {
      const cell = organizationCell(priority.id, dimension);
      return cell === null ? null : { gap: cell.gap, qValue: cell.qValue };
    };
    const staffing = collisionOf('staffing');
    const feasibility = collisionOf('feasibility');
    return {
      priorityId: priority.id,
      // Shown only where the clarity cell is: both tiers reach k.
      clarity: clarityCell === null || clarityCounts === null ? null : clarityIndex(clarityCounts),
      // Over both tiers too, so shown only where the clarity and commitment cells are and
      // each tier has k who answered both: with a tier's part under k, the other tier's shown
      // cells could tell it apart (a frontline top2 of 0 leaves it all to the leaders).
      committedClarity:
        paired === undefined ||
        paired.answeredBoth < k ||
        paired.answeredBothByTier.leadership < k ||
        paired.answeredBothByTier.frontline < k ||
        clarityCell === null ||
        commitmentCell === null
          ? null
          : committedClarity(paired),
      collision:
        staffing === null && feasibility === null
          ? null
          : collisionScore({ statedWeight: priority.statedWeight, staffing, feasibility }),
    };
  });
  return { cells, priorities };
}

function shownOrWithheld(
  statistics: ReturnType<typeof computeCell>,
  reason: SuppressionReason,
): ReportedCellStatistics | WithheldCellStatistics {
  return statistics.suppressed ? { suppressed: true, reason } : statistics;
}

function segmentKey(tier: Tier, teamId: string | null): string {
  return `${tier}/${teamId ?? ''}`;
}

function count(histogram: Histogram): number {
  return histogram.reduce((a, b) => a + b, 0);
}

/** Per question position, the histogram of each segment and tier. */
function byQuestion(counts: readonly SegmentCount[]): Map<number, Map<string, Histogram>> {
  const result = new Map<number, Map<string, Histogram>>();
  for (const c of counts) {
    const segments = result.get(c.position) ?? new Map<string, Histogram>();
    const key = segmentKey(c.tier, c.segmentTeamId);
    segments.set(key, addToHistogram(segments.get(key) ?? emptyHistogram(), c.value, c.count));
    result.set(c.position, segments);
  }
  return result;
}

/** Two questions of one priority whose answers committed clarity pairs within a response. */
export interface CommittedClarityPair {
  readonly priorityId: string;
  /** Position of the priority's `clarity` question. */
  readonly clarity: number;
  /** Position of the priority's `commitment` question. */
  readonly commitment: number;
}

/**
 * The question pairs committed clarity is counted from: per priority asked about both
 * `clarity` and `commitment`, the positions of the two questions (PRODUCT.md §5).
 */
export function committedClarityPairs(questions: readonly RunQuestion[]): CommittedClarityPair[] {
  const priorityIds = [...new Set(questions.map((q) => q.priorityId))];
  return priorityIds.flatMap((priorityId) => {
    const position = (dimension: string) =>
      questions.find((q) => q.priorityId === priorityId && q.dimension === dimension)?.position;
    const clarity = position('clarity');
    const commitment = position('commitment');
    return clarity === undefined || commitment === undefined
      ? []
      : [{ priorityId, clarity, commitment }];
  });
}
