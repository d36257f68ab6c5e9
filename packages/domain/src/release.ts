import Type, { type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { blindSpot, BLIND_SPOT_DIMENSIONS, type PriorityBlindSpot } from './blind-spot.js';
import { facilitationBrief, type BriefEasyAgreement } from './brief.js';
import { easyAgreement, easyAgreementQuestion } from './easy-agreement.js';
import { addToHistogram, emptyHistogram, type Histogram } from './histogram.js';
import { planComments, type SegmentComment } from './comment-plan.js';
import {
  relitigatedDecisions,
  releaseDecisions,
  ReleasedDecisionSchema,
  type DecisionQuestion,
} from './decision-release.js';
import { DomainError } from './errors.js';
import { DIMENSIONS, type Tier } from './question-bank.js';
import { commitmentDrift, type CommitmentDrift, type DriftRun } from './run-metrics.js';
import {
  computeRunFigures,
  type PairedClarity,
  type RunCell,
  type RunQuestion,
  type SegmentCount,
} from './run-figures.js';
import { planParticipation, type SegmentParticipation } from './participation.js';
import type { SegmentSize } from './segments.js';
import { TeamTree } from './team-tree.js';

// A run's release (PRODUCT.md §6.6): everything readers will ever see of a closed run,
// computed once at close and stored as one document. The schemas below define it once;
// the API serves its parts as they are, and `parseRelease` checks a stored one when read.

const List = <T extends TSchema>(items: T) => Type.Immutable(Type.Array(items));
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });
const Count = Type.Integer({ minimum: 0 });
const Share = Type.Number({ minimum: 0, maximum: 1 });
// Two bounds, as an array of exactly two (the API's OpenAPI 3.0 document has no tuples).
const Interval = Type.Unsafe<readonly [number, number]>(
  Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }),
);
const TierSchema = Type.Union([Type.Literal('leadership'), Type.Literal('frontline')]);
const Reason = Type.Union([
  Type.Literal('small'),
  Type.Literal('complementary'),
  Type.Literal('merged'),
]);

/** What one tier answered in a cell. */
export const TierSummarySchema = Type.Object({
  n: Count,
  mean: Nullable(Type.Number()),
  sd: Nullable(Type.Number()),
  top2: Nullable(Share),
});

/**
 * A cell as readers see it: run × priority × dimension × (whole organization, `teamId`
 * null, or a team's roll-up). A suppressed cell carries no number at all and says why.
 */
export const ReleasedCellSchema = Type.Object({
  priorityId: Id,
  dimension: Type.String(),
  teamId: Nullable(Id),
  leadership: Nullable(TierSummarySchema),
  frontline: Nullable(TierSummarySchema),
  gap: Nullable(Type.Number()),
  ci95: Nullable(Interval),
  pValue: Nullable(Type.Number()),
  qValue: Nullable(Type.Number()),
  cliffsDelta: Nullable(Type.Number()),
  hedgesG: Nullable(Type.Number()),
  suppressed: Type.Boolean(),
  /** Why a suppressed cell shows nothing: `small` (under k) or `complementary`. */
  suppressionReason: Nullable(Reason),
});
export type ReleasedCell = Static<typeof ReleasedCellSchema>;

const EstimateFields = {
  count: Type.Integer({ minimum: 0, description: 'Respondents counted in the share.' }),
  n: Type.Integer({ minimum: 0, description: 'Respondents it is a share of.' }),
  share: Share,
  /** The share's 95% Wilson interval. */
  ci95: Interval,
};

/** A share of respondents with its 95% Wilson interval (see `ShareEstimate`). */
export const ShareEstimateSchema = Type.Object(EstimateFields);

/** A priority's clarity index (see `clarityIndex`). */
export const ClarityIndexSchema = Type.Object({
  ...EstimateFields,
  meetsTarget: Type.Boolean({
    description: 'Whether the share itself (not its interval) reaches the clarity target.',
  }),
});
const CollisionSchema = Type.Object({
  score: Share,
  meanGap: Type.Number(),
  significant: Type.Boolean(),
  basedOn: List(Type.Union([Type.Literal('staffing'), Type.Literal('feasibility')])),
});
/** Commitment drift of a priority (see `commitmentDrift`). */
export const DriftSchema = Type.Object({
  commitmentChange: Type.Number({
    description:
      'Newest minus oldest frontline `commitment` top2 of the last three runs; −0.1 is a fall of ten points.',
  }),
  clarityChange: Type.Union([Type.Number(), Type.Null()], {
    description:
      'Newest minus oldest frontline `clarity` top2 of the same runs; null if either lacks it.',
  }),
  flagged: Type.Boolean({
    description: 'Commitment fell ten points or more while clarity held.',
  }),
});

/** A priority of the run with its title and weight as they were at close, and its figures. */
export const ReleasedPrioritySchema = Type.Object({
  id: Id,
  title: Type.String(),
  statedWeight: Type.Integer({ minimum: 1, maximum: 5 }),
  clarity: Nullable(ClarityIndexSchema),
  committedClarity: Nullable(ShareEstimateSchema),
  collision: Nullable(CollisionSchema),
  drift: Nullable(DriftSchema),
});
export type ReleasedPriority = Static<typeof ReleasedPrioritySchema>;

const GapFiguresSchema = Type.Object({
  dimension: Type.String(),
  leadershipMean: Type.Number(),
  frontlineMean: Type.Number(),
  leadershipN: Count,
  frontlineN: Count,
  gap: Type.Number(),
  ci95: Nullable(Interval),
  qValue: Type.Number(),
  cliffsDelta: Type.Number(),
  hedgesG: Nullable(Type.Number()),
});
const Finding = <K extends string, F extends TSchema>(kind: K, figures: F) =>
  Type.Object({
    kind: Type.Literal(kind),
    priorityId: Id,
    title: Type.String(),
    text: Type.String(),
    figures,
  });

/** A cell where leadership is nearly unanimous and the frontline split (`easyAgreement`). */
export const EasyAgreementSchema = Type.Object({
  priorityId: Id,
  title: Type.String(),
  dimension: Type.String(),
  side: Type.Union([Type.Literal('agree'), Type.Literal('disagree')], {
    description: 'The side of the scale nearly every leader answered on: 4–5 or 1–2.',
  }),
  leadershipShare: Share,
  frontlineAgree: Type.Number({ minimum: 0, maximum: 1, description: 'Frontline share at 4–5.' }),
  frontlineDisagree: Type.Number({
    minimum: 0,
    maximum: 1,
    description: 'Frontline share at 1–2.',
  }),
  leadershipN: Count,
  frontlineN: Count,
  question: Type.String({ description: 'The question the brief puts to the room.' }),
});
const BlindSpotDimensionSchema = Type.Union([
  Type.Literal('staffing'),
  Type.Literal('feasibility'),
]);
const MeanOf = Type.Object({ n: Count, mean: Type.Number() });
/**
 * Leadership's blind spot on one priority × dimension (`blindSpot`): leaders' predictions
 * of the frontline's answer against the frontline's answers, organization-wide. A
 * suppressed one (either side under k) carries no number at all.
 */
export const BlindSpotSchema = Type.Object({
  priorityId: Id,
  title: Type.String(),
  dimension: BlindSpotDimensionSchema,
  predicted: Nullable(MeanOf),
  actual: Nullable(MeanOf),
  difference: Nullable(Type.Number({ description: 'Predicted mean minus actual mean.' })),
  ci95: Nullable(Interval),
  suppressed: Type.Boolean(),
});
export type ReleasedBlindSpot = Static<typeof BlindSpotSchema>;

/** The facilitation brief as it is released (see `facilitationBrief`). */
export const BriefSchema = Type.Object({
  runId: Id,
  pulseTitle: Type.String(),
  computedAt: Nullable(Instant),
  responses: Count,
  findings: List(
    Type.Union([
      Finding(
        'collision',
        Type.Object({
          statedWeight: Type.Integer(),
          collisionScore: Type.Number(),
          meanGap: Type.Number(),
          cells: List(GapFiguresSchema),
        }),
      ),
      Finding('gap', GapFiguresSchema),
      Finding(
        'clarity',
        Type.Object({
          share: Share,
          ci95: Interval,
          n: Count,
          target: Share,
          wholeIntervalBelowTarget: Type.Boolean(),
          committedClarity: Nullable(ShareEstimateSchema),
        }),
      ),
      Finding(
        'drift',
        Type.Object({
          commitmentChange: Type.Number(),
          clarityChange: Nullable(Type.Number()),
          threshold: Type.Number(),
        }),
      ),
    ]),
  ),
  questions: List(Type.Object({ priorityId: Id, text: Type.String() })),
  notes: List(Type.String()),
  /** Absent from releases made before it existed. */
  easyAgreements: Type.Optional(List(EasyAgreementSchema)),
  /** Decisions this run finds relitigated; absent from releases made before it existed. */
  relitigated: Type.Optional(
    List(
      Type.Object({
        decisionId: Id,
        title: Type.String(),
        priorityId: Id,
        settledShare: Share,
        previousShare: Nullable(Share),
        reasons: List(Type.Union([Type.Literal('belowFloor'), Type.Literal('drop')])),
        sentence: Type.String(),
        question: Type.String(),
      }),
    ),
  ),
  /** The blind spot the brief names; absent from releases made before it existed. */
  blindSpot: Type.Optional(
    Nullable(
      Type.Object({
        priorityId: Id,
        title: Type.String(),
        dimension: BlindSpotDimensionSchema,
        predictedMean: Type.Number(),
        actualMean: Type.Number(),
        difference: Type.Number(),
        ci95: Nullable(Interval),
        sentence: Type.String(),
      }),
    ),
  ),
});
export type ReleasedBrief = Static<typeof BriefSchema>;

const CountsSchema = Type.Object({ invited: Count, tokensCollected: Count, responses: Count });
/** Participation of a group: totals, and its tiers where both may be shown. */
export const GroupParticipationSchema = Type.Object({
  teamId: Nullable(Id),
  invited: Count,
  tokensCollected: Count,
  responses: Count,
  tiers: Nullable(Type.Object({ leadership: CountsSchema, frontline: CountsSchema })),
});
/** What participation a run shows, open or released. */
export const ParticipationSchema = Type.Object({
  organization: Nullable(GroupParticipationSchema),
  teams: List(GroupParticipationSchema),
  withheld: List(Type.Object({ teamId: Nullable(Id), reason: Reason })),
});

/** The comment lists a run shows, per group and tier, each in one random order. */
export const ReleasedCommentsSchema = Type.Object({
  items: List(
    Type.Object({ teamId: Nullable(Id), tier: TierSchema, comments: List(Type.String()) }),
  ),
  withheld: List(Type.Object({ teamId: Nullable(Id), tier: TierSchema, reason: Reason })),
});

/** A team as the run's snapshot holds it (taken when the run started). */
export const SnapshotTeamSchema = Type.Object({
  id: Id,
  name: Type.String(),
  parentId: Nullable(Id),
  /**
   * Tiers of which some of the team's invitees were counted with the whole organization
   * when the run started (`mergeSmallSegments`): the team's roll-up of that tier is not it.
   */
  mergedTiers: List(TierSchema),
});
export type SnapshotTeam = Static<typeof SnapshotTeamSchema>;

/** The version of the release document this code writes and reads. */
export const RELEASE_VERSION = 1;

/** A run's release: one document, written once at close, served for good. */
export const RunReleaseSchema = Type.Object({
  version: Type.Literal(RELEASE_VERSION),
  runId: Id,
  pulseId: Id,
  pulseTitle: Type.String(),
  openedAt: Instant,
  closesAt: Instant,
  closedAt: Instant,
  releasedAt: Instant,
  minGroupSize: Type.Integer({ minimum: 3 }),
  commentMinGroupSize: Type.Integer({ minimum: 3 }),
  /** Responses counted. */
  responses: Count,
  teams: List(SnapshotTeamSchema),
  priorities: List(ReleasedPrioritySchema),
  cells: List(ReleasedCellSchema),
  comments: ReleasedCommentsSchema,
  participation: ParticipationSchema,
  brief: BriefSchema,
  /**
   * The decisions the run followed up (`releaseDecisions`); absent from releases made
   * before decisions were followed up.
   */
  decisions: Type.Optional(List(ReleasedDecisionSchema)),
  /** Organization-level cells where agreement came too easily; absent from older releases. */
  easyAgreements: Type.Optional(List(EasyAgreementSchema)),
  /** Leadership's blind spots, when the run asked leaders to predict; absent from older releases. */
  blindSpots: Type.Optional(List(BlindSpotSchema)),
});
export type RunRelease = Static<typeof RunReleaseSchema>;

/**
 * A stored release, checked against {@link RunReleaseSchema}. Throws `DOMAIN_INVALID_RELEASE`
 * when it does not match: a release is never served half-understood.
 */
export function parseRelease(document: unknown): RunRelease {
  if (Value.Check(RunReleaseSchema, document)) return document;
  const first = Value.Errors(RunReleaseSchema, document)[0];
  throw new DomainError(
    'DOMAIN_INVALID_RELEASE',
    `a stored release does not match the release document: ${first?.instancePath ?? ''} ${first?.message ?? ''}`,
  );
}

/** The run a release is made for, as it stands at close. */
export interface ReleasedRun {
  readonly id: string;
  readonly pulseId: string;
  readonly pulseTitle: string;
  readonly openedAt: Date;
  readonly closesAt: Date;
  readonly closedAt: Date;
  readonly minGroupSize: number;
  readonly commentMinGroupSize: number;
}

/** Everything a release is computed from, all of it frozen at close. */
export interface ReleaseInput {
  readonly run: ReleasedRun;
  readonly releasedAt: Date;
  /** The team tree as it was when the run started. */
  readonly teams: readonly SnapshotTeam[];
  /**
   * The run's questions; `kind` as stored (absent: a bank item). Prediction items are not
   * cells: they feed the blind spot only.
   */
  readonly questions: readonly (RunQuestion & { readonly kind?: string })[];
  readonly priorities: readonly { id: string; title: string; statedWeight: number }[];
  /** Answer counts by stored segment, question and value. */
  readonly counts: readonly SegmentCount[];
  /** Per priority, its clarity and commitment answers paired within each response. */
  readonly committedClarity: ReadonlyMap<string, PairedClarity>;
  /** Respondents per stored segment (for the comment threshold). */
  readonly respondents: readonly SegmentSize[];
  /** The run's comments with their stored segments, shuffled once by the caller. */
  readonly comments: readonly SegmentComment[];
  /** Invited, tokens collected and responses per token segment, at close. */
  readonly participation: readonly SegmentParticipation[];
  /**
   * Teams some of whose respondents of a tier were stored with the whole organization at
   * close (besides those the snapshot marks from the run's start).
   */
  readonly mergedAtClose: Readonly<Record<Tier, readonly string[]>>;
  /** The releases of the same pulse's earlier runs, oldest first (for commitment drift). */
  readonly earlierReleases: readonly RunRelease[];
  /**
   * The earlier releases, of any pulse, that asked about this run's decisions, oldest first:
   * what a decision's durability is read against. Absent: the pulse's `earlierReleases`.
   */
  readonly decisionHistory?: readonly RunRelease[];
  /**
   * The decisions' follow-up items among `questions`: they have no cells, only the
   * decision figures of the release.
   */
  readonly decisionQuestions?: readonly DecisionQuestion[];
  /** The decisions those items ask about, as they stand at close. */
  readonly decisions?: readonly { id: string; title: string; priorityId: string }[];
}

/**
 * Computes a run's release: its cells with complementary suppression (`computeRunFigures`),
 * per priority the clarity index, committed clarity, collision score and commitment drift
 * (over this and the two releases before it), the comment lists per group and tier
 * (`planComments`), participation (`planParticipation`) and the facilitation brief. Pure:
 * the same input gives the same release.
 */
export function releaseRun(input: ReleaseInput): RunRelease {
  const { run } = input;
  const tree = new TeamTree(input.teams);
  const atStart = (tier: Tier) => new Set(mergedAtStart(input.teams, tier));
  const merged = (tier: Tier) => new Set([...atStart(tier), ...input.mergedAtClose[tier]]);
  // Decisions' follow-up items have no cells, and leaders' predictions are not answers to
  // the statement: neither enters a cell.
  const decisionPositions = new Set((input.decisionQuestions ?? []).map((q) => q.position));
  const cellQuestions = input.questions.filter(
    (q) => q.kind !== 'prediction' && !decisionPositions.has(q.position),
  );
  const figures = computeRunFigures({
    teams: input.teams,
    questions: cellQuestions,
    priorities: input.priorities,
    counts: input.counts,
    committedClarity: input.committedClarity,
    minGroupSize: run.minGroupSize,
    incompleteFrontline: merged('frontline'),
  });
  const cells = figures.cells.map(releasedCell);
  const drifts = new Map(
    input.priorities.map((p) => [
      p.id,
      commitmentDrift(
        [...input.earlierReleases.slice(-2), { cells }].map((r) => driftRun(r.cells, p.id)),
      ),
    ]),
  );
  const byPriority = new Map(figures.priorities.map((f) => [f.priorityId, f]));
  const asked = new Set(input.questions.map((q) => q.priorityId));
  const priorities: ReleasedPriority[] = input.priorities
    .filter((p) => asked.has(p.id))
    .map((p) => ({
      id: p.id,
      title: p.title,
      statedWeight: p.statedWeight,
      clarity: byPriority.get(p.id)?.clarity ?? null,
      committedClarity: byPriority.get(p.id)?.committedClarity ?? null,
      collision: byPriority.get(p.id)?.collision ?? null,
      drift: drifts.get(p.id) ?? null,
    }));
  const responses = input.respondents.reduce((n, r) => n + r.count, 0);
  const organizationCells = figures.cells.filter((c) => c.teamId === null);
  const shown = organizationCells.flatMap((c) =>
    c.statistics.suppressed
      ? []
      : [{ priorityId: c.priorityId, dimension: c.dimension, statistics: c.statistics }],
  );
  const titleOf = new Map(input.priorities.map((p) => [p.id, p.title]));
  const totals = organizationHistograms(input.counts);
  const easyAgreements = cellQuestions.flatMap((q): BriefEasyAgreement[] => {
    const cell = organizationCells.find(
      (c) => c.priorityId === q.priorityId && c.dimension === q.dimension,
    );
    if (cell === undefined || cell.statistics.suppressed) return [];
    const histograms = totals(q.position);
    const reading = easyAgreement({ ...histograms, minGroupSize: run.minGroupSize });
    if (reading.suppressed || !reading.flagged || reading.leadershipSide === null) return [];
    const title = titleOf.get(q.priorityId) ?? '';
    return [
      {
        priorityId: q.priorityId,
        title,
        dimension: q.dimension,
        side: reading.leadershipSide,
        leadershipShare: reading.leadershipShare,
        frontlineAgree: reading.frontlineAgree,
        frontlineDisagree: reading.frontlineDisagree,
        leadershipN: cell.statistics.leadership.n,
        frontlineN: cell.statistics.frontline.n,
        question: easyAgreementQuestion({ title, dimension: q.dimension }),
      },
    ];
  });
  const blindSpots = input.questions.flatMap((q): PriorityBlindSpot[] => {
    const dimension = BLIND_SPOT_DIMENSIONS.find((d) => d === q.dimension);
    if (q.kind !== 'prediction' || dimension === undefined) return [];
    const answered = cellQuestions.find(
      (c) => c.priorityId === q.priorityId && c.dimension === dimension,
    );
    return [
      {
        priorityId: q.priorityId,
        title: titleOf.get(q.priorityId) ?? '',
        dimension,
        blindSpot: blindSpot({
          prediction: totals(q.position).leadership,
          actual: answered === undefined ? emptyHistogram() : totals(answered.position).frontline,
          minGroupSize: run.minGroupSize,
        }),
      },
    ];
  });
  const decisions = releaseDecisions({
    teams: input.teams,
    decisions: input.decisions ?? [],
    questions: input.decisionQuestions ?? [],
    counts: input.counts,
    respondents: input.respondents,
    minGroupSize: run.minGroupSize,
    incomplete: new Set([...merged('frontline'), ...merged('leadership')]),
  });
  // Against the earlier releases that asked about them (the decision log reads the same
  // history): a decision flagged in this run is named in the brief.
  const teamNames = new Map(input.teams.map((t) => [t.id, t.name]));
  const relitigated = relitigatedDecisions(
    {
      runId: run.id,
      closedAt: run.closedAt.toISOString(),
      minGroupSize: run.minGroupSize,
      decisions,
    },
    input.decisionHistory ?? input.earlierReleases,
    {
      priority: (id) => titleOf.get(id) ?? '',
      team: (id) => teamNames.get(id) ?? 'the owning team',
    },
  );
  const brief = facilitationBrief({
    runId: run.id,
    pulseTitle: run.pulseTitle,
    minGroupSize: run.minGroupSize,
    responses,
    computedAt: input.releasedAt,
    priorities,
    cells: shown,
    suppressedCells: organizationCells.length - shown.length,
    easyAgreements,
    blindSpots,
    relitigated,
  });
  return {
    version: RELEASE_VERSION,
    runId: run.id,
    pulseId: run.pulseId,
    pulseTitle: run.pulseTitle,
    openedAt: run.openedAt.toISOString(),
    closesAt: run.closesAt.toISOString(),
    closedAt: run.closedAt.toISOString(),
    releasedAt: input.releasedAt.toISOString(),
    minGroupSize: run.minGroupSize,
    commentMinGroupSize: run.commentMinGroupSize,
    responses,
    teams: input.teams.map((t) => ({
      id: t.id,
      name: t.name,
      parentId: t.parentId,
      mergedTiers: [...t.mergedTiers],
    })),
    priorities,
    cells,
    comments: planComments(
      tree,
      input.respondents,
      input.comments,
      run.commentMinGroupSize,
      merged,
    ),
    participation: planParticipation(tree, input.participation, run.minGroupSize, atStart),
    brief,
    decisions,
    easyAgreements: brief.easyAgreements ?? [],
    blindSpots: blindSpots.map(releasedBlindSpot),
  };
}

/** Per question position, the whole organization's histogram of each tier. */
function organizationHistograms(
  counts: readonly SegmentCount[],
): (position: number) => Record<Tier, Histogram> {
  const byPosition = new Map<number, Record<Tier, Histogram>>();
  for (const c of counts) {
    const tiers = byPosition.get(c.position) ?? {
      leadership: emptyHistogram(),
      frontline: emptyHistogram(),
    };
    tiers[c.tier] = addToHistogram(tiers[c.tier], c.value, c.count);
    byPosition.set(c.position, tiers);
  }
  return (position) =>
    byPosition.get(position) ?? { leadership: emptyHistogram(), frontline: emptyHistogram() };
}

/** A blind spot in the form readers see: no number at all when suppressed. */
function releasedBlindSpot(item: PriorityBlindSpot): ReleasedBlindSpot {
  const place = { priorityId: item.priorityId, title: item.title, dimension: item.dimension };
  const figures = item.blindSpot;
  if (figures.suppressed) {
    return {
      ...place,
      predicted: null,
      actual: null,
      difference: null,
      ci95: null,
      suppressed: true,
    };
  }
  return {
    ...place,
    predicted: { n: figures.predictionN, mean: figures.predictionMean },
    actual: { n: figures.actualN, mean: figures.actualMean },
    difference: figures.blindSpot,
    ci95: figures.ci95,
    suppressed: false,
  };
}

/** Teams of the snapshot whose invitees of `tier` were partly merged into the whole organization. */
export function mergedAtStart(teams: readonly SnapshotTeam[], tier: Tier): string[] {
  return teams.filter((t) => t.mergedTiers.includes(tier)).map((t) => t.id);
}

/** The frontline top2 of `commitment` and `clarity` a release shows for a priority. */
function driftRun(cells: readonly ReleasedCell[], priorityId: string): DriftRun {
  const top2 = (dimension: string) =>
    cells.find((c) => c.teamId === null && c.priorityId === priorityId && c.dimension === dimension)
      ?.frontline?.top2 ?? null;
  return { commitmentTop2: top2('commitment'), clarityTop2: top2('clarity') };
}

/** A computed cell in the form readers see. */
function releasedCell(cell: RunCell): ReleasedCell {
  const place = { priorityId: cell.priorityId, dimension: cell.dimension, teamId: cell.teamId };
  const s = cell.statistics;
  if (s.suppressed) {
    return {
      ...place,
      leadership: null,
      frontline: null,
      gap: null,
      ci95: null,
      pValue: null,
      qValue: null,
      cliffsDelta: null,
      hedgesG: null,
      suppressed: true,
      suppressionReason: s.reason,
    };
  }
  return {
    ...place,
    leadership: s.leadership,
    frontline: s.frontline,
    gap: s.gap,
    ci95: s.ci95,
    pValue: s.pValue,
    qValue: s.qValue,
    cliffsDelta: s.cliffsDelta,
    hedgesG: s.hedgesG,
    suppressed: false,
    suppressionReason: null,
  };
}

/** A trend point: the whole organization's cell of one released run. */
export function organizationCell(
  release: RunRelease,
  priorityId: string,
  dimension: string,
): ReleasedCell | undefined {
  return release.cells.find(
    (c) => c.teamId === null && c.priorityId === priorityId && c.dimension === dimension,
  );
}

/** The questions of a released run, in bank order per priority: what its trends follow. */
export function releasedSeries(release: RunRelease): { priorityId: string; dimension: string }[] {
  const order = new Map<string, number>(DIMENSIONS.map((d, i) => [d, i]));
  const seen = new Map<string, { priorityId: string; dimension: string }>();
  for (const c of release.cells) {
    if (c.teamId === null) seen.set(`${c.priorityId}/${c.dimension}`, c);
  }
  return [...seen.values()].sort(
    (a, b) =>
      (a.priorityId < b.priorityId ? -1 : a.priorityId > b.priorityId ? 1 : 0) ||
      (order.get(a.dimension) ?? 99) - (order.get(b.dimension) ?? 99) ||
      // Custom items after the bank's, by key.
      (a.dimension < b.dimension ? -1 : a.dimension > b.dimension ? 1 : 0),
  );
}

/** A priority's figures in one released run (null where that run has none). */
export interface PriorityTrendPoint {
  readonly runId: string;
  readonly openedAt: string;
  readonly closedAt: string;
  readonly clarity: ReleasedPriority['clarity'];
  readonly committedClarity: ReleasedPriority['committedClarity'];
  readonly drift: ReleasedPriority['drift'];
}

/** A priority's figures across released runs, with its title as the newest of them has it. */
export interface PriorityTrend {
  readonly priorityId: string;
  readonly title: string;
  readonly points: readonly PriorityTrendPoint[];
}

/**
 * Per priority in any of `releases` (given oldest first), its clarity index, committed
 * clarity and commitment drift in each release: one point per release, in the order given,
 * null figures where a release did not ask about the priority. Priorities are in id order, as
 * `releasedSeries`; a title is the newest release's. Figures are the releases' own, already
 * suppressed under k when they were released.
 */
export function priorityTrends(releases: readonly RunRelease[]): PriorityTrend[] {
  const titles = new Map<string, string>();
  for (const release of releases) {
    for (const p of release.priorities) titles.set(p.id, p.title);
  }
  return [...titles.keys()].sort().map((priorityId) => ({
    priorityId,
    title: titles.get(priorityId) ?? '',
    points: releases.map((release) => {
      const figures = release.priorities.find((p) => p.id === priorityId);
      return {
        runId: release.runId,
        openedAt: release.openedAt,
        closedAt: release.closedAt,
        clarity: figures?.clarity ?? null,
        committedClarity: figures?.committedClarity ?? null,
        drift: figures?.drift ?? null,
      };
    }),
  }));
}

export type { CommitmentDrift };
