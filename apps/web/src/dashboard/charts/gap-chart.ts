import type { ChartConfiguration } from 'chart.js';
import { dimensionColour, isBankDimension } from '../../dimensions.js';
import { formatGap, formatMean, formatScaleStep, wrapLabel } from '../../format.js';
import type { GapBar, GapView } from '../gap-view.js';
import { formatInterval } from '../numbers.js';
import { Chart, INK, NARROW, ZERO_LINE_GRID } from './setup.js';

/** Height the chart needs so every bar and its label stay readable. */
export function gapChartHeight(view: GapView): number {
  const perPriority = view.dimensions.length * 22 + 24;
  return Math.max(260, view.priorities.length * perPriority + 120);
}

/**
 * A bar's labels, readable without hovering, longest first: the gap, whether it is
 * significant, and leadership's (L) and the frontline's (F) means where there is room.
 */
export function gapLabels(bar: GapBar): [string, string] {
  const gap = `${formatGap(bar.gap)}${bar.significant ? '' : ' n.s.'}`;
  return [`${gap} (L ${formatMean(bar.leadershipMean)} · F ${formatMean(bar.frontlineMean)})`, gap];
}

type ErrorBarPoint = { x: number | null; xMin: number | null; xMax: number | null };

/**
 * The gap chart: per priority, one horizontal bar per dimension (leadership mean minus
 * frontline mean) with its 95% interval as whiskers. Significant gaps are solid; the others
 * are pale with an outline in the series colour and labelled "n.s.".
 */
export function drawGapChart(canvas: HTMLCanvasElement, view: GapView): Chart {
  let customIndex = 0;
  const colours = view.series.map((s) =>
    dimensionColour(s.dimension, isBankDimension(s.dimension) ? 0 : customIndex++),
  );
  const config: ChartConfiguration<'barWithErrorBars', ErrorBarPoint[], string> = {
    type: 'barWithErrorBars',
    data: {
      labels: view.priorities.map((p) => p.title),
      datasets: view.series.map((series, index) => {
        const colour = colours[index] ?? INK;
        return {
          label: series.dimension,
          data: series.bars.map((bar) =>
            bar === null
              ? { x: null, xMin: null, xMax: null }
              : { x: bar.gap, xMin: bar.ci95?.[0] ?? bar.gap, xMax: bar.ci95?.[1] ?? bar.gap },
          ),
          backgroundColor: series.bars.map((bar) =>
            bar?.significant === true ? colour : '#ffffff',
          ),
          borderColor: colour,
          borderWidth: series.bars.map((bar) => (bar?.significant === true ? 0 : 1.5)),
          errorBarColor: INK,
          errorBarWhiskerColor: INK,
          errorBarLineWidth: 1,
          errorBarWhiskerSize: 8,
          barPercentage: 0.85,
          categoryPercentage: 0.9,
        };
      }),
    },
    options: {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: {
          min: view.axis.min,
          max: view.axis.max,
          ticks: { stepSize: 0.5, callback: (v) => formatScaleStep(Number(v)) },
          title: { display: true, text: 'Gap: leadership mean − frontline mean (95% interval)' },
          grid: {
            ...ZERO_LINE_GRID,
          },
        },
        y: {
          grid: { display: false },
          ticks: {
            autoSkip: false,
            font: (ctx) => ({ size: ctx.chart.width < NARROW ? 11 : 13, weight: 600 }),
            callback(_value, index) {
              const title = view.priorities[index]?.title ?? '';
              return wrapLabel(title, this.chart.width < NARROW ? 12 : 20);
            },
          },
        },
      },
      plugins: {
        legend: {
          position: 'top',
          align: 'start',
          labels: {
            boxWidth: 12,
            boxHeight: 12,
            padding: 12,
            // A series' own colour, whatever its first bar looks like.
            generateLabels: (chart) =>
              view.series.map((series, index) => ({
                text: series.dimension,
                fillStyle: colours[index] ?? INK,
                strokeStyle: colours[index] ?? INK,
                lineWidth: 0,
                hidden: !chart.isDatasetVisible(index),
                datasetIndex: index,
              })),
          },
        },
        valueLabels: {
          text: (datasetIndex, index) => {
            const bar = view.series[datasetIndex]?.bars[index];
            return bar === null || bar === undefined ? null : gapLabels(bar);
          },
        },
        tooltip: {
          callbacks: {
            label: (item) => {
              const bar = view.series[item.datasetIndex]?.bars[item.dataIndex];
              if (bar === null || bar === undefined) return '';
              const ci = bar.ci95 === null ? '' : `, 95% CI ${formatInterval(bar.ci95)}`;
              return `${bar.dimension}: gap ${formatGap(bar.gap)}${ci} (leadership ${formatMean(bar.leadershipMean)}, frontline ${formatMean(bar.frontlineMean)})`;
            },
          },
        },
      },
    },
  };
  return new Chart(canvas, config) as unknown as Chart;
}
