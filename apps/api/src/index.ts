export { default as app, type AppOptions } from './app.js';
export { createHttpServer } from './http-server.js';
