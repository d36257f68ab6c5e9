import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';

// The job contract: every job's name and the schema its payload must satisfy, and the
// requests the rest of the service writes to the outbox. No handler lives here: the API
// asks for work through this module without loading what does the work.

const NoPayload = Type.Object({}, { additionalProperties: false });

const RunPayload = Type.Object(
  { organizationId: Type.String({ format: 'uuid' }), runId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

/** Every job, by name: the schema of its payload. */
export const JOB_SCHEMAS = {
  /** Closes a run whose deadline passed (or that was closed by hand) and releases it, once. */
  'release-run': RunPayload,
  /** Sends a run's invitation links; a retry sends only what is left. */
  'deliver-invitations': RunPayload,
  /** Starts the run of one occurrence of a pulse's schedule, once (`startScheduledRun`). */
  'start-scheduled-run': Type.Object(
    {
      organizationId: Type.String({ format: 'uuid' }),
      pulseId: Type.String({ format: 'uuid' }),
      // Left out by a scheduler: the latest occurrence up to when the job runs.
      scheduledFor: Type.Optional(Type.String({ format: 'date-time' })),
    },
    { additionalProperties: false },
  ),
  /** Recurring: asks for the release of every run that is due (`requestDueReleases`). */
  'sweep-due-releases': NoPayload,
  /** Sends one reminder of a run to those who have not collected a token (`deliverReminder`). */
  'deliver-reminder': Type.Object(
    {
      organizationId: Type.String({ format: 'uuid' }),
      reminderId: Type.String({ format: 'uuid' }),
    },
    { additionalProperties: false },
  ),
  /** Tells the admins what a scheduled run will send, before it starts (`sendLaunchNotice`). */
  'send-launch-notice': Type.Object(
    {
      organizationId: Type.String({ format: 'uuid' }),
      pulseId: Type.String({ format: 'uuid' }),
      scheduledFor: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
  /** Recurring: asks for the reminders and launch notices that are due (`requestDueMessages`). */
  'sweep-due-messages': NoPayload,
} as const;

export type JobName = keyof typeof JOB_SCHEMAS;
export type JobPayload<N extends JobName> = Static<(typeof JOB_SCHEMAS)[N]>;

/** A job's contract: its name and payload schema. */
export interface JobContract {
  readonly name: JobName;
  readonly schema: (typeof JOB_SCHEMAS)[JobName];
}

/** Every job the workers run, by name. */
export const JOBS: ReadonlyMap<JobName, JobContract> = new Map(
  (Object.keys(JOB_SCHEMAS) as JobName[]).map((name) => [
    name,
    { name, schema: JOB_SCHEMAS[name] },
  ]),
);

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOB_SCHEMAS, name);
}

/** A job with no handler or a payload that does not match its schema; retrying cannot help. */
export class InvalidJobPayloadError extends Error {
  readonly code = 'JOB_INVALID_PAYLOAD';
}

/** A job checked against the contract, at the worker boundary. */
export interface ParsedJob<N extends JobName = JobName> {
  readonly name: N;
  readonly payload: JobPayload<N>;
}

/** Checks a job's name and payload against the contract; throws `InvalidJobPayloadError`. */
export function parseJob(name: string, payload: unknown): ParsedJob {
  if (!isJobName(name)) throw new InvalidJobPayloadError(`no handler for job ${name}`);
  const schema = JOB_SCHEMAS[name];
  if (!Value.Check(schema, payload)) {
    const first = Value.Errors(schema, payload)[0];
    throw new InvalidJobPayloadError(
      `invalid payload for ${name}: ${first?.instancePath ?? ''} ${first?.message ?? ''}`,
    );
  }
  return { name, payload };
}

/**
 * When a job was asked for: a moment (PostgreSQL's clock) after the request was committed,
 * or null when unknown (a direct call).
 */
export interface JobRequest {
  readonly requestedAt: Date | null;
}

/** An outbox entry: a job, keyed by the work, so pending requests for it coalesce. */
export interface JobRequestEntry<N extends JobName> {
  readonly name: N;
  readonly key: string;
  readonly payload: JobPayload<N>;
}

function runRequest<N extends JobName>(name: N, organizationId: string, runId: string) {
  return { name, key: `${name}-${runId}`, payload: { organizationId, runId } };
}

/** The outbox entry that asks for a run to be closed and released. */
export function releaseRunRequest(organizationId: string, runId: string) {
  return runRequest('release-run', organizationId, runId);
}

/** The outbox entry that asks for a run's invitations to be sent. */
export function deliverInvitationsRequest(organizationId: string, runId: string) {
  return runRequest('deliver-invitations', organizationId, runId);
}

/** The outbox entry that asks for a reminder to be sent. */
export function deliverReminderRequest(organizationId: string, reminderId: string) {
  return {
    name: 'deliver-reminder' as const,
    key: `deliver-reminder-${reminderId}`,
    payload: { organizationId, reminderId },
  };
}

/** The outbox entry that asks for the launch notice of a pulse's occurrence. */
export function launchNoticeRequest(organizationId: string, pulseId: string, scheduledFor: Date) {
  const at = scheduledFor.toISOString();
  return {
    name: 'send-launch-notice' as const,
    key: `send-launch-notice-${pulseId}-${at}`,
    payload: { organizationId, pulseId, scheduledFor: at },
  };
}

/**
 * A job that recurs: its id (one scheduler per id), when it recurs (an interval, or a cron
 * expression in a time zone), and the job it starts. Both runtimes run the same
 * recurrences: BullMQ job schedulers in server mode, a timer in the embedded runtime.
 */
export type Recurrence = {
  readonly id: string;
  readonly job: { readonly name: JobName; readonly payload: Readonly<Record<string, string>> };
} & ({ readonly everyMs: number } | { readonly cron: string; readonly timezone: string });

/** How often the runtimes look for runs whose release is due. */
export const DUE_RELEASE_SWEEP_MS = 10_000;

/** How often the runtimes look for reminders and launch notices that are due. */
export const DUE_MESSAGE_SWEEP_MS = 60_000;

/** How often the runtimes bring their schedulers in line with the pulses' schedules. */
export const SCHEDULE_SYNC_MS = 10_000;

/** The recurring jobs of the service besides the pulses' schedules. */
export const RECURRENCES: readonly Recurrence[] = [
  {
    id: 'sweep-due-releases',
    everyMs: DUE_RELEASE_SWEEP_MS,
    job: { name: 'sweep-due-releases', payload: {} },
  },
  {
    id: 'sweep-due-messages',
    everyMs: DUE_MESSAGE_SWEEP_MS,
    job: { name: 'sweep-due-messages', payload: {} },
  },
];

/** The recurrence of a scheduled pulse: its run starts at each occurrence. */
export function pulseRecurrence(pulse: {
  readonly organizationId: string;
  readonly pulseId: string;
  readonly cron: string;
  readonly timezone: string;
}): Recurrence {
  return {
    id: `pulse-${pulse.pulseId}`,
    cron: pulse.cron,
    timezone: pulse.timezone,
    job: {
      name: 'start-scheduled-run',
      payload: { organizationId: pulse.organizationId, pulseId: pulse.pulseId },
    },
  };
}
