import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { startTracing, type Tracing } from '../../src/stack/telemetry.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// The whole stack with tracing on, spans kept in memory: a help-desk webhook's start, the workflow
// and its activities form one trace.
const dataDir = mkdtempSync(join(tmpdir(), 'itse-tracing-'));
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let stack: Stack;
beforeAll(async () => {
  tracing = startTracing({ serviceName: 'itse-test', spanProcessor: new SimpleSpanProcessor(exporter) });
  stack = await startStack(loadConfig({ ...(await isolatedStackEnv(dataDir, process.env)), OTEL_TRACING: 'true' }), createLogger('silent'), { tracing });
});
afterAll(async () => {
  await stack?.stop();
  await tracing?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

async function spansUntil(done: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const spans = exporter.getFinishedSpans();
    if (done(spans) || Date.now() > deadline) return spans;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('OpenTelemetry tracing (OTEL_TRACING=true)', () => {
  it('puts the API’s start, the workflow run and its activities in one trace', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const res = await fetch(`${stack.apiUrl}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    const { workflowId, workflowType } = (await res.json()) as { workflowId: string; workflowType: string };
    expect(workflowType).toBe('passwordReset');
    await stack.client.workflow.getHandle(workflowId).result();

    const spans = await spansUntil((s) => s.some((x) => x.name === 'RunWorkflow:passwordReset') && s.some((x) => x.name === 'RunActivity:fileResolution'));
    const start = spans.find((s) => s.name === 'StartWorkflow:passwordReset');
    expect(start?.attributes.temporalWorkflowId).toBe(workflowId);
    const traceId = start!.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    const names = inTrace.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'StartWorkflow:passwordReset',
        'RunWorkflow:passwordReset',
        'StartActivity:checkPermission',
        'RunActivity:checkPermission',
        'RunActivity:fileResolution',
      ]),
    );
    // The workflow run is a child of the client's start; each activity run of the workflow's schedule.
    const run = inTrace.find((s) => s.name === 'RunWorkflow:passwordReset')!;
    expect(run.parentSpanId).toBe(start!.spanContext().spanId);
    const scheduled = inTrace.find((s) => s.name === 'StartActivity:checkPermission')!;
    const executed = inTrace.find((s) => s.name === 'RunActivity:checkPermission')!;
    expect(executed.parentSpanId).toBe(scheduled.spanContext().spanId);
    expect(executed.attributes.temporalWorkflowId).toBe(workflowId);
    expect(executed.resource.attributes['service.name']).toBe('itse-test');
  });
});
