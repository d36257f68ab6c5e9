import { isSignificant } from '@pulsegap/domain';
import type { Priority } from '../contract.js';
import { orderDimensions } from '../dimensions.js';
import { formatGap } from '../format.js';
import type { Interval, ShareFigure, Trends } from './contract.js';
import { formatShare } from './numbers.js';

/*
 * The Trends view of a pulse's released runs, oldest first: per priority, the gap of one
 * dimension run by run, the clarity index against its target with committed clarity, and the
 * priorities whose commitment drifts (PRODUCT.md §5). Pure: the charts and tables draw these.
 */

/** A released run as the trends show it. */
export interface TrendRun {
  runId: string;
  openedAt: string;
  closedAt: string;
  /** Its dates, "Nov 5 – 8, 2026". */
  label: string;
}

export type PointStyle = 'circle' | 'rect' | 'triangle' | 'rectRot' | 'crossRot' | 'star';

/** How a priority's line looks, the same in every trend chart: colour, marker and dash. */
export interface LineStyle {
  colour: string;
  pointStyle: PointStyle;
  dash: number[];
}

/**
 * Okabe–Ito hues, distinguishable with the common colour-vision deficiencies, darkened where
 * needed so every one stands at least 3:1 against white (WCAG 1.4.11).
 */
export const TREND_COLOURS: readonly string[] = [
  '#0072b2',
  '#d55e00',
  '#008060',
  '#b5569b',
  '#a86f00',
  '#1f2328',
];
/** Markers and dashes tell the lines apart without colour. */
export const TREND_POINT_STYLES: readonly PointStyle[] = [
  'circle',
  'rect',
  'triangle',
  'rectRot',
  'crossRot',
  'star',
];
export const TREND_DASHES: readonly (readonly number[])[] = [
  [],
  [8, 4],
  [2, 3],
  [12, 4, 2, 4],
  [4, 4],
  [16, 6],
];

export function lineStyle(index: number): LineStyle {
  const at = (list: readonly unknown[]): number => index % list.length;
  return {
    colour: TREND_COLOURS[at(TREND_COLOURS)] ?? '#1f2328',
    pointStyle: TREND_POINT_STYLES[at(TREND_POINT_STYLES)] ?? 'circle',
    dash: [...(TREND_DASHES[at(TREND_DASHES)] ?? [])],
  };
}

/** A gap smaller than this between the first and the latest run is not called a change. */
export const GAP_CHANGE_WORTH_NAMING = 0.2;

const runDay = new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short', year: 'numeric' });

/** A run's dates, "Nov 5 – 8, 2026" (shortened where the month or year is shared). */
export function formatRunDates(openedAt: string, closedAt: string): string {
  const from = new Date(openedAt);
  const to = new Date(closedAt);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    return `${openedAt} – ${closedAt}`;
  return runDay.formatRange(from, to);
}

/** A gap as a headline writes it: two decimals, a minus sign only where it is negative. */
export function formatGapValue(gap: number): string {
  return formatGap(gap).replace('+', '');
}

/** A change of a share in percentage points, "+4 points", "−12 points", "no change". */
export function formatPoints(change: number): string {
  const points = Math.round(change * 100);
  if (points === 0) return 'no change';
  const text = `${points > 0 ? '+' : '\u2212'}${Math.abs(points)}`;
  return `${text} ${Math.abs(points) === 1 ? 'point' : 'points'}`;
}

/** The pulse's released runs that any trend point names, oldest first. */
export function trendRuns(trends: Trends): TrendRun[] {
  const runs = new Map<string, TrendRun>();
  const points = [
    ...trends.series.flatMap((s) => s.points),
    ...trends.priorities.flatMap((p) => p.points),
  ];
  for (const point of points) {
    if (runs.has(point.runId)) continue;
    runs.set(point.runId, {
      runId: point.runId,
      openedAt: point.openedAt,
      closedAt: point.closedAt,
      label: formatRunDates(point.openedAt, point.closedAt),
    });
  }
  return [...runs.values()].sort((a, b) => a.openedAt.localeCompare(b.openedAt));
}

/** The dimensions the trends have a series for, in the question bank's order. */
export function trendDimensions(trends: Trends): string[] {
  return orderDimensions(trends.series.map((s) => s.dimension));
}

/** The dimension to show: the one asked for if it has a series, else staffing, else the first. */
export function chooseDimension(dimensions: readonly string[], wanted: string | null): string {
  if (wanted !== null && dimensions.includes(wanted)) return wanted;
  return dimensions.includes('staffing') ? 'staffing' : (dimensions[0] ?? 'staffing');
}

interface PriorityLine {
  priorityId: string;
  title: string;
  style: LineStyle;
}

/**
 * The priorities of the trends in the pulse's order (then any since removed from it), each
 * with its title and its line style, so a priority looks the same in every chart.
 */
export function trendPriorities(
  trends: Trends,
  priorityOrder: readonly string[],
  priorities: readonly Pick<Priority, 'id' | 'title'>[],
): PriorityLine[] {
  const titles = new Map(priorities.map((p) => [p.id, p.title]));
  for (const p of trends.priorities) titles.set(p.priorityId, p.title);
  const present = new Set([
    ...trends.series.map((s) => s.priorityId),
    ...trends.priorities.map((p) => p.priorityId),
  ]);
  const ids = [...new Set([...priorityOrder, ...present])].filter((id) => present.has(id));
  return ids.map((priorityId, index) => ({
    priorityId,
    title: titles.get(priorityId) ?? 'A priority since removed',
    style: lineStyle(index),
  }));
}

// ---- the gap of one dimension across runs ---------------------------------------------------

/** A cell of a trend: shown, withheld to protect anonymity, or not asked in that run. */
export type TrendCell<T> = ({ kind: 'shown' } & T) | { kind: 'withheld' } | { kind: 'absent' };

export interface GapFigures {
  gap: number;
  ci95: Interval | null;
  qValue: number | null;
  significant: boolean;
  leadershipMean: number | null;
  frontlineMean: number | null;
}

export interface GapTrendLine extends PriorityLine {
  /** One cell per run of the view, in the same order. */
  cells: TrendCell<GapFigures>[];
}

export interface GapTrendView {
  dimension: string;
  runs: TrendRun[];
  lines: GapTrendLine[];
  /** The gap axis, fitted to the figures and their intervals, always showing 0. */
  axis: { min: number; max: number };
  shownCount: number;
  withheldCount: number;
  headline: string;
}

export function buildGapTrendView(
  trends: Trends,
  dimension: string,
  priorityOrder: readonly string[],
  priorities: readonly Pick<Priority, 'id' | 'title'>[],
): GapTrendView {
  const runs = trendRuns(trends);
  const lines: GapTrendLine[] = [];
  for (const priority of trendPriorities(trends, priorityOrder, priorities)) {
    const series = trends.series.find(
      (s) => s.priorityId === priority.priorityId && s.dimension === dimension,
    );
    if (series === undefined) continue;
    const byRun = new Map(series.points.map((point) => [point.runId, point]));
    lines.push({
      ...priority,
      cells: runs.map((run): TrendCell<GapFigures> => {
        const point = byRun.get(run.runId);
        if (point === undefined) return { kind: 'absent' };
        if (point.suppressed || point.gap === null) return { kind: 'withheld' };
        return {
          kind: 'shown',
          gap: point.gap,
          ci95: point.ci95,
          qValue: point.qValue,
          significant: isSignificant(point.qValue),
          leadershipMean: point.leadershipMean,
          frontlineMean: point.frontlineMean,
        };
      }),
    });
  }
  const shown = lines.flatMap((line) => line.cells).filter(isShown);
  return {
    dimension,
    runs,
    lines,
    axis: trendGapAxis(shown),
    shownCount: shown.length,
    withheldCount: lines.flatMap((line) => line.cells).filter((c) => c.kind === 'withheld').length,
    headline: gapTrendHeadline(dimension, runs.length, lines),
  };
}

function isShown<T>(cell: TrendCell<T>): cell is { kind: 'shown' } & T {
  return cell.kind === 'shown';
}

/** An axis in half points from the gaps and their intervals, with 0 always on it. */
export function trendGapAxis(cells: readonly Pick<GapFigures, 'gap' | 'ci95'>[]): {
  min: number;
  max: number;
} {
  const reach = cells.flatMap((cell) => [cell.gap, ...(cell.ci95 ?? [])]);
  const low = Math.min(0, ...reach);
  const high = Math.max(0, ...reach);
  // Room for the markers beyond the farthest whisker, but no empty half of the chart.
  return {
    min: low < 0 ? Math.max(-4, Math.floor((low - 0.25) * 2) / 2) : 0,
    max: high > 0 ? Math.min(4, Math.ceil((high + 0.25) * 2) / 2) : 0,
  };
}

interface GapChange {
  title: string;
  first: number;
  last: number;
  /** Change of the gap's size: negative is narrowing. */
  change: number;
}

/** How each line's gap changed between its first and latest shown run. */
export function gapChanges(lines: readonly GapTrendLine[]): GapChange[] {
  return lines.flatMap((line) => {
    const shown = line.cells.filter(isShown);
    const first = shown[0];
    const last = shown.at(-1);
    if (shown.length < 2 || first === undefined || last === undefined) return [];
    return [
      {
        title: line.title,
        first: first.gap,
        last: last.gap,
        change: Math.abs(last.gap) - Math.abs(first.gap),
      },
    ];
  });
}

const possessive = (title: string): string => `${title}’s`;
const move = (c: GapChange): string => `${formatGapValue(c.first)} → ${formatGapValue(c.last)}`;

/** The gap chart's title: which priority's gap narrows most and which widens most. */
export function gapTrendHeadline(
  dimension: string,
  runCount: number,
  lines: readonly GapTrendLine[],
): string {
  if (lines.every((line) => !line.cells.some(isShown))) {
    return `Every ${dimension} gap is withheld to protect anonymity: fewer than k people answered in a group.`;
  }
  if (runCount < 2) {
    const largest = lines
      .flatMap((line) => line.cells.filter(isShown).map((cell) => ({ line, cell })))
      .reduce<{ line: GapTrendLine; cell: GapFigures } | null>(
        (a, b) => (a === null || Math.abs(b.cell.gap) > Math.abs(a.cell.gap) ? b : a),
        null,
      );
    const which =
      largest === null
        ? ''
        : `; ${possessive(largest.line.title)} ${dimension} gap is the largest, ${formatGapValue(largest.cell.gap)}`;
    return `Only one run is released, so there is no trend yet${which}.`;
  }
  const changes = gapChanges(lines);
  if (changes.length === 0) {
    return `No priority has a ${dimension} gap shown in two runs, so there is nothing to compare yet.`;
  }
  const narrowing = changes
    .filter((c) => c.change <= -GAP_CHANGE_WORTH_NAMING)
    .sort((a, b) => a.change - b.change)[0];
  const widening = changes
    .filter((c) => c.change >= GAP_CHANGE_WORTH_NAMING)
    .sort((a, b) => b.change - a.change)[0];
  if (narrowing !== undefined && widening !== undefined) {
    return `${possessive(narrowing.title)} ${dimension} gap is narrowing: ${move(narrowing)}; ${possessive(widening.title)} is widening: ${move(widening)}.`;
  }
  if (narrowing !== undefined) {
    return `${possessive(narrowing.title)} ${dimension} gap is narrowing: ${move(narrowing)}; no priority’s is widening.`;
  }
  if (widening !== undefined) {
    return `${possessive(widening.title)} ${dimension} gap is widening: ${move(widening)}; no priority’s is narrowing.`;
  }
  return `No priority’s ${dimension} gap moved by ${GAP_CHANGE_WORTH_NAMING.toFixed(1)} or more between its first and latest run.`;
}

// ---- clarity against its target -----------------------------------------------------------

export interface ClarityFigures extends ShareFigure {
  meetsTarget: boolean;
  committed: ShareFigure | null;
}

export interface ClarityTrendLine extends PriorityLine {
  cells: TrendCell<ClarityFigures>[];
}

export interface ClarityTrendView {
  target: number;
  runs: TrendRun[];
  lines: ClarityTrendLine[];
  /** The share axis: from a tenth below the lowest interval or the target, to 100%. */
  axis: { min: number; max: number };
  shownCount: number;
  headline: string;
}

export function buildClarityTrendView(
  trends: Trends,
  priorityOrder: readonly string[],
  priorities: readonly Pick<Priority, 'id' | 'title'>[],
): ClarityTrendView {
  const runs = trendRuns(trends);
  const lines: ClarityTrendLine[] = [];
  for (const priority of trendPriorities(trends, priorityOrder, priorities)) {
    const trend = trends.priorities.find((p) => p.priorityId === priority.priorityId);
    if (trend === undefined) continue;
    const byRun = new Map(trend.points.map((point) => [point.runId, point]));
    lines.push({
      ...priority,
      cells: runs.map((run): TrendCell<ClarityFigures> => {
        const point = byRun.get(run.runId);
        if (point === undefined) return { kind: 'absent' };
        if (point.clarity === null) return { kind: 'withheld' };
        return { kind: 'shown', ...point.clarity, committed: point.committedClarity };
      }),
    });
  }
  const shown = lines.flatMap((line) => line.cells).filter(isShown);
  const low = Math.min(trends.clarityTarget, ...shown.map((cell) => cell.ci95[0]));
  return {
    target: trends.clarityTarget,
    runs,
    lines,
    axis: { min: Math.max(0, Math.floor((low - 0.05) * 10) / 10), max: 1 },
    shownCount: shown.length,
    headline: clarityHeadline(trends.clarityTarget, runs.length, lines),
  };
}

/** The clarity chart's title: how many priorities reach the target now, and the lowest. */
export function clarityHeadline(
  target: number,
  runCount: number,
  lines: readonly ClarityTrendLine[],
): string {
  const latest = lines.flatMap((line) => {
    const cell = line.cells.at(-1);
    return cell !== undefined && isShown(cell) ? [{ line, cell }] : [];
  });
  const when = runCount < 2 ? 'the only released run' : 'the latest run';
  if (latest.length === 0) {
    return `Clarity in ${when} is withheld for every priority to protect anonymity.`;
  }
  const goal = `the ${formatShare(target)} clarity target`;
  const lowest = latest.reduce((a, b) => (b.cell.share < a.cell.share ? b : a));
  const first = lowest.line.cells.find(isShown);
  const moved =
    runCount >= 2 && first !== undefined && first !== lowest.cell
      ? ` (${formatShare(first.share)} → ${formatShare(lowest.cell.share)})`
      : '';
  const meeting = latest.filter(({ cell }) => cell.meetsTarget).length;
  if (meeting === latest.length) {
    return `Every priority reaches ${goal} in ${when}; the lowest is ${lowest.line.title} at ${formatShare(lowest.cell.share)}${moved}.`;
  }
  const count =
    meeting === 0 ? 'No priority reaches' : `${meeting} of ${latest.length} priorities reach`;
  return `${count} ${goal} in ${when}; ${lowest.line.title} is furthest below, at ${formatShare(lowest.cell.share)}${moved}.`;
}

// ---- commitment drift -----------------------------------------------------------------------

export interface DriftWarning {
  priorityId: string;
  title: string;
  commitmentChange: number;
  clarityChange: number | null;
  text: string;
}

const RUN_COUNT_WORDS = ['no', 'one', 'two', 'three'];

/**
 * The priorities whose latest run flags commitment drift: frontline commitment fell 10 points
 * or more over the last three runs while clarity held.
 */
export function driftWarnings(
  trends: Trends,
  priorityOrder: readonly string[],
  priorities: readonly Pick<Priority, 'id' | 'title'>[],
): DriftWarning[] {
  return trendPriorities(trends, priorityOrder, priorities).flatMap((priority) => {
    const trend = trends.priorities.find((p) => p.priorityId === priority.priorityId);
    if (trend === undefined) return [];
    const points = trend.points.toSorted((a, b) => a.openedAt.localeCompare(b.openedAt));
    const latest = points.at(-1);
    if (latest?.drift?.flagged !== true) return [];
    const { commitmentChange, clarityChange } = latest.drift;
    const compared = RUN_COUNT_WORDS[Math.min(3, points.length)] ?? 'three';
    const fell = Math.abs(Math.round(commitmentChange * 100));
    const held =
      clarityChange === null
        ? 'while clarity held'
        : `while clarity held (${formatPoints(clarityChange)})`;
    return [
      {
        priorityId: priority.priorityId,
        title: priority.title,
        commitmentChange,
        clarityChange,
        text: `Commitment to ${priority.title} fell ${fell} points over the last ${compared} runs ${held}.`,
      },
    ];
  });
}

/** Whether any priority has a drift figure at all (it needs two runs with commitment shown). */
export function hasDriftFigures(trends: Trends): boolean {
  return trends.priorities.some((p) => p.points.some((point) => point.drift !== null));
}
