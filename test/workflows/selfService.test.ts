import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapters } from '../../src/app/adapters.js';
import { approvalUpdate, diskCleanup, progressQuery, softwareReinstall, unlockAccount } from '../../src/workflows/index.js';
import type { SelfServiceInput } from '../../src/workflows/selfService.js';
import { demoAdapters, startTestServer, withWorker } from '../helpers/temporal.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
});

const request = (over: Partial<SelfServiceInput>): SelfServiceInput => ({
  automation: { id: 'disk-cleanup', version: 1 },
  caller: 'jdoe',
  requestedAt: '2026-11-26T10:00:00.000Z',
  target: { kind: 'device', id: 'LT-0042' },
  inputs: { device: 'LT-0042', includeDownloads: false },
  approval: { kind: 'none' },
  ...over,
});

async function run<T>(adapters: Adapters, wf: (i: SelfServiceInput) => Promise<T>, input: SelfServiceInput) {
  return withWorker(env, adapters, (taskQueue) =>
    env.client.workflow.execute(wf as typeof diskCleanup, { taskQueue, workflowId: `self-${randomUUID()}`, args: [input] }),
  );
}

describe('self-service workflows', () => {
  it('disk cleanup measures, previews, cleans, measures again and reports the space freed', async () => {
    const adapters = await demoAdapters();
    const record = await run(adapters, diskCleanup, request({ inputs: { device: 'LT-0042', includeDownloads: true } }));
    expect(record).toMatchObject({
      outcome: 'resolved',
      summary: 'Freed 13.2 GB on LT-0042 (expected 13.2 GB): 217.8 of 256 GB are in use now, 231 before.',
      trigger: { kind: 'api', event: 'self-service disk-cleanup v1' },
    });
    expect(record.actions.map((a: { name: string }) => a.name)).toEqual([
      'check ownership',
      'check permission',
      'measure disk',
      'dry run',
      'clean up',
      'measure disk again',
    ]);
    expect(await adapters.endpoints.diskUsage('LT-0042')).toEqual({ totalGb: 256, usedGb: 217.8 });
  });

  it('a cleanup that stops half-way is reported, not hidden', async () => {
    const adapters = await demoAdapters();
    adapters.endpoints.failCleanupAt('recycle bin');
    const record = await run(adapters, diskCleanup, request({}));
    expect(record).toMatchObject({
      outcome: 'failed',
      summary:
        'The cleanup of LT-0042 stopped at "recycle bin" (files in use; the agent stopped here). It freed 3.5 GB of the 6.7 GB expected; 227.5 of 256 GB are in use.',
    });
  });

  it('a device that is not the caller’s is refused before anything is read from it, whatever the workflow was told', async () => {
    const adapters = await demoAdapters();
    const record = await run(adapters, diskCleanup, request({ target: { kind: 'device', id: 'LT-0007' }, inputs: { device: 'LT-0007' } }));
    expect(record).toMatchObject({ outcome: 'refused', summary: 'Nothing was cleaned: LT-0007 is not a device of jdoe.' });
    expect(record.actions.map((a: { name: string }) => a.name)).toEqual(['check ownership']);
    expect(await adapters.endpoints.diskUsage('LT-0007')).toEqual({ totalGb: 512, usedGb: 190 });
  });

  it('unlocks the caller’s own locked account', async () => {
    const adapters = await demoAdapters();
    adapters.demoDirectory.update('jdoe', { locked: true });
    const record = await run(
      adapters,
      unlockAccount,
      request({ automation: { id: 'unlock-account', version: 1 }, target: { kind: 'account', id: 'jdoe' }, inputs: {} }),
    );
    expect(record).toMatchObject({ outcome: 'resolved', summary: 'The account jdoe is unlocked; you can sign in again.' });
    expect((await adapters.directory.findUser({ by: 'id', id: 'jdoe' }))?.locked).toBe(false);
  });

  it('reinstalls approved software after the manager approves (not the caller)', async () => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (taskQueue) => {
      const handle = await env.client.workflow.start(softwareReinstall, {
        taskQueue,
        workflowId: `self-${randomUUID()}`,
        args: [
          request({ automation: { id: 'reinstall-software', version: 1 }, inputs: { device: 'LT-0042', software: 'vscode' }, approval: { kind: 'manager' } }),
        ],
      });
      while (!(await handle.query(progressQuery)).waitingFor) await new Promise((r) => setTimeout(r, 50));
      await expect(handle.executeUpdate(approvalUpdate, { args: [{ approver: 'jdoe', approve: true }] })).rejects.toThrow();
      await handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: true }] });
      return handle.result();
    });
    expect(record).toMatchObject({ outcome: 'resolved', approvals: [{ approver: 'asmith', decision: 'approved' }] });
    expect(adapters.endpoints.installs).toEqual([expect.objectContaining({ deviceId: 'LT-0042', softwareId: 'vscode' })]);
  });

  it('a group approval is given by any member of the group, and refused to others', async () => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (taskQueue) => {
      const handle = await env.client.workflow.start(softwareReinstall, {
        taskQueue,
        workflowId: `self-${randomUUID()}`,
        args: [
          request({
            automation: { id: 'reinstall-software', version: 1 },
            inputs: { device: 'LT-0042', software: 'vscode' },
            approval: { kind: 'group', group: 'it-staff' },
          }),
        ],
      });
      while (!(await handle.query(progressQuery)).waitingFor) await new Promise((r) => setTimeout(r, 50));
      expect((await handle.query(progressQuery)).waitingFor).toMatchObject({ approvers: ['group:it-staff'] });
      await expect(
        handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: true, approverGroups: ['staff', 'managers'] }] }),
      ).rejects.toThrow();
      await handle.executeUpdate(approvalUpdate, { args: [{ approver: 'sam.helper', approve: true, approverGroups: ['helpdesk', 'it-staff'] }] });
      return handle.result();
    });
    expect(record).toMatchObject({ outcome: 'resolved', approvals: [{ approver: 'sam.helper', decision: 'approved' }] });
  });
});
