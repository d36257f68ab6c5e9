import { SessionEndedError, getJson } from './api.js';
import { ContractError, describeFailure } from './http.js';
import {
  parseGapReport,
  parsePriorities,
  parsePulses,
  parseRuns,
  type GapReport,
  type Priority,
  type Pulse,
} from './contract.js';
import { formatDateTime } from './format.js';
import { drawGapChart, gapChartHeight, type GapChart } from './gap-chart.js';
import { renderGapTable } from './gap-table.js';
import { buildGapView, defaultPulse } from './gap-view.js';
import { LOGIN_PAGE, endSession, readToken } from './session.js';

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing from the page`);
  return element;
}

const page = {
  signOut: byId('sign-out', HTMLButtonElement),
  pulseSelect: byId('pulse-select', HTMLSelectElement),
  status: byId('status', HTMLParagraphElement),
  alert: byId('alert', HTMLDivElement),
  report: byId('report', HTMLElement),
  reportTitle: byId('report-title', HTMLHeadingElement),
  computedAt: byId('computed-at', HTMLTimeElement),
  chartFrame: byId('chart-frame', HTMLDivElement),
  chart: byId('gap-chart', HTMLCanvasElement),
  suppressedNote: byId('suppressed-note', HTMLParagraphElement),
  table: byId('gap-table', HTMLTableElement),
};

let chart: GapChart | undefined;
let pending: AbortController | undefined;

function showStatus(text: string): void {
  page.status.textContent = text;
}

function showAlert(text: string): void {
  page.alert.textContent = text;
}

function clearMessages(): void {
  showStatus('');
  showAlert('');
}

function hideReport(): void {
  page.report.hidden = true;
  page.chart.removeAttribute('data-rendered');
  chart?.destroy();
  chart = undefined;
}

function fail(error: unknown): void {
  // A 401 is already on its way to the login page; an abort means another pulse was chosen.
  if (error instanceof SessionEndedError) return;
  if (error instanceof DOMException && error.name === 'AbortError') return;
  if (error instanceof ContractError) console.error(error);
  showStatus('');
  showAlert(describeFailure(error));
}

function render(report: GapReport, pulse: Pulse, priorities: Priority[]): void {
  const view = buildGapView(report, pulse, priorities);
  clearMessages();
  hideReport();

  page.reportTitle.textContent = pulse.title;
  if (report.computedAt === null) {
    page.computedAt.removeAttribute('datetime');
    page.computedAt.textContent = 'not yet';
  } else {
    page.computedAt.dateTime = report.computedAt;
    page.computedAt.textContent = formatDateTime(report.computedAt);
  }

  const k = report.minGroupSize;
  page.suppressedNote.textContent =
    view.suppressedCount === 0
      ? `No cell is suppressed: every cell has enough answers to show (k = ${k}).`
      : `${view.suppressedCount} of ${view.rows.length} cells ${
          view.suppressedCount === 1 ? 'is' : 'are'
        } suppressed to protect anonymity (fewer than k = ${k} answers in a tier) and not drawn.`;

  renderGapTable(
    page.table,
    view,
    `Gaps per priority and dimension, whole organization (${pulse.title})`,
  );

  // The canvas must be visible and sized before chart.js measures it.
  page.report.hidden = false;
  page.chartFrame.style.height = `${gapChartHeight(view)}px`;
  chart = drawGapChart(page.chart, view);
  page.chart.dataset.rendered = 'true';
}

/**
 * Shows the latest run of the pulse whose results are released: a run's figures appear
 * only once it has closed (they are released once, at close), so an open run is named with
 * its closing date instead.
 */
async function showLatestRelease(
  token: string,
  pulse: Pulse,
  priorities: Priority[],
  signal: AbortSignal,
): Promise<void> {
  const runs = await getJson(
    `/pulses/${encodeURIComponent(pulse.id)}/runs`,
    token,
    parseRuns,
    signal,
  );
  const released = runs.find((run) => run.state === 'released');
  const newest = runs[0];
  const pendingNote =
    newest !== undefined && newest.state !== 'released'
      ? newest.state === 'open'
        ? `The current run closes on ${formatDateTime(newest.closesAt)}; its results appear then.`
        : 'The latest run has closed; its results are being released.'
      : '';
  if (released === undefined) {
    showStatus(pendingNote || `“${pulse.title}” has no released results yet.`);
    return;
  }
  const report = await getJson(
    `/runs/${encodeURIComponent(released.id)}/gaps`,
    token,
    parseGapReport,
    signal,
  );
  render(report, pulse, priorities);
  showStatus(pendingNote);
}

function choosePulse(token: string, pulse: Pulse, priorities: Priority[]): void {
  pending?.abort();
  const controller = new AbortController();
  pending = controller;

  hideReport();
  clearMessages();
  if (pulse.latestRunId === null) {
    showStatus(`“${pulse.title}” has not run yet, so there are no figures to show.`);
    return;
  }
  showStatus('Loading figures…');
  showLatestRelease(token, pulse, priorities, controller.signal).catch(fail);
}

async function start(token: string): Promise<void> {
  page.signOut.addEventListener('click', endSession);
  showStatus('Loading pulses…');

  const [pulses, priorities] = await Promise.all([
    getJson('/pulses', token, parsePulses),
    getJson('/priorities', token, parsePriorities),
  ]);

  const first = defaultPulse(pulses);
  if (!first) {
    page.pulseSelect.disabled = true;
    showStatus('There are no pulses yet. Once an admin runs one, its gaps appear here.');
    return;
  }

  page.pulseSelect.replaceChildren(
    ...pulses.map((pulse) => {
      const label = pulse.latestRunId === null ? `${pulse.title} (no run yet)` : pulse.title;
      return new Option(label, pulse.id, false, pulse === first);
    }),
  );
  page.pulseSelect.disabled = false;
  page.pulseSelect.addEventListener('change', () => {
    const pulse = pulses.find((candidate) => candidate.id === page.pulseSelect.value);
    if (pulse) choosePulse(token, pulse, priorities);
  });
  choosePulse(token, first, priorities);
}

const token = readToken();
if (token === null) {
  window.location.replace(LOGIN_PAGE);
} else {
  start(token).catch(fail);
}
