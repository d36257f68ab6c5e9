import type { ChartConfiguration } from 'chart.js';
import { Chart, GRID, INK } from '../dashboard/charts/setup.js';
import type { DistributionBar } from '../room-view.js';

/** The room's colour for its answers: the accent of the pages. */
const BAR = '#1f4e79';

/**
 * The room's answers to a finding's statement: five horizontal bars, one per point of the scale
 * (1 Strongly disagree at the top), each with its count written past its end.
 */
export function drawRoomChart(canvas: HTMLCanvasElement, bars: readonly DistributionBar[]): Chart {
  const most = Math.max(1, ...bars.map((bar) => bar.count));
  const config: ChartConfiguration<'bar', number[], string> = {
    type: 'bar',
    data: {
      labels: bars.map((bar) => `${bar.value} · ${bar.label}`),
      datasets: [
        {
          label: 'Answers',
          data: bars.map((bar) => bar.count),
          backgroundColor: BAR,
          barPercentage: 0.8,
          categoryPercentage: 0.9,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: {
          min: 0,
          // Room past the longest bar for its count.
          suggestedMax: Math.ceil(most * 1.15),
          ticks: { precision: 0 },
          title: { display: true, text: 'Answers' },
          grid: { color: GRID },
        },
        y: {
          grid: { display: false },
          ticks: { autoSkip: false, font: { size: 16, weight: 600 }, color: INK },
        },
      },
      plugins: {
        legend: { display: false },
        valueLabels: {
          text: (_dataset, index) => String(bars[index]?.count ?? ''),
        },
        tooltip: { enabled: false },
      },
    },
  };
  return new Chart(canvas, config);
}
