import type { ChartConfiguration } from 'chart.js';
import { RELITIGATION_FLOOR } from '@pulsegap/domain';
import type { Decision, DurabilityPoint } from '../decisions-contract.js';
import { runLabels } from '../decision-view.js';
import { formatInterval, formatShare } from '../numbers.js';
import { Chart, GRID, levelLine } from './setup.js';

/*
 * A decision's durability: per run, the share of the owning team treating it as settled and
 * the share saying its tradeoff is honoured, whiskers their 95% Wilson intervals, with the
 * 60% floor under which a decision counts as relitigated. A withheld run is a gap.
 */

type ErrorBarPoint = { y: number | null; yMin: number | null; yMax: number | null };

const SERIES = [
  {
    key: 'settled',
    label: 'Settled for my team',
    colour: '#0b5cad',
    pointStyle: 'circle',
    dash: [],
  },
  {
    key: 'stopped',
    label: 'Tradeoff honoured',
    colour: '#8a4b00',
    pointStyle: 'rectRot',
    dash: [6, 4],
  },
] as const;

function data(points: readonly DurabilityPoint[]): ErrorBarPoint[] {
  return points.map((p) =>
    p.withheld
      ? { y: null, yMin: null, yMax: null }
      : { y: p.share, yMin: p.ci95[0], yMax: p.ci95[1] },
  );
}

/** The durability chart of one decision. */
export function drawDurabilityChart(canvas: HTMLCanvasElement, decision: Decision): Chart {
  const runs = decision.durability.runs;
  const points = (key: 'settled' | 'stopped') => runs.map((r) => r[key]);
  const config: ChartConfiguration<'lineWithErrorBars', ErrorBarPoint[], string> = {
    type: 'lineWithErrorBars',
    data: {
      labels: runLabels(decision),
      datasets: SERIES.map((s) => ({
        label: s.label,
        data: data(points(s.key)),
        borderColor: s.colour,
        backgroundColor: s.colour,
        borderWidth: 2.5,
        borderDash: [...s.dash],
        pointStyle: s.pointStyle,
        radius: 6,
        hoverRadius: 7,
        errorBarColor: s.colour,
        errorBarWhiskerColor: s.colour,
        errorBarLineWidth: 1.5,
        errorBarWhiskerSize: 10,
        spanGaps: false,
      })),
    },
    plugins: [
      levelLine('durabilityFloor', RELITIGATION_FLOOR, `Floor ${formatShare(RELITIGATION_FLOOR)}`),
    ],
    options: {
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: { right: 8 } },
      scales: {
        x: { offset: true, grid: { display: false }, ticks: { autoSkip: false, maxRotation: 0 } },
        y: {
          min: 0,
          max: 1,
          ticks: { stepSize: 0.2, callback: (v) => formatShare(Number(v)) },
          title: { display: true, text: 'Share answering 4–5' },
          grid: { color: GRID },
        },
      },
      plugins: {
        legend: {
          position: 'top',
          align: 'start',
          labels: { usePointStyle: true, boxWidth: 10, boxHeight: 10, padding: 14 },
        },
        valueLabels: {
          text: (datasetIndex, index) => {
            const series = SERIES[datasetIndex];
            const point = series === undefined ? undefined : runs[index]?.[series.key];
            return point === undefined || point.withheld ? null : formatShare(point.share);
          },
        },
        tooltip: {
          callbacks: {
            label: (item) => {
              const series = SERIES[item.datasetIndex];
              const point = series === undefined ? undefined : runs[item.dataIndex]?.[series.key];
              if (series === undefined || point === undefined || point.withheld) return '';
              return `${series.label}: ${formatShare(point.share)} (95% CI ${formatInterval(point.ci95, formatShare)}, n = ${point.n})`;
            },
          },
        },
      },
    },
  };
  return new Chart(canvas, config) as unknown as Chart;
}
