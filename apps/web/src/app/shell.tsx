import { useEffect } from 'preact/hooks';
import { endSession, SESSION_EXPIRED } from '../session.js';
import {
  formatRoute,
  homeRoute,
  mayOpen,
  navigationFor,
  pageOf,
  parseRoute,
  sectionOf,
  type Route,
} from './routes.js';
import { address, navigate } from './navigation.js';
import { session, type SignedIn } from './session-state.js';
import { SignIn } from './sign-in.js';
import { AuditView } from './views/audit.js';
import { DashboardView } from './views/dashboard.js';
import { PrioritiesView } from './views/priorities.js';
import { PulseBuilder } from './views/pulse-builder.js';
import { PulsesView } from './views/pulses.js';
import { RoomView } from './views/room.js';
import { RosterView } from './views/roster.js';
import { RunsView } from './views/runs.js';
import { TeamsView } from './views/teams.js';
import { UsersView } from './views/users.js';

const TITLES: Record<Route['view'], string> = {
  dashboard: 'Alignment gaps',
  roster: 'Roster',
  teams: 'Teams and tiers',
  priorities: 'Priorities',
  users: 'Users',
  pulses: 'Pulses',
  pulse: 'Pulse builder',
  runs: 'Runs',
  audit: 'Audit log',
  room: 'Live room',
  'not-found': 'Not found',
};

function View({ route, signedIn }: { route: Route; signedIn: SignedIn }) {
  if (!mayOpen(signedIn.role, route.view)) {
    return (
      <section class="notice" aria-labelledby="view-title">
        <h1 id="view-title" tabIndex={-1}>
          Not for your role
        </h1>
        <p>
          {TITLES[route.view]} is one of HR’s pages (the admin role). You are signed in as an
          executive, so it is not shown to you, and the API would refuse its data.
        </p>
        <p>
          <a href={formatRoute({ view: 'dashboard' })}>Go to the alignment-gap dashboard</a>
        </p>
      </section>
    );
  }
  switch (route.view) {
    case 'dashboard':
      return <DashboardView query={route.query} />;
    case 'roster':
      return <RosterView />;
    case 'teams':
      return <TeamsView />;
    case 'priorities':
      return <PrioritiesView />;
    case 'users':
      return <UsersView />;
    case 'pulses':
      return <PulsesView />;
    case 'pulse':
      return <PulseBuilder key={route.pulseId ?? 'new'} pulseId={route.pulseId} />;
    case 'runs':
      return <RunsView pulseId={route.pulseId} />;
    case 'audit':
      return <AuditView />;
    case 'room':
      return <RoomView key={route.sessionId ?? ''} sessionId={route.sessionId} />;
    case 'not-found':
      return (
        <section class="notice" aria-labelledby="view-title">
          <h1 id="view-title" tabIndex={-1}>
            Not found
          </h1>
          <p>There is no page at this address. Choose one from the navigation.</p>
        </section>
      );
  }
}

/** The signed-in app: header, the navigation of the role, and the view of the address. */
function Shell({ signedIn }: { signedIn: SignedIn }) {
  const route = parseRoute(address.value) ?? homeRoute(signedIn.role);
  const section = sectionOf(route);
  const title = TITLES[route.view];

  useEffect(() => {
    if (parseRoute(address.value) === null) navigate(homeRoute(signedIn.role), true);
  }, [address.value]);

  // The session ends when the token expires, even on a page that makes no more requests.
  useEffect(() => {
    if (signedIn.expiresAt === null) return undefined;
    const timer = window.setTimeout(
      () => {
        endSession(SESSION_EXPIRED);
      },
      Math.max(0, signedIn.expiresAt - Date.now()),
    );
    return () => {
      window.clearTimeout(timer);
    };
  }, [signedIn.expiresAt]);

  // A new view: its title in the tab, and the focus on its heading for keyboard and screen
  // reader users (not on the first load, where the browser starts at the top).
  useEffect(() => {
    document.title = `${title} · Pulsegap`;
  }, [title]);
  useEffect(() => {
    const heading = document.getElementById('view-title');
    if (heading !== null && document.activeElement !== document.body) heading.focus();
  }, [pageOf(route)]);

  return (
    <>
      <a class="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header class="site-header app-header">
        <div class="site-header__inner">
          <span class="brand">Pulsegap</span>
          <span class="site-header__who">
            {signedIn.role === 'admin' ? 'HR (admin)' : 'Executive'}
          </span>
          <button
            class="button button--quiet"
            type="button"
            onClick={() => {
              endSession('You have signed out.');
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <div class="app">
        <nav class="app-nav" aria-label="Main">
          <ul>
            {navigationFor(signedIn.role).map((item) => (
              <li key={item.label}>
                <a
                  href={formatRoute(item.route)}
                  aria-current={sectionOf(item.route) === section ? 'page' : undefined}
                >
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" class="app-main" tabIndex={-1}>
          <View route={route} signedIn={signedIn} />
        </main>
      </div>
    </>
  );
}

// The skip link's target is `#main`, which the router would read as an address: focus instead.
function skipToMain(event: MouseEvent): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

export function App() {
  const signedIn = session.value;
  return signedIn === null ? <SignIn /> : <Shell signedIn={signedIn} />;
}
