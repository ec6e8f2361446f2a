import { describe, expect, it } from 'vitest';
import { ticketOfWorkflow } from '../../../../src/domain/records/audit.js';
import {
  finished,
  newRecord,
  ResolutionRecord,
  withAction,
  withCompensation,
  withDecision,
  withExecutions,
} from '../../../../src/domain/records/resolution.js';

const base = newRecord({
  ticket: { source: 'jira', id: '1', key: 'ITSM-1', summary: 'Forgot password' },
  trigger: { kind: 'ticket', event: 'created', receivedAt: '2026-11-26T10:00:00.000Z' },
  workflow: { type: 'passwordReset', workflowId: 'wf', runId: 'run', namespace: 'default', taskQueue: 'it-support' },
  requester: { externalId: 'acc-1', userId: null },
  startedAt: '2026-11-26T10:00:01.000Z',
});

describe('resolution record', () => {
  it('starts open, then gathers decisions, actions and the outcome without mutating earlier versions', () => {
    expect(base).toMatchObject({ schemaVersion: 1, outcome: null, finishedAt: null, decisions: [], actions: [], target: null });
    const decided = withDecision(base, {
      action: 'password.reset',
      allowed: true,
      rule: 'own-account',
      reason: 'r',
      facts: { requester: 'jdoe' },
      at: '2026-11-26T10:00:02.000Z',
    });
    const acted = withAction(decided, {
      name: 'reset password',
      target: 'jdoe',
      status: 'succeeded',
      detail: 'sent',
      startedAt: '2026-11-26T10:00:02.000Z',
      finishedAt: '2026-11-26T10:00:03.000Z',
    });
    const done = finished(acted, 'resolved', 'Reset.', '2026-11-26T10:00:04.000Z');
    expect(base.decisions).toHaveLength(0);
    expect(decided.actions).toHaveLength(0);
    expect(done).toMatchObject({
      outcome: 'resolved',
      summary: 'Reset.',
      finishedAt: '2026-11-26T10:00:04.000Z',
      decisions: [{ rule: 'own-account' }],
      actions: [{ name: 'reset password' }],
    });
    expect(ResolutionRecord.parse(done)).toEqual(done);
  });

  it('rejects a record with an unknown outcome or a malformed time', () => {
    const bad = ResolutionRecord.safeParse({ ...base, outcome: 'maybe', startedAt: 'yesterday' });
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['outcome', 'startedAt']);
  });
});

describe('activity facts in the record', () => {
  const step = (name: string, activityId?: string) => ({
    name,
    target: 'jdoe',
    status: 'succeeded' as const,
    detail: 'ok',
    startedAt: '2026-11-26T10:00:02.000Z',
    finishedAt: '2026-11-26T10:00:03.000Z',
    ...(activityId ? { activity: 'createAccount', activityId } : {}),
  });

  it('adds attempts and redacted parameters to the steps and compensations with an audit entry, by activity id', () => {
    const record = withCompensation(withAction(withAction(base, step('create account', '3')), step('handwritten')), step('delete account', '7'));
    const enriched = withExecutions(record, [
      { activityId: '7', attempts: 1, parameters: { userId: 'new.hire', grant: '[secret]' } },
      { activityId: '3', attempts: 3, parameters: { userId: 'new.hire' } },
      { activityId: '99', attempts: 1, parameters: {} },
    ]);
    expect(enriched.actions).toEqual([{ ...step('create account', '3'), attempts: 3, parameters: { userId: 'new.hire' } }, step('handwritten')]);
    expect(enriched.compensations).toEqual([{ ...step('delete account', '7'), attempts: 1, parameters: { userId: 'new.hire', grant: '[secret]' } }]);
    expect(ResolutionRecord.parse(enriched)).toEqual(enriched);
    expect(record.actions[0]).not.toHaveProperty('attempts');
  });

  it('leaves a partial record readable: odd entries and missing lists stay as they are', () => {
    const partial = { actions: [null, 'garbage', { activityId: 3 }, { activityId: '3' }], compensations: undefined };
    expect(withExecutions(partial, [{ activityId: '3', attempts: 2, parameters: {} }])).toEqual({
      actions: [null, 'garbage', { activityId: 3 }, { activityId: '3', attempts: 2, parameters: {} }],
      compensations: undefined,
    });
  });
});

describe('ticket of a workflow', () => {
  it('names the ticket of ticket workflows and nothing else', () => {
    expect(ticketOfWorkflow('ticket-jira-ITSM-42')).toBe('jira:ITSM-42');
    expect(ticketOfWorkflow('ticket-servicenow-INC0010023')).toBe('servicenow:INC0010023');
    expect(ticketOfWorkflow('selfservice-jdoe-disk')).toBeNull();
  });
});
