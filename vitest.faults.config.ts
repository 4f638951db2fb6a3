import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the fault suite (test/faults/), one file at a time: each case runs
// services under load and breaks something, so two at once on a 2-core machine would measure
// each other. Not part of `npm test`; `.ci/run` runs it after.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default'],
  },
});
