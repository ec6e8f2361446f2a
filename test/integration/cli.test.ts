import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/client/cli/program.js';
import { createDirectory } from '../../src/app/adapters.js';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { normaliseJira } from '../../src/domain/sources/jira.js';
import { toWorkflowTicket } from '../../src/domain/tickets/ticket.js';
import { passwordReset } from '../../src/workflows/index.js';
import { projectCliPath } from '../../src/stack/temporalCli.js';
import { demoAdapters, startTestServer, withWorker } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env }, { createDirectory });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
});

describe('itse validate', () => {
  it('passes the shipped content', async () => {
    const r = await cli(['validate', join(PROJECT_ROOT, 'content')]);
    expect(r).toMatchObject({
      code: 0,
      out: expect.stringMatching(/\d+ routing rules, \d+ policy actions, \d+ directory users, \d+ workflow definitions: all valid$/),
    });
  });

  it('fails with file:line messages for broken content', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'itse-cli-content-'));
    cpSync(join(PROJECT_ROOT, 'content'), dir, { recursive: true });
    writeFileSync(join(dir, 'policy.yaml'), 'actions:\n  password.reset:\n    allow:\n      - id: x\n        when: {}\n');
    const r = await cli(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(dir, 'policy.yaml')}:4:9 actions.password.reset.allow[0].description:`);
    expect(r.err).toContain(`1 problem(s) in ${dir}`);
  });
});

describe('itse status', () => {
  it('shows the steps and the record of a finished run', async () => {
    const ticket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ reporter: JIRA.jdoe })));
    await withWorker(env, await demoAdapters(), (taskQueue) =>
      env.client.workflow.execute(passwordReset, { taskQueue, workflowId: `cli-${ticket.key}`, args: [{ ticket }] }),
    );
    const r = await cli(['status', `cli-${ticket.key}`], { TEMPORAL_ADDRESS: env.address });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`cli-${ticket.key} (passwordReset): COMPLETED`);
    expect(r.out).toContain('done    reset password - temporary password sent to the registered e-mail address');
    expect(r.out).toContain('"outcome": "resolved"');
  });

  it('exits 1 for an unknown run', async () => {
    expect(await cli(['status', 'no-such-run'], { TEMPORAL_ADDRESS: env.address })).toMatchObject({ code: 1, err: 'no workflow no-such-run' });
  });
});

describe('itse temporal-cli and usage errors', () => {
  it('tells which CLI npm start would use', async () => {
    expect((await cli(['temporal-cli'], {})).out).toBe(`${projectCliPath(PROJECT_ROOT)} (from project)`);
  });

  it('rejects unknown commands with exit 1', async () => {
    expect(await cli(['frobnicate'])).toMatchObject({ code: 1, err: expect.stringContaining("unknown command 'frobnicate'") });
  });
});
