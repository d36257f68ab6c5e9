import type { ChartConfiguration } from 'chart.js';
import { formatGap, formatMean, formatScaleStep } from '../../format.js';
import { formatInterval, formatShare } from '../numbers.js';
import type {
  ClarityTrendLine,
  ClarityTrendView,
  GapTrendLine,
  GapTrendView,
  TrendCell,
} from '../trend-view.js';
import { Chart, GRID, levelLine, NARROW, ZERO_LINE_GRID } from './setup.js';

/*
 * The Trends view's charts: one line per priority across the pulse's released runs, with the
 * 95% interval of each point as whiskers. A withheld point is a gap in its line. Each priority
 * keeps its colour, marker and dash in both charts, and the latest point of each line carries
 * its value, so nothing needs hovering to be read.
 */

type ErrorBarPoint = { y: number | null; yMin: number | null; yMax: number | null };

const EMPTY_POINT: ErrorBarPoint = { y: null, yMin: null, yMax: null };

/** Index of the last shown cell of a line, or -1. */
function lastShown<T>(cells: readonly TrendCell<T>[]): number {
  return cells.findLastIndex((cell) => cell.kind === 'shown');
}

function lineDataset(
  line: GapTrendLine | ClarityTrendLine,
  data: ErrorBarPoint[],
  filled: (index: number) => boolean,
) {
  const { colour, pointStyle, dash } = line.style;
  // The points are `pointWithErrorBar` elements, which take the unprefixed options (`radius`,
  // `backgroundColor`), not the line chart's `point…` ones; the line has no fill, so the
  // per-point background only colours the markers.
  return {
    label: line.title,
    data,
    borderColor: colour,
    backgroundColor: data.map((_, index) => (filled(index) ? colour : '#ffffff')),
    borderWidth: 2.5,
    borderDash: dash,
    pointStyle,
    radius: 6,
    hoverRadius: 7,
    errorBarColor: colour,
    errorBarWhiskerColor: colour,
    errorBarLineWidth: 1.5,
    errorBarWhiskerSize: 10,
    spanGaps: false,
  };
}

const legend = {
  position: 'top' as const,
  align: 'start' as const,
  labels: {
    usePointStyle: true,
    boxWidth: 10,
    boxHeight: 10,
    padding: 14,
    // A priority's marker in the legend is always filled: hollow means "not significant" or
    // "below target" on a point, which says nothing about the priority as a whole.
    generateLabels: (chart: Chart) =>
      Chart.defaults.plugins.legend.labels
        .generateLabels(chart)
        .map((item) => ({ ...item, fillStyle: item.strokeStyle })),
  },
};

function runTicks(labels: readonly string[]) {
  return {
    autoSkip: false,
    maxRotation: 0,
    font: (ctx: { chart: Chart }) => ({ size: ctx.chart.width < NARROW ? 11 : 13 }),
    callback: (_value: unknown, index: number) => labels[index] ?? '',
  };
}

/** The gap of one dimension per priority across runs, whiskers its 95% interval. */
export function drawGapTrendChart(canvas: HTMLCanvasElement, view: GapTrendView): Chart {
  const config: ChartConfiguration<'lineWithErrorBars', ErrorBarPoint[], string> = {
    type: 'lineWithErrorBars',
    data: {
      labels: view.runs.map((run) => run.label),
      datasets: view.lines.map((line) =>
        lineDataset(
          line,
          line.cells.map((cell) =>
            cell.kind === 'shown'
              ? { y: cell.gap, yMin: cell.ci95?.[0] ?? cell.gap, yMax: cell.ci95?.[1] ?? cell.gap }
              : EMPTY_POINT,
          ),
          (index) => {
            const cell = line.cells[index];
            return cell?.kind === 'shown' && cell.significant;
          },
        ),
      ),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: { right: 8 } },
      scales: {
        x: {
          offset: true,
          grid: { display: false },
          ticks: runTicks(view.runs.map((r) => r.label)),
        },
        y: {
          min: view.axis.min,
          max: view.axis.max,
          ticks: { stepSize: 0.5, callback: (v) => formatScaleStep(Number(v)) },
          title: {
            display: true,
            text: `${view.dimension} gap: leadership − frontline (95% interval)`,
          },
          grid: {
            ...ZERO_LINE_GRID,
          },
        },
      },
      plugins: {
        legend,
        valueLabels: {
          text: (datasetIndex, index) => {
            const line = view.lines[datasetIndex];
            if (line === undefined || index !== lastShown(line.cells)) return null;
            const cell = line.cells[index];
            return cell?.kind === 'shown' ? formatGap(cell.gap) : null;
          },
        },
        tooltip: {
          callbacks: {
            label: (item) => {
              const line = view.lines[item.datasetIndex];
              const cell = line?.cells[item.dataIndex];
              if (line === undefined || cell?.kind !== 'shown') return '';
              const ci = cell.ci95 === null ? '' : `, 95% CI ${formatInterval(cell.ci95)}`;
              return `${line.title}: gap ${formatGap(cell.gap)}${ci} (leadership ${formatMean(cell.leadershipMean)}, frontline ${formatMean(cell.frontlineMean)})`;
            },
          },
        },
      },
    },
  };
  return new Chart(canvas, config) as unknown as Chart;
}

/** The clarity index per priority across runs, whiskers its Wilson interval, and the target. */
export function drawClarityTrendChart(canvas: HTMLCanvasElement, view: ClarityTrendView): Chart {
  const config: ChartConfiguration<'lineWithErrorBars', ErrorBarPoint[], string> = {
    type: 'lineWithErrorBars',
    data: {
      labels: view.runs.map((run) => run.label),
      datasets: view.lines.map((line) =>
        lineDataset(
          line,
          line.cells.map((cell) =>
            cell.kind === 'shown'
              ? { y: cell.share, yMin: cell.ci95[0], yMax: cell.ci95[1] }
              : EMPTY_POINT,
          ),
          (index) => {
            const cell = line.cells[index];
            return cell?.kind === 'shown' && cell.meetsTarget;
          },
        ),
      ),
    },
    plugins: [levelLine('clarityTarget', view.target, `Target ${formatShare(view.target)}`)],
    options: {
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: { right: 8 } },
      scales: {
        x: {
          offset: true,
          grid: { display: false },
          ticks: runTicks(view.runs.map((r) => r.label)),
        },
        y: {
          min: view.axis.min,
          max: view.axis.max,
          ticks: { stepSize: 0.1, callback: (v) => formatShare(Number(v)) },
          title: { display: true, text: 'Clarity index (95% interval)' },
          grid: { color: GRID },
        },
      },
      plugins: {
        legend,
        valueLabels: {
          text: (datasetIndex, index) => {
            const line = view.lines[datasetIndex];
            if (line === undefined || index !== lastShown(line.cells)) return null;
            const cell = line.cells[index];
            return cell?.kind === 'shown' ? formatShare(cell.share) : null;
          },
        },
        tooltip: {
          callbacks: {
            label: (item) => {
              const line = view.lines[item.datasetIndex];
              const cell = line?.cells[item.dataIndex];
              if (line === undefined || cell?.kind !== 'shown') return '';
              const committed =
                cell.committed === null ? '' : `; committed ${formatShare(cell.committed.share)}`;
              return `${line.title}: clarity ${formatShare(cell.share)} (95% CI ${formatInterval(cell.ci95, formatShare)}, n = ${cell.n})${committed}`;
            },
          },
        },
      },
    },
  };
  return new Chart(canvas, config) as unknown as Chart;
}
