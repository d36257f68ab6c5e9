import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { getOnce } from '../app/prefetch.js';
import { Failure, Loading, useLoad } from '../app/ui.js';
import { dimensionLabel } from '../dimensions.js';
import { formatCount, formatGap, formatMean, NO_VALUE } from '../format.js';
import { drawClarityTrendChart, drawGapTrendChart } from './charts/trends.js';
import { ChartFigure } from './chart-figure.js';
import { parseTrends, type Trends } from './contract.js';
import { formatInterval, formatQ, formatShare } from './numbers.js';
import { paths } from './query.js';
import type { SectionProps } from './section.js';
import {
  buildClarityTrendView,
  buildGapTrendView,
  chooseDimension,
  driftWarnings,
  hasDriftFigures,
  trendDimensions,
  trendRuns,
  type ClarityTrendView,
  type GapTrendView,
  type TrendCell,
  type TrendRun,
} from './trend-view.js';

/** Gaps, clarity and commitment drift across the pulse's released runs. */
export function TrendsSection(props: SectionProps) {
  const { pulse } = props;
  const [trends] = useLoad(
    (signal) => getOnce(paths.trends(pulse.id), parseTrends, signal),
    [pulse.id],
  );
  switch (trends.state) {
    case 'loading':
      return <Loading what="Loading the trends…" />;
    case 'failed':
      return (
        <div class="section-body" data-ready="true">
          <Failure error={trends.error} />
        </div>
      );
    case 'ready':
      return <TrendsBody {...props} trends={trends.value} />;
  }
}

function TrendsBody({
  pulse,
  priorities,
  report,
  query,
  setQuery,
  trends,
}: SectionProps & { trends: Trends }) {
  const runs = useMemo(() => trendRuns(trends), [trends]);
  const dimensions = useMemo(() => trendDimensions(trends), [trends]);
  const dimension = chooseDimension(dimensions, query.dimension);
  const gaps = useMemo(
    () => buildGapTrendView(trends, dimension, pulse.priorityIds, priorities),
    [trends, dimension],
  );
  const clarity = useMemo(
    () => buildClarityTrendView(trends, pulse.priorityIds, priorities),
    [trends],
  );
  const drifts = useMemo(() => driftWarnings(trends, pulse.priorityIds, priorities), [trends]);
  if (runs.length === 0) {
    return (
      <div class="section-body" data-ready="true">
        <p class="empty">No run of this pulse is released yet, so there are no trends to show.</p>
      </div>
    );
  }
  return (
    <div class="section-body trends" data-ready="true">
      {runs.length < 2 ? (
        <p class="note" data-testid="single-run">
          Trends need two released runs; so far this pulse has one ({runs[0]?.label}). Its figures
          are shown as single points, and lines appear once the next run is released.
        </p>
      ) : null}

      <section class="drift" aria-labelledby="drift-title">
        <h3 id="drift-title">Commitment drift</h3>
        {drifts.length > 0 ? (
          <ul class="drift__list" data-testid="drift-warnings">
            {drifts.map((drift) => (
              <li key={drift.priorityId}>{drift.text}</li>
            ))}
          </ul>
        ) : (
          <p data-testid="no-drift">
            {hasDriftFigures(trends)
              ? 'No priority drifts: frontline commitment has not fallen 10 points or more over the last three runs while clarity held.'
              : 'Commitment drift needs two released runs with commitment figures; there are not enough yet.'}
          </p>
        )}
      </section>

      <div class="field field--inline">
        <label for="trend-dimension">Dimension</label>
        <select
          id="trend-dimension"
          value={dimension}
          onChange={(event) => {
            setQuery({ dimension: event.currentTarget.value });
          }}
        >
          {dimensions.map((name) => (
            <option key={name} value={name}>
              {dimensionLabel(name, report.itemStatements)}
            </option>
          ))}
        </select>
      </div>
      {gaps.shownCount === 0 ? (
        <p class="empty" data-testid="gap-trend-withheld">
          {gaps.headline}
        </p>
      ) : (
        <ChartFigure
          id="gap-trend-chart"
          title={gaps.headline}
          howToRead={`Each line is a priority, each point a run, oldest on the left. Above 0, leadership rates ${dimension} higher than the frontline does. Whiskers show the 95% interval; filled markers are significant gaps (q < 0.05), hollow ones are not. A break in a line is a run whose figure is withheld.`}
          height={380}
          view={gaps}
          draw={drawGapTrendChart}
          table={<GapTrendTable view={gaps} />}
        />
      )}

      {clarity.shownCount === 0 ? (
        <p class="empty" data-testid="clarity-trend-withheld">
          {clarity.lines.length === 0
            ? 'There are no clarity figures for this pulse’s runs.'
            : clarity.headline}
        </p>
      ) : (
        <ChartFigure
          id="clarity-trend-chart"
          title={clarity.headline}
          howToRead={`Each line is a priority’s clarity index: the share of all respondents who say they understand what it asks of their team (4 or 5 of 5). Whiskers show its 95% interval; filled markers reach the ${formatShare(clarity.target)} target (the dashed line), hollow ones fall short. Committed clarity (clear and committed both) is in the table.`}
          height={380}
          view={clarity}
          draw={drawClarityTrendChart}
          table={<ClarityTrendTable view={clarity} />}
        />
      )}
    </div>
  );
}

/**
 * A table body per priority, its title spanning its rows: a row per run, with `row`'s five
 * figures where the run shows them and why not where it does not.
 */
function RunRows<T>({
  view,
  row,
}: {
  view: {
    runs: readonly TrendRun[];
    lines: readonly { priorityId: string; title: string; cells: readonly TrendCell<T>[] }[];
  };
  row: (cell: { kind: 'shown' } & T) => { className: string; cells: ComponentChildren };
}) {
  return (
    <>
      {view.lines.map((line) => (
        <tbody key={line.priorityId}>
          {line.cells.map((cell, index) => {
            const run = view.runs[index];
            const head =
              index === 0 ? (
                <th scope="rowgroup" rowSpan={line.cells.length}>
                  {line.title}
                </th>
              ) : null;
            if (cell.kind !== 'shown') {
              return (
                <tr key={run?.runId ?? index} class="suppressed">
                  {head}
                  <td>{run?.label}</td>
                  <td colSpan={5}>
                    {cell.kind === 'withheld' ? 'withheld (fewer than k answers)' : 'not asked'}
                  </td>
                </tr>
              );
            }
            const shown = row(cell);
            return (
              <tr key={run?.runId ?? index} class={shown.className}>
                {head}
                <td>{run?.label}</td>
                {shown.cells}
              </tr>
            );
          })}
        </tbody>
      ))}
    </>
  );
}

function GapTrendTable({ view }: { view: GapTrendView }) {
  return (
    <table class="data-table">
      <caption>{`The ${view.dimension} gap per priority and run, oldest run first`}</caption>
      <thead>
        <tr>
          <th scope="col">Priority</th>
          <th scope="col">Run</th>
          <th scope="col" class="num">
            Leadership mean
          </th>
          <th scope="col" class="num">
            Frontline mean
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
      <RunRows
        view={view}
        row={(cell) => ({
          className: cell.significant ? '' : 'muted',
          cells: (
            <>
              <td class="num">{formatMean(cell.leadershipMean)}</td>
              <td class="num">{formatMean(cell.frontlineMean)}</td>
              <td class="num">{formatGap(cell.gap)}</td>
              <td class="num">{formatInterval(cell.ci95)}</td>
              <td class="num">{formatQ(cell.qValue)}</td>
            </>
          ),
        })}
      />
    </table>
  );
}

function ClarityTrendTable({ view }: { view: ClarityTrendView }) {
  return (
    <table class="data-table">
      <caption>Clarity and committed clarity per priority and run, oldest run first</caption>
      <thead>
        <tr>
          <th scope="col">Priority</th>
          <th scope="col">Run</th>
          <th scope="col" class="num">
            Clarity (n)
          </th>
          <th scope="col" class="num">
            95% interval
          </th>
          <th scope="col">{`Reaches ${formatShare(view.target)}`}</th>
          <th scope="col" class="num">
            Committed clarity
          </th>
          <th scope="col" class="num">
            95% interval
          </th>
        </tr>
      </thead>
      <RunRows
        view={view}
        row={(cell) => ({
          className: '',
          cells: (
            <>
              <td class="num">
                {formatShare(cell.share)} ({formatCount(cell.n)})
              </td>
              <td class="num">{formatInterval(cell.ci95, formatShare)}</td>
              <td>{cell.meetsTarget ? 'yes' : 'no'}</td>
              <td class="num">
                {cell.committed === null ? NO_VALUE : formatShare(cell.committed.share)}
              </td>
              <td class="num">{formatInterval(cell.committed?.ci95 ?? null, formatShare)}</td>
            </>
          ),
        })}
      />
    </table>
  );
}
