import { ROOM_MAX_THRESHOLD, ROOM_MIN_THRESHOLD, roomThreshold } from '@pulsegap/domain';
import { formatGap } from '../format.js';
import type { Brief } from './contract.js';

/*
 * What a live room can be opened on, from a run's brief: each priority × dimension its gap and
 * collision findings cite (the organization's significant gaps), in the brief's order of
 * importance, each once.
 */

/** The fewest and most findings a session takes. */
export const ROOM_FINDINGS = { min: 2, max: 5 } as const;

/** The prompt a session opens with unless the facilitator writes another. */
export const DEFAULT_ROOM_PROMPT = 'What would have to stop for this to be staffed?';

/** The longest prompt the API takes, in characters. */
export const ROOM_PROMPT_MAX_LENGTH = 500;

export interface RoomFindingChoice {
  /** `priorityId` and `dimension`, as the form's value. */
  key: string;
  priorityId: string;
  dimension: string;
  /** "Customer Focus · staffing: gap +1.85". */
  label: string;
}

export function roomFindingChoices(
  brief: Pick<Brief, 'findings'>,
  priorityTitles: ReadonlyMap<string, string>,
): RoomFindingChoice[] {
  const choices: RoomFindingChoice[] = [];
  const seen = new Set<string>();
  for (const finding of brief.findings) {
    for (const cell of finding.cells) {
      const key = `${finding.priorityId}\u0000${cell.dimension}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const title = priorityTitles.get(finding.priorityId) ?? finding.title;
      choices.push({
        key,
        priorityId: finding.priorityId,
        dimension: cell.dimension,
        label: `${title} · ${cell.dimension}: gap ${formatGap(cell.gap)}`,
      });
    }
  }
  return choices;
}

/** The thresholds a session may take in an organization whose minimum group size is `k`. */
export function roomThresholdRange(k: number): { min: number; max: number; initial: number } {
  const min = Math.max(ROOM_MIN_THRESHOLD, k);
  return { min, max: Math.max(ROOM_MAX_THRESHOLD, min), initial: roomThreshold(undefined, k) };
}

/** What is wrong with a choice of findings, or null when it can open a session. */
export function findingsProblem(chosen: number, available: number): string | null {
  if (available < ROOM_FINDINGS.min) {
    return `A session needs at least ${ROOM_FINDINGS.min} findings, and this brief has ${available === 0 ? 'none' : 'one'} to discuss.`;
  }
  if (chosen < ROOM_FINDINGS.min || chosen > ROOM_FINDINGS.max) {
    return `Choose ${ROOM_FINDINGS.min} to ${ROOM_FINDINGS.max} findings (${chosen} chosen).`;
  }
  return null;
}

/** What is wrong with a threshold typed in, or null. */
export function thresholdProblem(text: string, range: { min: number; max: number }): string | null {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < range.min || value > range.max) {
    return `The threshold is a whole number from ${range.min} (your organization’s minimum group size) to ${range.max}.`;
  }
  return null;
}
