import { parseJob, type JobName, type JobPayload, type JobRequest } from '../contract.js';
import type { JobContext } from '../context.js';
import { requestDueMessages } from '../due-messages.js';
import { requestDueReleases } from '../due-releases.js';
import { sendLaunchNotice } from './launch-notice.js';
import { deliverReminder } from './reminder-delivery.js';
import { stockSegmentKeysAhead } from '../segment-keys.js';
import { deliverInvitations } from './invitation-delivery.js';
import { closeAndRelease } from './release-run.js';
import { startScheduledRun } from './scheduled-run.js';

type Handler<N extends JobName> = (
  context: JobContext,
  payload: JobPayload<N>,
  request: JobRequest,
) => Promise<void>;

/** The handler of every job of the contract (a job without one fails to compile). */
const HANDLERS: { readonly [N in JobName]: Handler<N> } = {
  // Idempotent: a run released already is left as it is.
  'release-run': async (context, payload) => {
    const started = performance.now();
    const outcome = await closeAndRelease(
      context.db,
      context.responseSealingKey,
      payload.organizationId,
      payload.runId,
    );
    // Only a release that happened: the no-ops of a repeated request would blur its timing.
    if (outcome === 'released') {
      context.metrics?.observeRelease((performance.now() - started) / 1000);
    }
  },
  'deliver-invitations': (context, payload) =>
    deliverInvitations(context, payload.organizationId, payload.runId),
  'start-scheduled-run': async (context, payload) => {
    await startScheduledRun(
      context,
      payload.organizationId,
      payload.pulseId,
      payload.scheduledFor === undefined ? null : new Date(payload.scheduledFor),
    );
  },
  // Idempotent: a full stock is left as it is.
  'stock-segment-keys': (context, payload) =>
    stockSegmentKeysAhead(context, payload.organizationId),
  'sweep-due-releases': async (context) => {
    await requestDueReleases(context.db);
  },
  'deliver-reminder': (context, payload) =>
    deliverReminder(context, payload.organizationId, payload.reminderId),
  'send-launch-notice': (context, payload) =>
    sendLaunchNotice(
      context,
      payload.organizationId,
      payload.pulseId,
      new Date(payload.scheduledFor),
    ),
  'sweep-due-messages': async (context) => {
    await requestDueMessages(context);
  },
};

/**
 * Runs a job: its name and payload are checked against the contract at this boundary
 * (`InvalidJobPayloadError` when unknown or invalid), then its handler runs.
 */
export async function runJob(
  context: JobContext,
  name: string,
  payload: unknown,
  request: JobRequest = { requestedAt: null },
): Promise<void> {
  const job = parseJob(name, payload);
  const handler = HANDLERS[job.name] as Handler<JobName>;
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    await handler(context, job.payload, request);
  } catch (error) {
    context.metrics?.observeJob(job.name, 'failed', seconds());
    throw error;
  }
  context.metrics?.observeJob(job.name, 'done', seconds());
}
