import { describe, expect, it } from 'vitest';
import { actionAuditKey, actionAuditPrefix, activityIdentity, effectKey } from '../../../../src/domain/actions/identity.js';

const inRun = (activityId: string, workflowId = 'ticket-jira-ITSM-1', runId = 'run-1') => ({ activityId, workflowExecution: { workflowId, runId } });

describe('activity identity', () => {
  it('names the workflow, run and activity, so every retry of one execution has the same key', () => {
    expect(activityIdentity(inRun('7'))).toEqual({ workflowId: 'ticket-jira-ITSM-1', key: 'ticket-jira-ITSM-1/run-1/7' });
    // A retry is the same execution: Temporal keeps the activity id.
    expect(activityIdentity(inRun('7')).key).toBe(activityIdentity(inRun('7')).key);
  });

  it('differs for another activity, another run (a reset workflow) and another workflow', () => {
    const keys = [inRun('7'), inRun('8'), inRun('7', 'ticket-jira-ITSM-1', 'run-2'), inRun('7', 'ticket-jira-ITSM-2')].map((i) => activityIdentity(i).key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('outside a workflow, names the activity alone', () => {
    expect(activityIdentity({ activityId: 'test' })).toEqual({ workflowId: 'activity-test', key: 'activity/test' });
    expect(activityIdentity({ activityId: 'test', workflowExecution: null })).toEqual({ workflowId: 'activity-test', key: 'activity/test' });
  });
});

describe('effect keys', () => {
  const id = activityIdentity(inRun('7'));

  // These strings are stored (effects table, audit log, help-desk markers): a change of form would
  // make a retry after an upgrade miss the earlier attempt's record and repeat the effect.
  it('keep the stored forms of each kind of effect', () => {
    expect(effectKey(id, { kind: 'reset' })).toBe('reset:ticket-jira-ITSM-1/run-1/7');
    expect(effectKey(id, { kind: 'notify', part: 'email' })).toBe('notify:ticket-jira-ITSM-1/run-1/7/email');
    expect(effectKey(id, { kind: 'notify', part: 'chat' })).toBe('notify:ticket-jira-ITSM-1/run-1/7/chat');
    expect(effectKey(id, { part: 'grant' })).toBe('ticket-jira-ITSM-1/run-1/7/grant');
    expect(actionAuditKey('ticket-jira-ITSM-1', 'run-1', '7')).toBe('action:ticket-jira-ITSM-1/run-1/7');
  });

  it('keep the effects of one execution apart from each other and from its plain key', () => {
    const keys = [
      id.key,
      effectKey(id, { kind: 'reset' }),
      effectKey(id, { kind: 'notify', part: 'email' }),
      effectKey(id, { kind: 'notify', part: 'chat' }),
      effectKey(id, { part: 'grant' }),
      effectKey(id, { kind: 'action' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the action-log key is the action effect of the activity identity', () => {
    expect(actionAuditKey('wf', 'r', '3')).toBe(effectKey(activityIdentity(inRun('3', 'wf', 'r')), { kind: 'action' }));
  });
});

describe('action-log prefix of a run', () => {
  // EngineStore.actionExecutions reads the keys in [prefix, prefix + U+FFFF).
  const inRange = (key: string, prefix: string) => key >= prefix && key < `${prefix}\uffff`;

  it('covers every action-log key of the run', () => {
    const prefix = actionAuditPrefix('wf', 'r1');
    expect(prefix).toBe('action:wf/r1/');
    for (const activityId of ['1', '2', '10', 'check-1']) expect(inRange(actionAuditKey('wf', 'r1', activityId), prefix), activityId).toBe(true);
  });

  it('covers no key of another run, even one whose id starts the same, nor other effects of the run', () => {
    const prefix = actionAuditPrefix('wf', 'r1');
    expect(inRange(actionAuditKey('wf', 'r10', '1'), prefix)).toBe(false);
    expect(inRange(actionAuditKey('wf2', 'r1', '1'), prefix)).toBe(false);
    expect(inRange(effectKey(activityIdentity(inRun('1', 'wf', 'r1')), { kind: 'notify', part: 'email' }), prefix)).toBe(false);
  });
});
