import type { RelitigatedDecision } from './decision-release.js';
import {
  formatInterval as interval,
  formatMean as mean,
  formatPercent as percent,
  MINUS,
} from './brief-format.js';
import {
  blindSpotSentence,
  largestBlindSpot,
  type BlindSpotDimension,
  type PriorityBlindSpot,
} from './blind-spot.js';
import type { ReportedCellStatistics } from './cell-statistics.js';
import type { AgreementSide } from './easy-agreement.js';
import { DomainError } from './errors.js';
import { assertMinGroupSize } from './group-size.js';
import { DIMENSIONS, isDimension, type Dimension } from './question-bank.js';
import {
  CLARITY_INDEX_TARGET,
  COLLISION_SIGNIFICANCE_LEVEL,
  COMMITMENT_DRIFT_THRESHOLD,
  isSignificant,
  type ClarityIndex,
  type CollisionScore,
  type CommitmentDrift,
  type ShareEstimate,
} from './run-metrics.js';
import type { ConfidenceInterval } from './statistics.js';

// The brief reads numbers a facilitator can say out loud: means and gaps with one decimal,
// shares as whole percentages, q-values with two significant digits. Every sentence is
// built here, in one place, so the JSON and the Markdown say exactly the same thing.

/** The most findings a brief presents; more would not fit one conversation. */
export const BRIEF_MAX_FINDINGS = 5;

/** The most open questions a brief proposes for the group. */
export const BRIEF_MAX_QUESTIONS = 3;

/**
 * An organization-level cell of the run (`teamId` null) that is not suppressed, with its
 * Benjamini–Hochberg q-value. `dimension` is one of the bank's {@link Dimension}s or the
 * key of an admin's custom item, which the brief names as it is.
 */
export interface BriefCell {
  readonly priorityId: string;
  /** A bank dimension such as `staffing`, or a custom item's key. */
  readonly dimension: string;
  readonly statistics: ReportedCellStatistics & { readonly qValue: number | null };
}

/** A priority of the run with the run figures computed for it (`run-metrics.ts`). */
export interface BriefPriority {
  readonly id: string;
  readonly title: string;
  readonly statedWeight: number;
  readonly collision: CollisionScore | null;
  /** `null` when suppressed or without answers. */
  readonly clarity: ClarityIndex | null;
  readonly committedClarity: ShareEstimate | null;
  /** `null` when the pulse has fewer than two runs to compare. */
  readonly drift: CommitmentDrift | null;
}

/**
 * What the facilitation brief of a run is written from. Only figures that may be shown
 * are passed in: organization-level cells that reach k, and the count of those withheld.
 */
export interface BriefInput {
  readonly runId: string;
  readonly pulseTitle: string;
  readonly minGroupSize: number;
  readonly responses: number;
  readonly computedAt: Date | null;
  readonly priorities: readonly BriefPriority[];
  /** Only non-suppressed organization-level cells. */
  readonly cells: readonly BriefCell[];
  /** How many cells were withheld for anonymity, so the brief can say so. */
  readonly suppressedCells: number;
  /** Organization-level cells flagged as agreement that comes too easily (shown ones only). */
  readonly easyAgreements?: readonly BriefEasyAgreement[];
  /** The run's blind spots, shown or suppressed; the brief names the largest. */
  readonly blindSpots?: readonly PriorityBlindSpot[];
  /** Decisions this run finds relitigated (`relitigatedDecisions`), each with its question. */
  readonly relitigated?: readonly RelitigatedDecision[];
}

/**
 * An organization-level cell where leadership is nearly unanimous and the frontline split
 * (`easyAgreement`), with the question it puts to the room (`easyAgreementQuestion`).
 */
export interface BriefEasyAgreement {
  readonly priorityId: string;
  readonly title: string;
  /** A bank dimension such as `staffing`, or a custom item's key. */
  readonly dimension: string;
  /** The side nearly every leader answered on. */
  readonly side: AgreementSide;
  readonly leadershipShare: number;
  readonly frontlineAgree: number;
  readonly frontlineDisagree: number;
  readonly leadershipN: number;
  readonly frontlineN: number;
  readonly question: string;
}

/** The blind spot the brief names (`largestBlindSpot`) and its sentence. */
export interface BriefBlindSpot {
  readonly priorityId: string;
  readonly title: string;
  readonly dimension: BlindSpotDimension;
  readonly predictedMean: number;
  readonly actualMean: number;
  /** Predicted minus actual. */
  readonly difference: number;
  readonly ci95: ConfidenceInterval | null;
  readonly sentence: string;
}

/** The numbers behind a gap between leadership and the frontline in one cell. */
export interface GapFigures {
  readonly dimension: string;
  readonly leadershipMean: number;
  readonly frontlineMean: number;
  readonly leadershipN: number;
  readonly frontlineN: number;
  /** Leadership mean minus frontline mean. */
  readonly gap: number;
  readonly ci95: ConfidenceInterval | null;
  readonly qValue: number;
  readonly cliffsDelta: number;
  readonly hedgesG: number | null;
}

/** The numbers behind a collision: the weight, the score and the significant cells cited. */
export interface CollisionFigures {
  readonly statedWeight: number;
  readonly collisionScore: number;
  readonly meanGap: number;
  /** The staffing and feasibility cells with a significant positive gap, in bank order. */
  readonly cells: readonly GapFigures[];
}

/** The numbers behind a clarity index below its target. */
export interface ClarityFigures {
  readonly share: number;
  readonly ci95: ConfidenceInterval;
  readonly n: number;
  readonly target: number;
  /** Whether even the upper end of the 95% interval is below the target. */
  readonly wholeIntervalBelowTarget: boolean;
  readonly committedClarity: ShareEstimate | null;
}

/** The numbers behind a flagged commitment drift. */
export interface DriftFigures {
  readonly commitmentChange: number;
  readonly clarityChange: number | null;
  readonly threshold: number;
}

interface FindingBase {
  readonly priorityId: string;
  /** A short headline. */
  readonly title: string;
  /** One or two plain sentences with the numbers and their uncertainty. */
  readonly text: string;
}

/** A significant staffing or feasibility gap on a priority leadership weights highly. */
export interface CollisionFinding extends FindingBase {
  readonly kind: 'collision';
  readonly figures: CollisionFigures;
}

/** A significant gap between leadership and the frontline in one cell. */
export interface GapFinding extends FindingBase {
  readonly kind: 'gap';
  readonly figures: GapFigures;
}

/** A priority whose clarity index is below {@link CLARITY_INDEX_TARGET}. */
export interface ClarityFinding extends FindingBase {
  readonly kind: 'clarity';
  readonly figures: ClarityFigures;
}

/** A priority whose frontline commitment fell while its clarity held. */
export interface DriftFinding extends FindingBase {
  readonly kind: 'drift';
  readonly figures: DriftFigures;
}

/** One finding of a brief; `kind` tells which figures it carries. */
export type BriefFinding = CollisionFinding | GapFinding | ClarityFinding | DriftFinding;

/** What a finding is about: `collision`, `gap`, `clarity` or `drift`. */
export type BriefFindingKind = BriefFinding['kind'];

/** An open question a facilitator can put to a small group, about one priority. */
export interface BriefQuestion {
  readonly priorityId: string;
  readonly text: string;
}

/**
 * The facilitation brief of a run (PRODUCT.md §1, §7 `GET /runs/:id/brief`): at most five
 * findings, most important first, two or three open questions tied to the top findings (none
 * when there is no finding), and notes on what was left out and why. Plain JSON: the date is
 * an ISO string.
 */
export interface FacilitationBrief {
  readonly runId: string;
  readonly pulseTitle: string;
  readonly computedAt: string | null;
  readonly responses: number;
  readonly findings: readonly BriefFinding[];
  readonly questions: readonly BriefQuestion[];
  readonly notes: readonly string[];
  /** Cells where agreement came too easily, each with its question for the room. */
  readonly easyAgreements?: readonly BriefEasyAgreement[];
  /** Leadership's largest blind spot whose interval excludes zero; null when none. */
  readonly blindSpot?: BriefBlindSpot | null;
  /** Decisions being relitigated, each with its sentence and its question for the room. */
  readonly relitigated?: readonly RelitigatedDecision[];
}

/**
 * Writes the facilitation brief of a run from its figures. Pure and deterministic: the same
 * input gives the same brief, whatever the order of its priorities and cells.
 *
 * A gap is a finding only when it is significant: q < {@link COLLISION_SIGNIFICANCE_LEVEL}.
 * Findings are ranked by kind, then within the kind:
 *
 * 1. collisions that are `significant` and cite a staffing or feasibility cell with a positive
 *    gap and q < 0.05, highest collision score first;
 * 2. the other significant gaps, largest |gap| × |Cliff's delta| first: the size of the gap
 *    in scale points, discounted by how much the two tiers' answers overlap, so that a gap
 *    where nearly every leader answers above nearly every frontline respondent outranks an
 *    equally wide gap that a few extreme answers produce;
 * 3. clarity indexes below the 80% target, lowest share first;
 * 4. flagged commitment drifts, steepest fall first.
 *
 * Ties go to the priority title, then the dimension (in bank order, custom items after by
 * name), then the priority id. The first {@link BRIEF_MAX_FINDINGS} are kept; a note counts
 * any that did not fit, and nothing is added to fill a short brief.
 *
 * Throws `DOMAIN_INVALID_GROUP_SIZE` on a minimum group size below the anonymity floor and
 * `DOMAIN_INVALID_COUNT` when `responses` or `suppressedCells` is not a whole number ≥ 0.
 */
export function facilitationBrief(input: BriefInput): FacilitationBrief {
  assertMinGroupSize(input.minGroupSize);
  assertCount('responses', input.responses);
  assertCount('suppressedCells', input.suppressedCells);

  const titles = new Map(input.priorities.map((priority) => [priority.id, priority.title]));
  const titleOf = (priorityId: string): string => titles.get(priorityId) ?? priorityId;
  const priorities = [...input.priorities].sort(
    (a, b) => compareText(a.title, b.title) || compareText(a.id, b.id),
  );
  const cells = [...input.cells].sort(
    (a, b) =>
      compareText(titleOf(a.priorityId), titleOf(b.priorityId)) ||
      compareDimensions(a.dimension, b.dimension) ||
      compareText(a.priorityId, b.priorityId),
  );

  const collisions = collisionCandidates(priorities, cells);
  const cited = new Set(collisions.flatMap(({ cells: used }) => used.map(({ cell }) => cell)));
  const gaps = cells
    .flatMap((cell) => {
      const figures = cited.has(cell) ? null : significantGap(cell);
      return figures === null ? [] : [{ cell, figures, rank: gapRank(figures) }];
    })
    .sort((a, b) => b.rank - a.rank || 0);
  const clarities = priorities
    .flatMap((priority) =>
      priority.clarity !== null && !priority.clarity.meetsTarget
        ? [{ priority, clarity: priority.clarity }]
        : [],
    )
    .sort((a, b) => a.clarity.share - b.clarity.share || 0);
  const drifts = priorities
    .flatMap((priority) =>
      priority.drift?.flagged === true ? [{ priority, drift: priority.drift }] : [],
    )
    .sort((a, b) => a.drift.commitmentChange - b.drift.commitmentChange || 0);

  // Sorting is stable, so equal ranks keep the title / dimension / id order from above
  // (`|| 0` keeps a NaN from an invalid figure from making the order depend on the input's).
  const candidates: BriefFinding[] = [
    ...collisions.map(({ priority, collision, cells: used }) =>
      collisionFinding(priority, collision, used),
    ),
    ...gaps.map(({ cell, figures }) =>
      gapFinding(cell.priorityId, titleOf(cell.priorityId), figures),
    ),
    ...clarities.map(({ priority, clarity }) => clarityFinding(priority, clarity)),
    ...drifts.map(({ priority, drift }) => driftFinding(priority, drift)),
  ];
  const findings = candidates.slice(0, BRIEF_MAX_FINDINGS);
  const questions = questionsFor(findings, titleOf);

  const notes: string[] = [];
  if (input.computedAt === null) {
    notes.push("The run's figures have not been released yet.");
  }
  if (input.cells.length === 0) {
    notes.push(
      'No comparison of leadership and the frontline could be shown for this run, so no gap is presented as a finding.',
    );
  } else if (collisions.length === 0 && gaps.length === 0) {
    notes.push(
      `No gap between leadership and the frontline reached significance (q < ${COLLISION_SIGNIFICANCE_LEVEL}); none is presented as a finding.`,
    );
  }
  const leftOut = leftOutNote(candidates.slice(BRIEF_MAX_FINDINGS));
  if (leftOut !== null) notes.push(leftOut);
  if (findings.length === 0) {
    notes.push('With no finding to discuss, the brief proposes no questions for the group.');
  }
  if (input.suppressedCells > 0) {
    notes.push(
      `${plural(input.suppressedCells, 'cell was', 'cells were')} withheld to protect anonymity (fewer than k = ${input.minGroupSize} respondents).`,
    );
  }
  const blindSpots = input.blindSpots ?? [];
  const withheldBlindSpots = blindSpots.filter((b) => b.blindSpot.suppressed).length;
  if (withheldBlindSpots > 0) {
    notes.push(
      `${plural(withheldBlindSpots, "of leadership's predictions was", "of leadership's predictions were")} withheld to protect anonymity (fewer than k = ${input.minGroupSize} leaders predicting, or frontline respondents answering).`,
    );
  }
  if (withheldBlindSpots < blindSpots.length && largestBlindSpot(blindSpots) === null) {
    notes.push(
      "No difference between leadership's predictions and the frontline's answers is clear of chance (its 95% CI includes 0); no blind spot is named.",
    );
  }

  return {
    runId: input.runId,
    pulseTitle: input.pulseTitle,
    computedAt: input.computedAt === null ? null : input.computedAt.toISOString(),
    responses: input.responses,
    findings,
    questions,
    notes,
    ...(input.easyAgreements === undefined
      ? {}
      : {
          easyAgreements: [...input.easyAgreements].sort(
            (a, b) =>
              compareText(a.title, b.title) ||
              compareDimensions(a.dimension, b.dimension) ||
              compareText(a.priorityId, b.priorityId),
          ),
        }),
    ...(input.blindSpots === undefined ? {} : { blindSpot: namedBlindSpot(input.blindSpots) }),
    ...(input.relitigated === undefined ? {} : { relitigated: [...input.relitigated] }),
  };
}

/** The largest blind spot worth naming, with its sentence (`largestBlindSpot`). */
function namedBlindSpot(blindSpots: readonly PriorityBlindSpot[]): BriefBlindSpot | null {
  const largest = largestBlindSpot(blindSpots);
  if (largest === null) return null;
  const figures = largest.blindSpot;
  return {
    priorityId: largest.priorityId,
    title: largest.title,
    dimension: largest.dimension,
    predictedMean: figures.predictionMean,
    actualMean: figures.actualMean,
    difference: figures.blindSpot,
    ci95: figures.ci95,
    sentence: blindSpotSentence(largest),
  };
}

/**
 * The brief as Markdown, for `GET /runs/:id/brief?format=md`: a heading with the pulse
 * title, the findings as a numbered list, the questions for the group and the notes. Text
 * that comes from users (titles) is escaped so it cannot add Markdown or HTML of its own.
 */
export function briefMarkdown(brief: FacilitationBrief): string {
  const lines: string[] = [`# Facilitation brief: ${escapeMarkdown(brief.pulseTitle)}`, ''];
  const computed = brief.computedAt === null ? 'not released yet' : `released ${brief.computedAt}`;
  lines.push(
    `Run ${escapeMarkdown(brief.runId)}, ${plural(brief.responses, 'response', 'responses')}, ${computed}.`,
    '',
    '## Findings',
    '',
  );
  if (brief.findings.length === 0) {
    lines.push('No findings.');
  } else {
    brief.findings.forEach((finding, index) => {
      lines.push(
        `${index + 1}. **${escapeMarkdown(finding.title)}.** ${escapeMarkdown(finding.text)}`,
      );
    });
  }
  lines.push('', '## Questions for the group', '');
  if (brief.questions.length === 0) {
    lines.push('None.');
  } else {
    for (const question of brief.questions) lines.push(`- ${escapeMarkdown(question.text)}`);
  }
  if (brief.blindSpot !== undefined && brief.blindSpot !== null) {
    lines.push('', '## Leadership’s blind spot', '', escapeMarkdown(brief.blindSpot.sentence));
  }
  if (brief.relitigated !== undefined && brief.relitigated.length > 0) {
    lines.push('', '## Decisions being relitigated', '');
    for (const item of brief.relitigated) {
      lines.push(`- ${escapeMarkdown(item.sentence)} ${escapeMarkdown(item.question)}`);
    }
  }
  if (brief.easyAgreements !== undefined && brief.easyAgreements.length > 0) {
    lines.push('', '## Agreement that came too easily', '');
    for (const item of brief.easyAgreements) lines.push(`- ${escapeMarkdown(item.question)}`);
  }
  if (brief.notes.length > 0) {
    lines.push('', '## Notes', '');
    for (const note of brief.notes) lines.push(`- ${escapeMarkdown(note)}`);
  }
  return `${lines.join('\n')}\n`;
}

// Candidates --------------------------------------------------------------------------------

interface CollisionCandidate {
  readonly priority: BriefPriority;
  readonly collision: CollisionScore;
  readonly cells: readonly { readonly cell: BriefCell; readonly figures: GapFigures }[];
}

/**
 * Significant collisions, highest score first. A collision counts only when the score says
 * it is significant and a staffing or feasibility cell of the run backs that up with a
 * positive gap and q < 0.05; those cells are the ones the finding cites.
 */
function collisionCandidates(
  priorities: readonly BriefPriority[],
  cells: readonly BriefCell[],
): CollisionCandidate[] {
  return priorities
    .flatMap((priority) => {
      const { collision } = priority;
      if (collision?.significant !== true) return [];
      const used = cells.flatMap((cell) => {
        if (cell.priorityId !== priority.id) return [];
        if (cell.dimension !== 'staffing' && cell.dimension !== 'feasibility') return [];
        const figures = significantGap(cell);
        return figures !== null && figures.gap > 0 ? [{ cell, figures }] : [];
      });
      return used.length === 0 ? [] : [{ priority, collision, cells: used }];
    })
    .sort((a, b) => b.collision.score - a.collision.score || 0);
}

/** The figures of a cell whose gap is significant, or `null`. */
function significantGap(cell: BriefCell): GapFigures | null {
  const { statistics } = cell;
  const { qValue } = statistics;
  const leadershipMean = statistics.leadership.mean;
  const frontlineMean = statistics.frontline.mean;
  if (
    qValue === null ||
    !isSignificant(qValue) ||
    leadershipMean === null ||
    frontlineMean === null ||
    !Number.isFinite(statistics.gap)
  ) {
    return null;
  }
  return {
    dimension: cell.dimension,
    leadershipMean,
    frontlineMean,
    leadershipN: statistics.leadership.n,
    frontlineN: statistics.frontline.n,
    gap: statistics.gap,
    ci95: statistics.ci95,
    qValue,
    cliffsDelta: statistics.cliffsDelta,
    hedgesG: statistics.hedgesG,
  };
}

function gapRank(figures: GapFigures): number {
  const rank = Math.abs(figures.gap) * Math.abs(figures.cliffsDelta);
  return Number.isFinite(rank) ? rank : 0;
}

// Findings ----------------------------------------------------------------------------------

function collisionFinding(
  priority: BriefPriority,
  collision: CollisionScore,
  cells: CollisionCandidate['cells'],
): CollisionFinding {
  const figures = cells.map((used) => used.figures);
  const doubt = figures
    .map((cell) => (cell.dimension === 'staffing' ? 'staffed' : 'delivered this quarter'))
    .join(' or ');
  const comparisons = figures.map(
    (cell, index) =>
      `${index === 0 ? `Leadership rates ${cell.dimension} for ${priority.title}` : cell.dimension} ${mean(cell.leadershipMean)}, the frontline ${mean(cell.frontlineMean)} (${gapFigures(cell)})`,
  );
  return {
    kind: 'collision',
    priorityId: priority.id,
    title: `${priority.title} collides with ${figures.map((cell) => cell.dimension).join(' and ')}`,
    text:
      `${comparisons.join(', and ')}. ` +
      `Leadership gives this priority a stated weight of ${priority.statedWeight} out of 5; the frontline is less sure it can be ${doubt}.`,
    figures: {
      statedWeight: priority.statedWeight,
      collisionScore: collision.score,
      meanGap: collision.meanGap,
      cells: figures,
    },
  };
}

function gapFinding(priorityId: string, title: string, figures: GapFigures): GapFinding {
  const leadershipHigher = figures.gap >= 0;
  const { dimension } = figures;
  return {
    kind: 'gap',
    priorityId,
    title: leadershipHigher
      ? `${title}: leadership more optimistic on ${dimension}`
      : `${title}: the frontline more optimistic on ${dimension}`,
    text: leadershipHigher
      ? `Leadership rates ${dimension} for ${title} ${mean(figures.leadershipMean)}, the frontline ${mean(figures.frontlineMean)} (${gapFigures(figures)}).`
      : `The frontline rates ${dimension} for ${title} ${mean(figures.frontlineMean)}, leadership ${mean(figures.leadershipMean)} (${gapFigures(figures)}).`,
    figures,
  };
}

function clarityFinding(priority: BriefPriority, clarity: ClarityIndex): ClarityFinding {
  const wholeIntervalBelowTarget = clarity.ci95[1] < CLARITY_INDEX_TARGET;
  const [low, high] = clarity.ci95;
  const committed = priority.committedClarity;
  const committedSentence =
    committed === null
      ? ''
      : ` ${percent(committed.share)} are both clear on it and committed to it (95% CI ${percent(committed.ci95[0], false)}–${percent(committed.ci95[1])}).`;
  return {
    kind: 'clarity',
    priorityId: priority.id,
    title: `${priority.title}: clarity ${belowTarget(clarity.share)}, below the ${percent(CLARITY_INDEX_TARGET)} target`,
    text:
      `${belowTarget(clarity.share)} of ${plural(clarity.n, 'respondent', 'respondents')} say they understand what ${priority.title} asks of their team in practice, against a target of ${percent(CLARITY_INDEX_TARGET)} ` +
      `(95% CI ${percent(low, false)}–${wholeIntervalBelowTarget ? belowTarget(high) : percent(high)}; ` +
      (wholeIntervalBelowTarget
        ? `the whole interval is below ${percent(CLARITY_INDEX_TARGET)}).`
        : `the interval reaches ${percent(CLARITY_INDEX_TARGET)}, so the shortfall may be chance).`) +
      committedSentence,
    figures: {
      share: clarity.share,
      ci95: clarity.ci95,
      n: clarity.n,
      target: CLARITY_INDEX_TARGET,
      wholeIntervalBelowTarget,
      committedClarity: committed,
    },
  };
}

function driftFinding(priority: BriefPriority, drift: CommitmentDrift): DriftFinding {
  const fall = points(-drift.commitmentChange);
  const clarity =
    drift.clarityChange === null
      ? ''
      : Math.round(drift.clarityChange * 100) === 0
        ? '; clarity did not change'
        : `; clarity changed by ${signedPoints(drift.clarityChange)}`;
  return {
    kind: 'drift',
    priorityId: priority.id,
    title: `${priority.title}: frontline commitment fell ${fall}`,
    text:
      `Frontline commitment to ${priority.title} fell ${fall} across the last runs while understanding of it held (a fall of ${points(COMMITMENT_DRIFT_THRESHOLD)} or more is flagged${clarity}). ` +
      'No 95% CI is computed for this change: treat it as a signal to ask about.',
    figures: {
      commitmentChange: drift.commitmentChange,
      clarityChange: drift.clarityChange,
      threshold: COMMITMENT_DRIFT_THRESHOLD,
    },
  };
}

function leftOutNote(leftOut: readonly BriefFinding[]): string | null {
  if (leftOut.length === 0) return null;
  const count = (kind: BriefFindingKind): number =>
    leftOut.filter((finding) => finding.kind === kind).length;
  const parts = [
    [count('collision'), 'significant collision', 'significant collisions'],
    [count('gap'), 'significant gap', 'significant gaps'],
    [
      count('clarity'),
      'priority with clarity below target',
      'priorities with clarity below target',
    ],
    [count('drift'), 'flagged commitment drift', 'flagged commitment drifts'],
  ] as const;
  const listed = parts.flatMap(([n, one, many]) => (n === 0 ? [] : [plural(n, one, many)]));
  return `Only the ${BRIEF_MAX_FINDINGS} most important findings are shown; not shown: ${listed.join(', ')}.`;
}

// Questions ---------------------------------------------------------------------------------

type QuestionTopic = Dimension | 'generic' | 'frontlineHigher';

// Two per topic, so that one finding alone still yields two questions, and two findings on
// the same topic do not ask the same thing twice. `{P}` stands for the priority's title.
const QUESTIONS: Readonly<Record<QuestionTopic, readonly [string, string]>> = {
  staffing: [
    'What would have to stop for {P} to be staffed?',
    'If {P} had to be delivered with the team we have today, what would slip first?',
  ],
  feasibility: [
    'What would have to be true for {P} to be achievable this quarter?',
    'Which of time, tools or budget stands most in the way of {P}, and who can change that?',
  ],
  tradeoffs: [
    'What are we willing to stop or slow down to make room for {P}, and who will say so?',
    'Which of our current commitments quietly competes with {P}?',
  ],
  clarity: [
    'How would you explain to your team what {P} asks of it next week?',
    'What would a team need to hear to know what {P} means for its daily work?',
  ],
  ownership: [
    'Who had a say in how {P} will be delivered, and who should have?',
    'Which decision about {P} could the people doing the work make themselves?',
  ],
  commitment: [
    'What has changed since {P} was announced that makes it harder to commit to?',
    'What would make people want {P} to succeed rather than just accept it?',
  ],
  importance: [
    'If {P} is among the most important things we do, where does that show in how time is spent today?',
    'What do teams treat as more important than {P}, and why?',
  ],
  generic: [
    'What explains the difference in how leadership and the frontline see {P}?',
    'What would the frontline need to see for its view of {P} to change?',
  ],
  frontlineHigher: [
    'What does the frontline see about {P} that leadership does not?',
    'What would leadership need to see to share the frontline’s view of {P}?',
  ],
};

function topicOf(finding: BriefFinding): QuestionTopic {
  switch (finding.kind) {
    case 'collision': {
      const dimension = finding.figures.cells[0]?.dimension ?? 'staffing';
      return isDimension(dimension) ? dimension : 'generic';
    }
    case 'gap':
      if (finding.figures.gap < 0) return 'frontlineHigher';
      return isDimension(finding.figures.dimension) ? finding.figures.dimension : 'generic';
    case 'clarity':
      return 'clarity';
    case 'drift':
      return 'commitment';
  }
}

/**
 * One question for each of the top three findings; with a single finding, both of its
 * topic's questions, so the group always has two or three to choose from.
 */
function questionsFor(
  findings: readonly BriefFinding[],
  titleOf: (priorityId: string) => string,
): BriefQuestion[] {
  const used = new Map<QuestionTopic, number>();
  const ask = (finding: BriefFinding): BriefQuestion => {
    const topic = topicOf(finding);
    const index = used.get(topic) ?? 0;
    used.set(topic, index + 1);
    const template = QUESTIONS[topic][index % 2] ?? QUESTIONS.generic[0];
    return {
      priorityId: finding.priorityId,
      text: template.replaceAll('{P}', () => titleOf(finding.priorityId)),
    };
  };
  const questions = findings.slice(0, BRIEF_MAX_QUESTIONS).map(ask);
  const [first] = findings;
  if (questions.length === 1 && first !== undefined) questions.push(ask(first));
  return questions;
}

// Formatting --------------------------------------------------------------------------------

/** "q = 0.0031", "q < 0.001"; never a rounded "0.05" for a q that is below it. */
function qText(q: number): string {
  if (q < 0.001) return 'q < 0.001';
  const rounded = Number(q.toPrecision(2));
  if (rounded >= COLLISION_SIGNIFICANCE_LEVEL && q < COLLISION_SIGNIFICANCE_LEVEL) {
    return `q < ${COLLISION_SIGNIFICANCE_LEVEL}`;
  }
  return `q = ${rounded}`;
}

/**
 * "gap 2.2, 95% CI 1.8–2.6, q = 0.003". A negative gap is told from the frontline's side
 * ("the frontline 0.4 higher, 95% CI 0.2–0.6"), so the numbers read the way the sentence runs.
 */
function gapFigures(cell: GapFigures): string {
  const leadershipHigher = cell.gap >= 0;
  const size = leadershipHigher
    ? `gap ${mean(cell.gap)}`
    : `the frontline ${mean(-cell.gap)} higher`;
  const q = qText(cell.qValue);
  if (cell.ci95 === null) {
    return `${size}, ${q}`;
  }
  const [low, high] = cell.ci95;
  return `${size}, 95% CI ${interval(leadershipHigher ? [low, high] : [-high, -low])}, ${q}`;
}

/**
 * A share known to be below the clarity target: a whole percentage, unless that would round
 * up to the target itself, where one decimal rounded down keeps it visibly below ("79.9%").
 */
function belowTarget(share: number): string {
  if (share < CLARITY_INDEX_TARGET && Math.round(share * 100) >= CLARITY_INDEX_TARGET * 100) {
    return `${(Math.floor(share * 1000) / 10).toFixed(1)}%`;
  }
  return percent(share);
}

function points(share: number): string {
  const n = Math.round(share * 100);
  return `${n} ${Math.abs(n) === 1 ? 'point' : 'points'}`;
}

function signedPoints(change: number): string {
  const text = points(Math.abs(change));
  return change < 0 ? `${MINUS}${text}` : `+${text}`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Backslash-escapes what could add emphasis, code, links, HTML or entities to a line of the
 * brief; newlines become spaces. No escaped text starts a line (each follows a list marker
 * or the heading), so characters that matter only there are left alone.
 */
function escapeMarkdown(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]~]|<(?=[A-Za-z/!?])|&(?=#?\w+;)/g, '\\$&');
}

// Ordering ----------------------------------------------------------------------------------

/** Code-unit order: unlike `localeCompare`, the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const dimensionOrder: ReadonlyMap<string, number> = new Map(
  DIMENSIONS.map((dimension, index) => [dimension, index]),
);

/** Bank dimensions in bank order, then custom items by name. */
function compareDimensions(a: string, b: string): number {
  const orderA = dimensionOrder.get(a) ?? DIMENSIONS.length;
  const orderB = dimensionOrder.get(b) ?? DIMENSIONS.length;
  return orderA - orderB || compareText(a, b);
}

function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new DomainError(
      'DOMAIN_INVALID_COUNT',
      `${name} is a whole number of at least 0, got ${String(value)}`,
    );
  }
}
