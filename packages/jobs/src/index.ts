export * from './definitions.js';
export * from './recompute-run.js';
export * from './runtime.js';
export * from './invitation-delivery.js';
export * from './mailer.js';
