import { describe, expect, it } from 'vitest';
import type { UserFacts } from '../../../src/domain/permissions/directory.js';
import { planPasswordReset, resetDoneComment, resetFailedComment } from '../../../src/domain/passwordReset.js';
import type { PermissionDecision } from '../../../src/domain/permissions/permission.js';

const facts = (id: string, extra: Partial<UserFacts> = {}): UserFacts => ({ id, enabled: true, locked: false, groups: [], hasEmail: true, ...extra });
const decision = (allowed: boolean, rule = allowed ? 'own-account' : 'no_rule_allows'): PermissionDecision => ({
  action: 'password.reset',
  allowed,
  rule,
  reason: allowed ? 'Anyone may reset their own password.' : 'No rule allows it.',
  facts: { requester: 'a', target: 'b', relation: 'none', requesterGroups: [], targetGroups: [], targetEnabled: true },
});

describe('password reset plan', () => {
  it('goes ahead for an allowed, enabled target with an e-mail address', () => {
    expect(planPasswordReset({ requester: facts('a'), targetAccount: null, target: facts('a'), decision: decision(true) })).toEqual({ proceed: true });
  });

  it('escalates when the requester is not in the directory, with the words the ticket shows', () => {
    const plan = planPasswordReset({ requester: null, targetAccount: null, target: null, decision: null });
    expect(plan).toMatchObject({ proceed: false, outcome: 'escalated', reason: 'requester_not_found' });
    expect(!plan.proceed && plan.ticketComment).toContain('requester not found in directory');
  });

  it('escalates when the named account does not exist', () => {
    const plan = planPasswordReset({ requester: facts('a'), targetAccount: 'ghost', target: null, decision: decision(false, 'target_not_found') });
    expect(plan).toMatchObject({ proceed: false, outcome: 'escalated', reason: 'target_not_found', ticketComment: expect.stringContaining('"ghost"') });
    const own = planPasswordReset({ requester: facts('a'), targetAccount: null, target: null, decision: null });
    expect(!own.proceed && own.ticketComment).toContain('"a"');
  });

  it('refuses disabled accounts', () => {
    const plan = planPasswordReset({ requester: facts('a'), targetAccount: 'b', target: facts('b', { enabled: false }), decision: decision(true) });
    expect(plan).toMatchObject({ proceed: false, outcome: 'refused', reason: 'target_disabled' });
  });

  it('refuses when the policy denies, quoting the reason', () => {
    const plan = planPasswordReset({ requester: facts('a'), targetAccount: 'b', target: facts('b'), decision: decision(false) });
    expect(plan).toMatchObject({ proceed: false, outcome: 'refused', reason: 'no_rule_allows', ticketComment: expect.stringContaining('No rule allows it.') });
    const none = planPasswordReset({ requester: facts('a'), targetAccount: 'b', target: facts('b'), decision: null });
    expect(none).toMatchObject({ proceed: false, reason: 'no_decision' });
  });

  it('escalates when there is no registered address to send the password to', () => {
    const plan = planPasswordReset({ requester: facts('a'), targetAccount: null, target: facts('a', { hasEmail: false }), decision: decision(true) });
    expect(plan).toMatchObject({ proceed: false, outcome: 'escalated', reason: 'no_registered_email' });
  });

  it('tells the requester where the password went, without the password', () => {
    expect(resetDoneComment('jdoe')).toMatch(/registered e-mail address/);
    expect(resetFailedComment('jdoe', 'account jdoe is disabled')).toBe(
      'The password of jdoe could not be reset (account jdoe is disabled). The ticket has been routed to the service desk.',
    );
  });
});
