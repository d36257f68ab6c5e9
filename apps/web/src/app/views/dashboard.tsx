import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { EMPTY_QUERY, firstRequests, type DashboardQuery } from '../../dashboard/query.js';
import { prefetch } from '../prefetch.js';
import { Failure, Loading } from '../ui.js';

type DashboardComponent = ComponentType<{ query?: DashboardQuery }>;

// Loaded once, on first opening: the rest of the app never downloads chart.js.
let loaded: Promise<DashboardComponent> | undefined;
function loadDashboard(): Promise<DashboardComponent> {
  loaded ??= import('../../dashboard/dashboard.js').then((module) => module.Dashboard);
  return loaded;
}

/** The executive dashboard (`src/dashboard`), as one of the app's views. */
export function DashboardView({ query }: { query: DashboardQuery | undefined }) {
  const [component, setComponent] = useState<
    { Dashboard: DashboardComponent } | { failed: unknown }
  >();
  useEffect(() => {
    let gone = false;
    // The data is asked for while the code loads, not after.
    prefetch(firstRequests(query ?? EMPTY_QUERY));
    loadDashboard().then(
      (Dashboard) => {
        if (!gone) setComponent({ Dashboard });
      },
      (error: unknown) => {
        loaded = undefined;
        if (!gone) setComponent({ failed: error });
      },
    );
    return () => {
      gone = true;
    };
  }, []);
  if (component === undefined) return <Loading what="Loading the dashboard…" />;
  if ('failed' in component) return <Failure error={component.failed} />;
  const { Dashboard } = component;
  return <Dashboard query={query} />;
}
