import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

const dataDir = mkdtempSync(join(tmpdir(), 'itse-restart-'));
const stacks: Stack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('restarting the embedded stack on the same data folder', () => {
  it('keeps accepted tickets and finishes their workflows after the restart', async () => {
    const env = await isolatedStackEnv(dataDir, process.env);
    // First run: no worker, so the accepted workflow cannot progress before the stop.
    const first = await startStack(loadConfig({ ...env, RUN_WORKER: 'false' }), createLogger('warn'));
    stacks.push(first);
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const res = await fetch(`${first.apiUrl}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    const { workflowId } = await res.json();
    expect((await first.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    await first.stop();
    stacks.pop();

    // Second run on the same SQLite file, now with a worker: the workflow resumes and completes.
    const second = await startStack(loadConfig(env), createLogger('warn'));
    stacks.push(second);
    const record = await second.client.workflow.getHandle(workflowId).result();
    expect(record).toMatchObject({ outcome: 'resolved', ticket: { key: body.issue.key } });
    expect(second.adapters.helpdesk.get(body.issue.key)?.status).toBe('resolved');
    expect(second.adapters.outbox.to('jane.doe@example.com')).toHaveLength(1);
  });
});
