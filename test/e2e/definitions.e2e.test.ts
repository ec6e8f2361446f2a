import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/client/cli/program.js';
import { createDirectory } from '../../src/app/adapters.js';
import { startDefinitionRun } from '../../src/client/definitions.js';
import { defineWorkflow } from '../../src/domain/definitions/builder.js';
import { definitionProgressQuery } from '../../src/workflows/messages.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import type { ResolutionRecord } from '../../src/domain/records/resolution.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { deliver, SECRETS, signedHeaders } from '../helpers/deliveries.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// Support workflow definitions through the whole stack: a ticket starts the network-incident
// definition, and staff run onboarding from the CLI.
const dataDir = mkdtempSync(join(tmpdir(), 'itse-definitions-'));
let env: NodeJS.ProcessEnv;
let stack: Stack;

beforeAll(async () => {
  env = { ...(await isolatedStackEnv(dataDir, process.env)), WEBHOOK_SECRET_JIRA: SECRETS.jira, ALLOW_UNSIGNED_WEBHOOKS: 'false' };
  stack = await startStack(loadConfig(env), createLogger('silent'));
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env }, { createDirectory });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('a ticket starts a definition', () => {
  it('a network-incident ticket is diagnosed, fixed, noted and resolved by incident-network, with a full audit trail', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe, summary: 'Laptop offline since this morning', labels: ['network-incident'] });
    body.issue.fields.description = 'No network at all on my laptop.';
    const key = body.issue.key as string;
    const res = await deliver(stack.apiUrl, 'jira', body, { ...signedHeaders('jira', JSON.stringify(body)), 'x-atlassian-webhook-identifier': `d-${key}` });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'started', workflowType: 'definitionRun', rule: 'network-incident' });
    const record = (await stack.client.workflow.getHandle(`ticket-jira-${key}`).result()) as ResolutionRecord;

    expect(record).toMatchObject({
      outcome: 'resolved',
      definition: { id: 'incident-network', version: expect.stringMatching(/^sha256:/) },
      trigger: { kind: 'ticket', event: 'created', via: 'webhook' },
      requester: { userId: 'jdoe' },
    });
    // jdoe's laptop LT-0042 has its link down and a self-assigned address: both are remediated.
    const ran = record.actions.filter((a) => a.status === 'succeeded').map((a) => a.name);
    expect(ran).toEqual(expect.arrayContaining(['Restart the network adapter', 'Renew the DHCP lease', 'Resolve the ticket']));
    expect(record.decisions.every((d) => d.action === 'endpoint.remediate' && d.allowed)).toBe(true);

    const ticket = stack.adapters.helpdesk.get(key)!;
    expect(ticket.status).toBe('resolved');
    expect(ticket.comments.find((c) => c.body.startsWith('Diagnosis of LT-0042'))).toMatchObject({ visibility: 'internal' });
    const actions = (await stack.adapters.store.auditEntries({ subject: `jira:${key}`, kind: 'action' })).map((e) => e.entry.details.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'lookupUser',
        'deviceOf',
        'runDiagnostic',
        'commentOnTicket',
        'checkPermission',
        'runRemediation',
        'resolveTicket',
        'fileResolution',
      ]),
    );
    expect((await stack.adapters.store.documents(`jira:${key}`))[0]).toMatchObject({ outcome: 'resolved', json: { completeness: [] } });
  });
});

describe('definitions CLI', () => {
  it('lists and validates the definitions', async () => {
    const list = await cli(['definitions', 'list']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^onboarding\s+9 steps\s+sha256:[0-9a-f]{12}\s+New employee onboarding$/m);
    expect(list.out).toMatch(/inputs: employeeId:string, displayName:string, role:string, department\?:string/);
    expect(await cli(['definitions', 'validate'])).toMatchObject({ code: 0, out: expect.stringContaining('3 definitions: all valid') });

    const broken = mkdtempSync(join(tmpdir(), 'itse-content-'));
    const { cpSync, readFileSync } = await import('node:fs');
    cpSync('content', broken, { recursive: true });
    const file = join(broken, 'definitions', 'onboarding.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('activity: createMailbox', 'activity: createMailboxes'));
    const bad = await cli(['definitions', 'validate', broken]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/onboarding\.yaml:\d+:\d+ steps\[3\]\.activity: .*createMailboxes/);
    rmSync(broken, { recursive: true, force: true });
  });

  it('starts onboarding with inputs, shows its progress and its record; a repeated start joins the run', async () => {
    const start = [
      'definitions',
      'start',
      'onboarding',
      '--requester',
      'kim.admin',
      '--input',
      'employeeId=lee.new',
      '--input',
      'displayName=Lee New',
      '--input',
      'role=sales',
      '--input',
      'laptop=false',
      '--workflow-id',
      'onboarding-lee.new',
    ];
    const started = await cli([...start, '--wait']);
    expect(started.code).toBe(0);
    expect(started.out).toMatch(/^onboarding-lee\.new started \(onboarding sha256:[0-9a-f]{12}\)$/m);
    expect(started.out).toMatch(/onboarding-lee\.new: COMPLETED, resolved: New employee onboarding: all 9 step\(s\) done, \d+ skipped by their conditions/);
    expect(started.out).toMatch(/succeeded Create the directory account/);
    expect((await cli(start)).out).toMatch(/^onboarding-lee\.new already ran \(COMPLETED\)/m);

    const progress = await cli(['definitions', 'progress', 'onboarding-lee.new', '--json']);
    expect(JSON.parse(progress.out)).toMatchObject({ running: false, status: 'COMPLETED', record: { outcome: 'resolved', definition: { id: 'onboarding' } } });
    expect((await stack.adapters.directory.findUser({ by: 'id', id: 'lee.new' }))?.groups.sort()).toEqual(['sales', 'staff']);

    const bad = await cli(['definitions', 'start', 'onboarding', '--requester', 'kim.admin', '--input', 'employeeId=Lee', '--input', 'role=pilot']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/inputs\.employeeId: must match \^\[a-z\]/);
    expect(bad.err).toMatch(/inputs\.displayName: required/);
    expect(bad.err).toMatch(/inputs\.role: .*engineer, sales, finance/);
    expect((await cli(['definitions', 'progress', 'no-such-run'])).code).toBe(1);
  });
});

describe('approvals by group', () => {
  it('a member of the approver group approves from the CLI; the directory, not the caller, says who is a member', async () => {
    const gated = defineWorkflow({ id: 'group-gated', title: 'Needs an IT admin' })
      .approval('admin-ok', { approverGroup: 'it-admins', timeout: '1h', onTimeout: 'fail' })
      .notify('tell', { chat: { channel: 'it-incidents', text: 'approved' } })
      .build();
    const content = { ...stack.content, definitions: { ...stack.content.definitions, [gated.id]: gated } };
    const run = await startDefinitionRun({
      client: stack.client,
      taskQueue: loadConfig(env).temporal.queues.definitions,
      content,
      definition: gated.id,
      inputs: {},
      requester: { by: 'id', id: 'jdoe' },
    });
    const handle = stack.client.workflow.getHandle(run.workflowId);
    while (!(await handle.query(definitionProgressQuery)).waitingFor) await new Promise((r) => setTimeout(r, 50));

    const outsider = await cli(['approve', run.workflowId, '--as', 'asmith']);
    expect(outsider).toMatchObject({ code: 1, err: expect.stringContaining('asmith may not approve this request (approvers: members of it-admins)') });
    expect(await cli(['approve', run.workflowId, '--as', 'kim.admin'])).toMatchObject({ code: 0, out: `${run.workflowId}: approved by kim.admin` });
    expect(await handle.result()).toMatchObject({ outcome: 'resolved', approvals: [{ approver: 'kim.admin', decision: 'approved' }] });
  });
});
