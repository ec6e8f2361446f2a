import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDefinitionRun } from '../../src/client/definitions.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { ResolutionRecord } from '../../src/domain/records/resolution.js';
import { createLogger } from '../../src/stack/logger.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { deliver } from '../helpers/deliveries.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// Task queues per capability: each capability's workflows start on its own queue, and the stack's
// worker polls them all (a deployment would give each its own worker pool).
const dataDir = mkdtempSync(join(tmpdir(), 'itse-queues-'));
let stack: Stack;
let config: Config;

beforeAll(async () => {
  config = loadConfig({
    ...(await isolatedStackEnv(dataDir, process.env)),
    TEMPORAL_TASK_QUEUE: 'it-tickets',
    TASK_QUEUE_DEFINITIONS: 'it-definitions',
    TASK_QUEUE_TROUBLESHOOTING: 'it-troubleshooting',
  });
  stack = await startStack(config, createLogger('silent'));
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('task queues per capability', () => {
  it('polls every configured queue', () => {
    expect(config.temporal.workerQueues.sort()).toEqual(['it-definitions', 'it-tickets', 'it-troubleshooting']);
  });

  it('runs ticket workflows, troubleshooting sessions and definition runs on their own queues', async () => {
    const reset = jiraIssueCreated({ reporter: JIRA.jdoe });
    expect((await deliver(stack.apiUrl, 'jira', reset)).status).toBe(202);
    const network = jiraIssueCreated({ reporter: JIRA.jdoe, summary: 'No network on my laptop' });
    network.issue.fields.description = 'Wi-Fi connected but nothing loads.';
    expect((await deliver(stack.apiUrl, 'jira', network)).status).toBe(202);
    const run = await startDefinitionRun({
      client: stack.client,
      taskQueue: config.temporal.queues.definitions,
      content: stack.content,
      definition: 'onboarding',
      inputs: { employeeId: 'q.hire', displayName: 'Q Hire', role: 'sales', laptop: false },
      requester: { by: 'id', id: 'kim.admin' },
      vault: stack.adapters.store,
    });

    const record = (await stack.client.workflow.getHandle(`ticket-jira-${reset.issue.key}`).result()) as ResolutionRecord;
    expect(record.workflow.taskQueue).toBe('it-tickets');
    const onboarding = (await stack.client.workflow.getHandle(run.workflowId).result()) as ResolutionRecord;
    expect(onboarding).toMatchObject({ outcome: 'resolved', workflow: { taskQueue: 'it-definitions' } });
    const session = await stack.client.workflow.getHandle(`ticket-jira-${network.issue.key}`).describe();
    expect(session).toMatchObject({ type: 'troubleshootSession', taskQueue: 'it-troubleshooting' });
    await stack.client.workflow.getHandle(`ticket-jira-${network.issue.key}`).terminate('test done');
  });
});

describe('queue settings', () => {
  it('default every capability to TEMPORAL_TASK_QUEUE, and take an explicit list of queues to poll', () => {
    const base = loadConfig({ TEMPORAL_TASK_QUEUE: 'q' });
    expect(base.temporal.queues).toEqual({ tickets: 'q', troubleshooting: 'q', selfService: 'q', definitions: 'q' });
    expect(base.temporal.workerQueues).toEqual(['q']);
    expect(loadConfig({ TASK_QUEUE_SELF_SERVICE: 'self', WORKER_TASK_QUEUES: 'self,self' }).temporal.workerQueues).toEqual(['self']);
    expect(() => loadConfig({ WORKER_TASK_QUEUES: 'a,,b' })).toThrow(/WORKER_TASK_QUEUES: queue names separated by commas/);
  });
});
