import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { engineActivityInterceptors } from '../../../src/activities/interceptors.js';
import { SqliteEngineStore } from '../../../src/activities/records/sqliteStore.js';
import { parseRedactionPolicy } from '../../../src/domain/records/redactionPolicy.js';
import { readFileSync } from 'node:fs';

const POLICY = parseRedactionPolicy(readFileSync('content/redaction.yaml', 'utf8'));
const run = { workflowId: 'definition-onboarding-1', runId: 'r1' };

describe('sensitive inputs in activities', () => {
  it('reach the activity as values while the audit log keeps the tokens (masked); forgotten values fail for good', async () => {
    const store = new SqliteEngineStore(':memory:');
    const token = await store.keepSensitive(run.workflowId, 'Maria Lopez');
    expect(token).toMatch(/^sensitive:[0-9a-f-]{36}$/);
    const env = new MockActivityEnvironment(
      { activityType: 'createAccount', activityId: '3', workflowExecution: run, attempt: 1 },
      { interceptors: engineActivityInterceptors({ store, redaction: POLICY }) },
    );
    const seen = await env.run(async (input: unknown) => input, { userId: 'maria.lopez', displayName: token, note: [`Hello ${token}!`], n: 1, none: null });
    expect(seen).toEqual({ userId: 'maria.lopez', displayName: 'Maria Lopez', note: ['Hello Maria Lopez!'], n: 1, none: null });
    const [entry] = await store.auditEntries({ kind: 'action' });
    expect(entry!.entry.details.parameters).toEqual({
      userId: 'maria.lopez',
      displayName: '[sensitive input]',
      note: ['Hello [sensitive input]!'],
      n: 1,
      none: null,
    });

    expect(await store.forgetSensitive(run.workflowId)).toBe(1);
    expect(await store.sensitiveValue(token)).toBeNull();
    const later = new MockActivityEnvironment(
      { activityType: 'createAccount', activityId: '4', workflowExecution: run, attempt: 1 },
      { interceptors: engineActivityInterceptors({ store, redaction: POLICY }) },
    );
    await expect(later.run(async (input: unknown) => input, { displayName: token })).rejects.toMatchObject({ type: 'SensitiveValueGone', nonRetryable: true });
  });
});
