// The bench's sizes: full by default, shrunk with BENCH_QUICK=1 (a smoke run of every figure in
// under two minutes); each can be set with its BENCH_* variable.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/config/index.js';

export const PHASES = ['intake', 'e2e', 'answer', 'trees', 'permission', 'docs', 'audit', 'store', 'selfservice', 'demo', 'memory', 'cluster'] as const;
export type Phase = (typeof PHASES)[number];

export function benchSettings(env: NodeJS.ProcessEnv = process.env) {
  const quick = env.BENCH_QUICK === '1';
  const num = (name: string, full: number, small: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return quick ? small : full;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${raw}: expected a whole number of at least 1`);
    return n;
  };
  const list = (name: string, full: string) => {
    const raw = env[name] || full;
    const out = raw.split(',').map((s) => Number(s.trim()));
    if (out.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${name}=${raw}: expected whole numbers separated by commas, e.g. 100,1000`);
    return out;
  };
  const only = env.BENCH_ONLY ? env.BENCH_ONLY.split(',').map((s) => s.trim()) : null;
  const unknown = only?.filter((p) => !(PHASES as readonly string[]).includes(p)) ?? [];
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown phase(s) ${unknown.join(', ')} (known: ${PHASES.join(', ')})`);
  // A quick or partial run never replaces the committed report unless BENCH_OUT_DIR says where to write.
  const partial = quick || only !== null;
  const outDir = env.BENCH_OUT_DIR || (partial ? join(tmpdir(), 'itse-bench-partial') : null);
  return {
    quick,
    phases: (only ?? [...PHASES]) as Phase[],
    sequential: num('BENCH_SEQUENTIAL', 200, 20),
    burst: num('BENCH_BURST', 500, 50),
    concurrency: num('BENCH_CONCURRENCY', 20, 10),
    e2e: num('BENCH_E2E', 50, 5),
    resetBurst: num('BENCH_RESET_BURST', 500, 40),
    permission: num('BENCH_PERMISSION', 300, 30),
    answers: num('BENCH_ANSWERS', 100, 10),
    treeSizes: list('BENCH_TREE_SIZES', '50,1000,10000'),
    treeRuns: num('BENCH_TREE_RUNS', 20, 3),
    docActions: num('BENCH_DOC_ACTIONS', 500, 100),
    docRuns: num('BENCH_DOC_RUNS', 50, 5),
    auditAppends: num('BENCH_AUDIT_APPENDS', 5000, 500),
    /** Appends per writer of the engine-store phase (4 writers). */
    storeAppends: num('BENCH_STORE_APPENDS', 5000, 300),
    selfService: list('BENCH_SELF_SERVICE', quick ? '10,30' : '100,1000'),
    demoReps: num('BENCH_DEMO_REPS', 5, 1),
    memoryLoad: num('BENCH_MEMORY_LOAD', 500, 40),
    /** Sequential intakes of the cluster phase, on each of the real server and the dev server (alternating). */
    clusterSequential: num('BENCH_CLUSTER_SEQUENTIAL', 200, 20),
    output: {
      markdown: outDir ? join(outDir, 'BENCHMARKS.md') : join(PROJECT_ROOT, 'BENCHMARKS.md'),
      json: outDir ? join(outDir, 'results.json') : join(PROJECT_ROOT, 'bench/results.json'),
    },
  };
}

export type BenchSettings = ReturnType<typeof benchSettings>;
