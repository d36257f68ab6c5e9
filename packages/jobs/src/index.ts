export * from './definitions.js';
export * from './release-run.js';
export * from './due-releases.js';
export * from './runtime.js';
export * from './invitation-delivery.js';
export * from './mailer.js';
