import { describe, expect, it } from 'vitest';
import { paramsHash, signGrant, verifyGrant, type GrantClaims } from '../../../../src/domain/permissions/grants.js';

const KEY = 'k'.repeat(32);
const NOW = Date.parse('2026-11-26T10:00:00.000Z');
const claims: GrantClaims = {
  action: 'password.reset',
  requester: 'sam.helper',
  target: 'jdoe',
  paramsHash: paramsHash({ device: 'LT-1', software: 'vscode' }),
  workflowId: 'ticket-jira-ITSM-1',
  rule: 'service-desk-staff',
  issuedAt: '2026-11-26T09:59:00.000Z',
  expiresAt: '2026-11-26T10:09:00.000Z',
};
const expected = { action: 'password.reset', target: 'jdoe', params: { software: 'vscode', device: 'LT-1' }, workflowId: 'ticket-jira-ITSM-1' };

describe('permission grants', () => {
  it('verify for exactly the change they were issued for, whatever the parameter order', () => {
    const grant = signGrant(claims, KEY);
    expect(verifyGrant(grant, expected, KEY, NOW)).toEqual({ ok: true, grant });
  });

  it.each([
    ['missing', undefined, expected, KEY, NOW],
    ['missing', null, expected, KEY, NOW],
    ['malformed', { ...signGrant(claims, KEY), extra: 1 }, expected, KEY, NOW],
    ['malformed', { ...signGrant(claims, KEY), signature: 'zz' }, expected, KEY, NOW],
    ['forged', signGrant(claims, 'x'.repeat(32)), expected, KEY, NOW],
    ['forged', { ...signGrant(claims, KEY), rule: 'own-account' }, expected, KEY, NOW],
    ['wrong_action', signGrant({ ...claims, action: 'software.install' }, KEY), expected, KEY, NOW],
    ['wrong_target', signGrant(claims, KEY), { ...expected, target: 'asmith' }, KEY, NOW],
    ['wrong_workflow', signGrant(claims, KEY), { ...expected, workflowId: 'ticket-jira-ITSM-2' }, KEY, NOW],
    ['wrong_params', signGrant(claims, KEY), { ...expected, params: { software: 'wireshark', device: 'LT-1' } }, KEY, NOW],
    ['expired', signGrant(claims, KEY), expected, KEY, Date.parse(claims.expiresAt)],
  ] as const)('refuse a grant that is %s', (reason, grant, exp, key, now) => {
    expect(verifyGrant(grant, exp, key, now)).toEqual({ ok: false, reason });
  });

  it('need a key of at least 32 characters', () => {
    expect(() => signGrant(claims, 'short')).toThrow('at least 32 characters');
  });
});
