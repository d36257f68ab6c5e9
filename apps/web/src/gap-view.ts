import type { Cell, GapReport, Priority, Pulse, TierStats } from './contract.js';
import { orderDimensions } from './dimensions.js';

/** One row of the gap table: a whole-organization cell with its priority's title. */
export interface GapRow {
  priorityId: string;
  priorityTitle: string;
  dimension: string;
  leadership: TierStats | null;
  frontline: TierStats | null;
  gap: number | null;
  suppressed: boolean;
}

/** What the dashboard shows for one run: rows in display order and the chart's axes. */
export interface GapView {
  priorities: { id: string; title: string }[];
  dimensions: string[];
  rows: GapRow[];
  /** Gap per dimension, one entry per priority (same order); null where there is no bar. */
  series: { dimension: string; gaps: (number | null)[] }[];
  suppressedCount: number;
  minGroupSize: number;
}

/**
 * Builds the dashboard's view of a run from its whole-organization cells (team cells are
 * ignored). Priorities follow the pulse's order; dimensions follow the question bank.
 */
export function buildGapView(report: GapReport, pulse: Pulse, priorities: Priority[]): GapView {
  const cells = report.cells.filter((cell) => cell.teamId === null);
  const titles = new Map(priorities.map((priority) => [priority.id, priority.title]));

  const priorityIds = [
    ...new Set([...pulse.priorityIds, ...cells.map((c) => c.priorityId)]),
  ].filter((priorityId) => cells.some((cell) => cell.priorityId === priorityId));
  const orderedPriorities = priorityIds.map((priorityId) => ({
    id: priorityId,
    title: titles.get(priorityId) ?? `Priority ${priorityId}`,
  }));
  const dimensions = orderDimensions([
    ...pulse.dimensions,
    ...cells.map((c) => c.dimension),
  ]).filter((dimension) => cells.some((cell) => cell.dimension === dimension));

  const byKey = new Map<string, Cell>(
    cells.map((cell) => [key(cell.priorityId, cell.dimension), cell]),
  );
  const rows: GapRow[] = [];
  for (const priority of orderedPriorities) {
    for (const dimension of dimensions) {
      const cell = byKey.get(key(priority.id, dimension));
      if (!cell) continue;
      rows.push({
        priorityId: priority.id,
        priorityTitle: priority.title,
        dimension,
        leadership: cell.suppressed ? null : cell.leadership,
        frontline: cell.suppressed ? null : cell.frontline,
        gap: cell.suppressed ? null : cell.gap,
        suppressed: cell.suppressed,
      });
    }
  }

  const series = dimensions.map((dimension) => ({
    dimension,
    gaps: orderedPriorities.map((priority) => {
      const cell = byKey.get(key(priority.id, dimension));
      return cell && !cell.suppressed ? cell.gap : null;
    }),
  }));

  return {
    priorities: orderedPriorities,
    dimensions,
    rows,
    series,
    suppressedCount: cells.filter((cell) => cell.suppressed).length,
    minGroupSize: report.minGroupSize,
  };
}

function key(priorityId: string, dimension: string): string {
  return `${priorityId}\u0000${dimension}`;
}

/** The pulse to show first: the first one that has a run. */
export function defaultPulse(pulses: Pulse[]): Pulse | undefined {
  return pulses.find((pulse) => pulse.latestRunId !== null) ?? pulses[0];
}
