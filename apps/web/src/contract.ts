import { array, id, items, number, optionalId, record, string } from './fields.js';

/*
 * The parts of the API's answers (PRODUCT.md §7) that the dashboard reads, with parsers that
 * check them at the boundary (a run's reports: `dashboard/contract.ts`). Fields the page does not use are ignored, so the API may add more.
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
