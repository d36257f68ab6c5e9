import {
  findRun,
  listPriorities,
  listPulses,
  readOrganizationCells,
  readRunCells,
  runsOfPulse,
  type RunRecord,
  type StoredCell,
  type TenantTransaction,
} from '@pulsegap/db';
import {
  commitmentDrift,
  type CommitmentDrift,
  type PriorityFigures,
  type ShownCellStatistics,
  type WithheldCellStatistics,
} from '@pulsegap/domain';
import { notFound } from '../../errors.js';

/**
 * A cell's statistics as stored: figures computed by an earlier version lack the fields
 * added since, until the run is next recomputed.
 */
export type StoredStatistics =
  | (Omit<ShownCellStatistics, Inferential> & Partial<Pick<ShownCellStatistics, Inferential>>)
  | (Omit<WithheldCellStatistics, 'reason'> & Partial<Pick<WithheldCellStatistics, 'reason'>>);
type Inferential = 'ci95' | 'pValue' | 'qValue' | 'cliffsDelta' | 'hedgesG';

/** The statistics of a stored cell, or null when it is withheld. */
export function shownStatistics(cell: StoredCell | undefined) {
  const statistics = cell?.statistics as StoredStatistics | undefined;
  return statistics === undefined || statistics.suppressed ? null : statistics;
}

/** A priority of the run with its title, stated weight and stored figures. */
export interface RunPriority extends Partial<Omit<PriorityFigures, 'priorityId'>> {
  readonly id: string;
  readonly title: string;
  readonly statedWeight: number;
}

/** A run's stored figures, with what the routes show alongside them. */
export interface RunReport {
  readonly run: RunRecord;
  readonly pulseTitle: string;
  readonly computedAt: Date | null;
  readonly responses: number;
  readonly cells: StoredCell[];
  readonly priorities: RunPriority[];
}

/** Reads what a recompute stored for a run; 404 when the run is not the tenant's. */
export async function readRunReport(
  trx: TenantTransaction,
  runId: string,
  options: { organizationOnly?: boolean } = {},
): Promise<RunReport> {
  const run = await findRun(trx, runId);
  if (run === null) throw notFound('The run');
  const [pulse] = await listPulses(trx, run.pulseId);
  const stored = await readRunCells(trx, runId, options);
  const summary = stored.summary as { priorities?: PriorityFigures[] };
  const figures = new Map((summary.priorities ?? []).map((p) => [p.priorityId, p]));
  const asked = new Set(stored.cells.map((c) => c.priorityId));
  const priorities = (await listPriorities(trx))
    .filter((p) => asked.has(p.id) || pulse?.priorityIds.includes(p.id) === true)
    .map((p) => {
      const f = figures.get(p.id);
      return {
        id: p.id,
        title: p.title,
        statedWeight: p.statedWeight,
        ...(f === undefined
          ? {}
          : { clarity: f.clarity, committedClarity: f.committedClarity, collision: f.collision }),
      };
    });
  return {
    run,
    pulseTitle: pulse?.title ?? '',
    computedAt: stored.computedAt,
    responses: stored.responses,
    cells: stored.cells,
    priorities,
  };
}

/**
 * Commitment drift per priority over the pulse's last three runs up to `run` (oldest
 * first), from the stored frontline top2 of `commitment` and `clarity`.
 */
export async function commitmentDrifts(
  trx: TenantTransaction,
  run: RunRecord,
): Promise<Map<string, CommitmentDrift | null>> {
  const runs = (await runsOfPulse(trx, run.pulseId))
    .filter((r) => r.openedAt <= run.openedAt)
    .slice(-3);
  const cells = await readOrganizationCells(
    trx,
    runs.map((r) => r.id),
  );
  const top2 = (runId: string, priorityId: string, dimension: string) =>
    shownStatistics(
      cells.find(
        (c) => c.runId === runId && c.priorityId === priorityId && c.dimension === dimension,
      ),
    )?.frontline.top2 ?? null;
  const priorityIds = new Set(cells.map((c) => c.priorityId));
  return new Map(
    [...priorityIds].map((priorityId) => [
      priorityId,
      commitmentDrift(
        runs.map((r) => ({
          commitmentTop2: top2(r.id, priorityId, 'commitment'),
          clarityTop2: top2(r.id, priorityId, 'clarity'),
        })),
      ),
    ]),
  );
}
