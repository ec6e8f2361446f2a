import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { demoAdapters, demoContent } from '../helpers/temporal.js';

async function setup() {
  const adapters = await demoAdapters();
  const activities = createActivities({ ...adapters, policy: (await demoContent()).policy });
  return { ...adapters, activities, ticketing: adapters.helpdesk };
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
    await expect(env.run(activities.resetPasswordAndNotify, { userId: 'ghost' })).rejects.toMatchObject({ type: 'TargetGone', nonRetryable: true });
    await expect(env.run(activities.resetPasswordAndNotify, { userId: 'pat.nomail' })).rejects.toMatchObject({ type: 'NoEmail', nonRetryable: true });
    await expect(env.run(activities.resetPasswordAndNotify, { userId: 'bob.gone' })).rejects.toMatchObject({ type: 'TargetDisabled', nonRetryable: true });
    expect(directory.passwordChanges).toHaveLength(0);
  });
});
