import { array, id, items, number, optionalId, optionalNumber, record, string } from './fields.js';
import { ContractError } from './http.js';

/*
 * The parts of the API's answers (PRODUCT.md §7) that the dashboard reads, with parsers that
 * check them at the boundary. Fields the page does not use are ignored, so the API may add more.
 */

export interface Pulse {
  id: string;
  title: string;
  priorityIds: string[];
  dimensions: string[];
  latestRunId: string | null;
}

export interface Priority {
  id: string;
  title: string;
  description: string | null;
  statedWeight: number;
}

/** Statistics of one tier in a cell. */
export interface TierStats {
  n: number;
  mean: number | null;
  sd: number | null;
  top2: number | null;
}

/** One run × priority × dimension × (whole organization | team). */
export interface Cell {
  priorityId: string;
  dimension: string;
  teamId: string | null;
  leadership: TierStats | null;
  frontline: TierStats | null;
  gap: number | null;
  suppressed: boolean;
}

export interface GapReport {
  runId: string;
  computedAt: string | null;
  minGroupSize: number;
  cells: Cell[];
}

export function parsePulses(body: unknown): Pulse[] {
  return items(body, 'pulses').map((value, index) => {
    const where = `pulses.items[${index}]`;
    const pulse = record(value, where);
    return {
      id: id(pulse.id, `${where}.id`),
      title: string(pulse.title, `${where}.title`),
      priorityIds: array(pulse.priorityIds ?? [], `${where}.priorityIds`).map((p, i) =>
        id(p, `${where}.priorityIds[${i}]`),
      ),
      dimensions: array(pulse.dimensions ?? [], `${where}.dimensions`).map((d, i) =>
        string(d, `${where}.dimensions[${i}]`),
      ),
      latestRunId: optionalId(pulse.latestRunId, `${where}.latestRunId`),
    };
  });
}

export function parsePriorities(body: unknown): Priority[] {
  return items(body, 'priorities').map((value, index) => {
    const where = `priorities.items[${index}]`;
    const priority = record(value, where);
    const description = priority.description;
    return {
      id: id(priority.id, `${where}.id`),
      title: string(priority.title, `${where}.title`),
      description: typeof description === 'string' ? description : null,
      statedWeight: number(priority.statedWeight, `${where}.statedWeight`),
    };
  });
}

// A suppressed cell carries no statistics, so a tier may be null, absent or hold only some fields.
function parseTier(value: unknown, where: string): TierStats | null {
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

function parseCell(value: unknown, where: string): Cell {
  const cell = record(value, where);
  if (typeof cell.suppressed !== 'boolean') throw new ContractError(`${where}.suppressed`);
  return {
    priorityId: id(cell.priorityId, `${where}.priorityId`),
    dimension: string(cell.dimension, `${where}.dimension`),
    teamId: optionalId(cell.teamId, `${where}.teamId`),
    leadership: parseTier(cell.leadership, `${where}.leadership`),
    frontline: parseTier(cell.frontline, `${where}.frontline`),
    gap: optionalNumber(cell.gap, `${where}.gap`),
    suppressed: cell.suppressed,
  };
}

export function parseGapReport(body: unknown): GapReport {
  const report = record(body, 'gaps');
  const computedAt = report.computedAt;
  return {
    runId: id(report.runId, 'gaps.runId'),
    computedAt:
      computedAt === null || computedAt === undefined
        ? null
        : string(computedAt, 'gaps.computedAt'),
    minGroupSize: number(report.minGroupSize, 'gaps.minGroupSize'),
    cells: array(report.cells ?? [], 'gaps.cells').map((cell, index) =>
      parseCell(cell, `gaps.cells[${index}]`),
    ),
  };
}
