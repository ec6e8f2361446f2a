// Before any cluster test file: the Temporal server and temporal-sql-tool at the pinned version
// (built from the Go module proxy the first time, minutes on 2 cores; cached by version after).
import { installTemporalServer } from './temporalServer.js';

export default function setup(): void {
  const started = Date.now();
  const install = installTemporalServer();
  console.log(`cluster tests: Temporal server ready in ${install.dir} (${Math.round((Date.now() - started) / 1000)} s)`);
}
