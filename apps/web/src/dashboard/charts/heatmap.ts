import type { ChartArea, ChartConfiguration, Plugin } from 'chart.js';
import { contrastRatio } from '../../dimensions.js';
import { formatGap, wrapLabel } from '../../format.js';
import type { HeatmapCell, HeatmapRow, HeatmapView } from '../heatmap-view.js';
import { formatInterval, formatQ } from '../numbers.js';
import { Chart, INK, MUTED_INK, NARROW } from './setup.js';

/*
 * Colours of the heatmap: a diverging scale from the Okabe–Ito vermillion (leadership more
 * optimistic) and blue (the frontline more optimistic), four steps of |gap| each, used only
 * for significant gaps. Not significant is white, withheld is grey and hatched; every cell
 * also says what it is in words, so colour is never the only signal.
 */

/** Upper bounds of |gap| for the steps of the scale; the last step has none. */
export const GAP_STEPS = [0.5, 1, 1.5] as const;
export const LEADERSHIP_MORE = ['#fde4d0', '#f7b78a', '#e8793a', '#a94400'] as const;
export const FRONTLINE_MORE = ['#dbe9f6', '#a6cbea', '#5b9bd1', '#1f5f99'] as const;
export const NOT_SIGNIFICANT = '#ffffff';
export const WITHHELD = '#eceef0';
const WITHHELD_HATCH = '#d9dde1';
const CELL_BORDER = '#c4c9ce';
const WHITE = '#ffffff';

/** The step of the scale for a gap's size, 0 to 3. */
export function gapStep(gap: number): number {
  const size = Math.abs(gap);
  const step = GAP_STEPS.findIndex((bound) => size < bound);
  return step === -1 ? GAP_STEPS.length : step;
}

/** The fill of a cell (before the hatching of withheld ones). */
export function cellFill(cell: HeatmapCell): string {
  switch (cell.kind) {
    case 'shown': {
      if (!cell.significant) return NOT_SIGNIFICANT;
      const scale = cell.gap > 0 ? LEADERSHIP_MORE : FRONTLINE_MORE;
      return scale[gapStep(cell.gap)] ?? NOT_SIGNIFICANT;
    }
    case 'withheld':
      return WITHHELD;
    case 'empty':
      return NOT_SIGNIFICANT;
  }
}

/** Text colour on a fill: the page's ink, or white where ink would not reach 4.5:1. */
export function textColour(fill: string, preferred: string = INK): string {
  return contrastRatio(preferred, fill) >= 4.5 ? preferred : WHITE;
}

/** What a cell says; `short` where the long text does not fit. Never a number if withheld. */
export function cellLabel(cell: HeatmapCell, short = false): string {
  switch (cell.kind) {
    case 'shown':
      return cell.significant
        ? formatGap(cell.gap)
        : `${formatGap(cell.gap)}${short ? '' : ' n.s.'}`;
    case 'withheld':
      if (cell.reason === 'small') return short ? '< k' : 'fewer than k';
      return 'withheld';
    case 'empty':
      return '—';
  }
}

function cellTextStyle(cell: HeatmapCell): { colour: string; font: string } {
  const family = String(Chart.defaults.font.family);
  switch (cell.kind) {
    case 'shown':
      return cell.significant
        ? { colour: textColour(cellFill(cell)), font: `700 13px ${family}` }
        : { colour: MUTED_INK, font: `400 12px ${family}` };
    case 'withheld':
      return { colour: INK, font: `italic 400 12px ${family}` };
    case 'empty':
      return { colour: MUTED_INK, font: `400 12px ${family}` };
  }
}

/** A row's label: indented by depth under a corner mark, shortened past `width` characters. */
export function rowLabel(row: Pick<HeatmapRow, 'name' | 'depth'>, width: number): string {
  const name = row.name.length > width ? `${row.name.slice(0, width - 1).trimEnd()}…` : row.name;
  if (row.depth <= 1) return name;
  return `${'\u2003'.repeat(row.depth - 2)}└ ${name}`;
}

/** A priority's title over its column: wrapped, at most three lines, a long word shortened. */
export function columnLabel(title: string, width: number): string[] {
  const lines = wrapLabel(title, width).map((line) =>
    line.length > width ? `${line.slice(0, width - 1)}…` : line,
  );
  if (lines.length <= 3) return lines;
  return [...lines.slice(0, 2), `${(lines[2] ?? '').slice(0, width - 1)}…`];
}

/** Height the chart needs for its rows and the wrapped priority titles above them. */
export function heatmapHeight(view: HeatmapView): number {
  return 84 + view.rows.length * 36;
}

const ROW_LABEL_CHARS = { wide: 26, narrow: 14 };
const CELL_GAP = 3;
const MAX_CELL_HEIGHT = 48;

function hatch(canvas: HTMLCanvasElement): CanvasPattern | string {
  const tile = document.createElement('canvas');
  tile.width = 8;
  tile.height = 8;
  const ctx = tile.getContext('2d');
  if (ctx === null) return WITHHELD;
  ctx.fillStyle = WITHHELD;
  ctx.fillRect(0, 0, 8, 8);
  ctx.strokeStyle = WITHHELD_HATCH;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(0, 8);
  ctx.lineTo(8, 0);
  ctx.moveTo(-2, 2);
  ctx.lineTo(2, -2);
  ctx.moveTo(6, 10);
  ctx.lineTo(10, 6);
  ctx.stroke();
  return canvas.getContext('2d')?.createPattern(tile, 'repeat') ?? WITHHELD;
}

interface Point {
  x: number;
  y: number;
}

/** Writes each cell's text centred on it, shortened where the cell is narrow. */
function cellLabels(cells: HeatmapCell[]): Plugin<'matrix'> {
  return {
    id: 'heatmapCellLabels',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      ctx.save();
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      chart.getDatasetMeta(0).data.forEach((element, index) => {
        const cell = cells[index];
        if (cell === undefined) return;
        const { width } = element.getProps(['width'], true) as { width: number };
        const centre = (element as unknown as { getCenterPoint: () => Point }).getCenterPoint();
        const style = cellTextStyle(cell);
        ctx.font = style.font;
        ctx.fillStyle = style.colour;
        const long = cellLabel(cell);
        const text = ctx.measureText(long).width <= width - 8 ? long : cellLabel(cell, true);
        ctx.fillText(text, centre.x, centre.y);
      });
      ctx.restore();
    },
  };
}

// Category scales place a point by its label, so cells name their column and row by a key
// that is unique (two teams may share a name); ticks show the titles and names.
type Datum = { x: string; y: string };

// Laid out only once the chart has measured itself; chart.js types it as always there.
const area = (chart: Chart): ChartArea | undefined => chart.chartArea;

/**
 * The team heatmap: a row per team (the whole organization first, each parent's roll-up
 * above its teams), a column per priority, each cell saying its gap. Only significant gaps
 * are coloured, by direction and size; not significant ones are white and say "n.s.";
 * withheld ones are hatched grey and say why, never a number. `onTeam` opens a team's figures.
 */
export function drawHeatmap(
  canvas: HTMLCanvasElement,
  view: HeatmapView,
  onTeam?: (teamId: string | null) => void,
): Chart {
  const columns = Math.max(1, view.priorities.length);
  const columnKeys = view.priorities.map((priority) => priority.id);
  const rowKeys = view.rows.map((row) => row.teamId ?? 'organization');
  const data: Datum[] = [];
  const cells: HeatmapCell[] = [];
  const places: { row: number; column: number }[] = [];
  view.rows.forEach((row, y) => {
    row.cells.forEach((cell, x) => {
      data.push({ x: columnKeys[x] ?? '', y: rowKeys[y] ?? '' });
      cells.push(cell);
      places.push({ row: y, column: x });
    });
  });
  const withheld = hatch(canvas);
  const narrow = (chart: Chart): boolean => chart.width < NARROW;
  const config: ChartConfiguration<'matrix', Datum[], string> = {
    type: 'matrix',
    data: {
      datasets: [
        {
          label: view.dimension,
          data,
          backgroundColor: cells.map((cell) =>
            cell.kind === 'withheld' ? (withheld as unknown as string) : cellFill(cell),
          ),
          borderColor: cells.map((cell) =>
            cell.kind === 'shown' && cell.significant ? cellFill(cell) : CELL_BORDER,
          ),
          borderWidth: 1,
          width: ({ chart }) => (area(chart)?.width ?? 0) / columns - CELL_GAP,
          // A short heatmap keeps rows of a readable height rather than filling its frame.
          height: ({ chart }) =>
            Math.min(MAX_CELL_HEIGHT, (area(chart)?.height ?? 0) / Math.max(1, view.rows.length)) -
            CELL_GAP,
        },
      ],
    },
    plugins: [cellLabels(cells)],
    options: {
      responsive: true,
      maintainAspectRatio: false,
      layout: { padding: { right: 4 } },
      onClick: (_event, elements) => {
        const hit = elements[0];
        if (hit === undefined || onTeam === undefined) return;
        const row = view.rows[places[hit.index]?.row ?? -1];
        if (row !== undefined) onTeam(row.teamId);
      },
      onHover: (event, elements) => {
        const target = event.native?.target;
        if (target instanceof HTMLElement && onTeam !== undefined) {
          target.style.cursor = elements.length > 0 ? 'pointer' : 'default';
        }
      },
      scales: {
        x: {
          type: 'category',
          labels: columnKeys,
          position: 'top',
          offset: true,
          grid: { display: false },
          border: { display: false },
          ticks: {
            maxRotation: 0,
            autoSkip: false,
            font: (ctx) => ({ size: narrow(ctx.chart) ? 11 : 13, weight: 600 }),
            callback(_value, index) {
              const title = view.priorities[index]?.title ?? '';
              // Ticks are made while the chart is laid out, before its area is known: the
              // columns share what the team names leave, about a quarter of the width.
              const width = this.chart.width * (narrow(this.chart) ? 0.62 : 0.75);
              return columnLabel(title, Math.max(6, Math.floor(width / columns / 8)));
            },
          },
        },
        y: {
          type: 'category',
          labels: rowKeys,
          offset: true,
          reverse: false,
          grid: { display: false },
          border: { display: false },
          ticks: {
            autoSkip: false,
            crossAlign: 'far',
            font: (ctx) => ({
              size: narrow(ctx.chart) ? 11 : 13,
              weight: view.rows[ctx.index]?.rollUp === true ? 700 : 400,
            }),
            callback(_value, index) {
              const row = view.rows[index];
              if (row === undefined) return '';
              const chars = narrow(this.chart) ? ROW_LABEL_CHARS.narrow : ROW_LABEL_CHARS.wide;
              return rowLabel(row, chars);
            },
          },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => {
              const at = places[items[0]?.dataIndex ?? -1];
              if (at === undefined) return '';
              return `${view.rows[at.row]?.name ?? ''} · ${view.priorities[at.column]?.title ?? ''}`;
            },
            label: (item) => {
              const cell = cells[item.dataIndex];
              if (cell === undefined) return '';
              return cellDescription(cell, view.minGroupSize);
            },
          },
        },
      },
    },
  };
  return new Chart(canvas, config);
}

/** A cell in words, as the tooltip says it. */
export function cellDescription(cell: HeatmapCell, minGroupSize: number): string {
  switch (cell.kind) {
    case 'shown':
      return `gap ${formatGap(cell.gap)}, 95% interval ${formatInterval(cell.ci95)}, q ${formatQ(cell.qValue)}${cell.significant ? ', significant' : ''}`;
    case 'withheld':
      return cell.reason === 'small'
        ? `withheld: fewer than k = ${minGroupSize} answered`
        : 'withheld so a smaller group cannot be worked out';
    case 'empty':
      return 'no figure';
  }
}
