import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../../src/activities/support.js';
import { testGrant } from '../../helpers/grants.js';
import { demoAdapters, demoContent } from '../../helpers/temporal.js';

async function setup() {
  const adapters = await demoAdapters();
  const content = await demoContent();
  const activities = createActivities({ ...adapters, policy: content.policy, catalog: content.software, redaction: content.redaction });
  return { ...adapters, activities, ticketing: adapters.helpdesk, directory: adapters.demoDirectory };
}

const ref = { source: 'jira' as const, id: '1', key: 'ITSM-1' };
const info = (activityId: string) => ({ activityId, workflowExecution: { workflowId: 'wf-1', runId: 'run-1' } });

describe('ticket activities', () => {
  it('never apply the same comment twice when Temporal retries the activity', async () => {
    const { activities, ticketing } = await setup();
    const attempt = new MockActivityEnvironment(info('5') as never);
    await attempt.run(activities.commentOnTicket, { ticket: ref, body: 'hello', visibility: 'public' as const });
    await attempt.run(activities.commentOnTicket, { ticket: ref, body: 'hello', visibility: 'public' as const });
    await new MockActivityEnvironment(info('6') as never).run(activities.commentOnTicket, { ticket: ref, body: 'second', visibility: 'internal' as const });
    expect(ticketing.get('ITSM-1')?.comments.map((c) => c.body)).toEqual(['hello', 'second']);
  });

  it('resolve and queue tickets once each', async () => {
    const { activities, ticketing } = await setup();
    const env = new MockActivityEnvironment(info('7') as never);
    await env.run(activities.resolveTicket, { ticket: ref, note: 'done' });
    await env.run(activities.resolveTicket, { ticket: ref, note: 'done' });
    await new MockActivityEnvironment(info('8') as never).run(activities.routeTicketToQueue, { ticket: ref, queue: 'desk', reason: 'r' });
    expect(ticketing.get('ITSM-1')).toMatchObject({ status: 'resolved', resolutionNote: 'done', queue: 'desk', history: ['resolved', 'queue:desk'] });
    expect(ticketing.all()).toHaveLength(1);
  });
});

describe('directory activities', () => {
  it('reject a malformed lookup by naming the field', async () => {
    const { activities } = await setup();
    await expect(new MockActivityEnvironment().run(activities.lookupUser, { by: 'phone', phone: '1' } as never)).rejects.toThrow(/user lookup is invalid/);
  });

  it('refuse to reset accounts that are gone or have no address, without changing them', async () => {
    const { activities, directory } = await setup();
    const env = new MockActivityEnvironment();
    const reset = (userId: string) => env.run(activities.resetPasswordAndNotify, { userId, grant: testGrant('password.reset', userId) });
    await expect(reset('ghost')).rejects.toMatchObject({ type: 'TargetGone', nonRetryable: true });
    await expect(reset('pat.nomail')).rejects.toMatchObject({ type: 'NoEmail', nonRetryable: true });
    await expect(reset('bob.gone')).rejects.toMatchObject({ type: 'TargetDisabled', nonRetryable: true });
    expect(directory.passwordChanges).toHaveLength(0);
  });
});

describe('permission grants guard every change', () => {
  it.each([
    ['missing', null, 'missing'],
    ['signed with another key', testGrant('password.reset', 'jdoe', {}, {}, 'attacker-key-that-is-long-enough-000000'), 'forged'],
    ['for another account', testGrant('password.reset', 'asmith'), 'wrong_target'],
    ['for another action', testGrant('software.install', 'jdoe'), 'wrong_action'],
    ['from another workflow', testGrant('password.reset', 'jdoe', {}, { workflowId: 'ticket-jira-OTHER-1' }), 'wrong_workflow'],
    ['expired', testGrant('password.reset', 'jdoe', {}, { expiresAt: new Date(Date.now() - 1000).toISOString() }), 'expired'],
    ['with altered claims', { ...testGrant('password.reset', 'asmith'), target: 'jdoe' }, 'forged'],
    ['malformed', { action: 'password.reset' }, 'malformed'],
  ])('a grant that is %s changes nothing, fails for good and is audited', async (_what, grant, reason) => {
    const { activities, directory, store, outbox } = await setup();
    await expect(new MockActivityEnvironment().run(activities.resetPasswordAndNotify, { userId: 'jdoe', grant: grant as never })).rejects.toMatchObject({
      type: 'GrantRejected',
      nonRetryable: true,
      message: expect.stringContaining(`refused password.reset on jdoe: permission grant ${reason.replace('_', ' ')}`),
    });
    expect(directory.passwordChanges).toHaveLength(0);
    expect(outbox.messages).toHaveLength(0);
    expect((await store.auditEntries({ kind: 'security' })).map((e) => e.entry)).toEqual([
      expect.objectContaining({
        outcome: 'rejected',
        reason: `grant_${reason}`,
        subject: 'test',
        details: { ticket: null, action: 'password.reset', target: 'jdoe' },
      }),
    ]);
  });

  it('a matching grant lets the change through', async () => {
    const { activities, directory } = await setup();
    await new MockActivityEnvironment().run(activities.resetPasswordAndNotify, { userId: 'jdoe', grant: testGrant('password.reset', 'jdoe') });
    expect(directory.passwordChanges).toHaveLength(1);
  });

  it('software installs need a grant for exactly that software and device, on a device the target still owns', async () => {
    const { activities, endpoints } = await setup();
    const env = new MockActivityEnvironment();
    const install = (deviceId: string, softwareId: string, grantParams: Record<string, unknown>) =>
      env.run(activities.installSoftware, {
        deviceId,
        software: { id: softwareId, version: '1' },
        targetId: 'jdoe',
        grant: testGrant('software.install', 'jdoe', grantParams),
      });
    await expect(install('LT-0042', 'wireshark', { softwareId: 'vscode', deviceId: 'LT-0042' })).rejects.toMatchObject({ type: 'GrantRejected' });
    expect(await install('LT-0042', 'vscode', { softwareId: 'vscode', deviceId: 'LT-0042' })).toEqual({ alreadyInstalled: false });
    expect(await install('LT-0042', 'vscode', { softwareId: 'vscode', deviceId: 'LT-0042' })).toEqual({ alreadyInstalled: true });
    endpoints.reassign('LT-0042', 'asmith');
    await expect(install('LT-0042', 'vscode', { softwareId: 'vscode', deviceId: 'LT-0042' })).rejects.toMatchObject({ type: 'DeviceReassigned' });
    await expect(install('LT-9999', 'vscode', { softwareId: 'vscode', deviceId: 'LT-9999' })).rejects.toMatchObject({ type: 'DeviceGone' });
    expect(endpoints.installs).toHaveLength(1);
  });
});

describe('permission check activity', () => {
  it('rethrows what is neither an answer nor an outage (a bug or bad input), so Temporal reports it', async () => {
    const { activities, demoDirectory } = await setup();
    const env = new MockActivityEnvironment();
    await expect(
      env.run(activities.checkPermission, {
        action: 'password.reset',
        requester: { by: 'phone', phone: '1' } as never,
        target: { by: 'id' as const, id: 'jdoe' },
        params: {},
      }),
    ).rejects.toThrow(/user lookup is invalid/);
    demoDirectory.findUser = async () => {
      throw new TypeError('adapter bug');
    };
    await expect(
      env.run(activities.checkPermission, {
        action: 'password.reset',
        requester: { by: 'id' as const, id: 'jdoe' },
        target: { by: 'id' as const, id: 'jdoe' },
        params: {},
      }),
    ).rejects.toThrow('adapter bug');
  });
});
