import { parseItems, parseRunList, type Run } from '../app/hr-contract.js';
import { navigate } from '../app/navigation.js';
import { formatRoute } from '../app/routes.js';
import { getOnce } from '../app/prefetch.js';
import { Failure, Loading, Show, useLoad, ViewHeader, When } from '../app/ui.js';
import { parsePriorities, parsePulses, type Priority, type Pulse } from '../contract.js';
import { BriefSection } from './brief.js';
import { CommentsSection } from './comments.js';
import { DecisionsSection } from './decisions.js';
import { parseBrief, parseCollisions, parseComments, parseGaps } from './contract.js';
import { OverviewSection } from './overview.js';
import {
  EMPTY_QUERY,
  paths,
  SECTION_LABELS,
  SECTIONS,
  type DashboardQuery,
  type Section,
} from './query.js';
import { formatShare } from './numbers.js';
import { defaultPulse, defaultRun, responseRate, runLabel } from './runs.js';
import type { RunReport, SectionProps } from './section.js';
import { TeamsSection } from './teams.js';
import { TrendsSection } from './trends.js';
import './dashboard.css';

const SECTION_VIEWS: Record<Section, (props: SectionProps) => preact.JSX.Element> = {
  overview: OverviewSection,
  teams: TeamsSection,
  trends: TrendsSection,
  comments: CommentsSection,
  brief: BriefSection,
  decisions: DecisionsSection,
};

function show(query: DashboardQuery, replace = false): void {
  navigate({ view: 'dashboard', query }, replace);
}

/**
 * The executive dashboard: a pulse and one of its runs (the latest with a release unless the
 * address names another), and the run's views in tabs. Everything it shows is in the address.
 */
export function Dashboard({ query = EMPTY_QUERY }: { query?: DashboardQuery }) {
  const [basics] = useLoad(
    (signal) =>
      Promise.all([
        getOnce(paths.pulses, parsePulses, signal),
        getOnce(paths.priorities, parsePriorities, signal),
      ]),
    [],
  );
  return (
    <div class="dashboard">
      <ViewHeader title="Alignment gaps">
        Where the priorities leadership states collide with what the frontline says it can staff and
        deliver, how sure the numbers are, and whether it is getting better.
      </ViewHeader>
      <Show loaded={basics} loading="Loading pulses…">
        {([pulses, priorities]) => {
          const pulse = defaultPulse(pulses, query.pulse);
          if (pulse === undefined) {
            return (
              <p class="empty" role="status">
                There are no pulses yet. Once HR runs one and it closes, its figures appear here.
              </p>
            );
          }
          return (
            <PulseRuns
              key={pulse.id}
              pulses={pulses}
              pulse={pulse}
              priorities={priorities}
              query={query}
            />
          );
        }}
      </Show>
    </div>
  );
}

function PulseRuns({
  pulses,
  pulse,
  priorities,
  query,
}: {
  pulses: Pulse[];
  pulse: Pulse;
  priorities: Priority[];
  query: DashboardQuery;
}) {
  const [runs] = useLoad(
    (signal) => getOnce(paths.runs(pulse.id), parseRunList, signal),
    [pulse.id],
  );
  const run = runs.state === 'ready' ? defaultRun(runs.value, query.run) : undefined;
  // The address says exactly what is shown, so it can be shared as it is.
  if (run !== undefined && (query.pulse !== pulse.id || query.run !== run.id)) {
    queueMicrotask(() => {
      show({ ...query, pulse: pulse.id, run: run.id }, true);
    });
  }
  return (
    <>
      <div class="dashboard__pickers">
        <div class="field">
          <label for="dashboard-pulse">Pulse</label>
          <select
            id="dashboard-pulse"
            value={pulse.id}
            onChange={(event) => {
              show({ ...EMPTY_QUERY, section: query.section, pulse: event.currentTarget.value });
            }}
          >
            {pulses.map((p) => (
              <option key={p.id} value={p.id}>
                {p.latestRunId === null ? `${p.title} (no run yet)` : p.title}
              </option>
            ))}
          </select>
        </div>
        {runs.state === 'ready' && runs.value.length > 0 ? (
          <div class="field">
            <label for="dashboard-run">Run</label>
            <select
              id="dashboard-run"
              value={run?.id ?? ''}
              onChange={(event) => {
                show({ ...query, run: event.currentTarget.value, team: null });
              }}
            >
              {runs.value.map((r) => (
                <option key={r.id} value={r.id}>
                  {runLabel(r)}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </div>
      <Show loaded={runs} loading="Loading runs…">
        {() =>
          run === undefined ? (
            <p class="empty" role="status">
              “{pulse.title}” has not run yet, so there are no figures to show.
            </p>
          ) : (
            <RunView key={run.id} pulse={pulse} priorities={priorities} run={run} query={query} />
          )
        }
      </Show>
    </>
  );
}

function loadReport(runId: string, signal: AbortSignal): Promise<RunReport> {
  return Promise.all([
    getOnce(paths.report(runId, 'gaps'), parseGaps, signal),
    getOnce(paths.report(runId, 'collisions'), parseCollisions, signal),
    getOnce(paths.report(runId, 'comments'), parseComments, signal),
    getOnce(paths.report(runId, 'brief'), parseBrief, signal),
    getOnce(paths.items, parseItems, signal),
  ]).then(([gaps, collisions, comments, brief, items]) => ({
    gaps,
    collisions,
    comments,
    brief,
    itemStatements: new Map(items.filter((i) => i.custom).map((i) => [i.key, i.statement])),
  }));
}

function RunView({
  pulse,
  priorities,
  run,
  query,
}: {
  pulse: Pulse;
  priorities: Priority[];
  run: Run;
  query: DashboardQuery;
}) {
  if (run.state !== 'released') return <UnreleasedRun run={run} />;
  return <ReleasedRun pulse={pulse} priorities={priorities} run={run} query={query} />;
}

/** An open or closing run: when its results appear, and participation so far. */
function UnreleasedRun({ run }: { run: Run }) {
  const rate = responseRate(run);
  return (
    <section class="notice" aria-labelledby="run-state-title">
      <h2 id="run-state-title">
        {run.state === 'open' ? 'This run is still open' : 'This run is being released'}
      </h2>
      <p>
        {run.state === 'open' ? (
          <>
            Its results appear when it closes, on <When iso={run.closesAt} />. Figures are released
            once, at close, so nobody can watch them change while people answer.
          </>
        ) : (
          <>Its answers are being counted; the results appear in a moment. Reload to check.</>
        )}
      </p>
      <p data-testid="participation-so-far">
        So far {run.participation.responses ?? 'an undisclosed number'} of{' '}
        {run.participation.invited} invited have answered
        {rate === null ? '' : ` (${formatShare(rate)})`}.
      </p>
    </section>
  );
}

function ReleasedRun({
  pulse,
  priorities,
  run,
  query,
}: {
  pulse: Pulse;
  priorities: Priority[];
  run: Run;
  query: DashboardQuery;
}) {
  const [report] = useLoad((signal) => loadReport(run.id, signal), [run.id]);
  const section = query.section ?? 'overview';
  const View = SECTION_VIEWS[section];
  return (
    <>
      <nav class="tabs" aria-label="Dashboard views">
        <ul>
          {SECTIONS.map((name) => (
            <li key={name}>
              <a
                href={formatRoute({ view: 'dashboard', query: { ...query, section: name } })}
                aria-current={name === section ? 'page' : undefined}
              >
                {SECTION_LABELS[name]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {report.state === 'loading' ? <Loading what="Loading the run’s figures…" /> : null}
      {report.state === 'failed' ? <Failure error={report.error} /> : null}
      {report.state === 'ready' ? (
        <section class="dashboard__section" aria-labelledby="section-title" data-section={section}>
          <h2 id="section-title">{SECTION_LABELS[section]}</h2>
          <View
            pulse={pulse}
            priorities={priorities}
            run={run}
            report={report.value}
            query={{ ...query, section }}
            setQuery={(patch) => {
              show({ ...query, ...patch });
            }}
          />
        </section>
      ) : null}
    </>
  );
}
