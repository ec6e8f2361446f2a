import { describe, expect, it } from 'vitest';
import { describeResult, stoppedRun } from '../../../../src/domain/definitions/run.js';

describe('step results in the record', () => {
  it('reads as key=value pairs, and "done" when there is nothing to say', () => {
    expect(describeResult({ assetId: 'AST-LT-0201', deviceId: 'LT-0201', extra: { a: 1 } })).toBe('assetId=AST-LT-0201, deviceId=LT-0201, extra={"a":1}');
    expect(describeResult(undefined)).toBe('done');
    expect(describeResult(null)).toBe('done');
    expect(describeResult({})).toBe('done');
    expect(describeResult('sent')).toBe('sent');
    expect(describeResult([1, 2])).toBe('[1,2]');
  });

  it('is cut at 200 characters', () => {
    const long = describeResult({ text: 'x'.repeat(500) });
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('a run that stopped before its end', () => {
  const base = { title: 'Onboarding', reason: 'Hand out a laptop failed: out of stock', denialRule: null, undone: 0, notUndone: [] as string[] };

  it('is cancelled when people closed the ticket or a client cancelled it', () => {
    expect(stoppedRun({ ...base, stop: 'ticket_closed', reason: 'the ticket was moved to Done', undone: 2 })).toEqual({
      outcome: 'cancelled',
      summary: 'Onboarding: Stopped: the ticket was moved to Done. All 2 completed step(s) were undone.',
    });
    expect(stoppedRun({ ...base, stop: 'cancelled' })).toEqual({
      outcome: 'cancelled',
      summary: 'Onboarding: The run was cancelled. Nothing had to be undone.',
    });
  });

  it('is refused, or escalated when nothing could be decided about the person, after a policy denial', () => {
    expect(stoppedRun({ ...base, stop: 'refused', denialRule: 'no_rule_allows' }).outcome).toBe('refused');
    expect(stoppedRun({ ...base, stop: 'refused', denialRule: 'directory_unavailable' }).outcome).toBe('escalated');
    expect(stoppedRun({ ...base, stop: 'refused' }).outcome).toBe('refused');
  });

  it('is failed otherwise, and names what a person must undo by hand', () => {
    expect(stoppedRun({ ...base, stop: 'failed', undone: 3, notUndone: ['Create the mailbox'] })).toEqual({
      outcome: 'failed',
      summary: 'Onboarding: Hand out a laptop failed: out of stock. 3 step(s) were undone; NOT undone, needs a person: Create the mailbox.',
    });
  });
});
