import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/client/cli/program.js';
import { createDirectory } from '../../src/app/adapters.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { deliver } from '../helpers/deliveries.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

const ADMIN = 'admin-token-0123456789abcdefghij';
const dataDir = mkdtempSync(join(tmpdir(), 'itse-software-'));
let env: NodeJS.ProcessEnv;
let stack: Stack;

beforeAll(async () => {
  env = { ...(await isolatedStackEnv(dataDir, process.env)), ADMIN_API_TOKEN: ADMIN };
  stack = await startStack(loadConfig(env), createLogger('silent'));
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function softwareTicket(softwareId: string | null) {
  const body = jiraIssueCreated({ reporter: JIRA.jdoe, summary: 'Please install Adobe Acrobat Pro' });
  body.issue.fields.description = 'I need to edit PDFs for the audit.';
  if (softwareId) body.issue.fields.customfield_10070 = { value: softwareId, id: '1' };
  return body;
}

async function waitingRun(workflowId: string) {
  for (;;) {
    const run = await (await fetch(`${stack.apiUrl}/workflows/${workflowId}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
    if (run.progress?.waitingFor) return run;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const approve = (workflowId: string, body: unknown, token: string | null = ADMIN) =>
  fetch(`${stack.apiUrl}/workflows/${workflowId}/approval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('software installation from a ticket, with the manager’s approval', () => {
  it('waits for asmith, refuses other answers with reasons, then installs on Jane’s laptop', async () => {
    const body = softwareTicket('acrobat-pro');
    const res = await deliver(stack.apiUrl, 'jira', body);
    expect(await res.json()).toMatchObject({ status: 'started', workflowType: 'softwareInstall', rule: 'software-install' });
    const id = `ticket-jira-${body.issue.key}`;
    const run = await waitingRun(id);
    expect(run.progress.waitingFor).toMatchObject({ kind: 'approval', approvers: ['asmith'] });

    expect((await approve(id, { approver: 'asmith', approve: true }, null)).status).toBe(401);
    const self = await approve(id, { approver: 'jdoe', approve: true });
    expect(self.status).toBe(409);
    expect(await self.json()).toEqual({ error: 'approval_refused', message: 'the requester cannot approve their own request' });
    const extra = await approve(id, { approver: 'asmith', approve: true, onBehalfOf: 'ceo' });
    expect(extra.status).toBe(400);
    expect((await extra.json()).issues[0].message).toMatch(/onBehalfOf/);
    expect((await approve(id, '{"approver": ')).status).toBe(400);
    expect((await approve('ticket-jira-NOPE-1', { approver: 'asmith', approve: true })).status).toBe(404);

    const ok = await approve(id, { approver: 'asmith', approve: true, comment: 'approved for the audit' });
    expect(await ok.json()).toEqual({ accepted: true, decision: 'approved' });
    const record = await stack.client.workflow.getHandle(id).result();
    expect(record).toMatchObject({ outcome: 'resolved', approvals: [{ approver: 'asmith', decision: 'approved', comment: 'approved for the audit' }] });
    expect(stack.adapters.endpoints.installs).toContainEqual(expect.objectContaining({ deviceId: 'LT-0042', softwareId: 'acrobat-pro' }));
    expect(stack.adapters.helpdesk.get(body.issue.key)?.status).toBe('resolved');
    const decisions = (await stack.adapters.store.auditEntries({ subject: id })).map((e) => e.entry);
    expect(decisions.map((d) => [d.kind, d.outcome])).toEqual([
      ['permission.decision', 'allowed'],
      ['permission.decision', 'allowed'],
    ]);
  });

  it('the manager can refuse from the CLI', async () => {
    const body = softwareTicket('acrobat-pro');
    await deliver(stack.apiUrl, 'jira', body);
    const id = `ticket-jira-${body.issue.key}`;
    await waitingRun(id);
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), env: { ...env, TEMPORAL_ADDRESS: stack.temporalAddress } };
    expect(await runCli(['approve', id, '--as', 'sam.helper'], io, { createDirectory })).toBe(1);
    expect(out.at(-1)).toBe('approval refused: sam.helper may not approve this request (approvers: asmith)');
    expect(await runCli(['approve', id, '--as', 'asmith', '--reject', '--comment', 'use the free reader'], io, { createDirectory })).toBe(0);
    expect(out.at(-1)).toBe(`${id}: rejected by asmith`);
    expect(await stack.client.workflow.getHandle(id).result()).toMatchObject({ outcome: 'refused' });
    expect(await runCli(['approve', 'ticket-jira-NOPE-2', '--as', 'asmith'], io, { createDirectory })).toBe(1);
  });

  it('a ticket that does not say which software asks for it and goes to people', async () => {
    const body = softwareTicket(null);
    expect(await (await deliver(stack.apiUrl, 'jira', body)).json()).toMatchObject({ workflowType: 'ticketHandOff', rule: 'software-install' });
    await stack.client.workflow.getHandle(`ticket-jira-${body.issue.key}`).result();
    expect(stack.adapters.helpdesk.get(body.issue.key)?.comments[0]?.body).toContain('needs more information (softwareId (from customfield_10070))');
  });
});
