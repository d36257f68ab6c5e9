import { useMemo, useRef } from 'preact/hooks';
import { formatRoute } from '../app/routes.js';
import { dimensionLabel, isBankDimension } from '../dimensions.js';
import { formatGap } from '../format.js';
import {
  drawHeatmap,
  FRONTLINE_MORE,
  heatmapHeight,
  LEADERSHIP_MORE,
  NOT_SIGNIFICANT,
  WITHHELD,
} from './charts/heatmap.js';
import { ChartFigure } from './chart-figure.js';
import {
  buildHeatmapView,
  dimensionName,
  type HeatmapCell,
  type HeatmapView,
} from './heatmap-view.js';
import { formatInterval, formatQ } from './numbers.js';
import type { DashboardQuery } from './query.js';
import type { SectionProps } from './section.js';

/** The heatmap with what a click on a cell does. */
interface HeatmapFigure {
  view: HeatmapView;
  openTeam: (teamId: string | null) => void;
}

const drawFigure = (canvas: HTMLCanvasElement, figure: HeatmapFigure) =>
  drawHeatmap(canvas, figure.view, figure.openTeam);

/** Teams × priorities for one dimension, coloured only where the gap is significant. */
export function TeamsSection({ report, pulse, priorities, query, setQuery }: SectionProps) {
  const view = useMemo(
    () => buildHeatmapView(report.gaps, pulse.priorityIds, priorities, query.dimension),
    [report, pulse, priorities, query.dimension],
  );
  // The chart is drawn once per view; a click reads the newest way to change the address.
  const latestSetQuery = useRef(setQuery);
  latestSetQuery.current = setQuery;
  const figure = useMemo<HeatmapFigure>(
    () => ({
      view,
      openTeam: (teamId) => {
        latestSetQuery.current({ team: teamId, section: 'overview' });
      },
    }),
    [view],
  );
  const name = dimensionName(view.dimension).toLowerCase();
  return (
    <div class="section-body" data-ready="true">
      <div class="heatmap-controls">
        <div class="field">
          <label for="heatmap-dimension">Dimension</label>
          <select
            id="heatmap-dimension"
            value={view.dimension}
            onChange={(event) => {
              setQuery({ dimension: event.currentTarget.value });
            }}
          >
            {view.dimensions.map((dimension) => (
              <option key={dimension} value={dimension}>
                {isBankDimension(dimension)
                  ? dimensionName(dimension)
                  : dimensionLabel(dimension, report.itemStatements)}
              </option>
            ))}
          </select>
        </div>
        <HeatmapKey minGroupSize={view.minGroupSize} />
      </div>
      {view.priorities.length === 0 ? (
        <p class="empty">This run has no figures on {name}.</p>
      ) : (
        <ChartFigure
          id="team-heatmap"
          title={view.headline}
          howToRead={`Each row is a team (the whole organization first; a bold team rolls up the teams beneath it), each column a priority, each cell the gap on ${name}: leadership’s mean minus the team’s frontline mean. Only significant gaps are coloured, orange where leadership is more optimistic and blue where the frontline is, darker for larger gaps; “n.s.” means not significant (q ≥ 0.05). Select a cell to open that team’s gaps.`}
          height={heatmapHeight(view)}
          view={figure}
          draw={drawFigure}
          table={<HeatmapTable view={view} query={query} />}
        />
      )}
      {view.unnamedTeams > 0 ? (
        <p class="note">
          {view.unnamedTeams === 1 ? 'One team is' : `${view.unnamedTeams} teams are`} not shown:
          the run’s team list does not name {view.unnamedTeams === 1 ? 'it' : 'them'}.
        </p>
      ) : null}
    </div>
  );
}

function HeatmapKey({ minGroupSize }: { minGroupSize: number }) {
  return (
    <ul class="heatmap-key" aria-label="Colour key">
      <li>
        <span class="heatmap-key__ramp" aria-hidden="true">
          {LEADERSHIP_MORE.map((colour) => (
            <span key={colour} style={{ background: colour }} />
          ))}
        </span>
        Leadership more optimistic (significant)
      </li>
      <li>
        <span class="heatmap-key__ramp" aria-hidden="true">
          {FRONTLINE_MORE.map((colour) => (
            <span key={colour} style={{ background: colour }} />
          ))}
        </span>
        Frontline more optimistic (significant)
      </li>
      <li>
        <span
          class="heatmap-key__swatch"
          style={{ background: NOT_SIGNIFICANT }}
          aria-hidden="true"
        />
        n.s.: not significant
      </li>
      <li>
        <span
          class="heatmap-key__swatch heatmap-key__swatch--withheld"
          style={{ backgroundColor: WITHHELD }}
          aria-hidden="true"
        />
        Withheld: fewer than k = {minGroupSize}, or so a smaller group cannot be worked out
      </li>
    </ul>
  );
}

function HeatmapTableCell({ cell, minGroupSize }: { cell: HeatmapCell; minGroupSize: number }) {
  switch (cell.kind) {
    case 'shown':
      return (
        <td
          class={cell.significant ? 'num heatmap-table__significant' : 'num muted'}
          title={`95% interval ${formatInterval(cell.ci95)}, q ${formatQ(cell.qValue)}`}
        >
          {formatGap(cell.gap)}
          {cell.significant ? null : ' n.s.'}
        </td>
      );
    case 'withheld':
      return (
        <td class="num suppressed">
          {cell.reason === 'small' ? `fewer than k = ${minGroupSize}` : 'withheld'}
        </td>
      );
    case 'empty':
      return <td class="num muted">no figure</td>;
  }
}

function HeatmapTable({ view, query }: { view: HeatmapView; query: DashboardQuery }) {
  return (
    <table class="data-table heatmap-table" id="heatmap-table">
      <caption>
        Gap on {view.dimension} per team and priority (leadership mean − frontline mean); n.s. = not
        significant
      </caption>
      <thead>
        <tr>
          <th scope="col">Team</th>
          {view.priorities.map((priority) => (
            <th key={priority.id} scope="col" class="num">
              {priority.title}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {view.rows.map((row) => (
          <tr key={row.teamId ?? ''}>
            <th
              scope="row"
              class={row.rollUp ? 'heatmap-table__roll-up' : undefined}
              style={{ paddingLeft: `${0.6 + Math.max(0, row.depth - 1) * 1.1}rem` }}
            >
              <a
                href={formatRoute({
                  view: 'dashboard',
                  query: { ...query, team: row.teamId, section: 'overview' },
                })}
              >
                {row.name}
              </a>
            </th>
            {row.cells.map((cell, i) => (
              <HeatmapTableCell
                key={view.priorities[i]?.id ?? i}
                cell={cell}
                minGroupSize={view.minGroupSize}
              />
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
