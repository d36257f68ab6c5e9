import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { dimensionColour, isBankDimension } from './dimensions.js';
import { formatGap, formatMean, formatScaleStep, wrapLabel } from './format.js';
import type { GapView } from './gap-view.js';

// Only what a horizontal bar chart with a legend and tooltips needs, so the rest tree-shakes.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

Chart.defaults.font.family =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
Chart.defaults.font.size = 13;
Chart.defaults.color = '#3b4148';

export type GapChart = Chart<'bar', (number | null)[], string[]>;

/** The gap scale is fixed: means lie in 1..5, so a gap lies in −4..4. */
const GAP_LIMIT = 4;
/** Below this canvas width, labels wrap shorter and text gets smaller, so the bars keep room. */
const NARROW = 480;

/** Height the chart needs so every bar stays readable, whatever the canvas width. */
export function gapChartHeight(view: GapView): number {
  const perPriority = view.dimensions.length * 12 + 28;
  return Math.max(240, view.priorities.length * perPriority + 150);
}

/**
 * Draws the grouped horizontal bar chart of gaps: one group per priority, one bar per
 * dimension. Suppressed cells have no bar. Drawn without animation, so it is complete when
 * this returns.
 */
export function drawGapChart(canvas: HTMLCanvasElement, view: GapView): GapChart {
  const rows = new Map(view.rows.map((row) => [`${row.priorityId}\u0000${row.dimension}`, row]));
  let customIndex = 0;

  const config: ChartConfiguration<'bar', (number | null)[], string[]> = {
    type: 'bar',
    data: {
      labels: view.priorities.map((priority) => [priority.title]),
      datasets: view.series.map((series) => {
        const colour = dimensionColour(
          series.dimension,
          isBankDimension(series.dimension) ? 0 : customIndex++,
        );
        return {
          label: series.dimension,
          data: series.gaps,
          backgroundColor: colour,
          borderColor: colour,
          borderWidth: 0,
          barPercentage: 0.9,
          categoryPercentage: 0.85,
        };
      }),
    },
    options: {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: {
          min: -GAP_LIMIT,
          max: GAP_LIMIT,
          ticks: {
            stepSize: 1,
            maxRotation: 0,
            font: (context) => ({ size: context.chart.width < NARROW ? 11 : 13 }),
            callback: (value) => formatScaleStep(Number(value)),
          },
          title: { display: true, text: 'Leadership mean − frontline mean' },
          grid: {
            color: (context) => (context.tick.value === 0 ? '#5b6168' : '#e4e6e8'),
            lineWidth: (context) => (context.tick.value === 0 ? 1.5 : 1),
          },
        },
        y: {
          grid: { display: false },
          ticks: {
            autoSkip: false,
            font: (context) => ({ size: context.chart.width < NARROW ? 11 : 13, weight: 600 }),
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
          labels: { boxWidth: 12, boxHeight: 12, padding: 12 },
        },
        tooltip: {
          callbacks: {
            title: (items) => {
              const index = items[0]?.dataIndex;
              return index === undefined ? '' : (view.priorities[index]?.title ?? '');
            },
            label: (item) => {
              const priority = view.priorities[item.dataIndex];
              const dimension = item.dataset.label ?? '';
              const row = priority ? rows.get(`${priority.id}\u0000${dimension}`) : undefined;
              return `${dimension}: ${formatGap(row?.gap)} (leadership ${formatMean(
                row?.leadership?.mean,
              )}, frontline ${formatMean(row?.frontline?.mean)})`;
            },
          },
        },
      },
    },
  };
  return new Chart(canvas, config);
}
