import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseContent } from '../../../../src/domain/content.js';
import type { UserFacts } from '../../../../src/domain/permissions/directory.js';
import { DEFAULT_DIRECTORY_OUTAGE, shouldRecheck } from '../../../../src/domain/permissions/outage.js';
import { planPasswordReset } from '../../../../src/domain/passwordReset.js';
import { directoryProblemDecision } from '../../../../src/domain/permissions/permission.js';
import { approvalProblem, assessSoftware, SoftwareCatalog } from '../../../../src/domain/endpoints/software.js';

const catalog = parseContent(readFileSync('content/software.yaml', 'utf8'), SoftwareCatalog, 'content/software.yaml');
const user = (groups: string[], extra: Partial<UserFacts> = {}): UserFacts => ({
  id: 'jdoe',
  enabled: true,
  locked: false,
  groups,
  hasEmail: true,
  manager: 'asmith',
  ...extra,
});

describe('software catalog rules', () => {
  it('allow catalog software to its audience, saying who must approve', () => {
    expect(assessSoftware(catalog, 'vscode', user(['staff']), 'windows')).toEqual({
      ok: true,
      item: { id: 'vscode', name: 'Visual Studio Code', version: '1.95.3', licence: 'free' },
      approval: 'none',
    });
    expect(assessSoftware(catalog, 'acrobat-pro', user(['staff']), null)).toMatchObject({ ok: true, approval: 'manager' });
  });

  it.each([
    ['minecraft', user(['staff']), 'windows', 'unknown_software'],
    ['wireshark', user(['staff']), 'windows', 'not_in_audience'],
    ['acrobat-pro', user(['staff']), 'linux', 'unsupported_platform'],
    ['acrobat-pro', user(['staff'], { manager: undefined }), 'windows', 'no_manager'],
  ] as const)('refuse %s with reason %s', (id, target, platform, reason) => {
    expect(assessSoftware(catalog, id, target, platform)).toMatchObject({ ok: false, reason, message: expect.any(String) });
  });

  it('report duplicate catalog ids by path', () => {
    const r = SoftwareCatalog.safeParse({ software: [catalog.software[0], catalog.software[0]] });
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['software.1.id', 'duplicate software id "vscode" (first at software[0])']]);
  });
});

describe('approval answers', () => {
  const waiting = { waiting: true, approvers: ['asmith'], requester: 'jdoe' };
  it('accept only a listed approver who is not the requester, while an approval is awaited', () => {
    expect(approvalProblem({ approver: 'asmith', approve: true }, waiting)).toBeNull();
    expect(approvalProblem({ approver: 'jdoe', approve: true }, { ...waiting, approvers: ['jdoe'] })).toBe('the requester cannot approve their own request');
    expect(approvalProblem({ approver: 'sam.helper', approve: true }, waiting)).toBe('sam.helper may not approve this request (approvers: asmith)');
    expect(approvalProblem({ approver: 'asmith', approve: true, comment: 'fine' }, waiting)).toBeNull();
    expect(approvalProblem({ approver: 'asmith', approve: true, comment: [] as unknown as string }, waiting)).toBe(
      'a comment is text of at most 2000 characters',
    );
    expect(approvalProblem({ approver: 'asmith', approve: true, comment: 'x'.repeat(2001) }, waiting)).toBe('a comment is text of at most 2000 characters');
    expect(approvalProblem({ approver: 'asmith', approve: true }, { ...waiting, waiting: false })).toBe('no approval is awaited for this request');
    expect(approvalProblem({ approver: 'asmith' } as never, waiting)).toMatch(/needs approver/);
    expect(approvalProblem(null as never, waiting)).toMatch(/needs approver/);
  });

  it('accept any member of an approver group, but never the requester', () => {
    const group = { waiting: true, approvers: [], requester: 'jdoe', approverGroup: 'it-staff' };
    expect(approvalProblem({ approver: 'sam.helper', approve: true, approverGroups: ['helpdesk', 'it-staff'] }, group)).toBeNull();
    expect(approvalProblem({ approver: 'asmith', approve: true, approverGroups: ['staff'] }, group)).toBe(
      'asmith may not approve this request (approvers: members of it-staff)',
    );
    expect(approvalProblem({ approver: 'asmith', approve: true }, group)).toMatch(/may not approve/);
    expect(approvalProblem({ approver: 'jdoe', approve: true, approverGroups: ['it-staff'] }, group)).toBe('the requester cannot approve their own request');
  });
});

describe('directory outages', () => {
  it('are recheck-worthy only while the give-up time is not reached, and only for unavailability', () => {
    const policy = { recheckEveryMs: 1000, giveUpAfterMs: 5000 };
    expect(shouldRecheck('directory_unavailable', 0, policy)).toBe(true);
    expect(shouldRecheck('directory_unavailable', 4000, policy)).toBe(true);
    expect(shouldRecheck('directory_unavailable', 4001, policy)).toBe(false);
    expect(shouldRecheck('directory_refused', 0, policy)).toBe(false);
    expect(shouldRecheck('no_rule_allows', 0, policy)).toBe(false);
    expect(DEFAULT_DIRECTORY_OUTAGE).toEqual({ recheckEveryMs: 60_000, giveUpAfterMs: 900_000 });
  });

  it('end in a deny that says why, and a password reset handed to people', () => {
    const unavailable = directoryProblemDecision('password.reset', 'directory_unavailable', 'ECONNREFUSED');
    expect(unavailable).toMatchObject({
      allowed: false,
      rule: 'directory_unavailable',
      reason: 'The directory could not be reached (ECONNREFUSED), so nothing was allowed.',
    });
    expect(directoryProblemDecision('password.reset', 'directory_refused', 'code 49').reason).toBe(
      'The directory refused the lookup (code 49), so nothing was allowed.',
    );
    expect(planPasswordReset({ requester: null, targetAccount: null, target: null, decision: unavailable })).toMatchObject({
      proceed: false,
      outcome: 'escalated',
      reason: 'directory_unavailable',
    });
  });
});

describe('a catalog that is not an object', () => {
  it('is a validation error, never a crash', () => {
    for (const value of [null, undefined, 42, 'software']) expect(SoftwareCatalog.safeParse(value).success).toBe(false);
  });
});
