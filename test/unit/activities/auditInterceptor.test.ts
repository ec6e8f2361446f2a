import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { auditInterceptors } from '../../../src/activities/auditInterceptor.js';
import { SqliteEngineStore } from '../../../src/activities/records/sqliteStore.js';
import type { EngineStore } from '../../../src/activities/records/port.js';
import { DEFAULT_REDACTION_POLICY } from '../../../src/domain/records/redactionPolicy.js';

// When an activity's outcome is final, and only then, it gets its one audit entry.

const run = { workflowId: 'ticket-jira-ITSM-7', runId: 'run-1' };

function environment(store: EngineStore, info: Record<string, unknown>) {
  return new MockActivityEnvironment(
    {
      activityType: 'installSoftware',
      activityId: '4',
      workflowType: 'softwareInstall',
      workflowExecution: run,
      scheduledTimestampMs: Date.parse('2026-11-26T10:00:00Z'),
      ...info,
    },
    { interceptors: auditInterceptors({ store, redaction: DEFAULT_REDACTION_POLICY }) },
  );
}
const args = { deviceId: 'LT-0042', targetId: 'jdoe', contact: 'jane.doe@example.com', grant: { signature: 'abc' } };
const entries = async (store: EngineStore) => (await store.auditEntries({ kind: 'action' })).map((e) => e.entry);

describe('activity audit interceptor', () => {
  it('logs a success once, with redacted arguments, even when the same execution reports twice', async () => {
    const store = new SqliteEngineStore(':memory:');
    const env = environment(store, { attempt: 3 });
    await expect(env.run(async () => 'done', args)).resolves.toBe('done');
    await env.run(async () => 'done', args);
    expect(await entries(store)).toEqual([
      expect.objectContaining({
        kind: 'action',
        outcome: 'succeeded',
        subject: 'jira:ITSM-7',
        details: expect.objectContaining({
          action: 'installSoftware',
          activityId: '4',
          attempts: 3,
          firstScheduledAt: '2026-11-26T10:00:00.000Z',
          parameters: { deviceId: 'LT-0042', targetId: 'jdoe', contact: '[email]', grant: '[secret]' },
        }),
      }),
    ]);
    expect(await store.actionExecutions(run.workflowId, run.runId)).toEqual([
      { activityId: '4', attempts: 3, parameters: { contact: '[email]', deviceId: 'LT-0042', grant: '[secret]', targetId: 'jdoe' } },
    ]);
    expect(await store.actionExecutions(run.workflowId, 'other-run')).toEqual([]);
  });

  it('logs nothing for a failed attempt Temporal will retry', async () => {
    const store = new SqliteEngineStore(':memory:');
    const env = environment(store, { attempt: 1, retryPolicy: { maximumAttempts: 3 } });
    await expect(env.run(async () => Promise.reject(new Error('endpoint tool busy')), args)).rejects.toThrow('endpoint tool busy');
    expect(await entries(store)).toEqual([]);
  });

  it.each([
    ['the last allowed attempt', { attempt: 3, retryPolicy: { maximumAttempts: 3 } }, new Error('endpoint tool busy')],
    ['a non-retryable failure', { attempt: 1 }, ApplicationFailure.nonRetryable('device LT-0042 no longer belongs to jdoe', 'DeviceReassigned')],
    [
      'an error type the retry policy names',
      { attempt: 1, retryPolicy: { nonRetryableErrorTypes: ['ValidationError'] } },
      Object.assign(new Error('bad input from jane.doe@example.com'), { name: 'ValidationError' }),
    ],
    [
      'an application failure type the retry policy names',
      { attempt: 2, retryPolicy: { nonRetryableErrorTypes: ['DirectoryRefusedError'] } },
      ApplicationFailure.retryable('refused', 'DirectoryRefusedError'),
    ],
  ])('logs %s as failed, once, with the redacted reason', async (_label, info, error) => {
    const store = new SqliteEngineStore(':memory:');
    const env = environment(store, info);
    await expect(env.run(async () => Promise.reject(error), args)).rejects.toBe(error);
    const [entry] = await entries(store);
    expect(await entries(store)).toHaveLength(1);
    expect(entry).toMatchObject({ outcome: 'failed', details: { attempts: info.attempt } });
    expect(entry!.reason).not.toContain('jane.doe@example.com');
  });

  it('logs a cancelled activity as failed (it will not run again)', async () => {
    const store = new SqliteEngineStore(':memory:');
    const env = environment(store, { attempt: 1 });
    const cancelled = env.run(async () => {
      env.cancel();
      await new Promise((r) => setTimeout(r, 10));
      const { Context } = await import('@temporalio/activity');
      await Context.current().cancelled;
    }, args);
    await expect(cancelled).rejects.toThrow();
    expect(await entries(store)).toMatchObject([{ outcome: 'failed' }]);
  });

  it('names the workflow as the subject when the run has no ticket', async () => {
    const store = new SqliteEngineStore(':memory:');
    const env = new MockActivityEnvironment(
      { activityType: 'cleanDisk', activityId: '2', workflowExecution: { workflowId: 'selfservice-abc', runId: 'r' } },
      { interceptors: auditInterceptors({ store, redaction: DEFAULT_REDACTION_POLICY }) },
    );
    await env.run(async () => ({ freedGb: 3 }), 'LT-0042', true);
    expect(await entries(store)).toMatchObject([{ subject: 'selfservice-abc', details: { parameters: ['LT-0042', true] } }]);
    expect((await entries(store))[0]!.details).not.toHaveProperty('ticket');
    expect(await store.actionExecutions('selfservice-abc', 'r')).toEqual([{ activityId: '2', attempts: 1, parameters: { value: ['LT-0042', true] } }]);
  });
});
