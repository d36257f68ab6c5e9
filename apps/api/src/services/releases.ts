import { findRun, readRelease, type TenantTransaction } from '@pulsegap/db';
import { isRunOpen, type RunRelease } from '@pulsegap/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound, notReleased } from '../errors.js';

/** Releases kept parsed, per process: a release never changes once made. */
const KEPT_RELEASES = 50;
const kept = new Map<string, { organizationId: string; release: RunRelease }>();

/**
 * The release of a run of the caller's organization: what every report route serves. 404
 * for a run that is not the tenant's; 409 with `closesAt` while the run is open or its
 * release is being made (PRODUCT.md §6.6: results are released once, at close). A release
 * read once is kept (the most recently read first to stay), and served again only to the
 * organization it was read for: a run never changes organization.
 */
export async function releaseOf(
  fastify: FastifyInstance,
  request: FastifyRequest,
  runId: string,
): Promise<RunRelease> {
  const { organizationId } = request.auth;
  const hit = kept.get(runId);
  if (hit !== undefined && hit.organizationId === organizationId) return hit.release;
  const release = await fastify.tenant(request, (trx) => loadRelease(trx, runId));
  kept.delete(runId);
  kept.set(runId, { organizationId, release });
  for (const oldest of kept.keys()) {
    if (kept.size <= KEPT_RELEASES) break;
    kept.delete(oldest);
  }
  return release;
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
