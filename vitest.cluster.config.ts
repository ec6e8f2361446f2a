import { defineConfig } from 'vitest/config';

// `npm run test:cluster`: the cluster suite (test/cluster/*.cluster.ts). Each file starts a whole
// deployment of its own (test/cluster/harness/cluster.ts): PostgreSQL, the real Temporal server on
// it, slapd, the Jira fake and an SMTP sink, and several worker and API processes sharing one engine
// database. Files run one after the other: each takes most of a 2-core machine. The global setup
// builds the Temporal server first (scripts/install-temporal-server.mjs; minutes cold, cached by version).
export default defineConfig({
  test: {
    // The Temporal native bridge does not work in worker threads.
    pool: 'forks',
    include: ['test/cluster/**/*.cluster.ts'],
    globalSetup: ['test/cluster/harness/globalSetup.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 420_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results-cluster.json' },
    coverage: { enabled: false },
  },
});
