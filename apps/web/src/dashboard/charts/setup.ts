import {
  BarController,
  BarElement,
  BubbleController,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartType,
  type Plugin,
} from 'chart.js';
import {
  BarWithErrorBar,
  BarWithErrorBarsController,
  LineWithErrorBarsController,
  PointWithErrorBar,
} from 'chartjs-chart-error-bars';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';

/*
 * chart.js as the dashboard uses it: only the controllers its charts need (so the rest
 * tree-shakes), two plugins for what statistics charts need and chart.js lacks (error bars for
 * confidence intervals, a matrix for the team heatmap), and one small plugin of our own that
 * writes each element's value beside it, so nothing needs hovering to be read.
 */

/** The page's text colours, which charts share. */
export const INK = '#1f2328';
export const MUTED_INK = '#57606a';
export const GRID = '#e4e6e8';

/** A gap axis's grid: the line at 0 darker and heavier than the rest. */
export const ZERO_LINE_GRID = {
  color: (context: { tick: { value: number } }) => (context.tick.value === 0 ? MUTED_INK : GRID),
  lineWidth: (context: { tick: { value: number } }) => (context.tick.value === 0 ? 1.5 : 1),
};

/**
 * What a chart's value labels say: one text per element of a dataset (null for none), written
 * past a bar's end and whisker, or beside a point or bubble where it meets no other mark.
 */
export interface ValueLabelOptions {
  /**
   * The label of an element; a list gives the longest first and shorter ones after, and a bar
   * takes the longest that fits inside the chart.
   */
  text?: (datasetIndex: number, index: number) => string | readonly string[] | null;
  color?: (datasetIndex: number, index: number) => string;
}

declare module 'chart.js' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the interface's own signature
  interface PluginOptionsByType<TType extends ChartType> {
    valueLabels?: ValueLabelOptions;
  }
}

type Box = { left: number; top: number; right: number; bottom: number };

const overlaps = (a: Box, b: Box): boolean =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

const valueLabels: Plugin<ChartType, ValueLabelOptions> = {
  id: 'valueLabels',
  afterDatasetsDraw(chart, _args, options) {
    const text = options.text;
    if (text === undefined) return;
    const { ctx, chartArea } = chart;
    // Labels of points and bubbles keep clear of every mark and of each other.
    const placed: Box[] = [];
    if (chart.options.indexAxis !== 'y') {
      for (const [datasetIndex] of chart.data.datasets.entries()) {
        for (const element of chart.getDatasetMeta(datasetIndex).data) {
          const r = (element as unknown as { options?: { radius?: number } }).options?.radius ?? 4;
          placed.push({
            left: element.x - r,
            right: element.x + r,
            top: element.y - r,
            bottom: element.y + r,
          });
        }
      }
    }
    ctx.save();
    ctx.font = `600 12px ${String(Chart.defaults.font.family)}`;
    ctx.textBaseline = 'middle';
    chart.data.datasets.forEach((_dataset, datasetIndex) => {
      const meta = chart.getDatasetMeta(datasetIndex);
      if (meta.hidden) return;
      meta.data.forEach((element, index) => {
        const said = text(datasetIndex, index);
        const labels = said === null ? [] : typeof said === 'string' ? [said] : said;
        const label = labels.at(-1);
        if (label === undefined || label === '') return;
        ctx.fillStyle = options.color?.(datasetIndex, index) ?? INK;
        const props = element.getProps(['x', 'y', 'base', 'xMin', 'xMax'], true) as {
          x: number;
          y: number;
          base?: number;
          xMin?: number | number[];
          xMax?: number | number[];
        };
        ctx.textAlign = 'left';
        if (chart.options.indexAxis === 'y' && props.base !== undefined) {
          // A horizontal bar: the text goes past the bar's end and its whisker.
          const leftwards = props.x < props.base;
          const whisker = leftwards ? props.xMin : props.xMax;
          const reach = typeof whisker === 'number' && Number.isFinite(whisker) ? whisker : props.x;
          const end = leftwards ? Math.min(props.x, reach) : Math.max(props.x, reach);
          const room = leftwards ? end - 6 - chartArea.left : chartArea.right - end - 6;
          const fitting = labels.find((l) => ctx.measureText(l).width <= room) ?? label;
          const width = ctx.measureText(fitting).width;
          ctx.fillText(fitting, leftwards ? end - 6 - width : end + 6, props.y);
          return;
        }
        const width = ctx.measureText(label).width;
        // A point or bubble: beside it where the text fits and meets no other label.
        const radius =
          (element as unknown as { options?: { radius?: number } }).options?.radius ?? 4;
        const half = 8;
        const candidates: [number, number][] = [
          [props.x + radius + 6, props.y],
          [props.x - radius - 6 - width, props.y],
          [props.x - width / 2, props.y - radius - half - 2],
          [props.x - width / 2, props.y + radius + half + 2],
        ];
        const boxes = candidates.map(([left, middle]) => ({
          left,
          right: left + width,
          top: middle - half,
          bottom: middle + half,
        }));
        const fits = (box: Box): boolean =>
          box.left >= chartArea.left &&
          box.right <= chartArea.right &&
          box.top >= chartArea.top &&
          box.bottom <= chartArea.bottom;
        const box =
          boxes.find((b) => fits(b) && !placed.some((p) => overlaps(p, b))) ??
          boxes.find(fits) ??
          boxes[0];
        if (box === undefined) return;
        placed.push(box);
        ctx.fillText(label, box.left, (box.top + box.bottom) / 2);
      });
    });
    ctx.restore();
  },
};

Chart.register(
  BarController,
  BarElement,
  BubbleController,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
  BarWithErrorBarsController,
  BarWithErrorBar,
  LineWithErrorBarsController,
  PointWithErrorBar,
  MatrixController,
  MatrixElement,
  valueLabels,
);

Chart.defaults.font.family =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
Chart.defaults.font.size = 13;
Chart.defaults.color = INK;
// Figures are complete when drawn: no animation (also for people who ask for reduced motion).
Chart.defaults.animation = false;

/**
 * A level drawn as a dashed line across a chart's area, behind its data, and named at its left
 * end (the clarity target, the relitigation floor).
 */
export function levelLine(id: string, value: number, name: string): Plugin<'lineWithErrorBars'> {
  return {
    id,
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const y = scales.y?.getPixelForValue(value);
      if (y === undefined) return;
      ctx.save();
      ctx.strokeStyle = INK;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([6, 5]);
      ctx.beginPath();
      ctx.moveTo(chartArea.left, y);
      ctx.lineTo(chartArea.right, y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = INK;
      ctx.font = `600 12px ${String(Chart.defaults.font.family)}`;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      ctx.fillText(name, chartArea.left + 6, y - 4);
      ctx.restore();
    },
  };
}

/** Below this canvas width, labels wrap shorter and text gets smaller, so the marks keep room. */
export const NARROW = 480;

export { Chart };
