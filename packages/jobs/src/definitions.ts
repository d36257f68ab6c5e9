import { deriveKey, type Config } from '@pulsegap/config';
import type { Database } from '@pulsegap/db';
import type { Kysely } from 'kysely';
import Type, { type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { deliverInvitations } from './invitation-delivery.js';
import { outboxMailer, smtpMailer, type Mailer } from './mailer.js';
import { closeAndRelease } from './release-run.js';

/** What every job handler may use. */
export interface JobContext {
  readonly db: Kysely<Database>;
  readonly mailer: Mailer;
  /** Key of invitation secrets (see `invitationSecret`). */
  readonly invitationKey: Buffer;
  /** Key that seals accepted responses until their run is released (`sealResponse`). */
  readonly responseSealingKey: Buffer;
  /** Base URL of the links the service sends. */
  readonly publicUrl: string;
}

/** The job context of a process: SMTP when `SMTP_URL` is set, else the development outbox. */
export function createJobContext(
  config: Pick<Config, 'smtpUrl' | 'secretKey' | 'publicUrl'>,
  db: Kysely<Database>,
): JobContext {
  const host = new URL(config.publicUrl).hostname;
  return {
    db,
    mailer:
      config.smtpUrl === null
        ? outboxMailer()
        : smtpMailer(config.smtpUrl, `Pulsegap <pulse@${host}>`),
    invitationKey: deriveKey(config, 'invitation-secrets'),
    responseSealingKey: deriveKey(config, 'response-sealing'),
    publicUrl: config.publicUrl,
  };
}

/**
 * When a job was asked for: a moment (PostgreSQL's clock) after the request was committed,
 * or null when unknown (a direct call).
 */
export interface JobRequest {
  readonly requestedAt: Date | null;
}

/** A job: its queue name, the schema its payload must satisfy, and its handler. */
export interface JobDefinition<S extends TSchema> {
  readonly name: string;
  readonly schema: S;
  handle(context: JobContext, payload: Static<S>, request: JobRequest): Promise<void>;
}

const RunPayload = Type.Object(
  { organizationId: Type.String({ format: 'uuid' }), runId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

/**
 * Closes a run whose deadline passed (or that was closed by hand) and releases its
 * figures, once (`closeAndRelease`). Keyed by run, so pending requests coalesce in the
 * outbox, and idempotent: a run released already is left as it is.
 */
export const releaseRunJob: JobDefinition<typeof RunPayload> = {
  name: 'release-run',
  schema: RunPayload,
  handle: async (context, payload) => {
    await closeAndRelease(
      context.db,
      context.responseSealingKey,
      payload.organizationId,
      payload.runId,
    );
  },
};

const DeliverInvitationsPayload = RunPayload;

/** Sends a run's invitation links. Keyed by run: a retry sends only what is left. */
export const deliverInvitationsJob: JobDefinition<typeof DeliverInvitationsPayload> = {
  name: 'deliver-invitations',
  schema: DeliverInvitationsPayload,
  handle: (context, payload) => deliverInvitations(context, payload.organizationId, payload.runId),
};

/** Every job the workers run, by name; two jobs of one name fail at startup. */
export const JOBS: ReadonlyMap<string, JobDefinition<TSchema>> = registry([
  releaseRunJob,
  deliverInvitationsJob,
]);

function registry(jobs: readonly JobDefinition<TSchema>[]): Map<string, JobDefinition<TSchema>> {
  const byName = new Map<string, JobDefinition<TSchema>>();
  for (const job of jobs) {
    if (byName.has(job.name)) throw new Error(`two jobs are named ${job.name}`);
    byName.set(job.name, job);
  }
  return byName;
}

/** A job with no handler or a payload that does not match its schema; retrying cannot help. */
export class InvalidJobPayloadError extends Error {
  readonly code = 'JOB_INVALID_PAYLOAD';
}

/** Parses a payload at the worker boundary and runs the job's handler. */
export async function runJob(
  context: JobContext,
  name: string,
  payload: unknown,
  request: JobRequest = { requestedAt: null },
): Promise<void> {
  const job = JOBS.get(name);
  if (job === undefined) throw new InvalidJobPayloadError(`no handler for job ${name}`);
  if (!Value.Check(job.schema, payload)) {
    const first = Value.Errors(job.schema, payload)[0];
    throw new InvalidJobPayloadError(
      `invalid payload for ${name}: ${first?.instancePath ?? ''} ${first?.message ?? ''}`,
    );
  }
  await job.handle(context, payload, request);
}

/** The outbox entry that asks for a run to be closed and released. */
export function releaseRunRequest(organizationId: string, runId: string) {
  return {
    name: releaseRunJob.name,
    key: `${releaseRunJob.name}-${runId}`,
    payload: { organizationId, runId },
  };
}

/** The outbox entry that asks for a run's invitations to be sent. */
export function deliverInvitationsRequest(organizationId: string, runId: string) {
  return {
    name: deliverInvitationsJob.name,
    key: `${deliverInvitationsJob.name}-${runId}`,
    payload: { organizationId, runId },
  };
}
