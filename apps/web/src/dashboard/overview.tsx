import { useMemo } from 'preact/hooks';
import { teamRows } from '../app/team-rows.js';
import { dimensionLabel } from '../dimensions.js';
import { formatCount, formatGap, formatMean } from '../format.js';
import { drawCollisionMap } from './charts/collision-map.js';
import { drawGapChart, gapChartHeight } from './charts/gap-chart.js';
import { ChartFigure } from './chart-figure.js';
import { buildCollisionView, type CollisionView } from './collision-view.js';
import { buildGapView, type GapView } from './gap-view.js';
import { formatInterval, formatQ } from './numbers.js';
import type { SectionProps } from './section.js';

/** Collisions and gaps: the collision map, and the gap chart for the organization or a team. */
export function OverviewSection({ report, pulse, priorities, query, setQuery }: SectionProps) {
  const collisions = useMemo(() => buildCollisionView(report.collisions), [report]);
  const teams = useMemo(() => teamRows(report.gaps.teams, []), [report]);
  const teamId = teams.some((team) => team.id === query.team) ? query.team : null;
  const gaps = useMemo(
    () => buildGapView(report.gaps, pulse.priorityIds, priorities, teamId),
    [report, teamId],
  );
  const teamName = teams.find((team) => team.id === teamId)?.name;
  return (
    <div class="section-body" data-ready="true">
      {collisions.points.length === 0 ? (
        <p class="empty">
          No priority can be placed on the collision map: the frontline’s staffing and feasibility
          figures are withheld, because fewer than k = {report.gaps.minGroupSize} people answered in
          a group.
        </p>
      ) : (
        <ChartFigure
          id="collision-map"
          title={collisions.headline}
          howToRead="Each bubble is a priority: further right, leadership weights it higher; lower, the frontline says it is harder to staff and deliver; bigger, the collision is larger. Filled bubbles are significant collisions."
          height={380}
          view={collisions}
          draw={drawCollisionMap}
          table={<CollisionTable view={collisions} />}
        />
      )}
      <div class="field field--inline">
        <label for="gap-team">Gaps for</label>
        <select
          id="gap-team"
          value={teamId ?? ''}
          onChange={(event) => {
            const chosen = event.currentTarget.value;
            setQuery({ team: chosen === '' ? null : chosen });
          }}
        >
          <option value="">The whole organization</option>
          {teams.map((team) => (
            <option key={team.id} value={team.id}>
              {`${'\u2002'.repeat(team.depth)}${team.name}`}
            </option>
          ))}
        </select>
      </div>
      {gaps.shownCount === 0 ? (
        <p class="empty" data-testid="all-suppressed">
          Every figure {teamName === undefined ? 'of this run' : `of ${teamName}`} is withheld to
          protect anonymity: fewer than k = {gaps.minGroupSize} people answered in a group, so there
          is nothing to chart.
        </p>
      ) : (
        <ChartFigure
          id="gap-chart"
          title={gaps.headline}
          howToRead={`Bars to the right: leadership rates the priority higher than the frontline${teamName === undefined ? '' : ` of ${teamName}`} does. Whiskers show the 95% interval; pale bars marked “n.s.” are not significant (q ≥ 0.05). Beside each bar: the gap, then leadership’s (L) and the frontline’s (F) mean.`}
          height={gapChartHeight(gaps)}
          view={gaps}
          draw={drawGapChart}
          table={<GapTable view={gaps} statements={report.itemStatements} />}
        />
      )}
      {gaps.suppressedCount > 0 ? (
        <p class="note">
          {gaps.suppressedCount} of {gaps.rows.length} cells are withheld to protect anonymity
          (fewer than k = {gaps.minGroupSize} answers in a group, or withheld so a smaller group
          cannot be worked out) and not drawn.
        </p>
      ) : null}
    </div>
  );
}

function CollisionTable({ view }: { view: CollisionView }) {
  return (
    <table class="data-table">
      <caption>Collision per priority, highest first</caption>
      <thead>
        <tr>
          <th scope="col">Priority</th>
          <th scope="col" class="num">
            Stated weight
          </th>
          <th scope="col" class="num">
            Leadership: staffing and feasibility
          </th>
          <th scope="col" class="num">
            Frontline: staffing and feasibility
          </th>
          <th scope="col" class="num">
            Collision score
          </th>
          <th scope="col">Significant</th>
        </tr>
      </thead>
      <tbody>
        {view.points.map((p) => (
          <tr key={p.priorityId}>
            <th scope="row">{p.title}</th>
            <td class="num">{p.weight}</td>
            <td class="num">{formatMean(p.leadership)}</td>
            <td class="num">{formatMean(p.frontline)}</td>
            <td class="num">{p.score.toFixed(2)}</td>
            <td>{p.significant ? 'yes' : 'no'}</td>
          </tr>
        ))}
        {view.unplaced.map((title) => (
          <tr key={title} class="suppressed">
            <th scope="row">{title}</th>
            <td colSpan={5}>withheld (fewer than k answers)</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GapTable({
  view,
  statements,
}: {
  view: GapView;
  statements: ReadonlyMap<string, string>;
}) {
  return (
    <table class="data-table" id="gap-table">
      <caption>Gap per priority and dimension</caption>
      <thead>
        <tr>
          <th scope="col">Priority</th>
          <th scope="col">Dimension</th>
          <th scope="col" class="num">
            Leadership mean (n)
          </th>
          <th scope="col" class="num">
            Frontline mean (n)
          </th>
          <th scope="col" class="num">
            Gap
          </th>
          <th scope="col" class="num">
            95% interval
          </th>
          <th scope="col" class="num">
            q
          </th>
        </tr>
      </thead>
      <tbody>
        {view.rows.map((row) =>
          row.suppressed ? (
            <tr key={`${row.priorityId}/${row.dimension}`} class="suppressed">
              <th scope="row">{row.priorityTitle}</th>
              <td>{dimensionLabel(row.dimension, statements)}</td>
              <td colSpan={5}>withheld (fewer than k = {view.minGroupSize})</td>
            </tr>
          ) : (
            <tr key={`${row.priorityId}/${row.dimension}`} class={row.significant ? '' : 'muted'}>
              <th scope="row">{row.priorityTitle}</th>
              <td>{dimensionLabel(row.dimension, statements)}</td>
              <td class="num">
                {formatMean(row.leadershipMean)} ({formatCount(row.leadershipN)})
              </td>
              <td class="num">
                {formatMean(row.frontlineMean)} ({formatCount(row.frontlineN)})
              </td>
              <td class="num">{formatGap(row.gap)}</td>
              <td class="num">{formatInterval(row.ci95)}</td>
              <td class="num">{formatQ(row.qValue)}</td>
            </tr>
          ),
        )}
      </tbody>
    </table>
  );
}
