import { isSignificant } from '@pulsegap/domain';
import type { Priority } from '../contract.js';
import { orderDimensions } from '../dimensions.js';
import { teamRows } from '../app/team-rows.js';
import { formatGap } from '../format.js';
import type { GapsReport, Interval, ReportCell, SuppressionReason } from './contract.js';

/*
 * The team heatmap's view of a run for one dimension: a row for the whole organization and
 * one per team of the run's snapshot, in tree order (a parent team's row is its roll-up, so it
 * comes before its children), and a column per priority. A team cell compares the team's
 * frontline with the organization's leadership (PRODUCT.md §5); a withheld cell carries no
 * number, only why it is withheld.
 */

/** Where the dimension select starts when the address names none the run has. */
export const DEFAULT_DIMENSION = 'staffing';

/** One cell of the heatmap, by what it may show. */
export type HeatmapCell =
  | {
      kind: 'shown';
      gap: number;
      ci95: Interval | null;
      qValue: number | null;
      significant: boolean;
    }
  | { kind: 'withheld'; reason: SuppressionReason }
  /** The run released no figure here: the cell is missing, or a tier had no answers. */
  | { kind: 'empty' };

export interface HeatmapRow {
  /** null for the whole organization. */
  teamId: string | null;
  name: string;
  /** 0 for the whole organization, 1 for a team without a parent, and so on down. */
  depth: number;
  /** True for a team with teams beneath it: its row rolls theirs up. */
  rollUp: boolean;
  /** One per column, in the columns' order. */
  cells: HeatmapCell[];
}

export interface HeatmapView {
  dimension: string;
  /** The dimensions the run has cells for, in the question bank's order. */
  dimensions: string[];
  priorities: { id: string; title: string }[];
  rows: HeatmapRow[];
  minGroupSize: number;
  /** Teams with cells that the run's snapshot does not name, so they are left out. */
  unnamedTeams: number;
  headline: string;
}

export const ORGANIZATION_NAME = 'Whole organization';

/** The dimension to show: the one asked for if the run has it, else staffing, else the first. */
export function chooseDimension(dimensions: readonly string[], wanted: string | null): string {
  if (wanted !== null && dimensions.includes(wanted)) return wanted;
  if (dimensions.includes(DEFAULT_DIMENSION)) return DEFAULT_DIMENSION;
  return dimensions[0] ?? DEFAULT_DIMENSION;
}

/** "Staffing" from "staffing". */
export function dimensionName(dimension: string): string {
  return dimension.charAt(0).toUpperCase() + dimension.slice(1);
}

function heatmapCell(cell: ReportCell | undefined): HeatmapCell {
  if (cell === undefined) return { kind: 'empty' };
  if (cell.suppressed) return { kind: 'withheld', reason: cell.suppressionReason ?? 'small' };
  if (cell.gap === null) return { kind: 'empty' };
  return {
    kind: 'shown',
    gap: cell.gap,
    ci95: cell.ci95,
    qValue: cell.qValue,
    significant: isSignificant(cell.qValue),
  };
}

const key = (teamId: string | null, priorityId: string): string =>
  `${teamId ?? ''}\u0000${priorityId}`;

export function buildHeatmapView(
  report: GapsReport,
  priorityOrder: readonly string[],
  priorities: readonly Pick<Priority, 'id' | 'title'>[],
  wantedDimension: string | null,
): HeatmapView {
  const dimensions = orderDimensions(report.cells.map((cell) => cell.dimension));
  const dimension = chooseDimension(dimensions, wantedDimension);
  const cells = report.cells.filter((cell) => cell.dimension === dimension);
  const byKey = new Map(cells.map((cell) => [key(cell.teamId, cell.priorityId), cell]));

  const titles = new Map(priorities.map((p) => [p.id, p.title]));
  const columns = [...new Set([...priorityOrder, ...cells.map((cell) => cell.priorityId)])]
    .filter((id) => cells.some((cell) => cell.priorityId === id))
    .map((id) => ({ id, title: titles.get(id) ?? 'A priority since removed' }));

  // A team is listed when it or a team beneath it has a cell, so the tree stays whole.
  const withCells = new Set(cells.map((cell) => cell.teamId));
  const parents = new Map(report.teams.map((team) => [team.id, team.parentId]));
  const listed = new Set<string>();
  for (const teamId of withCells) {
    let at: string | null | undefined = teamId;
    while (at !== null && at !== undefined && parents.has(at) && !listed.has(at)) {
      listed.add(at);
      at = parents.get(at);
    }
  }
  const tree = teamRows(
    report.teams.filter((team) => listed.has(team.id)),
    [],
  );
  const named = new Set(tree.map((team) => team.id));
  const unnamedTeams = [...withCells].filter((id) => id !== null && !named.has(id)).length;

  const rowOf = (teamId: string | null, name: string, depth: number, rollUp: boolean) => ({
    teamId,
    name,
    depth,
    rollUp,
    cells: columns.map((priority) => heatmapCell(byKey.get(key(teamId, priority.id)))),
  });
  const rows: HeatmapRow[] = [
    rowOf(null, ORGANIZATION_NAME, 0, tree.length > 0),
    ...tree.map((team, i) =>
      rowOf(team.id, team.name, team.depth + 1, (tree[i + 1]?.depth ?? -1) > team.depth),
    ),
  ];
  return {
    dimension,
    dimensions,
    priorities: columns,
    rows,
    minGroupSize: report.minGroupSize,
    unnamedTeams,
    headline: heatmapHeadline(dimension, columns, rows, report.minGroupSize),
  };
}

type Shown = Extract<HeatmapCell, { kind: 'shown' }>;

function whose(gap: number): string {
  return gap > 0 ? 'leadership more optimistic' : 'the frontline more optimistic';
}

/**
 * The finding in a sentence: the priority where most teams show a significant gap and the
 * largest of them, else the organization's, else that nothing is significant or shown.
 */
export function heatmapHeadline(
  dimension: string,
  priorities: readonly { id: string; title: string }[],
  rows: readonly HeatmapRow[],
  minGroupSize: number,
): string {
  const name = dimensionName(dimension);
  const teams = rows.filter((row) => row.teamId !== null);
  const shownAt = (row: HeatmapRow, column: number): Shown | null => {
    const cell = row.cells[column];
    return cell?.kind === 'shown' ? cell : null;
  };

  let best: { column: number; count: number; of: number; row: HeatmapRow; gap: number } | null =
    null;
  for (const column of priorities.keys()) {
    const shown = teams.filter((row) => shownAt(row, column) !== null);
    const significant = shown.filter((row) => shownAt(row, column)?.significant === true);
    if (significant.length === 0) continue;
    const largest = significant.reduce((a, b) =>
      Math.abs(shownAt(b, column)?.gap ?? 0) > Math.abs(shownAt(a, column)?.gap ?? 0) ? b : a,
    );
    const gap = shownAt(largest, column)?.gap ?? 0;
    if (
      best === null ||
      significant.length > best.count ||
      (significant.length === best.count && Math.abs(gap) > Math.abs(best.gap))
    ) {
      best = { column, count: significant.length, of: shown.length, row: largest, gap };
    }
  }
  if (best !== null) {
    const { column, count, of, row, gap } = best;
    const title = priorities[column]?.title ?? '';
    const who =
      count === of && of > 1
        ? `all ${of} teams with a figure have`
        : `${count} of ${of} ${of === 1 ? 'team' : 'teams'} ${count === 1 ? 'has' : 'have'}`;
    const largest =
      count === 1
        ? `it is ${row.name} (${formatGap(gap)}, ${whose(gap)})`
        : `the largest is ${row.name} (${formatGap(gap)}, ${whose(gap)})`;
    return `${name}: ${who} a significant gap on ${title}; ${largest}.`;
  }

  const organization = rows.find((row) => row.teamId === null);
  const organizationSignificant = priorities
    .map((priority, column) => ({ priority, cell: organization && shownAt(organization, column) }))
    .filter(({ cell }) => cell?.significant === true);
  const anyShown = rows.some((row) => row.cells.some((cell) => cell.kind === 'shown'));
  if (organizationSignificant.length > 0) {
    const top = organizationSignificant.reduce((a, b) =>
      Math.abs(b.cell?.gap ?? 0) > Math.abs(a.cell?.gap ?? 0) ? b : a,
    );
    const gap = top.cell?.gap ?? 0;
    const count = organizationSignificant.length;
    const on =
      priorities.length === 1
        ? `on ${top.priority.title}`
        : `on ${count === priorities.length ? 'every priority' : `${count} of ${priorities.length} priorities`}, the largest on ${top.priority.title}`;
    const organizationText = `the whole organization has a significant gap ${on} (${formatGap(gap)}, ${whose(gap)})`;
    return teams.some((row) => row.cells.some((cell) => cell.kind === 'shown'))
      ? `${name}: no single team’s gap is significant; ${organizationText}.`
      : `${name}: ${organizationText}.`;
  }
  if (anyShown) {
    return `${name}: no gap between leadership and the frontline is significant, for any team or priority.`;
  }
  return `${name}: every figure is withheld to protect anonymity (fewer than k = ${minGroupSize} answered in a group).`;
}
