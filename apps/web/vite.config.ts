import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Two pages, everything bundled: the API serves `dist` at the site root, on the same origin as
// `/api/v1`, so the pages never load anything from another host.
export default defineConfig({
  root: here('.'),
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      input: {
        dashboard: here('index.html'),
        login: here('login.html'),
      },
    },
  },
  // `npm run dev`: the API runs beside Vite on its default port.
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
