export { default as app, type AppOptions } from './app.js';
export { createHttpServer } from './http-server.js';
export { DEMO_LOGINS, seedDemo } from './demo/seed.js';
export { WEB_ROOT } from './plugins/web.js';
export { sealingLabel } from './services/segment-keys.js';
export { ResponseSubmission, SubmissionChecks } from './routes/responses/checks.js';
