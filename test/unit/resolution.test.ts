import { describe, expect, it } from 'vitest';
import { finished, newRecord, ResolutionRecord, withAction, withDecision } from '../../src/domain/resolution.js';

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
    const decided = withDecision(base, { action: 'password.reset', allowed: true, rule: 'own-account', reason: 'r', facts: { requester: 'jdoe' }, at: '2026-11-26T10:00:02.000Z' });
    const acted = withAction(decided, { name: 'reset password', target: 'jdoe', status: 'succeeded', detail: 'sent', startedAt: '2026-11-26T10:00:02.000Z', finishedAt: '2026-11-26T10:00:03.000Z' });
    const done = finished(acted, 'resolved', 'Reset.', '2026-11-26T10:00:04.000Z');
    expect(base.decisions).toHaveLength(0);
    expect(decided.actions).toHaveLength(0);
    expect(done).toMatchObject({ outcome: 'resolved', summary: 'Reset.', finishedAt: '2026-11-26T10:00:04.000Z', decisions: [{ rule: 'own-account' }], actions: [{ name: 'reset password' }] });
    expect(ResolutionRecord.parse(done)).toEqual(done);
  });

  it('rejects a record with an unknown outcome or a malformed time', () => {
    const bad = ResolutionRecord.safeParse({ ...base, outcome: 'maybe', startedAt: 'yesterday' });
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['outcome', 'startedAt']);
  });
});
