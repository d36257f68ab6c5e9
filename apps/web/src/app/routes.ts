import {
  EMPTY_QUERY,
  formatDashboardQuery,
  parseDashboardQuery,
  type DashboardQuery,
} from '../dashboard/query.js';
import type { Role } from '../session.js';

/*
 * The app's routes live in the address, after `#`: the view and, where a view shows one pulse,
 * its id, so a reload or a shared link opens the same view. The static server serves one page
 * for all of them.
 */

/** Every view of the app, by the name its address uses. */
export type Route =
  /** The dashboard, with what it shows (pulse, run, view, team, dimension). */
  | { view: 'dashboard'; query?: DashboardQuery }
  | { view: 'roster' }
  | { view: 'teams' }
  | { view: 'priorities' }
  | { view: 'users' }
  | { view: 'pulses' }
  /** The pulse builder: a new pulse (`pulseId` null) or a saved one. */
  | { view: 'pulse'; pulseId: string | null }
  /** The runs of one pulse (`pulseId` null: choose a pulse first). */
  | { view: 'runs'; pulseId: string | null }
  | { view: 'audit' }
  /** The live room's screen, for the facilitator to project (`sessionId` null: none named). */
  | { view: 'room'; sessionId: string | null }
  | { view: 'not-found'; address: string };

export type ViewName = Route['view'];

/** A link of the navigation. */
export interface NavItem {
  route: Route;
  label: string;
}

/** HR's navigation, in the order of the work (PRODUCT.md §2). */
const ADMIN_NAV: readonly NavItem[] = [
  { route: { view: 'roster' }, label: 'Roster' },
  { route: { view: 'teams' }, label: 'Teams' },
  { route: { view: 'priorities' }, label: 'Priorities' },
  { route: { view: 'users' }, label: 'Users' },
  { route: { view: 'pulses' }, label: 'Pulses' },
  { route: { view: 'runs', pulseId: null }, label: 'Runs' },
  { route: { view: 'audit' }, label: 'Audit log' },
  { route: { view: 'dashboard' }, label: 'Dashboard' },
];

const EXECUTIVE_NAV: readonly NavItem[] = [{ route: { view: 'dashboard' }, label: 'Dashboard' }];

export function navigationFor(role: Role): readonly NavItem[] {
  return role === 'admin' ? ADMIN_NAV : EXECUTIVE_NAV;
}

/** Whether `role` may open `view`; the API refuses the same with 403 anyway. */
export function mayOpen(role: Role, view: ViewName): boolean {
  if (view === 'dashboard' || view === 'room' || view === 'not-found') return true;
  return role === 'admin';
}

/** Where a role lands when the address names no view. */
export function homeRoute(role: Role): Route {
  return role === 'admin' ? { view: 'pulses' } : { view: 'dashboard' };
}

const SIMPLE_VIEWS = ['roster', 'teams', 'priorities', 'users', 'pulses', 'audit'];

/**
 * The route of an address's hash (`#/pulses/<id>`, `#/runs?pulse=<id>`); null for an empty
 * hash, which opens the role's home. Anything else unknown is `not-found`.
 */
export function parseRoute(hash: string): Route | null {
  const address = hash.replace(/^#/, '');
  if (address === '' || address === '/') return null;
  const [path = '', query = ''] = address.split('?', 2);
  const parts = path.split('/').filter((part) => part !== '');
  const params = new URLSearchParams(query);
  const [first, second, ...rest] = parts.map((part) => decodeURIComponent(part));
  if (first === undefined || rest.length > 0) return { view: 'not-found', address };
  if (first === 'dashboard' && second === undefined) {
    return { view: 'dashboard', query: parseDashboardQuery(params) };
  }
  if (second === undefined && SIMPLE_VIEWS.includes(first)) {
    return {
      view: first as Exclude<ViewName, 'dashboard' | 'pulse' | 'runs' | 'room' | 'not-found'>,
    };
  }
  if (first === 'pulses' && second !== undefined && second !== '') {
    return { view: 'pulse', pulseId: second === 'new' ? null : second };
  }
  if (first === 'room' && second === undefined) {
    const sessionId = params.get('session');
    return { view: 'room', sessionId: sessionId === null || sessionId === '' ? null : sessionId };
  }
  if (first === 'runs' && second === undefined) {
    const pulseId = params.get('pulse');
    return { view: 'runs', pulseId: pulseId === null || pulseId === '' ? null : pulseId };
  }
  return { view: 'not-found', address };
}

/** The hash of a route, such that `parseRoute(formatRoute(r))` is `r`. */
export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'pulse':
      return `#/pulses/${route.pulseId === null ? 'new' : encodeURIComponent(route.pulseId)}`;
    case 'runs':
      return route.pulseId === null
        ? '#/runs'
        : `#/runs?${new URLSearchParams({ pulse: route.pulseId }).toString()}`;
    case 'room':
      return route.sessionId === null
        ? '#/room'
        : `#/room?${new URLSearchParams({ session: route.sessionId }).toString()}`;
    case 'not-found':
      return `#${route.address}`;
    case 'dashboard': {
      const query = formatDashboardQuery(route.query ?? EMPTY_QUERY);
      return query === '' ? '#/dashboard' : `#/dashboard?${query}`;
    }
    case 'roster':
    case 'teams':
    case 'priorities':
    case 'users':
    case 'pulses':
    case 'audit':
      return `#/${route.view}`;
  }
}

/** The navigation item a route belongs to (the builder is under Pulses, the room under the dashboard). */
export function sectionOf(route: Route): ViewName {
  if (route.view === 'room') return 'dashboard';
  return route.view === 'pulse' ? 'pulses' : route.view;
}

/**
 * Which page a route shows: a new page takes the focus to its heading; the dashboard's own
 * choices (pulse, run, view) change its address but stay on its page, where the focus stays.
 */
export function pageOf(route: Route): string {
  return route.view === 'dashboard' ? '#/dashboard' : formatRoute(route);
}
