import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the fault suite (test/faults/*.fault.ts) over real processes: the Temporal
// dev server, worker and API processes, slapd, SMTP and help-desk fakes. Files run one after the
// other: each starts its own processes and injects faults whose timing a busy machine would blur.
export default defineConfig({
  test: {
    // The Temporal native bridge does not work in worker threads.
    pool: 'forks',
    include: ['test/faults/**/*.fault.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 240_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results-faults.json' },
    coverage: { enabled: false },
  },
});
