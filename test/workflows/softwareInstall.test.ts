import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapters } from '../../src/app/adapters.js';
import { DirectoryUnavailableError } from '../../src/activities/directory/port.js';
import { normaliseJira } from '../../src/domain/sources/jira.js';
import { toWorkflowTicket } from '../../src/domain/tickets/ticket.js';
import { approvalUpdate, progressQuery, softwareInstall } from '../../src/workflows/index.js';
import { demoAdapters, startTestServer, withWorker } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
});

type Extra = { targetAccount?: string; approvalTimeoutMs?: number; deviceId?: string; directoryOutage?: { recheckEveryMs: number; giveUpAfterMs: number } };

async function start(_adapters: Adapters, taskQueue: string, reporter: string, softwareId: string, extra: Extra = {}) {
  const ticket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ reporter, summary: `Please install ${softwareId}` })));
  const handle = await env.client.workflow.start(softwareInstall, { taskQueue, workflowId: `sw-${ticket.key}`, args: [{ ticket, softwareId, ...extra }] });
  return { handle, ticket };
}

async function waitForApproval(handle: Awaited<ReturnType<typeof start>>['handle']) {
  for (;;) {
    const p = await handle.query(progressQuery);
    if (p.waitingFor) return p.waitingFor;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('softwareInstall workflow', () => {
  it('installs free catalog software on the requester’s own device without approval', async () => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (tq) => (await start(adapters, tq, JIRA.jdoe, 'vscode')).handle.result());
    expect(record).toMatchObject({
      outcome: 'resolved',
      target: 'jdoe',
      summary: expect.stringContaining('Visual Studio Code 1.95.3 has been installed on LT-0042'),
    });
    expect(record.decisions.map((d) => [d.action, d.allowed, d.rule])).toEqual([
      ['software.install', true, 'own-device'],
      ['software.install', true, 'own-device'],
    ]);
    expect(adapters.endpoints.installs).toEqual([expect.objectContaining({ deviceId: 'LT-0042', softwareId: 'vscode', version: '1.95.3' })]);
    expect(await adapters.store.auditEntries({ kind: 'permission.decision' })).toHaveLength(2);
  });

  it('waits for the manager’s approval, refuses the wrong approvers, then installs', async () => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (tq) => {
      const { handle, ticket } = await start(adapters, tq, JIRA.jdoe, 'acrobat-pro');
      expect(await waitForApproval(handle)).toMatchObject({ kind: 'approval', approvers: ['asmith'] });
      expect(adapters.helpdesk.get(ticket.key)?.comments[0]?.body).toContain('needs the approval of asmith');
      // The requester may not approve their own request; nor may someone who is not an approver.
      await expect(handle.executeUpdate(approvalUpdate, { args: [{ approver: 'jdoe', approve: true }] })).rejects.toThrow(WorkflowUpdateFailedError);
      await expect(handle.executeUpdate(approvalUpdate, { args: [{ approver: 'sam.helper', approve: true }] })).rejects.toThrow(WorkflowUpdateFailedError);
      expect(adapters.endpoints.installs).toHaveLength(0);
      expect(await handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: true, comment: 'ok for the audit' }] })).toEqual({
        accepted: true,
        decision: 'approved',
      });
      // A second answer after the decision is refused too.
      await expect(handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: false }] })).rejects.toThrow(WorkflowUpdateFailedError);
      return handle.result();
    });
    expect(record).toMatchObject({ outcome: 'resolved', approvals: [{ approver: 'asmith', decision: 'approved', comment: 'ok for the audit' }] });
    expect(adapters.endpoints.installs).toEqual([expect.objectContaining({ softwareId: 'acrobat-pro' })]);
  });

  it('installs nothing when the manager says no', async () => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (tq) => {
      const { handle } = await start(adapters, tq, JIRA.jdoe, 'acrobat-pro');
      await waitForApproval(handle);
      await handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: false, comment: 'use the free reader' }] });
      return handle.result();
    });
    expect(record).toMatchObject({ outcome: 'refused', summary: expect.stringContaining('asmith did not approve Adobe Acrobat Pro: use the free reader') });
    expect(adapters.endpoints.installs).toHaveLength(0);
  });

  it('hands the ticket to people when no approval comes in time', async () => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (tq) =>
      (await start(adapters, tq, JIRA.jdoe, 'acrobat-pro', { approvalTimeoutMs: 1500 })).handle.result(),
    );
    expect(record).toMatchObject({ outcome: 'escalated', summary: expect.stringContaining('No approval for Adobe Acrobat Pro arrived in time') });
    expect(adapters.endpoints.installs).toHaveLength(0);
  });

  it('stops when the account is disabled while waiting for approval', async () => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (tq) => {
      const { handle } = await start(adapters, tq, JIRA.jdoe, 'acrobat-pro');
      await waitForApproval(handle);
      adapters.demoDirectory.update('jdoe', { enabled: false });
      await handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: true }] });
      return handle.result();
    });
    expect(record).toMatchObject({ outcome: 'refused', decisions: [{ allowed: true }, { allowed: false, rule: 'requester_disabled' }] });
    expect(adapters.endpoints.installs).toHaveLength(0);
  });

  it('stops when the device is handed to someone else while waiting', async () => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (tq) => {
      const { handle } = await start(adapters, tq, JIRA.jdoe, 'acrobat-pro');
      await waitForApproval(handle);
      adapters.endpoints.reassign('LT-0042', 'asmith');
      await handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: true }] });
      return handle.result();
    });
    expect(record).toMatchObject({ outcome: 'failed', summary: expect.stringContaining('device LT-0042 no longer belongs to jdoe') });
    expect(adapters.endpoints.installs).toHaveLength(0);
  });

  it.each([
    ['IT-only software for a finance user', JIRA.jdoe, 'wireshark', {}, 'refused', 'not_in_audience'],
    ['software that is not in the catalog', JIRA.jdoe, 'minecraft', {}, 'refused', 'unknown_software'],
    ['software for a colleague, asked by a staff member', JIRA.jdoe, 'vscode', { targetAccount: 'asmith' }, 'refused', 'no_rule_allows'],
    ['software for someone the directory does not know', JIRA.stranger, 'vscode', {}, 'escalated', 'requester_not_found'],
  ] as const)('refuses %s', async (_what, reporter, softwareId, extra, outcome, reason) => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (tq) => (await start(adapters, tq, reporter, softwareId, extra)).handle.result());
    expect(record.outcome).toBe(outcome);
    expect(record.actions.find((a) => a.name === 'route to queue')?.detail).toContain(reason);
    expect(adapters.endpoints.installs).toHaveLength(0);
  });

  it('waits out a directory outage, then carries on', async () => {
    const adapters = await demoAdapters();
    const real = adapters.directory.findUser.bind(adapters.directory);
    let outages = 6;
    adapters.directory.findUser = async (lookup) => {
      if (outages-- > 0) throw new DirectoryUnavailableError('connect ECONNREFUSED 127.0.0.1:389');
      return real(lookup);
    };
    const record = await withWorker(env, adapters, async (tq) =>
      (await start(adapters, tq, JIRA.jdoe, 'vscode', { directoryOutage: { recheckEveryMs: 500, giveUpAfterMs: 60_000 } })).handle.result(),
    );
    expect(record.decisions[0]).toMatchObject({ allowed: false, rule: 'directory_unavailable' });
    expect(record.decisions.at(-1)).toMatchObject({ allowed: true });
    expect(record.outcome).toBe('resolved');
  });

  it('hands the ticket to people when the directory stays down, having changed nothing', async () => {
    const adapters = await demoAdapters();
    adapters.directory.findUser = async () => {
      throw new DirectoryUnavailableError('connect ECONNREFUSED 127.0.0.1:389');
    };
    const record = await withWorker(env, adapters, async (tq) =>
      (await start(adapters, tq, JIRA.jdoe, 'vscode', { directoryOutage: { recheckEveryMs: 300, giveUpAfterMs: 1000 } })).handle.result(),
    );
    expect(record.outcome).toBe('escalated');
    expect(record.decisions.length).toBeGreaterThanOrEqual(2);
    expect(record.decisions.every((d) => !d.allowed && d.rule === 'directory_unavailable')).toBe(true);
    expect(adapters.endpoints.installs).toHaveLength(0);
  });
});
