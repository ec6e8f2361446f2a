// `npm run bench`: every performance figure of the project in one go, each beside a baseline
// measured in the same run on the same embedded stack (Temporal dev server, worker, HTTP API), and
// for the store and cluster phases on a PostgreSQL and a real Temporal server started for the run.
// Prints the table and writes BENCHMARKS.md and bench/results.json. BENCH_QUICK=1 shrinks every
// size (a smoke run); BENCH_ONLY=demo,memory runs some phases; a quick or partial run writes to a
// temporary folder (or BENCH_OUT_DIR), never over the committed report. Sizes: bench/settings.ts.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startBenchContext, type BenchContext } from './context.js';
import { withGoals } from './goals.js';
import { clusterFigures } from './cluster.js';
import { answerFigures, auditFigures, documentFigures, intakeFigures, permissionFigures, ticketToResolvedFigures, treeFigures } from './core.js';
import { watchCpu } from './cpu.js';
import { demoScenarioFigures } from './demoScenarios.js';
import { machineInfo, renderConsole, writeReport, type BenchReport } from './report.js';
import { selfServiceFigures } from './selfServiceLoad.js';
import { storeFigures } from './store.js';
import { benchSettings, type Phase } from './settings.js';
import { workerMemoryFigures } from './workerMemory.js';

const PHASE_RUNNERS: Record<Phase, (ctx: BenchContext) => Promise<void>> = {
  intake: intakeFigures,
  e2e: ticketToResolvedFigures,
  answer: answerFigures,
  trees: treeFigures,
  permission: permissionFigures,
  docs: documentFigures,
  audit: auditFigures,
  store: async (ctx) => {
    ctx.figures.push(...(await storeFigures({ appends: ctx.settings.storeAppends, log })));
  },
  selfservice: selfServiceFigures,
  demo: demoScenarioFigures,
  memory: workerMemoryFigures,
  cluster: clusterFigures,
};

const settings = benchSettings();
const log = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const date = new Date();
const started = performance.now();
const cpu = watchCpu();
Runtime.install({ logger: new DefaultLogger('ERROR') });

const { ctx, stop } = await startBenchContext(settings, log);
let failed: unknown = null;
try {
  for (const phase of settings.phases) {
    const t = performance.now();
    await PHASE_RUNNERS[phase](ctx);
    log(`${phase} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
} catch (e) {
  failed = e;
} finally {
  await stop();
}
if (failed) {
  console.error(failed);
  process.exit(1);
}

const { output, ...sizes } = settings;
const report: BenchReport = {
  date: date.toISOString(),
  machine: machineInfo(),
  quick: settings.quick,
  contention: cpu.contention(),
  durationSeconds: (performance.now() - started) / 1000,
  settings: sizes,
  figures: withGoals(ctx.figures),
};
console.log(renderConsole(report));
writeReport(report, output);
log(`wrote ${output.markdown} and ${output.json}`);
// The SDK's native runtime keeps the process alive; everything it served is stopped.
process.exit(0);
