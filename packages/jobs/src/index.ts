export * from './contract.js';
export * from './context.js';
export * from './mailer.js';
export * from './due-releases.js';
export { runJob } from './handlers/index.js';
export { closeAndRelease } from './handlers/release-run.js';
export {
  deliverInvitations,
  hashInvitationSecret,
  invitationSecret,
} from './handlers/invitation-delivery.js';
export { type JobLogger, type JobRuntime } from './runtimes/common.js';
export { startInProcessRuntime } from './runtimes/in-process.js';
export { startBullmqRuntime, type BullmqRuntimeOptions } from './runtimes/bullmq.js';
