import type { Plugin } from 'chart.js';
import { ZONE_MAX_FRONTLINE, ZONE_MIN_WEIGHT, type CollisionView } from '../collision-view.js';
import { Chart, GRID, INK, MUTED_INK } from './setup.js';

const COLLIDING = '#d55e00';
const ZONE_FILL = '#fbe9df';

/** Bubble radius in pixels for a collision score in [0, 1]. */
export function bubbleRadius(score: number): number {
  return 7 + Math.max(0, Math.min(1, score)) * 36;
}

/** Shades and names the corner where high weight meets low staffing and feasibility. */
const zone: Plugin<'bubble'> = {
  id: 'collisionZone',
  beforeDatasetsDraw(chart) {
    const { ctx, chartArea, scales } = chart;
    const x = scales.x;
    const y = scales.y;
    if (x === undefined || y === undefined) return;
    const left = x.getPixelForValue(ZONE_MIN_WEIGHT - 0.5);
    const top = y.getPixelForValue(ZONE_MAX_FRONTLINE);
    ctx.save();
    ctx.fillStyle = ZONE_FILL;
    ctx.fillRect(left, top, chartArea.right - left, chartArea.bottom - top);
    ctx.fillStyle = INK;
    ctx.font = `600 12px ${String(Chart.defaults.font.family)}`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText('Collision zone: weighted high,', chartArea.right - 6, chartArea.bottom - 20);
    ctx.fillText('hard to staff or deliver', chartArea.right - 6, chartArea.bottom - 5);
    ctx.restore();
  },
};

/**
 * The collision map: a bubble per priority at (stated weight, the frontline's staffing and
 * feasibility), sized by collision score. Significant collisions are filled and say so in
 * their label; the others are hollow.
 */
export function drawCollisionMap(canvas: HTMLCanvasElement, view: CollisionView): Chart<'bubble'> {
  const { points } = view;
  return new Chart(canvas, {
    type: 'bubble',
    data: {
      datasets: [
        {
          label: 'Priorities',
          data: points.map((p) => ({ x: p.weight, y: p.frontline, r: bubbleRadius(p.score) })),
          backgroundColor: points.map((p) => (p.significant ? `${COLLIDING}cc` : '#ffffff')),
          borderColor: points.map((p) => (p.significant ? COLLIDING : MUTED_INK)),
          borderWidth: points.map((p) => (p.significant ? 3 : 2)),
        },
      ],
    },
    plugins: [zone],
    options: {
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: { top: 8, right: 8 } },
      scales: {
        x: {
          type: 'linear',
          min: 0.5,
          max: 5.5,
          // Whole weights only, while the axis leaves half a step of room at either end.
          afterBuildTicks: (axis) => {
            axis.ticks = [1, 2, 3, 4, 5].map((value) => ({ value }));
          },
          title: { display: true, text: 'Stated weight (leadership, 1–5)' },
          grid: { color: GRID },
        },
        y: {
          type: 'linear',
          min: 1,
          max: 5,
          ticks: { stepSize: 1 },
          title: { display: true, text: 'Frontline: staffing and feasibility (1–5)' },
          grid: { color: GRID },
        },
      },
      plugins: {
        legend: { display: false },
        valueLabels: {
          text: (_d, index) => {
            const p = points[index];
            if (p === undefined) return null;
            return p.significant ? `${p.title} (significant)` : p.title;
          },
        },
        tooltip: {
          callbacks: {
            label: (item) => {
              const p = points[item.dataIndex];
              if (p === undefined) return '';
              return `${p.title}: weight ${p.weight}, frontline ${p.frontline.toFixed(2)}, collision score ${p.score.toFixed(2)}${p.significant ? ', significant' : ''}`;
            },
          },
        },
      },
    },
  });
}
