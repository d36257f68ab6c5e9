import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// `npm run dev`: a personal link `/answer/<secret>` opens the answer page, as the API serves it.
const answerLinks: Plugin = {
  name: 'pulsegap-answer-links',
  configureServer(server) {
    server.middlewares.use((request, _response, next) => {
      if (request.url !== undefined && /^\/answer\/[^/?#]+\/?(?:[?#]|$)/.test(request.url)) {
        request.url = '/answer.html';
      }
      // The live room's phone page, `/room` and `/room/<code>`.
      if (request.url !== undefined && /^\/room(?:\/[^/?#]*)?\/?(?:[?#]|$)/.test(request.url)) {
        request.url = '/room.html';
      }
      next();
    });
  },
};

// Three pages: the app (sign-in, HR's views and the dashboard, Preact), the old sign-in address
// (a redirect to the app) and the framework-free answer page. Everything is bundled: the API serves `dist` at the site root, on the same origin as
// `/api/v1`, so the pages never load anything from another host. The answer page is served for
// every `/answer/<secret>`, so assets are linked from the root (`base: '/'`), never relatively.
export default defineConfig({
  root: here('.'),
  base: '/',
  // Workspace packages (the blind-signature client) are bundled from their TypeScript sources.
  resolve: { conditions: ['pulsegap-source', ...defaultClientConditions] },
  plugins: [answerLinks],
  // Preact's JSX, compiled by Vite's own transform: no Babel, no framework plugin.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      onLog(level, log, handler) {
        // sjcl (inside the blind-signature library) looks for Node's `crypto` behind a guard
        // and uses the browser's `crypto.getRandomValues` otherwise: the stub is never used.
        if (
          log.message.includes('"crypto" has been externalized') &&
          log.message.includes('sjcl')
        ) {
          return;
        }
        handler(level, log);
      },
      input: {
        app: here('index.html'),
        login: here('login.html'),
        answer: here('answer.html'),
        room: here('room.html'),
      },
    },
  },
  // `npm run dev`: the API runs beside Vite on its default port.
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
