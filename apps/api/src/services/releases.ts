import { findRun, readRelease, type TenantTransaction } from '@pulsegap/db';
import { isRunOpen, type RunRelease } from '@pulsegap/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound, notReleased } from '../errors.js';
import { LoadingCache } from '../loading-cache.js';

/**
 * Releases kept parsed, per process and organization: a release never changes once made.
 * A run that is not released (or not the organization's) fails to load and is not kept.
 */
const kept = new LoadingCache<RunRelease>({ maxEntries: 50 });

/**
 * The release of a run of the caller's organization: what every report route serves. 404
 * for a run that is not the tenant's; 409 with `closesAt` while the run is open or its
 * release is being made (PRODUCT.md §6.6: results are released once, at close). A release
 * read once is kept, and served again only to the organization it was read for.
 */
export async function releaseOf(
  fastify: FastifyInstance,
  request: FastifyRequest,
  runId: string,
): Promise<RunRelease> {
  return kept.get(`${request.auth.organizationId}/${runId}`, () =>
    fastify.tenant(request, (trx) => loadRelease(trx, runId)),
  );
}

/**
 * The releases of `runIds` (runs of the caller's organization, released), in that order,
 * read in the caller's transaction. A release read once is kept with `releaseOf`'s, under
 * the organization it was read for, and served again only to it.
 */
export async function keptReleases(
  trx: TenantTransaction,
  organizationId: string,
  runIds: readonly string[],
): Promise<RunRelease[]> {
  const releases: RunRelease[] = [];
  for (const runId of runIds) {
    releases.push(await kept.get(`${organizationId}/${runId}`, () => loadRelease(trx, runId)));
  }
  return releases;
}

async function loadRelease(trx: TenantTransaction, runId: string): Promise<RunRelease> {
  const run = await findRun(trx, runId);
  if (run === null) throw notFound('The run');
  const release = run.releasedAt === null ? null : await readRelease(trx, runId);
  if (release === null) throw notReleased({ closesAt: run.closesAt, open: isRunOpen(run) });
  return release;
}

/** A team's name as the run's snapshot has it; null for the whole organization. */
export function teamName(release: RunRelease, teamId: string | null): string | null {
  return teamId === null ? null : (release.teams.find((t) => t.id === teamId)?.name ?? null);
}
