export * from './database.js';
export * from './factories.js';
export * from './browser.js';
export * from './scratch-database.js';
export * from './throwaway-postgres.js';
export * from './throwaway-redis.js';
export * from './processes.js';
