/*
 * What the dashboard shows, as its address holds it (`#/dashboard?pulse=…&run=…&view=…`), so a
 * view can be shared and survives a reload. Missing values take the defaults the dashboard
 * chooses (the latest run with a release, the overview, the whole organization, staffing).
 */

/** The dashboard's views, in the order of its tabs. */
export const SECTIONS = ['overview', 'teams', 'trends', 'comments', 'brief', 'decisions'] as const;
export type Section = (typeof SECTIONS)[number];

export const SECTION_LABELS: Record<Section, string> = {
  overview: 'Collisions and gaps',
  teams: 'Teams',
  trends: 'Trends',
  comments: 'What’s hard',
  brief: 'Brief',
  decisions: 'Decisions',
};

export interface DashboardQuery {
  pulse: string | null;
  run: string | null;
  section: Section | null;
  team: string | null;
  dimension: string | null;
}

export const EMPTY_QUERY: DashboardQuery = {
  pulse: null,
  run: null,
  section: null,
  team: null,
  dimension: null,
};

function isSection(value: string): value is Section {
  return (SECTIONS as readonly string[]).includes(value);
}

const text = (params: URLSearchParams, name: string): string | null => {
  const value = params.get(name);
  return value === null || value.trim() === '' ? null : value;
};

/** The query of a dashboard address; an unknown view falls back to the default one. */
export function parseDashboardQuery(params: URLSearchParams): DashboardQuery {
  const section = text(params, 'view');
  return {
    pulse: text(params, 'pulse'),
    run: text(params, 'run'),
    section: section !== null && isSection(section) ? section : null,
    team: text(params, 'team'),
    dimension: text(params, 'dimension'),
  };
}

/** The address's query string of `query`, without the values left to their defaults. */
export function formatDashboardQuery(query: DashboardQuery): string {
  const params = new URLSearchParams();
  if (query.pulse !== null) params.set('pulse', query.pulse);
  if (query.run !== null) params.set('run', query.run);
  if (query.section !== null) params.set('view', query.section);
  if (query.team !== null) params.set('team', query.team);
  if (query.dimension !== null) params.set('dimension', query.dimension);
  return params.toString();
}

/** The API paths the dashboard reads. */
export const paths = {
  pulses: '/pulses',
  priorities: '/priorities',
  items: '/items',
  runs: (pulseId: string) => `/pulses/${encodeURIComponent(pulseId)}/runs`,
  trends: (pulseId: string) => `/pulses/${encodeURIComponent(pulseId)}/trends`,
  decisions: '/decisions',
  decision: (id: string) => `/decisions/${encodeURIComponent(id)}`,
  teams: '/teams',
  report: (runId: string, report: 'gaps' | 'collisions' | 'comments' | 'brief') =>
    `/runs/${encodeURIComponent(runId)}/${report}`,
};

/** What the dashboard will read first for `query`, so it can be asked for before its code. */
export function firstRequests(query: DashboardQuery): string[] {
  const requests = [paths.pulses, paths.priorities];
  if (query.pulse !== null) {
    requests.push(paths.runs(query.pulse));
    if (query.section === 'trends') requests.push(paths.trends(query.pulse));
  }
  if (query.run !== null) {
    for (const report of ['gaps', 'collisions', 'comments', 'brief'] as const) {
      requests.push(paths.report(query.run, report));
    }
  }
  return requests;
}
