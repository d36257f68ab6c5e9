import type { Run } from '../app/hr-contract.js';
import type { Pulse } from '../contract.js';
import { formatShare } from './numbers.js';

/*
 * Which pulse and run the dashboard shows when the address names none, and how a run is named
 * in the run picker.
 */

/** The pulse to show first: the first one that has a run, else the first one. */
export function defaultPulse(pulses: readonly Pulse[], wanted: string | null): Pulse | undefined {
  return (
    pulses.find((pulse) => pulse.id === wanted) ??
    pulses.find((pulse) => pulse.latestRunId !== null) ??
    pulses[0]
  );
}

/** The run to show first (runs newest first): the one asked for, else the latest with a release. */
export function defaultRun(runs: readonly Run[], wanted: string | null): Run | undefined {
  return (
    runs.find((run) => run.id === wanted) ?? runs.find((run) => run.state === 'released') ?? runs[0]
  );
}

/** Share of the invited who answered, when both counts may be shown. */
export function responseRate(run: Run): number | null {
  const { invited, responses } = run.participation;
  return responses === null || invited === 0 ? null : responses / invited;
}

const day = new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short', year: 'numeric' });
const dayOfYear = new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short' });

/** A run as the picker names it: its dates, its response rate, and whether it is still open. */
export function runLabel(run: Run): string {
  const opened = new Date(run.openedAt);
  const closed = new Date(run.closedAt ?? run.closesAt);
  // The year once when both ends share it: "Nov 5 – Nov 8, 2026".
  const sameYear = opened.getFullYear() === closed.getFullYear();
  const dates = `${(sameYear ? dayOfYear : day).format(opened)} – ${day.format(closed)}`;
  const rate = responseRate(run);
  const answered =
    rate === null
      ? ''
      : ` · ${formatShare(rate)} answered (${run.participation.responses ?? 0} of ${run.participation.invited})`;
  const state =
    run.state === 'open' ? ' · open' : run.state === 'closing' ? ' · closed, being released' : '';
  return `${dates}${answered}${state}`;
}
