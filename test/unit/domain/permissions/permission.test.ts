import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseContent } from '../../../../src/domain/content.js';
import type { UserFacts } from '../../../../src/domain/permissions/directory.js';
import { conditionHolds, denialOutcome, evaluatePermission, PermissionPolicy } from '../../../../src/domain/permissions/permission.js';

const policy = parseContent(readFileSync('content/policy.yaml', 'utf8'), PermissionPolicy, 'content/policy.yaml');

const user = (id: string, groups: string[] = ['staff'], extra: Partial<UserFacts> = {}): UserFacts => ({
  id,
  enabled: true,
  locked: false,
  groups,
  hasEmail: true,
  ...extra,
});
const jdoe = user('jdoe', ['staff'], { manager: 'asmith' });
const asmith = user('asmith', ['staff', 'managers']);
const helper = user('sam.helper', ['helpdesk', 'it-staff', 'staff']);
const admin = user('dana.admin', ['domain-admins', 'privileged', 'staff']);
const tier2 = user('tier2', ['tier2-admins', 'it-staff']);
const reset = (requester: UserFacts | null, target: UserFacts | null) => evaluatePermission(policy, { action: 'password.reset', requester, target });

describe('password.reset policy (content/policy.yaml)', () => {
  it('lets anyone reset their own password', () => {
    expect(reset(jdoe, jdoe)).toMatchObject({ allowed: true, rule: 'own-account', facts: { relation: 'self' } });
  });

  it("lets a manager reset a direct report's password but not the other way round", () => {
    expect(reset(asmith, jdoe)).toMatchObject({ allowed: true, rule: 'manager-of-target', facts: { relation: 'manager' } });
    expect(reset(jdoe, asmith)).toMatchObject({ allowed: false, rule: 'no_rule_allows', reason: expect.stringContaining('jdoe') });
  });

  it('lets service-desk staff reset ordinary accounts', () => {
    expect(reset(helper, jdoe)).toMatchObject({ allowed: true, rule: 'service-desk-staff' });
  });

  it('protects privileged accounts (nested group) from everyone but tier-2 admins, even from themselves', () => {
    expect(reset(helper, admin)).toMatchObject({ allowed: false, rule: 'protected-accounts' });
    expect(reset(admin, admin)).toMatchObject({ allowed: false, rule: 'protected-accounts' });
    expect(reset(tier2, admin)).toMatchObject({ allowed: false, rule: 'no_rule_allows' });
  });

  it('never resets a disabled account, even for service-desk staff', () => {
    const gone = user('bob.gone', ['staff'], { enabled: false });
    expect(reset(helper, gone)).toMatchObject({ allowed: false, rule: 'disabled-target', facts: { targetEnabled: false } });
  });

  it('denies unknown and disabled requesters and unknown targets before reading rules', () => {
    expect(reset(null, jdoe)).toMatchObject({ allowed: false, rule: 'requester_not_found', facts: { requester: null } });
    expect(reset(user('x', ['helpdesk'], { enabled: false }), jdoe)).toMatchObject({ allowed: false, rule: 'requester_disabled' });
    expect(reset(helper, null)).toMatchObject({ allowed: false, rule: 'target_not_found', facts: { target: null, targetEnabled: null, relation: 'none' } });
  });

  it('denies actions that no policy covers', () => {
    expect(evaluatePermission(policy, { action: 'printer.buy', requester: helper, target: jdoe })).toMatchObject({ allowed: false, rule: 'no_policy' });
  });

  it('records the facts it used', () => {
    expect(reset(helper, jdoe).facts).toEqual({
      requester: 'sam.helper',
      target: 'jdoe',
      relation: 'none',
      requesterGroups: ['helpdesk', 'it-staff', 'staff'],
      targetGroups: ['staff'],
      targetEnabled: true,
    });
  });
});

describe('conditions', () => {
  it('require every stated part to hold', () => {
    expect(conditionHolds({ targetLocked: true }, helper, jdoe)).toBe(false);
    expect(conditionHolds({ targetLocked: true }, helper, { ...jdoe, locked: true })).toBe(true);
    expect(conditionHolds({ targetInAny: ['staff'], requesterInAny: ['helpdesk'] }, helper, jdoe)).toBe(true);
    expect(conditionHolds({ targetInAny: ['staff'], requesterInAny: ['managers'] }, helper, jdoe)).toBe(false);
    expect(conditionHolds({ unlessRequesterInAny: ['helpdesk'] }, helper, jdoe)).toBe(false);
    expect(conditionHolds({}, helper, jdoe)).toBe(true);
  });

  it('reject unknown condition keys and badly named actions, naming the field', () => {
    expect(() => parseContent('actions:\n  Reset: {}\n', PermissionPolicy, 'policy.yaml')).toThrow(
      /policy.yaml:2:10 actions.Reset: action names look like password.reset/,
    );
    expect(() =>
      parseContent(
        'actions:\n  password.reset:\n    allow:\n      - id: x\n        description: d\n        when: { requesterIn: [a] }\n',
        PermissionPolicy,
        'policy.yaml',
      ),
    ).toThrow(/policy.yaml:6:15 actions.password.reset.allow\[0\].when: Unrecognized key: "requesterIn"/);
  });
});

describe('how a denied run ends', () => {
  it('goes to people when nothing could be decided, and is a refusal when the policy said no', () => {
    for (const rule of ['requester_not_found', 'target_not_found', 'directory_unavailable', 'directory_refused']) expect(denialOutcome(rule)).toBe('escalated');
    for (const rule of ['no_rule_allows', 'protected-accounts', 'requester_disabled']) expect(denialOutcome(rule)).toBe('refused');
  });
});

describe('actions that create accounts (newAccounts)', () => {
  const creating = PermissionPolicy.parse({
    actions: {
      'account.create': {
        newAccounts: true,
        deny: [{ id: 'no-privileged-requests', description: 'Privileged groups are never granted by onboarding.', when: { targetInAny: ['privileged'] } }],
        allow: [{ id: 'it-admins', description: 'IT administrators create accounts.', when: { requesterInAny: ['tier2-admins'] } }],
      },
      'password.reset': { allow: [{ id: 'helpdesk', description: 'Service desk.', when: { requesterInAny: ['helpdesk'] } }] },
    },
  });
  const create = (requester: UserFacts | null, target: UserFacts | null, targetId?: string) =>
    evaluatePermission(creating, { action: 'account.create', requester, target, targetId });

  it('judges an account that does not exist yet as a new, empty account', () => {
    expect(create(tier2, null, 'new.hire')).toMatchObject({
      allowed: true,
      rule: 'it-admins',
      facts: { target: 'new.hire', targetGroups: [], targetEnabled: true, relation: 'none' },
    });
    expect(create(helper, null, 'new.hire')).toMatchObject({ allowed: false, rule: 'no_rule_allows' });
  });

  it('judges an existing account as itself, and still needs a target id for a new one', () => {
    expect(create(tier2, admin, 'dana.admin')).toMatchObject({ allowed: false, rule: 'no-privileged-requests' });
    expect(create(tier2, null)).toMatchObject({ allowed: false, rule: 'target_not_found' });
  });

  it('applies only to actions that say so', () => {
    expect(evaluatePermission(creating, { action: 'password.reset', requester: helper, target: null, targetId: 'ghost' })).toMatchObject({
      allowed: false,
      rule: 'target_not_found',
    });
    expect(evaluatePermission(creating, { action: 'mailbox.create', requester: tier2, target: null, targetId: 'ghost' })).toMatchObject({
      allowed: false,
      rule: 'no_policy',
    });
  });
});
