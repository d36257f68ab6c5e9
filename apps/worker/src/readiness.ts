import { LATEST_MIGRATION, schemaIsCurrent, type DatabaseHandle } from '@pulsegap/db';
import type { BullmqRuntime, ProbeResult } from '@pulsegap/jobs';

/** How long each dependency may take to answer the readiness probe. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * The worker's readiness: its job runtime runs (not stopping), PostgreSQL answers and is
 * migrated for this build (as the API's `/ready` asks), and Redis answers, each within two
 * seconds. Says which failed, for the operator reading the probe.
 */
export async function readiness(
  db: DatabaseHandle['db'],
  runtime: Pick<BullmqRuntime, 'running' | 'redisAnswers'>,
): Promise<ProbeResult> {
  if (!runtime.running) return { ok: false, detail: 'the job runtime is stopping.' };
  const [schema, redis] = await Promise.all([
    withinTimeout(schemaIsCurrent(db)),
    runtime.redisAnswers(PROBE_TIMEOUT_MS),
  ]);
  const problems = [
    ...(schema === null ? ['PostgreSQL did not answer'] : []),
    ...(schema !== null && !schema.current
      ? [`the database is not migrated for this build (needs ${LATEST_MIGRATION})`]
      : []),
    ...(redis ? [] : ['Redis did not answer']),
  ];
  return problems.length === 0 ? { ok: true } : { ok: false, detail: `${problems.join('; ')}.` };
}

/** `work`'s value, or null when it fails or takes longer than the probe may. */
async function withinTimeout<T>(work: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      resolve(null);
    }, PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work.catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
