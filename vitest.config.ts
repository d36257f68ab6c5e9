import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (the `pulsegap-source`
// export condition), so no build is needed between an edit and a test run.
export default defineConfig({
  resolve: { conditions: ['pulsegap-source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['pulsegap-source', ...defaultServerConditions] } },
  test: {
    include: [
      '{apps,packages}/*/src/**/*.test.ts',
      'apps/web/test/**/*.test.ts',
      'bench/*.test.ts',
      'infra/**/*.test.ts',
    ],
    globalSetup: ['packages/testing/src/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
