import { SessionEndedError, downloadFile, getJson } from './api.js';
import { ContractError, describeFailure } from './http.js';
import {
  parseGapReport,
  parsePriorities,
  parsePulses,
  type GapReport,
  type Priority,
  type Pulse,
} from './contract.js';
import { parseRunList } from './app/hr-contract.js';
import { formatDateTime } from './format.js';
import { drawGapChart, gapChartHeight, type GapChart } from './gap-chart.js';
import { renderGapTable } from './gap-table.js';
import { buildGapView, defaultPulse } from './gap-view.js';

/** The dashboard's markup: static, so it is written once and filled in by id. */
const MARKUP = `
  <h1 id="view-title" tabindex="-1">Alignment gaps</h1>
  <p class="lede">
    How far leadership's view of each priority is from the frontline's, across the whole
    organization. A positive gap means leadership is more optimistic than the frontline.
  </p>
  <div class="field field--inline">
    <label for="pulse-select">Pulse</label>
    <select id="pulse-select" name="pulse" disabled></select>
  </div>
  <p id="status" class="status" role="status" aria-live="polite"></p>
  <div id="alert" class="alert" role="alert"></div>
  <section id="report" class="report" aria-labelledby="report-title" hidden>
    <h2 id="report-title"></h2>
    <p class="meta">Released on <time id="computed-at"></time></p>
    <p class="actions">
      <button id="download-brief" class="button button--quiet" type="button">Download the brief (Markdown)</button>
      <button id="download-csv" class="button button--quiet" type="button">Download the figures (CSV)</button>
    </p>
    <figure class="chart">
      <div id="chart-frame" class="chart__frame">
        <canvas id="gap-chart" role="img"
          aria-label="Bar chart of the gap per priority and dimension. The table below lists the same figures."
        >The table below lists the gap per priority and dimension.</canvas>
      </div>
      <figcaption>
        Bars to the right: leadership rates the priority higher than the frontline does. Scale
        of answers 1 to 5, so a gap lies between −4 and 4.
      </figcaption>
    </figure>
    <p id="suppressed-note" class="note"></p>
    <div class="table-scroll" role="region" aria-labelledby="report-title" tabindex="0">
      <table id="gap-table" class="gap-table"></table>
    </div>
  </section>`;

function find<T extends HTMLElement>(root: HTMLElement, id: string, type: new () => T): T {
  const element = root.querySelector(`#${id}`);
  if (!(element instanceof type)) throw new Error(`#${id} is missing from the dashboard`);
  return element;
}

function pageOf(root: HTMLElement) {
  return {
    pulseSelect: find(root, 'pulse-select', HTMLSelectElement),
    status: find(root, 'status', HTMLParagraphElement),
    alert: find(root, 'alert', HTMLDivElement),
    report: find(root, 'report', HTMLElement),
    reportTitle: find(root, 'report-title', HTMLHeadingElement),
    computedAt: find(root, 'computed-at', HTMLTimeElement),
    chartFrame: find(root, 'chart-frame', HTMLDivElement),
    chart: find(root, 'gap-chart', HTMLCanvasElement),
    suppressedNote: find(root, 'suppressed-note', HTMLParagraphElement),
    table: find(root, 'gap-table', HTMLTableElement),
    downloadBrief: find(root, 'download-brief', HTMLButtonElement),
    downloadCsv: find(root, 'download-csv', HTMLButtonElement),
  };
}

// The one dashboard on the screen; `mountDashboard` sets it, its cleanup clears it.
let page: ReturnType<typeof pageOf>;

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
  // A 401 is already on its way back to sign-in; an abort means another pulse was chosen.
  if (error instanceof SessionEndedError) return;
  if (error instanceof DOMException && error.name === 'AbortError') return;
  if (error instanceof ContractError) console.error(error);
  showStatus('');
  showAlert(describeFailure(error));
}

/** Makes the report's download buttons fetch the run's brief and CSV with the session. */
function offerDownloads(token: string, runId: string): void {
  const run = `/runs/${encodeURIComponent(runId)}`;
  const wire = (button: HTMLButtonElement, path: string, name: string) => {
    button.onclick = () => {
      button.disabled = true;
      downloadFile(path, token, name)
        .catch(fail)
        .finally(() => {
          button.disabled = false;
        });
    };
  };
  wire(page.downloadBrief, `${run}/brief?format=md`, `brief-${runId}.md`);
  wire(page.downloadCsv, `${run}/export.csv`, `run-${runId}.csv`);
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
    parseRunList,
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
  offerDownloads(token, released.id);
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

/**
 * Draws the dashboard into `root` for the signed-in user's `token` and returns what takes it
 * down again (the chart, pending requests). The app mounts it as one of its views.
 */
export function mountDashboard(root: HTMLElement, token: string): () => void {
  root.innerHTML = MARKUP;
  page = pageOf(root);
  start(token).catch(fail);
  return () => {
    pending?.abort();
    pending = undefined;
    chart?.destroy();
    chart = undefined;
    root.replaceChildren();
  };
}
