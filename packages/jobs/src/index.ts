export * from './contract.js';
export * from './context.js';
export * from './mailer.js';
export * from './due-releases.js';
export { runJob } from './handlers/index.js';
export { closeAndRelease } from './handlers/release-run.js';
export { startScheduledRun, type OccurrenceOutcome } from './handlers/scheduled-run.js';
export { deliverInvitations } from './handlers/invitation-delivery.js';
export { hashInvitationSecret, invitationSecret } from './invitation-secrets.js';
export { type JobLogger, type JobRuntime } from './runtimes/common.js';
export { startInProcessRuntime } from './runtimes/in-process.js';
export {
  startBullmqRuntime,
  type BullmqRuntime,
  type BullmqRuntimeOptions,
} from './runtimes/bullmq.js';
export { openQueueInspector, type QueueInspector } from './runtimes/queue-depths.js';
export * from './metrics.js';
export * from './signals-server.js';
export { previewPulseRun, startRun, type RunDefinition, type StartedRun } from './run-start.js';
export {
  makeSegmentKeys,
  saveNewSegmentKey,
  sealingLabel,
  stockSegmentKeysAhead,
} from './segment-keys.js';
export { Refused } from './refused.js';
export { requestDueMessages } from './due-messages.js';
export { deliverReminder } from './handlers/reminder-delivery.js';
export { sendLaunchNotice } from './handlers/launch-notice.js';
export { remindNow, type ReminderAsked } from './reminders.js';
