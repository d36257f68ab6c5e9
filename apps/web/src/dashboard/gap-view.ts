import { isSignificant } from '@pulsegap/domain';
import type { Priority } from '../contract.js';
import { orderDimensions } from '../dimensions.js';
import { formatGap } from '../format.js';
import type { GapsReport, Interval, ReportCell } from './contract.js';

/*
 * The gap chart's view of a run for the whole organization or one team: per priority and
 * dimension, leadership's and the frontline's means, the gap with its 95% interval, and whether
 * it is significant. A team cell compares the team's frontline with the organization's
 * leadership (PRODUCT.md §5).
 */

export interface GapBar {
  priorityId: string;
  priorityTitle: string;
  dimension: string;
  leadershipMean: number | null;
  frontlineMean: number | null;
  leadershipN: number | null;
  frontlineN: number | null;
  gap: number | null;
  ci95: Interval | null;
  qValue: number | null;
  significant: boolean;
  suppressed: boolean;
}

export interface GapView {
  teamId: string | null;
  priorities: { id: string; title: string }[];
  dimensions: string[];
  rows: GapBar[];
  /** Per dimension, its bar for each priority (same order); null where nothing is drawn. */
  series: { dimension: string; bars: (GapBar | null)[] }[];
  /** The gap axis, fitted to the figures and their intervals, always showing 0. */
  axis: { min: number; max: number };
  shownCount: number;
  suppressedCount: number;
  minGroupSize: number;
  headline: string;
}

const key = (priorityId: string, dimension: string): string => `${priorityId}\u0000${dimension}`;

export function buildGapView(
  report: GapsReport,
  priorityOrder: readonly string[],
  priorities: readonly Pick<Priority, 'id' | 'title'>[],
  teamId: string | null,
): GapView {
  const cells = report.cells.filter((cell) => cell.teamId === teamId);
  const titles = new Map(priorities.map((p) => [p.id, p.title]));
  const priorityIds = [...new Set([...priorityOrder, ...cells.map((c) => c.priorityId)])].filter(
    (id) => cells.some((cell) => cell.priorityId === id),
  );
  const orderedPriorities = priorityIds.map((id) => ({
    id,
    title: titles.get(id) ?? 'A priority since removed',
  }));
  const dimensions = orderDimensions(cells.map((c) => c.dimension));
  const byKey = new Map<string, ReportCell>(cells.map((c) => [key(c.priorityId, c.dimension), c]));

  const rows: GapBar[] = [];
  for (const priority of orderedPriorities) {
    for (const dimension of dimensions) {
      const cell = byKey.get(key(priority.id, dimension));
      if (cell === undefined) continue;
      rows.push({
        priorityId: priority.id,
        priorityTitle: priority.title,
        dimension,
        leadershipMean: cell.leadership?.mean ?? null,
        frontlineMean: cell.frontline?.mean ?? null,
        leadershipN: cell.leadership?.n ?? null,
        frontlineN: cell.frontline?.n ?? null,
        gap: cell.gap,
        ci95: cell.ci95,
        qValue: cell.qValue,
        significant: !cell.suppressed && isSignificant(cell.qValue),
        suppressed: cell.suppressed,
      });
    }
  }
  const rowsByKey = new Map(rows.map((row) => [key(row.priorityId, row.dimension), row]));
  const series = dimensions.map((dimension) => ({
    dimension,
    bars: orderedPriorities.map((priority) => {
      const row = rowsByKey.get(key(priority.id, dimension));
      return row !== undefined && !row.suppressed && row.gap !== null ? row : null;
    }),
  }));
  const shown = rows.filter((row) => !row.suppressed && row.gap !== null);
  return {
    teamId,
    priorities: orderedPriorities,
    dimensions,
    rows,
    series,
    axis: gapAxis(shown),
    shownCount: shown.length,
    suppressedCount: rows.filter((row) => row.suppressed).length,
    minGroupSize: report.minGroupSize,
    headline: gapHeadline(shown),
  };
}

/** An axis from the figures' reach (intervals included) plus room for labels, in half points. */
export function gapAxis(bars: readonly Pick<GapBar, 'gap' | 'ci95'>[]): {
  min: number;
  max: number;
} {
  const reach = bars.flatMap((bar) => [bar.gap ?? 0, ...(bar.ci95 ?? [])]);
  const low = Math.min(0, ...reach);
  const high = Math.max(0, ...reach);
  // Labels are written beyond a bar's end: leave room on the side the bars grow towards.
  const min = Math.max(-4, Math.floor((low - (low < 0 ? 0.75 : 0.25)) * 2) / 2);
  const max = Math.min(4, Math.ceil((high + (high > 0 ? 0.75 : 0.25)) * 2) / 2);
  return { min, max };
}

function gapHeadline(shown: readonly GapBar[]): string {
  const significant = shown.filter((bar) => bar.significant && bar.gap !== null);
  if (significant.length === 0) {
    return shown.length === 0
      ? 'Every figure is withheld.'
      : 'No gap between leadership and the frontline is significant.';
  }
  const largest = significant.reduce((a, b) =>
    Math.abs(b.gap ?? 0) > Math.abs(a.gap ?? 0) ? b : a,
  );
  const who =
    (largest.gap ?? 0) > 0 ? 'leadership more optimistic' : 'the frontline more optimistic';
  return `The largest significant gap: ${largest.priorityTitle}, ${largest.dimension} (${formatGap(
    largest.gap,
  )}, ${who}); ${significant.length} of ${shown.length} gaps are significant.`;
}
