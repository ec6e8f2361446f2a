/**
 * Dynamic config the engine gives every Temporal server it starts: the embedded dev server of
 * `npm start`, the demo and the bench, the tests' dev servers, and (deploy/temporal/dynamicconfig.yaml,
 * checked against this list by test/unit/stack/serverSettings.test.ts) the compose cluster.
 */
export const SERVER_DYNAMIC_CONFIG: Readonly<Record<string, boolean | number>> = {
  // Workflow Update is how staff answer a troubleshooting session.
  'frontend.enableUpdateWorkflowExecution': true,
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': true,
  // The history service loads each shard's transfer queue (the tasks that dispatch workflow and
  // activity tasks to matching) at most this many times per second; the default, 20, means one
  // load every 50 ms once its burst is spent. The dev server has one shard, so every workflow task
  // after the first few waited up to 50 ms between Scheduled and Started: 245 ms for a workflow of
  // four no-op activities instead of 41. The visibility queue has the same limiter, and delays
  // what `workflow list` sees by the same step.
  'history.transferProcessorMaxPollRPS': 10_000,
  'history.visibilityProcessorMaxPollRPS': 10_000,
};

/** `--dynamic-config-value key=<json>` pairs for `temporal server start-dev`. */
export function dynamicConfigArgs(config: Readonly<Record<string, boolean | number>> = SERVER_DYNAMIC_CONFIG): string[] {
  return Object.entries(config).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}
