import {
  array,
  boolean,
  id,
  items,
  number,
  optionalId,
  optionalNumber,
  optionalString,
  record,
  string,
  type Json,
} from '../fields.js';
import { ContractError } from '../http.js';

/*
 * The report answers of one released run and of a pulse's history (PRODUCT.md §7), as the
 * dashboard reads them, checked at the boundary. Fields the page does not read are ignored.
 */

export type Interval = readonly [number, number];

/** Statistics of one tier in a cell. */
export interface TierStats {
  n: number;
  mean: number | null;
  sd: number | null;
  top2: number | null;
}
export type Tier = 'leadership' | 'frontline';

/**
 * Why a cell shows nothing: `small` (fewer than k answered), `complementary` (withheld so that a
 * smaller group cannot be worked out from it), `merged` (its group counts with its parent's).
 */
export type SuppressionReason = 'small' | 'complementary' | 'merged';
const REASONS: readonly string[] = ['small', 'complementary', 'merged'];

/** One run × priority × dimension × (whole organization | team), with its test. */
export interface ReportCell {
  priorityId: string;
  dimension: string;
  teamId: string | null;
  leadership: TierStats | null;
  frontline: TierStats | null;
  gap: number | null;
  ci95: Interval | null;
  qValue: number | null;
  suppressed: boolean;
  /** Why a suppressed cell shows nothing (see {@link SuppressionReason}). */
  suppressionReason: SuppressionReason | null;
}

/** A team as the run's snapshot holds it (as it was when the run started). */
export interface RunTeam {
  id: string;
  name: string;
  parentId: string | null;
}

export interface GapsReport {
  runId: string;
  releasedAt: string;
  minGroupSize: number;
  cells: ReportCell[];
  teams: RunTeam[];
}

export interface Collision {
  priorityId: string;
  title: string;
  statedWeight: number;
  /** Null when the cells it is computed from are withheld. */
  collisionScore: number | null;
  significant: boolean;
  leadership: { staffing: number | null; feasibility: number | null };
  frontline: { staffing: number | null; feasibility: number | null };
}

export interface TrendPoint {
  runId: string;
  openedAt: string;
  closedAt: string;
  suppressed: boolean;
  leadershipMean: number | null;
  frontlineMean: number | null;
  gap: number | null;
  ci95: Interval | null;
  qValue: number | null;
}

export interface ShareFigure {
  share: number;
  ci95: Interval;
  n: number;
}

export interface PriorityTrendPoint {
  runId: string;
  openedAt: string;
  closedAt: string;
  clarity: (ShareFigure & { meetsTarget: boolean }) | null;
  committedClarity: ShareFigure | null;
  drift: { commitmentChange: number; clarityChange: number | null; flagged: boolean } | null;
}

export interface Trends {
  pulseId: string;
  clarityTarget: number;
  series: { priorityId: string; dimension: string; points: TrendPoint[] }[];
  priorities: { priorityId: string; title: string; points: PriorityTrendPoint[] }[];
}

export interface CommentGroup {
  teamId: string | null;
  team: string | null;
  tier: Tier;
  comments: string[];
}

export interface Comments {
  commentMinGroupSize: number;
  groups: CommentGroup[];
}

export interface BriefFinding {
  kind: string;
  priorityId: string;
  title: string;
  text: string;
  /**
   * The cells (dimensions) a gap or collision finding cites, with their gap; empty for other
   * kinds. A live room is opened on these.
   */
  cells: { dimension: string; gap: number | null }[];
}

export interface Brief {
  pulseTitle: string;
  responses: number;
  findings: BriefFinding[];
  questions: { priorityId: string; text: string }[];
  notes: string[];
  /** The sentence naming leadership's largest blind spot; null when none (or older runs). */
  blindSpot: string | null;
  /** Per cell where agreement came too easily, the question it puts to the room. */
  easyAgreements: { priorityId: string; dimension: string; question: string }[];
  /** Decisions this run finds relitigated: what the figures say, and the question it asks. */
  relitigated: { decisionId: string; sentence: string; question: string }[];
}

function interval(value: unknown, where: string): Interval | null {
  if (value === null || value === undefined) return null;
  const pair = array(value, where);
  return [number(pair[0], `${where}[0]`), number(pair[1], `${where}[1]`)];
}

function requiredInterval(value: unknown, where: string): Interval {
  const parsed = interval(value, where);
  if (parsed === null) throw new ContractError(where);
  return parsed;
}

// A suppressed cell carries no statistics, so a tier may be null, absent or hold only some fields.
function tierStats(value: unknown, where: string): TierStats | null {
  if (value === null || value === undefined) return null;
  const tier = record(value, where);
  if (tier.n === null || tier.n === undefined) return null;
  return {
    n: number(tier.n, `${where}.n`),
    mean: optionalNumber(tier.mean, `${where}.mean`),
    sd: optionalNumber(tier.sd, `${where}.sd`),
    top2: optionalNumber(tier.top2, `${where}.top2`),
  };
}

function tier(value: unknown, where: string): Tier {
  if (value !== 'leadership' && value !== 'frontline') throw new ContractError(where);
  return value;
}

function reportCell(value: unknown, where: string): ReportCell {
  const cell = record(value, where);
  const reason = cell.suppressionReason;
  if (
    reason !== null &&
    reason !== undefined &&
    !(typeof reason === 'string' && REASONS.includes(reason))
  ) {
    throw new ContractError(`${where}.suppressionReason`);
  }
  const suppressed = boolean(cell.suppressed, `${where}.suppressed`);
  return {
    priorityId: id(cell.priorityId, `${where}.priorityId`),
    dimension: string(cell.dimension, `${where}.dimension`),
    teamId: optionalId(cell.teamId, `${where}.teamId`),
    leadership: suppressed ? null : tierStats(cell.leadership, `${where}.leadership`),
    frontline: suppressed ? null : tierStats(cell.frontline, `${where}.frontline`),
    gap: suppressed ? null : optionalNumber(cell.gap, `${where}.gap`),
    ci95: suppressed ? null : interval(cell.ci95, `${where}.ci95`),
    qValue: suppressed ? null : optionalNumber(cell.qValue, `${where}.qValue`),
    suppressed,
    suppressionReason:
      (reason as SuppressionReason | null | undefined) ?? (suppressed ? 'small' : null),
  };
}

export function parseGaps(body: unknown): GapsReport {
  const report = record(body, 'gaps');
  return {
    runId: id(report.runId, 'gaps.runId'),
    releasedAt: string(report.releasedAt ?? report.computedAt, 'gaps.releasedAt'),
    minGroupSize: number(report.minGroupSize, 'gaps.minGroupSize'),
    cells: array(report.cells ?? [], 'gaps.cells').map((cell, i) =>
      reportCell(cell, `gaps.cells[${i}]`),
    ),
    teams: array(report.teams ?? [], 'gaps.teams').map((value, i) => {
      const where = `gaps.teams[${i}]`;
      const team = record(value, where);
      return {
        id: id(team.id, `${where}.id`),
        name: string(team.name, `${where}.name`),
        parentId: optionalId(team.parentId, `${where}.parentId`),
      };
    }),
  };
}

function staffingAndFeasibility(value: unknown, where: string): Collision['leadership'] {
  const means = record(value, where);
  return {
    staffing: optionalNumber(means.staffing, `${where}.staffing`),
    feasibility: optionalNumber(means.feasibility, `${where}.feasibility`),
  };
}

export function parseCollisions(body: unknown): Collision[] {
  return items(body, 'collisions').map((value, i) => {
    const where = `collisions.items[${i}]`;
    const item = record(value, where);
    return {
      priorityId: id(item.priorityId, `${where}.priorityId`),
      title: string(item.title, `${where}.title`),
      statedWeight: number(item.statedWeight, `${where}.statedWeight`),
      collisionScore: optionalNumber(item.collisionScore, `${where}.collisionScore`),
      significant: boolean(item.significant, `${where}.significant`),
      leadership: staffingAndFeasibility(item.leadership, `${where}.leadership`),
      frontline: staffingAndFeasibility(item.frontline, `${where}.frontline`),
    };
  });
}

function shareFigure(value: unknown, where: string): ShareFigure | null {
  if (value === null || value === undefined) return null;
  const figure = record(value, where);
  return {
    share: number(figure.share, `${where}.share`),
    ci95: requiredInterval(figure.ci95, `${where}.ci95`),
    n: number(figure.n, `${where}.n`),
  };
}

function priorityTrendPoint(value: Json, where: string): PriorityTrendPoint {
  const clarity = shareFigure(value.clarity, `${where}.clarity`);
  const drift = value.drift;
  return {
    runId: id(value.runId, `${where}.runId`),
    openedAt: string(value.openedAt, `${where}.openedAt`),
    closedAt: string(value.closedAt, `${where}.closedAt`),
    clarity:
      clarity === null
        ? null
        : {
            ...clarity,
            meetsTarget: boolean(
              record(value.clarity, `${where}.clarity`).meetsTarget,
              `${where}.clarity.meetsTarget`,
            ),
          },
    committedClarity: shareFigure(value.committedClarity, `${where}.committedClarity`),
    drift:
      drift === null || drift === undefined
        ? null
        : {
            commitmentChange: number(
              record(drift, `${where}.drift`).commitmentChange,
              `${where}.drift.commitmentChange`,
            ),
            clarityChange: optionalNumber(
              (drift as Json).clarityChange,
              `${where}.drift.clarityChange`,
            ),
            flagged: boolean((drift as Json).flagged, `${where}.drift.flagged`),
          },
  };
}

export function parseTrends(body: unknown): Trends {
  const trends = record(body, 'trends');
  return {
    pulseId: id(trends.pulseId, 'trends.pulseId'),
    clarityTarget: number(trends.clarityTarget, 'trends.clarityTarget'),
    series: array(trends.items, 'trends.items').map((value, i) => {
      const where = `trends.items[${i}]`;
      const item = record(value, where);
      return {
        priorityId: id(item.priorityId, `${where}.priorityId`),
        dimension: string(item.dimension, `${where}.dimension`),
        points: array(item.points, `${where}.points`).map((p, j) => {
          const at = `${where}.points[${j}]`;
          const point = record(p, at);
          const suppressed = boolean(point.suppressed, `${at}.suppressed`);
          return {
            runId: id(point.runId, `${at}.runId`),
            openedAt: string(point.openedAt, `${at}.openedAt`),
            closedAt: string(point.closedAt, `${at}.closedAt`),
            suppressed,
            leadershipMean: suppressed
              ? null
              : optionalNumber(point.leadershipMean, `${at}.leadershipMean`),
            frontlineMean: suppressed
              ? null
              : optionalNumber(point.frontlineMean, `${at}.frontlineMean`),
            gap: suppressed ? null : optionalNumber(point.gap, `${at}.gap`),
            ci95: suppressed ? null : interval(point.ci95, `${at}.ci95`),
            qValue: suppressed ? null : optionalNumber(point.qValue, `${at}.qValue`),
          };
        }),
      };
    }),
    priorities: array(trends.priorities ?? [], 'trends.priorities').map((value, i) => {
      const where = `trends.priorities[${i}]`;
      const item = record(value, where);
      return {
        priorityId: id(item.priorityId, `${where}.priorityId`),
        title: string(item.title, `${where}.title`),
        points: array(item.points, `${where}.points`).map((p, j) =>
          priorityTrendPoint(record(p, `${where}.points[${j}]`), `${where}.points[${j}]`),
        ),
      };
    }),
  };
}

export function parseComments(body: unknown): Comments {
  const comments = record(body, 'comments');
  return {
    commentMinGroupSize: number(comments.commentMinGroupSize, 'comments.commentMinGroupSize'),
    groups: array(comments.items, 'comments.items').map((value, i) => {
      const where = `comments.items[${i}]`;
      const group = record(value, where);
      return {
        teamId: optionalId(group.teamId, `${where}.teamId`),
        team: optionalString(group.team, `${where}.team`),
        tier: tier(group.tier, `${where}.tier`),
        comments: array(group.comments, `${where}.comments`).map((text, j) =>
          string(text, `${where}.comments[${j}]`),
        ),
      };
    }),
  };
}

/** The cells a gap finding (its own) or a collision finding (those it cites) is about. */
function findingCells(finding: Json, where: string): BriefFinding['cells'] {
  if (finding.figures === null || finding.figures === undefined) return [];
  const figures = record(finding.figures, `${where}.figures`);
  const cell = (value: unknown, at: string) => {
    const c = record(value, at);
    return {
      dimension: string(c.dimension, `${at}.dimension`),
      gap: optionalNumber(c.gap, `${at}.gap`),
    };
  };
  if (finding.kind === 'gap') return [cell(figures, `${where}.figures`)];
  if (finding.kind === 'collision') {
    return array(figures.cells ?? [], `${where}.figures.cells`).map((value, i) =>
      cell(value, `${where}.figures.cells[${i}]`),
    );
  }
  return [];
}

export function parseBrief(body: unknown): Brief {
  const brief = record(body, 'brief');
  return {
    pulseTitle: string(brief.pulseTitle, 'brief.pulseTitle'),
    responses: number(brief.responses, 'brief.responses'),
    findings: array(brief.findings, 'brief.findings').map((value, i) => {
      const where = `brief.findings[${i}]`;
      const finding = record(value, where);
      return {
        kind: string(finding.kind, `${where}.kind`),
        priorityId: id(finding.priorityId, `${where}.priorityId`),
        title: string(finding.title, `${where}.title`),
        text: string(finding.text, `${where}.text`),
        cells: findingCells(finding, where),
      };
    }),
    questions: array(brief.questions, 'brief.questions').map((value, i) => {
      const where = `brief.questions[${i}]`;
      const question = record(value, where);
      return {
        priorityId: id(question.priorityId, `${where}.priorityId`),
        text: string(question.text, `${where}.text`),
      };
    }),
    notes: array(brief.notes ?? [], 'brief.notes').map((note, i) =>
      string(note, `brief.notes[${i}]`),
    ),
    blindSpot:
      brief.blindSpot === null || brief.blindSpot === undefined
        ? null
        : string(record(brief.blindSpot, 'brief.blindSpot').sentence, 'brief.blindSpot.sentence'),
    easyAgreements: array(brief.easyAgreements ?? [], 'brief.easyAgreements').map((value, i) => {
      const where = `brief.easyAgreements[${i}]`;
      const item = record(value, where);
      return {
        priorityId: id(item.priorityId, `${where}.priorityId`),
        dimension: string(item.dimension, `${where}.dimension`),
        question: string(item.question, `${where}.question`),
      };
    }),
    relitigated: array(brief.relitigated ?? [], 'brief.relitigated').map((value, i) => {
      const where = `brief.relitigated[${i}]`;
      const item = record(value, where);
      return {
        decisionId: id(item.decisionId, `${where}.decisionId`),
        sentence: string(item.sentence, `${where}.sentence`),
        question: string(item.question, `${where}.question`),
      };
    }),
  };
}
