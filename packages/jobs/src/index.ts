export * from './definitions.js';
export * from './recompute-run.js';
export * from './runtime.js';
