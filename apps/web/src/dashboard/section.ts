import type { Run } from '../app/hr-contract.js';
import type { Priority, Pulse } from '../contract.js';
import type { Brief, Collision, Comments, GapsReport } from './contract.js';
import type { DashboardQuery } from './query.js';

/** Everything one released run shows, read once when the run is chosen. */
export interface RunReport {
  gaps: GapsReport;
  collisions: Collision[];
  comments: Comments;
  brief: Brief;
  /** Custom items' statements by key, to name their dimensions. */
  itemStatements: ReadonlyMap<string, string>;
}

/** What every view of the dashboard is given. */
export interface SectionProps {
  pulse: Pulse;
  priorities: readonly Priority[];
  run: Run;
  report: RunReport;
  query: DashboardQuery;
  /** Changes what the address says (and so what is shown); the back button undoes it. */
  setQuery: (patch: Partial<DashboardQuery>) => void;
}
