import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  completeness,
  documentJson,
  renderKbDraft,
  renderWorkNote,
  ResolutionDocument,
  resolutionDocumentJsonSchema,
  temporalRunUrl,
} from '../../../../src/domain/records/documents.js';
import { ContentError } from '../../../../src/domain/content.js';
import {
  DEFAULT_REDACTION_POLICY,
  DEFAULT_SECRET_KEYS,
  parseRedactionPolicy,
  RedactionPolicy,
  redactValue,
} from '../../../../src/domain/records/redactionPolicy.js';
import { ResolutionRecord } from '../../../../src/domain/records/resolution.js';

// Records built by hand the way the workflows build them (see test/workflows/*.test.ts).

const POLICY = parseRedactionPolicy(readFileSync('content/redaction.yaml', 'utf8'));
const UI = 'http://localhost:8233/';
const RUN = '0199c3e2-7a41-7b8e-9d2f-3c5a1e0b4d21';
const JIRA_JDOE = '5b10ac8d82e05b22cc7d4ef5';
const facts = (requester: string, target: string, relation: string, targetGroups: string[] = ['staff']) => ({
  requester,
  target,
  relation,
  requesterGroups: requester === 'sam.helper' ? ['helpdesk', 'staff'] : ['staff'],
  targetGroups,
  targetEnabled: true,
});

const passwordReset: ResolutionRecord = ResolutionRecord.parse({
  schemaVersion: 1,
  ticket: { source: 'jira', id: '10042', key: 'ITSM-42', summary: 'Forgot my password' },
  trigger: { kind: 'ticket', event: 'created', receivedAt: '2026-11-26T10:00:00.000Z' },
  workflow: { type: 'passwordReset', workflowId: 'reset-ITSM-42', runId: RUN, namespace: 'default', taskQueue: 'it-support' },
  requester: { externalId: JIRA_JDOE, userId: 'jdoe' },
  target: 'jdoe',
  decisions: [
    {
      action: 'password.reset',
      allowed: true,
      rule: 'own-account',
      reason: 'Anyone may reset their own password.',
      facts: facts('jdoe', 'jdoe', 'self'),
      at: '2026-11-26T10:00:01.200Z',
    },
  ],
  actions: [
    {
      name: 'check permission',
      target: 'jdoe',
      status: 'succeeded',
      detail: 'allowed by own-account',
      startedAt: '2026-11-26T10:00:01.000Z',
      finishedAt: '2026-11-26T10:00:01.200Z',
    },
    {
      name: 'reset password',
      target: 'jdoe',
      status: 'succeeded',
      detail: 'temporary password sent to the registered e-mail address',
      startedAt: '2026-11-26T10:00:01.300Z',
      finishedAt: '2026-11-26T10:00:03.800Z',
    },
    {
      name: 'comment on ticket',
      target: 'ITSM-42',
      status: 'succeeded',
      detail: 'told the requester',
      startedAt: '2026-11-26T10:00:03.900Z',
      finishedAt: '2026-11-26T10:00:04.300Z',
    },
    {
      name: 'resolve ticket',
      target: 'ITSM-42',
      status: 'succeeded',
      detail: 'resolved',
      startedAt: '2026-11-26T10:00:04.400Z',
      finishedAt: '2026-11-26T10:00:04.900Z',
    },
  ],
  approvals: [],
  compensations: [],
  definition: null,
  troubleshooting: null,
  ticketUpdates: [],
  outcome: 'resolved',
  summary:
    "The password of jdoe has been reset. A temporary password was sent to the account's registered e-mail address; you will be asked to change it at the next sign-in.",
  startedAt: '2026-11-26T10:00:00.500Z',
  finishedAt: '2026-11-26T10:00:05.000Z',
});

const refused: ResolutionRecord = ResolutionRecord.parse({
  ...passwordReset,
  ticket: { source: 'servicenow', id: '9d4c1f2e1b8e4d10a6c2f00e2f3a7b51', key: 'INC0010023', summary: 'Reset dana.admin' },
  workflow: { ...passwordReset.workflow, workflowId: 'reset-INC0010023' },
  requester: { externalId: 'a8f98bb0eb32010045e1a5115206fe3a', userId: 'sam.helper' },
  target: 'dana.admin',
  decisions: [
    {
      action: 'password.reset',
      allowed: false,
      rule: 'protected-accounts',
      reason: 'Accounts in privileged groups are reset only by tier-2 administrators.',
      facts: facts('sam.helper', 'dana.admin', 'none', ['privileged', 'staff']),
      at: '2026-11-26T11:00:01.100Z',
    },
  ],
  actions: [
    {
      name: 'check permission',
      target: 'dana.admin',
      status: 'succeeded',
      detail: 'denied by protected-accounts',
      startedAt: '2026-11-26T11:00:01.000Z',
      finishedAt: '2026-11-26T11:00:01.100Z',
    },
    {
      name: 'comment on ticket',
      target: 'INC0010023',
      status: 'succeeded',
      detail: 'told the requester what happens next',
      startedAt: '2026-11-26T11:00:01.200Z',
      finishedAt: '2026-11-26T11:00:01.600Z',
    },
    {
      name: 'route to queue',
      target: 'INC0010023',
      status: 'succeeded',
      detail: 'queue service-desk (protected-accounts)',
      startedAt: '2026-11-26T11:00:01.700Z',
      finishedAt: '2026-11-26T11:00:02.000Z',
    },
  ],
  outcome: 'refused',
  summary:
    'Automation may not reset the password of dana.admin: Accounts in privileged groups are reset only by tier-2 administrators. The ticket has been routed to the service desk.',
  startedAt: '2026-11-26T11:00:00.000Z',
  finishedAt: '2026-11-26T11:00:02.000Z',
});

const softwareInstall: ResolutionRecord = ResolutionRecord.parse({
  schemaVersion: 1,
  ticket: { source: 'zendesk', id: '35436', key: '35436', summary: 'Need Acrobat Pro' },
  trigger: { kind: 'ticket', event: 'created', receivedAt: '2026-11-26T09:00:00.000Z' },
  workflow: { type: 'softwareInstall', workflowId: 'install-35436', runId: RUN, namespace: 'support', taskQueue: 'it-support' },
  requester: { externalId: '366457839234', userId: 'jdoe' },
  target: 'jdoe',
  decisions: [
    {
      action: 'software.install',
      allowed: true,
      rule: 'staff-software',
      reason: 'Staff may request catalog software for themselves.',
      facts: facts('jdoe', 'jdoe', 'self'),
      at: '2026-11-26T09:00:01.000Z',
    },
    {
      action: 'software.install',
      allowed: true,
      rule: 'staff-software',
      reason: 'Staff may request catalog software for themselves.',
      facts: facts('jdoe', 'jdoe', 'self'),
      at: '2026-11-26T09:42:10.000Z',
    },
  ],
  actions: [
    {
      name: 'check permission',
      target: 'jdoe',
      status: 'succeeded',
      detail: 'allowed by staff-software',
      startedAt: '2026-11-26T09:00:00.500Z',
      finishedAt: '2026-11-26T09:00:01.000Z',
    },
    {
      name: 'check the software catalog',
      target: 'jdoe',
      status: 'succeeded',
      detail: 'Adobe Acrobat Pro 2024.005 on LT-0042, approval by asmith',
      startedAt: '2026-11-26T09:00:01.100Z',
      finishedAt: '2026-11-26T09:00:01.300Z',
    },
    {
      name: 'ask for approval',
      target: 'asmith',
      status: 'succeeded',
      detail: 'waiting for asmith',
      startedAt: '2026-11-26T09:00:01.400Z',
      finishedAt: '2026-11-26T09:00:01.900Z',
    },
    {
      name: 'check permission',
      target: 'jdoe',
      status: 'succeeded',
      detail: 'allowed by staff-software',
      startedAt: '2026-11-26T09:42:09.500Z',
      finishedAt: '2026-11-26T09:42:10.000Z',
    },
    {
      name: 'install software',
      target: 'LT-0042',
      status: 'succeeded',
      detail: 'Adobe Acrobat Pro 2024.005 installed on LT-0042',
      startedAt: '2026-11-26T09:42:10.100Z',
      finishedAt: '2026-11-26T09:44:15.100Z',
    },
    {
      name: 'comment on ticket',
      target: '35436',
      status: 'succeeded',
      detail: 'told the requester',
      startedAt: '2026-11-26T09:44:15.200Z',
      finishedAt: '2026-11-26T09:44:15.500Z',
    },
    {
      name: 'resolve ticket',
      target: '35436',
      status: 'succeeded',
      detail: 'resolved',
      startedAt: '2026-11-26T09:44:15.600Z',
      finishedAt: '2026-11-26T09:44:16.000Z',
    },
  ],
  approvals: [{ approver: 'asmith', decision: 'approved', comment: 'ok for the audit', at: '2026-11-26T09:42:09.000Z' }],
  compensations: [],
  definition: null,
  troubleshooting: null,
  ticketUpdates: [
    { eventType: 'commented', occurredAt: '2026-11-26T09:30:00.000Z', status: 'open', closed: false },
    { eventType: 'updated', occurredAt: '2026-11-26T09:44:20.000Z', status: null, closed: false },
  ],
  outcome: 'resolved',
  summary: 'Adobe Acrobat Pro 2024.005 has been installed on LT-0042.',
  startedAt: '2026-11-26T09:00:00.000Z',
  finishedAt: '2026-11-26T11:05:00.000Z',
});

const troubleshooting: ResolutionRecord = ResolutionRecord.parse({
  schemaVersion: 1,
  ticket: { source: 'jira', id: '10050', key: 'ITSM-50', summary: 'No network' },
  trigger: { kind: 'ticket', event: 'created', receivedAt: '2026-11-26T16:31:00.000Z' },
  workflow: { type: 'troubleshootSession', workflowId: 'ticket-jira-ITSM-50', runId: RUN, namespace: 'default', taskQueue: 'it-support' },
  requester: { externalId: JIRA_JDOE, userId: 'jdoe' },
  target: 'LT-0042',
  decisions: [
    {
      action: 'endpoint.remediate',
      allowed: true,
      rule: 'support-staff',
      reason: 'Support staff may run remediations.',
      facts: facts('sam.helper', 'jdoe', 'none'),
      at: '2026-11-26T16:33:00.000Z',
    },
  ],
  actions: [
    {
      name: 'check: IP configuration',
      target: 'LT-0042',
      status: 'succeeded',
      detail: 'apipa=true, address=169.254.10.3',
      startedAt: '2026-11-26T16:31:02.000Z',
      finishedAt: '2026-11-26T16:31:02.400Z',
    },
    {
      name: 'check permission',
      target: 'jdoe',
      status: 'succeeded',
      detail: 'allowed by support-staff',
      startedAt: '2026-11-26T16:32:59.000Z',
      finishedAt: '2026-11-26T16:33:00.000Z',
    },
    {
      name: 'Renew the DHCP lease',
      target: 'LT-0042',
      status: 'succeeded',
      detail: 'lease renewed: 10.0.0.23',
      startedAt: '2026-11-26T16:33:00.100Z',
      finishedAt: '2026-11-26T16:33:04.100Z',
    },
    {
      name: 'check: IP configuration again',
      target: 'LT-0042',
      status: 'succeeded',
      detail: 'apipa=false, address=10.0.0.23',
      startedAt: '2026-11-26T16:33:04.200Z',
      finishedAt: '2026-11-26T16:33:04.500Z',
    },
    {
      name: 'comment on ticket',
      target: 'ITSM-50',
      status: 'succeeded',
      detail: 'told the requester',
      startedAt: '2026-11-26T16:33:04.600Z',
      finishedAt: '2026-11-26T16:33:05.000Z',
    },
    {
      name: 'resolve ticket',
      target: 'ITSM-50',
      status: 'succeeded',
      detail: 'resolved',
      startedAt: '2026-11-26T16:33:05.100Z',
      finishedAt: '2026-11-26T16:33:05.500Z',
    },
  ],
  approvals: [],
  compensations: [],
  definition: null,
  troubleshooting: {
    tree: 'network-connectivity',
    version: '9c1f04ab',
    kb: 'KB-NET-0007',
    path: [
      {
        tree: 'network-connectivity',
        node: 'ask',
        kind: 'question',
        prompt: 'Is it only this device?',
        choice: 'one',
        label: 'Only this device',
        by: 'sam.helper',
        at: '2026-11-26T16:31:01.000Z',
      },
      {
        tree: 'network-connectivity',
        node: 'ip',
        kind: 'check',
        result: { apipa: true, address: '169.254.10.3' },
        detail: 'matched apipa equals true',
        at: '2026-11-26T16:31:02.400Z',
      },
      { tree: 'network-connectivity', node: 'renew', kind: 'action', choice: 'confirm', by: 'sam.helper', at: '2026-11-26T16:32:58.000Z' },
      { tree: 'network-connectivity', node: 'renew', kind: 'action', outcome: 'ok', detail: 'lease renewed: 10.0.0.23', at: '2026-11-26T16:33:04.100Z' },
      {
        tree: 'network-connectivity',
        node: 'recheck',
        kind: 'check',
        result: { apipa: false, address: '10.0.0.23' },
        detail: 'matched apipa equals false',
        at: '2026-11-26T16:33:04.500Z',
      },
      { tree: 'network-connectivity', node: 'fixed', kind: 'resolve', at: '2026-11-26T16:33:04.500Z' },
    ],
  },
  ticketUpdates: [],
  outcome: 'resolved',
  summary: 'The address was missing; renewing the lease fixed it.',
  startedAt: '2026-11-26T16:31:00.500Z',
  finishedAt: '2026-11-26T16:33:05.600Z',
});

/** A software install cancelled while waiting, whose run lost some fields on the way. */
function cancelledWithGaps(): unknown {
  const r = structuredClone(softwareInstall) as Record<string, unknown>;
  r.outcome = 'cancelled';
  r.summary = '';
  r.finishedAt = null;
  r.requester = { externalId: '366457839234', userId: null };
  r.target = null;
  r.actions = [
    softwareInstall.actions[0],
    { name: 'install software', target: 'LT-0042', status: 'failed', detail: 'cancelled', startedAt: '2026-11-26T09:42:10.100Z' },
  ];
  r.approvals = [{ approver: 'asmith', decision: 'approved', comment: null }];
  r.ticketUpdates = [{ eventType: 'deleted', occurredAt: '2026-11-26T09:42:30.000Z', status: null, closed: true }];
  delete r.ticket;
  delete r.decisions;
  (r.workflow as Record<string, unknown>).runId = undefined;
  return r;
}

const lines = (md: string) => md.split('\n');

describe('redaction policy (content/redaction.yaml)', () => {
  it('ships sensible defaults and an IBAN pattern', () => {
    expect(POLICY).toMatchObject({
      maskEmails: true,
      maskPhones: true,
      extraPatterns: [
        { name: 'iban', replacement: '[iban]' },
        { name: 'sensitive-input', replacement: '[sensitive input]' },
      ],
    });
    expect(POLICY.secretKeys).toEqual(expect.arrayContaining(DEFAULT_SECRET_KEYS));
    expect(DEFAULT_REDACTION_POLICY).toEqual({
      maskEmails: true,
      maskPhones: true,
      secretKeys: ['password', 'temporaryPassword', 'token', 'apiKey', 'secret', 'grant', 'signature'],
      extraPatterns: [],
    });
  });

  it('masks e-mail addresses, phone numbers, IBANs and secret assignments in every string, keys included', () => {
    const value = {
      note: 'Call +49 151 2345 6789 or mail jane.doe@example.com; IBAN DE89 3704 0044 0532 0130 00 or GB29NWBK60161331926819; password: hunter2',
      'jane.doe@example.com': 'a key',
      list: ['10.0.0.23', '2026-11-26', 'version 4.4.2', 42, true, null],
    };
    expect(redactValue(value, POLICY)).toEqual({
      note: 'Call [phone] or mail [email]; IBAN [iban] or [iban]; password: [secret]',
      '[email]': 'a key',
      list: ['10.0.0.23', '2026-11-26', 'version 4.4.2', 42, true, null],
    });
    expect(redactValue(undefined, POLICY)).toBeUndefined();
  });

  it('replaces the values of secret keys whatever they hold, ignoring case, "-" and "_"', () => {
    const value = { grant: { action: 'password.reset', signature: 'abc' }, API_KEY: 'k', 'Temporary-Password': 7, nested: [{ Token: null, keep: 'x' }] };
    expect(redactValue(value, DEFAULT_REDACTION_POLICY)).toEqual({
      grant: '[secret]',
      API_KEY: '[secret]',
      'Temporary-Password': '[secret]',
      nested: [{ Token: '[secret]', keep: 'x' }],
    });
  });

  it('masks assignments to secret keys in free text too', () => {
    expect(redactValue('temporaryPassword=Xy7!pQ2#rT9; {"apiKey": "k-123", \'Grant\': g.sig } tokens: 5', DEFAULT_REDACTION_POLICY)).toBe(
      'temporaryPassword=[secret]; {"apiKey": "[secret]", \'Grant\': [secret] } tokens: 5',
    );
  });

  it('honours maskEmails and maskPhones, and keeps secret assignments masked regardless', () => {
    const open = RedactionPolicy.parse({ maskEmails: false, maskPhones: false, secretKeys: [] });
    expect(redactValue('jane@example.com +49 151 2345 6789 token=abc', open)).toBe('jane@example.com +49 151 2345 6789 token=[secret]');
    expect(redactValue({ grant: 'g' }, open)).toEqual({ grant: 'g' });
    // The same policy object twice: compiled once, same result.
    expect(redactValue('mail jane@example.com', open)).toBe('mail jane@example.com');
  });

  it('applies extra patterns with group references', () => {
    const policy = RedactionPolicy.parse({ extraPatterns: [{ name: 'ssn', pattern: '\\b\\d{3}-\\d{2}-(\\d{4})\\b', replacement: '***-**-$1' }] });
    expect(redactValue('SSN 123-45-6789', policy)).toBe('SSN ***-**-6789');
  });

  it('rejects invalid policies with file, line and field', () => {
    const bad = (text: string) => {
      try {
        parseRedactionPolicy(text, 'redaction.yaml');
      } catch (e) {
        expect(e).toBeInstanceOf(ContentError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('extraPatterns:\n  - { name: x, pattern: "(unclosed", replacement: y }\n')).toMatch(
      /^redaction\.yaml:2:\d+ extraPatterns\[0\]\.pattern: not a valid regular expression/,
    );
    expect(bad('extraPatterns:\n  - { name: x, pattern: "a*", replacement: y }\n')).toMatch(
      /extraPatterns\[0\]\.pattern: the pattern matches the empty string/,
    );
    expect(bad('maskEmail: true\n')).toMatch(/redaction\.yaml:1:1 \(root\): Unrecognized key: "maskEmail"/);
    expect(bad('maskPhones: "no"\n')).toMatch(/maskPhones/);
    expect(parseRedactionPolicy('{}')).toEqual(DEFAULT_REDACTION_POLICY);
  });
});

describe('work note', () => {
  it('renders a password reset field by field', () => {
    const note = renderWorkNote(passwordReset, POLICY, { uiUrl: UI });
    expect(note).toBe(
      [
        `## Resolved · ITSM-42 · reset-ITSM-42 · [run in Temporal UI](http://localhost:8233/namespaces/default/workflows/reset-ITSM-42/${RUN}/history)`,
        '',
        `- Workflow: passwordReset, id reset-ITSM-42, run ${RUN}, namespace default, task queue it-support`,
        '- Ticket: jira ITSM-42 (id 10042)',
        '- Trigger: ticket created, received 2026-11-26T10:00:00.000Z',
        '- Requester: jdoe',
        '- Target: jdoe',
        '- Time: 2026-11-26T10:00:00.500Z – 2026-11-26T10:00:05.000Z, 4.5 s',
        '',
        '### Permission decisions',
        '',
        '1. password.reset: allowed, rule own-account: Anyone may reset their own password. (2026-11-26T10:00:01.200Z)',
        '',
        '### Actions',
        '',
        '1. check permission → jdoe: succeeded: allowed by own-account (2026-11-26T10:00:01.000Z – 2026-11-26T10:00:01.200Z, 200 ms)',
        '2. reset password → jdoe: succeeded: temporary password sent to the registered e-mail address (2026-11-26T10:00:01.300Z – 2026-11-26T10:00:03.800Z, 2.5 s)',
        '3. comment on ticket → ITSM-42: succeeded: told the requester (2026-11-26T10:00:03.900Z – 2026-11-26T10:00:04.300Z, 400 ms)',
        '4. resolve ticket → ITSM-42: succeeded: resolved (2026-11-26T10:00:04.400Z – 2026-11-26T10:00:04.900Z, 500 ms)',
        '',
        '### Summary',
        '',
        passwordReset.summary,
        '',
      ].join('\n'),
    );
    // Only directory ids: the help-desk account id is not in the note.
    expect(note).not.toContain(JIRA_JDOE);
    expect(completeness(passwordReset)).toEqual([]);
  });

  it('renders a refused reset: the denying rule and its reason, the hand-off, no link without a UI address', () => {
    const note = renderWorkNote(refused, POLICY);
    expect(lines(note)[0]).toBe('## Refused · INC0010023 · reset-INC0010023');
    expect(note).toContain('- Ticket: servicenow INC0010023 (id 9d4c1f2e1b8e4d10a6c2f00e2f3a7b51)');
    expect(note).toContain('- Requester: sam.helper\n- Target: dana.admin\n- Time: 2026-11-26T11:00:00.000Z – 2026-11-26T11:00:02.000Z, 2.0 s');
    expect(note).toContain(
      '1. password.reset: denied, rule protected-accounts: Accounts in privileged groups are reset only by tier-2 administrators. (2026-11-26T11:00:01.100Z)',
    );
    expect(note).toContain(
      '3. route to queue → INC0010023: succeeded: queue service-desk (protected-accounts) (2026-11-26T11:00:01.700Z – 2026-11-26T11:00:02.000Z, 300 ms)',
    );
    expect(note).not.toContain('Temporal UI');
    expect(note).not.toContain('### Not recorded');
    expect(note).not.toContain('helpdesk'); // the decision's facts (groups) are in the JSON, not the note
  });

  it('renders a software install with its approval and later ticket updates', () => {
    const note = renderWorkNote(softwareInstall, POLICY, { uiUrl: 'https://temporal.example.org/ui' });
    expect(lines(note)[0]).toBe(
      `## Resolved · 35436 · install-35436 · [run in Temporal UI](https://temporal.example.org/ui/namespaces/support/workflows/install-35436/${RUN}/history)`,
    );
    expect(note).toContain('- Ticket: zendesk 35436 (id 35436)');
    expect(note).toContain('- Time: 2026-11-26T09:00:00.000Z – 2026-11-26T11:05:00.000Z, 2 h 5 min');
    expect(note).toContain(
      '5. install software → LT-0042: succeeded: Adobe Acrobat Pro 2024.005 installed on LT-0042 (2026-11-26T09:42:10.100Z – 2026-11-26T09:44:15.100Z, 2 min 5 s)',
    );
    expect(note).toContain('### Approvals\n\n1. asmith: approved, “ok for the audit” (2026-11-26T09:42:09.000Z)');
    expect(note).toContain('### Ticket updates\n\n1. commented (2026-11-26T09:30:00.000Z), status open\n2. updated (2026-11-26T09:44:20.000Z)\n\n### Summary');
    expect(note).not.toContain('366457839234');
  });

  it('renders a troubleshooting session: the path as a numbered list, and the KB reference', () => {
    const note = renderWorkNote(troubleshooting, POLICY);
    expect(note).toContain(
      [
        '### Troubleshooting: tree network-connectivity, version 9c1f04ab',
        '',
        '1. Question ask “Is it only this device?” → Only this device [one], answered by sam.helper (2026-11-26T16:31:01.000Z)',
        '2. Check ip → apipa=true, address=169.254.10.3; matched apipa equals true (2026-11-26T16:31:02.400Z)',
        '3. Action renew: confirmed by sam.helper (2026-11-26T16:32:58.000Z)',
        '4. Action renew → ok: lease renewed: 10.0.0.23 (2026-11-26T16:33:04.100Z)',
        '5. Check recheck → apipa=false, address=10.0.0.23; matched apipa equals false (2026-11-26T16:33:04.500Z)',
        '6. Resolution fixed (2026-11-26T16:33:04.500Z)',
        '',
        'Knowledge base: KB-NET-0007',
        '',
        '### Summary',
      ].join('\n'),
    );
    expect(note).toContain('- Target: LT-0042');
  });

  it('renders every kind of path step, including the odd ones', () => {
    const r = structuredClone(troubleshooting);
    const at = '2026-11-26T16:40:00.000Z';
    r.troubleshooting!.kb = null;
    r.troubleshooting!.path = [
      { tree: 'network-connectivity', node: 'dns', kind: 'subtree', at },
      { tree: 'dns', node: 'which', kind: 'question', choice: 'all', by: 'sam.helper', at },
      { tree: 'dns', node: 'which', kind: 'question', by: 'sam.helper', at },
      { tree: 'dns', node: 'server', kind: 'question', label: 'The office one', by: 'sam.helper', at },
      { tree: 'dns', node: 'lookup', kind: 'check', result: {}, at },
      { tree: 'dns', node: 'lookup', kind: 'check', result: { servers: ['10.0.0.2', '10.0.0.3'], detail: 'multi\nline' }, at },
      { tree: 'dns', node: 'lookup', kind: 'check', at },
      { tree: 'dns', node: 'flush', kind: 'action', choice: 'skip', by: 'sam.helper', outcome: 'skipped', at },
      { tree: 'dns', node: 'flush', kind: 'action', outcome: 'failed', at },
      { tree: 'dns', node: 'odd', kind: 'teleport', at },
    ];
    const note = renderWorkNote(r, POLICY);
    expect(note).toContain(
      [
        '1. Subtree dns entered (2026-11-26T16:40:00.000Z)',
        '2. Question dns/which → all, answered by sam.helper (2026-11-26T16:40:00.000Z)',
        '3. Question dns/which → answer not recorded, answered by sam.helper (2026-11-26T16:40:00.000Z)',
        '4. Question dns/server → The office one, answered by sam.helper (2026-11-26T16:40:00.000Z)',
        '5. Check dns/lookup → no values (2026-11-26T16:40:00.000Z)',
        '6. Check dns/lookup → servers=["10.0.0.2","10.0.0.3"], detail=multi line (2026-11-26T16:40:00.000Z)',
        '7. Check dns/lookup → result not recorded (2026-11-26T16:40:00.000Z)',
        '8. Action dns/flush: skipped by sam.helper (2026-11-26T16:40:00.000Z)',
        '9. Action dns/flush → failed (2026-11-26T16:40:00.000Z)',
        '10. Step dns/odd (teleport) (2026-11-26T16:40:00.000Z)',
        '',
        '### Summary',
      ].join('\n'),
    );
    expect(note).not.toContain('Knowledge base:');
    expect(completeness(r)).toEqual(['not recorded: answer to which', 'not recorded: result of check lookup']);
  });

  it('says "None." for empty lists and keeps a multi-line summary', () => {
    const r = { ...passwordReset, decisions: [], actions: [], summary: 'First line.\nSecond line.\n' };
    const note = renderWorkNote(r, POLICY);
    expect(note).toContain('### Permission decisions\n\nNone.\n\n### Actions\n\nNone.\n\n### Summary\n\nFirst line.\nSecond line.\n');
  });
});

describe('knowledge-base draft', () => {
  it('is written for a resolved troubleshooting session', () => {
    expect(renderKbDraft(troubleshooting, POLICY)).toBe(
      [
        '# network-connectivity: The address was missing; renewing the lease fixed it.',
        '',
        '> Draft written from a resolved troubleshooting session; review it before publishing.',
        '',
        '## Symptoms',
        '',
        '- Is it only this device? → Only this device',
        '',
        '## Diagnosis',
        '',
        '- ip: apipa=true, address=169.254.10.3 (matched apipa equals true)',
        '- recheck: apipa=false, address=10.0.0.23 (matched apipa equals false)',
        '',
        '## Fix',
        '',
        '- renew: lease renewed: 10.0.0.23',
        '',
        '## Resolution',
        '',
        'The address was missing; renewing the lease fixed it.',
        '',
        'Knowledge base: KB-NET-0007',
        '',
        '---',
        '',
        'Based on session ticket-jira-ITSM-50 (tree network-connectivity, version 9c1f04ab).',
        '',
      ].join('\n'),
    );
  });

  it('is null for other records and for sessions that did not end resolved', () => {
    expect(renderKbDraft(passwordReset, POLICY)).toBeNull();
    expect(renderKbDraft(softwareInstall, POLICY)).toBeNull();
    expect(renderKbDraft({ ...troubleshooting, outcome: 'escalated' }, POLICY)).toBeNull();
    expect(renderKbDraft(null, POLICY)).toBeNull();
  });

  it('lists each symptom once, says what was not recorded, and works without a KB reference', () => {
    const at = '2026-11-26T16:40:00.000Z';
    const r = {
      ...troubleshooting,
      summary: '',
      workflow: { type: 'troubleshootSession' },
      troubleshooting: {
        tree: 'printer',
        version: 'v1',
        kb: null,
        path: [
          { tree: 'printer', node: 'q', kind: 'question', choice: 'yes', by: 'sam.helper', at },
          { tree: 'printer', node: 'q', kind: 'question', choice: 'yes', by: 'sam.helper', at },
          { tree: 'printer', node: 'q2', kind: 'question', label: 'No', by: 'sam.helper', at },
          { tree: 'printer', node: 'spool', kind: 'check', at },
          { tree: 'printer', node: 'spool', kind: 'check', result: {}, at },
          { tree: 'printer', node: 'restart', kind: 'action', outcome: 'ok', at },
          { tree: 'printer', node: 'clear', kind: 'action', outcome: 'failed', detail: 'access denied', at },
        ],
      },
    };
    const kb = renderKbDraft(r, POLICY)!;
    expect(kb).toContain('# printer: resolved\n');
    expect(kb).toContain(
      '## Symptoms\n\n- q → yes\n- q2 → No\n\n## Diagnosis\n\n- spool: result not recorded\n- spool: no values\n\n## Fix\n\n- restart\n\n## Resolution\n\nNot recorded.\n\n---',
    );
    expect(kb).toContain('Based on session not recorded (tree printer, version v1).');
    const empty = renderKbDraft({ ...r, troubleshooting: { tree: 'printer', version: 'v1', kb: null } }, POLICY)!;
    expect(empty).toContain('## Symptoms\n\n- None recorded.\n\n## Diagnosis\n\n- None recorded.\n\n## Fix\n\n- None recorded.');
  });
});

describe('incomplete records', () => {
  it('lists what a cancelled run with lost fields does not hold, and still renders it', () => {
    const r = cancelledWithGaps();
    expect(completeness(r)).toEqual([
      'not recorded: ticket',
      'not recorded: run id',
      "not recorded: requester's directory account",
      'not recorded: target',
      'not recorded: permission decisions',
      'not recorded: result of step install software',
      'not recorded: approval time',
      'not recorded: summary',
      'not recorded: finish time',
    ]);
    const note = renderWorkNote(r, POLICY, { uiUrl: UI });
    expect(lines(note)[0]).toBe('## Cancelled · no ticket · install-35436'); // no run id, so no link
    expect(note).toContain('- Workflow: softwareInstall, id install-35436, run not recorded, namespace support, task queue it-support');
    expect(note).toContain('- Ticket: not recorded\n');
    expect(note).toContain('- Requester: not recorded\n- Target: not recorded\n- Time: 2026-11-26T09:00:00.000Z – end not recorded\n');
    expect(note).toContain('### Permission decisions\n\nNot recorded.');
    expect(note).toContain('2. install software → LT-0042: result not recorded: cancelled (2026-11-26T09:42:10.100Z – end not recorded)');
    expect(note).toContain('1. asmith: approved (time not recorded)');
    expect(note).toContain('1. deleted (2026-11-26T09:42:30.000Z), closed');
    expect(note).toContain('### Summary\n\nNot recorded.\n');
    expect(note).toContain(
      [
        '### Not recorded',
        '',
        '- not recorded: ticket',
        '- not recorded: run id',
        "- not recorded: requester's directory account",
        '- not recorded: target',
        '- not recorded: permission decisions',
        '- not recorded: result of step install software',
        '- not recorded: approval time',
        '- not recorded: summary',
        '- not recorded: finish time',
        '',
      ].join('\n'),
    );
    expect(renderKbDraft(r, POLICY)).toBeNull();
    const doc = documentJson(r, POLICY);
    expect(doc.completeness).toEqual(completeness(r));
    expect(doc.generatedFrom).toEqual({ workflowId: 'install-35436', runId: null });
    expect(doc).not.toHaveProperty('ticket');
    expect(doc).not.toHaveProperty('decisions');
  });

  it('names every missing field of an empty record, and renders it', () => {
    expect(completeness({})).toEqual([
      'not recorded: schema version',
      'not recorded: ticket',
      'not recorded: trigger',
      'not recorded: workflow',
      'not recorded: requester',
      'not recorded: target',
      'not recorded: permission decisions',
      'not recorded: actions',
      'not recorded: compensations',
      'not recorded: approvals',
      'not recorded: ticket updates',
      'not recorded: outcome',
      'not recorded: summary',
      'not recorded: start time',
      'not recorded: finish time',
    ]);
    const note = renderWorkNote({}, POLICY, { uiUrl: UI });
    expect(lines(note).slice(0, 8)).toEqual([
      '## Outcome not recorded · no ticket · workflow id not recorded',
      '',
      '- Workflow: not recorded, id not recorded, run not recorded, namespace not recorded, task queue not recorded',
      '- Ticket: not recorded',
      '- Trigger: not recorded',
      '- Requester: not recorded',
      '- Target: not recorded',
      '- Time: start not recorded – end not recorded',
    ]);
    expect(documentJson({}, POLICY)).toEqual({ completeness: completeness({}), generatedFrom: { workflowId: null, runId: null } });
  });

  it('names the missing fields of each list entry and nested object', () => {
    const r = {
      ticket: {},
      trigger: {},
      workflow: { type: 'troubleshootSession' },
      requester: {},
      decisions: [{}],
      actions: [{}],
      approvals: [{}],
      troubleshooting: { path: [{ kind: 'question' }, { kind: 'action', choice: 'confirm' }, { node: 'c', kind: 'check' }, {}] },
      ticketUpdates: [{}],
    };
    expect(completeness(r)).toEqual([
      'not recorded: schema version',
      'not recorded: ticket source',
      'not recorded: ticket id',
      'not recorded: ticket key',
      'not recorded: ticket summary',
      'not recorded: trigger kind',
      'not recorded: trigger event',
      'not recorded: time the trigger was received',
      'not recorded: workflow id',
      'not recorded: run id',
      'not recorded: namespace',
      'not recorded: task queue',
      "not recorded: requester's help-desk account",
      "not recorded: requester's directory account",
      'not recorded: target',
      'not recorded: action of decision #1',
      'not recorded: result of decision #1',
      'not recorded: rule of decision #1',
      'not recorded: reason for decision #1',
      'not recorded: facts of decision #1',
      'not recorded: time of decision #1',
      'not recorded: name of step #1',
      'not recorded: start of step #1',
      'not recorded: result of step #1',
      'not recorded: detail of step #1',
      'not recorded: compensations',
      'not recorded: approver',
      'not recorded: approval decision',
      'not recorded: approval time',
      'not recorded: troubleshooting tree',
      'not recorded: tree version',
      'not recorded: node of troubleshooting step #1',
      'not recorded: time of troubleshooting step #1',
      'not recorded: answer to #1',
      'not recorded: who answered #1',
      'not recorded: node of troubleshooting step #2',
      'not recorded: time of troubleshooting step #2',
      'not recorded: who confirmed #2',
      'not recorded: time of troubleshooting step c',
      'not recorded: result of check c',
      'not recorded: node of troubleshooting step #4',
      'not recorded: kind of troubleshooting step #4',
      'not recorded: time of troubleshooting step #4',
      'not recorded: event of ticket update #1',
      'not recorded: time of ticket update #1',
      'not recorded: outcome',
      'not recorded: summary',
      'not recorded: start time',
      'not recorded: finish time',
    ]);
    const note = renderWorkNote(r, POLICY);
    expect(note).toContain('- Ticket: not recorded not recorded (id not recorded)\n- Trigger: not recorded not recorded, received not recorded\n');
    expect(note).toContain('1. not recorded: result not recorded, rule not recorded: not recorded (not recorded)');
    expect(note).toContain('### Actions\n\n1. not recorded: result not recorded (start not recorded – end not recorded)');
    expect(note).toContain('1. not recorded: not recorded (time not recorded)');
    expect(note).toContain(
      '### Troubleshooting: tree not recorded, version not recorded\n\n1. Question not recorded → answer not recorded, answered by not recorded (not recorded)',
    );
    expect(note).toContain(
      '2. Action not recorded: confirmed by not recorded (not recorded)\n3. Check c → result not recorded (not recorded)\n4. Step not recorded (not recorded) (not recorded)',
    );
    expect(note).toContain('### Ticket updates\n\n1. not recorded (not recorded)\n');
  });

  it('asks for the troubleshooting path of a session, the ticket of a ticket-triggered run, and nothing of the rest', () => {
    expect(completeness({ ...troubleshooting, troubleshooting: null })).toEqual(['not recorded: troubleshooting path']);
    expect(completeness({ ...troubleshooting, troubleshooting: { tree: 't', version: 'v', kb: null } })).toEqual(['not recorded: troubleshooting path']);
    const section = renderWorkNote({ ...troubleshooting, troubleshooting: { tree: 't', version: 'v', kb: null } }, POLICY);
    expect(section).toContain('### Troubleshooting: tree t, version v\n\nNot recorded.');
    expect(completeness({ ...passwordReset, ticket: null })).toEqual(['not recorded: ticket']);
    expect(completeness({ ...passwordReset, ticket: null, trigger: { ...passwordReset.trigger, kind: 'api' } })).toEqual([]);
    expect(renderWorkNote({ ...passwordReset, ticket: null }, POLICY)).toContain('- Ticket: none\n');
    // A finish before the start shows no duration rather than a negative one.
    expect(renderWorkNote({ ...passwordReset, finishedAt: '2026-11-26T09:00:00.000Z' }, POLICY)).toContain(
      '- Time: 2026-11-26T10:00:00.500Z – 2026-11-26T09:00:00.000Z\n',
    );
  });

  it('reports values that do not fit the record as unreadable, never throwing', () => {
    const r = {
      ...passwordReset,
      outcome: 'maybe',
      startedAt: 'yesterday',
      actions: [passwordReset.actions[0], 'garbage', { ...passwordReset.actions[1], status: 'done' }],
    };
    expect(completeness(r)).toEqual([
      'not recorded: result of step reset password',
      'not recorded: outcome',
      'not recorded: start time',
      'unreadable: actions[1]',
      'unreadable: actions[2].status',
      'unreadable: outcome',
      'unreadable: startedAt',
    ]);
    for (const junk of [null, 'text', 42, [], { decisions: 'x', troubleshooting: 7 }]) {
      expect(() => renderWorkNote(junk, POLICY)).not.toThrow();
      expect(() => documentJson(junk, POLICY)).not.toThrow();
    }
    expect(completeness(null)).toContain('unreadable: record');
    expect(completeness({ decisions: 'x' })).toContain('unreadable: decisions');
  });
});

describe('redaction in documents', () => {
  const planted = () => {
    const r = structuredClone(passwordReset) as ResolutionRecord;
    r.actions[1] = {
      ...r.actions[1]!,
      status: 'failed',
      detail: 'mail to jane.doe@example.com bounced; call +44 20 7946 0958; refund to DE89 3704 0044 0532 0130 00; password: Tr0ub4dor&3',
    };
    r.decisions[0]!.facts = {
      ...r.decisions[0]!.facts,
      grant: { action: 'password.reset', target: 'jdoe', expiresAt: '2026-11-26T10:05:00.000Z', signature: 'c2lnbmF0dXJlLXNlY3JldA' },
    };
    r.summary = 'Reset failed for jane.doe@example.com (mobile 0151 23456789). temporaryPassword=Xy7!pQ2#rT9@kL4$';
    r.approvals = [
      { approver: 'asmith', decision: 'approved', comment: 'IBAN GB29NWBK60161331926819 confirmed by phone 020 7946 0958', at: '2026-11-26T10:00:02.000Z' },
    ];
    return r;
  };
  const SECRETS = [
    'jane.doe@example.com',
    '7946 0958',
    '7946',
    '23456789',
    'DE89',
    '3704 0044',
    'GB29NWBK',
    'Tr0ub4dor',
    'Xy7!pQ2',
    'c2lnbmF0dXJl',
    'expiresAt',
  ];

  it('leaves no planted secret or personal data in any output', () => {
    const record = planted();
    const troubled = structuredClone(troubleshooting);
    troubled.troubleshooting!.path[1]!.detail = 'token=c2lnbmF0dXJlLXNlY3JldA for jane.doe@example.com';
    troubled.troubleshooting!.path[3]!.detail = 'renewed; user called from +44 20 7946 0958';
    troubled.summary = 'Fixed for jane.doe@example.com';
    const outputs = [
      renderWorkNote(record, POLICY, { uiUrl: UI }),
      JSON.stringify(documentJson(record, POLICY)),
      renderWorkNote(troubled, POLICY),
      renderKbDraft(troubled, POLICY)!,
      JSON.stringify(documentJson(troubled, POLICY)),
    ];
    for (const out of outputs) for (const s of SECRETS) expect(out).not.toContain(s);
    const note = outputs[0]!;
    expect(note).toContain('2. reset password → jdoe: failed: mail to [email] bounced; call [phone]; refund to [iban]; password: [secret] (');
    expect(note).toContain('1. asmith: approved, “IBAN [iban] confirmed by phone [phone]” (2026-11-26T10:00:02.000Z)');
    expect(note).toContain('### Summary\n\nReset failed for [email] (mobile [phone]). temporaryPassword=[secret]\n');
    const doc = documentJson(record, POLICY);
    expect(doc.decisions![0]!.facts).toMatchObject({ grant: '[secret]', requester: 'jdoe' });
    expect(outputs[3]).toContain('- ip: apipa=true, address=169.254.10.3 (token=[secret] for [email])');
    expect(outputs[3]).toContain('- renew: renewed; user called from [phone]');
  });

  it('applies the policy: with masks off, e-mails stay but secrets still go', () => {
    const open = RedactionPolicy.parse({ maskEmails: false, maskPhones: false, secretKeys: ['grant'] });
    const note = renderWorkNote(planted(), open);
    expect(note).toContain('jane.doe@example.com');
    expect(note).toContain('+44 20 7946 0958');
    expect(note).not.toContain('Tr0ub4dor');
    expect(JSON.stringify(documentJson(planted(), open))).not.toContain('c2lnbmF0dXJl');
  });
});

describe('output', () => {
  it('is stable (same input, same text) and duplicate-free', () => {
    for (const record of [passwordReset, refused, softwareInstall, troubleshooting, cancelledWithGaps()]) {
      const copy = structuredClone(record);
      expect(renderWorkNote(copy, POLICY, { uiUrl: UI })).toBe(renderWorkNote(record, POLICY, { uiUrl: UI }));
      expect(renderKbDraft(copy, POLICY)).toBe(renderKbDraft(record, POLICY));
      expect(JSON.stringify(documentJson(copy, POLICY))).toBe(JSON.stringify(documentJson(record, POLICY)));
      const note = renderWorkNote(record, POLICY, { uiUrl: UI });
      const headings = lines(note).filter((l) => l.startsWith('#'));
      expect(new Set(headings).size).toBe(headings.length);
      const gaps = completeness(record);
      expect(new Set(gaps).size).toBe(gaps.length);
    }
    // Two steps with the same name and both results missing: one line.
    const twice = {
      ...passwordReset,
      actions: [
        { ...passwordReset.actions[0], finishedAt: undefined },
        { ...passwordReset.actions[0], status: undefined, finishedAt: undefined },
      ],
    };
    expect(completeness(twice)).toEqual(['not recorded: result of step check permission']);
  });

  it('does not change the record it is given', () => {
    const record = structuredClone(troubleshooting);
    renderWorkNote(record, POLICY);
    documentJson(record, POLICY);
    expect(record).toEqual(troubleshooting);
  });

  it('links to the run in the Temporal UI with encoded parts', () => {
    expect(temporalRunUrl('http://ui:8233//', 'my ns', 'ticket/ITSM 1', 'r')).toBe('http://ui:8233/namespaces/my%20ns/workflows/ticket%2FITSM%201/r/history');
  });
});

describe('JSON document', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const validate = ajv.compile(resolutionDocumentJsonSchema());

  it('is the redacted record with its completeness and origin', () => {
    const doc = documentJson(softwareInstall, POLICY);
    expect(doc).toEqual({ ...softwareInstall, completeness: [], generatedFrom: { workflowId: 'install-35436', runId: RUN } });
    expect(Object.keys(doc).slice(-2)).toEqual(['completeness', 'generatedFrom']);
  });

  it('is valid against the published JSON Schema, complete or not', () => {
    const records: unknown[] = [
      passwordReset,
      refused,
      softwareInstall,
      troubleshooting,
      cancelledWithGaps(),
      {},
      null,
      { outcome: 'maybe', actions: ['x', {}] },
    ];
    for (const record of records) {
      const doc = documentJson(record, POLICY);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      expect(ResolutionDocument.safeParse(doc).success).toBe(true);
    }
    expect(validate({ ...documentJson(passwordReset, POLICY), outcome: 'maybe' })).toBe(false);
    expect(validate({ outcome: 'resolved' })).toBe(false);
  });

  it('is committed as docs/resolution-record.schema.json, in step with the zod schema', () => {
    const text = readFileSync('docs/resolution-record.schema.json', 'utf8');
    expect(text).toBe(`${JSON.stringify(resolutionDocumentJsonSchema(), null, 2)}\n`);
  });
});

describe('activity attempts, parameters, rollbacks and definitions', () => {
  const created = {
    name: 'create account',
    target: 'new.hire',
    status: 'succeeded' as const,
    detail: 'created',
    startedAt: '2026-11-26T12:00:01.000Z',
    finishedAt: '2026-11-26T12:00:02.000Z',
    activity: 'createAccount',
    activityId: '3',
  };
  const onboarding = ResolutionRecord.parse({
    ...passwordReset,
    ticket: null,
    trigger: { kind: 'api', event: 'started by staff', receivedAt: '2026-11-26T12:00:00.000Z' },
    workflow: { ...passwordReset.workflow, type: 'definitionRun', workflowId: 'definition-onboarding-new.hire' },
    decisions: [],
    actions: [
      { ...created, attempts: 3, parameters: { userId: 'new.hire', displayName: 'New Hire', grant: '[secret]', contact: 'new.hire@example.com' } },
      { ...created, name: 'create mailbox', activity: 'createMailbox', activityId: '5', status: 'failed', detail: 'mailbox service unavailable' },
    ],
    compensations: [
      { ...created, name: 'delete account', activity: 'deleteAccount', activityId: '8', detail: 'deleted', attempts: 1, parameters: { userId: 'new.hire' } },
    ],
    definition: { id: 'onboarding', version: 'sha256:abc' },
    outcome: 'failed',
  });

  it('shows attempts, redacted parameters, the rollback and the definition version in the work note', () => {
    const note = renderWorkNote(onboarding, POLICY);
    expect(note).toContain('- Definition: onboarding, version sha256:abc');
    expect(note).toContain(
      '1. create account → new.hire [userId=new.hire, displayName=New Hire, grant=[secret], contact=[email]]: succeeded: created (2026-11-26T12:00:01.000Z – 2026-11-26T12:00:02.000Z, 1.0 s, 3 attempts)',
    );
    expect(note).toMatch(/### Rolled back\n\n1\. delete account → new\.hire \[userId=new\.hire\]: succeeded: deleted \([^)]*1\.0 s\)\n/);
    expect(note).not.toContain('new.hire@example.com');
  });

  it('shortens long arguments, shows any value, and says how the ticket came in', () => {
    const r = {
      ...onboarding,
      trigger: { kind: 'ticket', event: 'created', receivedAt: '2026-11-26T12:00:00.000Z', via: 'reconciliation' },
      actions: [{ ...onboarding.actions[0], parameters: { body: 'word '.repeat(30), count: 3, nothing: null, gone: undefined } }],
    };
    const note = renderWorkNote(r, POLICY);
    expect(note).toContain('- Trigger: ticket created via reconciliation, received 2026-11-26T12:00:00.000Z');
    expect(note).toContain(`[body=${'word '.repeat(12).slice(0, 59)}…, count=3, nothing=null, gone=null]`);
  });

  it('lists steps whose audit entry is missing, and a definition run without its version', () => {
    expect(completeness(onboarding)).toEqual(['not recorded: attempts of step create mailbox', 'not recorded: parameters of step create mailbox']);
    expect(completeness({ ...onboarding, definition: null, compensations: [{}] })).toEqual([
      'not recorded: attempts of step create mailbox',
      'not recorded: parameters of step create mailbox',
      'not recorded: name of compensation #1',
      'not recorded: start of compensation #1',
      'not recorded: result of compensation #1',
      'not recorded: definition version',
    ]);
    expect(completeness({ ...onboarding, definition: { id: 'onboarding' } })).toContain('not recorded: definition version');
    expect(completeness(passwordReset)).toEqual([]);
  });
});
