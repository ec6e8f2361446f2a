import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ContentError, parseContent } from '../../../../src/domain/content.js';
import { RoutingConfig, routeTicket } from '../../../../src/domain/tickets/routing.js';
import { normaliseJira } from '../../../../src/domain/sources/jira.js';
import type { TicketEvent } from '../../../../src/domain/tickets/ticket.js';
import { jiraIssueCreated } from '../../../helpers/tickets.js';

const shipped = parseContent(readFileSync('content/routing.yaml', 'utf8'), RoutingConfig, 'content/routing.yaml');

function event(overrides: Partial<TicketEvent['ticket']> = {}, eventType: TicketEvent['eventType'] = 'created'): TicketEvent {
  const base = normaliseJira(jiraIssueCreated());
  return { ...base, eventType, ticket: { ...base.ticket, ...overrides } };
}

const config = (rules: unknown[], extra: Record<string, unknown> = {}) => RoutingConfig.parse({ rules, ...extra });

describe('routing rules shipped in content/routing.yaml', () => {
  it('send a password request to the passwordReset workflow', () => {
    const decision = routeTicket(shipped, event());
    expect(decision).toMatchObject({ kind: 'start', workflow: 'passwordReset', input: {} });
    expect(decision.kind === 'start' && decision.rule.id).toBe('password-reset');
  });

  it('map the JSM "Account" field to the account to reset', () => {
    const decision = routeTicket(shipped, event({ fields: { customfield_10060: ' bob.gone ' } }));
    expect(decision).toMatchObject({ kind: 'start', input: { targetAccount: 'bob.gone' } });
  });

  it('leave opted-out tickets alone, whatever else matches', () => {
    expect(routeTicket(shipped, event({ labels: ['No-Automation'] }))).toMatchObject({ kind: 'ignore', rule: { id: 'opt-out' } });
  });

  it('hand unmatched new tickets to the service desk and ignore unmatched edits', () => {
    const other = { summary: 'Monitor flickers', description: 'since Monday' };
    expect(routeTicket(shipped, event(other))).toEqual({ kind: 'unmatched', queue: 'service-desk', comment: expect.stringContaining('service desk') });
    expect(routeTicket(shipped, event(other, 'updated'))).toEqual({ kind: 'ignore', rule: null });
  });

  it('send a network incident to the incident-network definition, with the device from the form when given', () => {
    const decision = routeTicket(
      shipped,
      event({ labels: ['network-incident'], summary: 'Laptop offline', description: '', fields: { customfield_10080: 'LT-0042' } }),
    );
    expect(decision).toMatchObject({ kind: 'definition', definition: 'incident-network', input: { deviceId: 'LT-0042' }, rule: { id: 'network-incident' } });
    expect(routeTicket(shipped, event({ labels: ['network-incident'], summary: 'Laptop offline', description: '' }))).toMatchObject({
      kind: 'definition',
      input: {},
    });
  });

  it.each([
    ['I forgot my e-mail password', 'password-reset'],
    ['Outlook keeps asking for my password again', 'email-troubleshooting'],
    ['Outlook will not start since the update', 'email-troubleshooting'],
    ['No new e-mail in my inbox since this morning', 'email-troubleshooting'],
    ['Teams and Outlook say offline', 'network-troubleshooting'],
    ['The printer on 3rd floor shows offline', 'printer-troubleshooting'],
    ['Paper jam in PRN-3F-EAST, nothing prints', 'printer-troubleshooting'],
    ['VPN cannot connect from home', 'network-troubleshooting'],
  ])('route “%s” to %s, and each shipped tree has a rule', (summary, rule) => {
    const decision = routeTicket(shipped, event({ summary, description: '' }));
    expect(decision).toMatchObject({ rule: { id: rule } });
    const trees = shipped.rules.flatMap((r) =>
      r.start?.workflow === 'troubleshootSession' && r.start.input.tree && 'const' in r.start.input.tree ? [r.start.input.tree.const] : [],
    );
    expect(trees.sort()).toEqual(['email-client', 'network-connectivity', 'printer']);
  });

  it('read each help desk’s own custom field for a named field (ids differ per site)', () => {
    const install = { summary: 'Please install VS Code', description: '' };
    const jira = routeTicket(shipped, event({ ...install, fields: { customfield_10070: 'vscode' } }));
    expect(jira).toMatchObject({ kind: 'start', workflow: 'softwareInstall', input: { softwareId: 'vscode' } });
    const servicenow = routeTicket(shipped, { ...event({ ...install, fields: { u_software: 'wireshark' } }), source: 'servicenow' });
    expect(servicenow).toMatchObject({ kind: 'start', input: { softwareId: 'wireshark' } });
    const zendesk = routeTicket(shipped, { ...event({ ...install, fields: { ticket_field_360012351: 'acrobat-pro' } }), source: 'zendesk' });
    expect(zendesk).toMatchObject({ kind: 'start', input: { softwareId: 'acrobat-pro' } });
    // Jira's id on a Zendesk ticket means nothing there.
    expect(routeTicket(shipped, { ...event({ ...install, fields: { customfield_10070: 'vscode' } }), source: 'zendesk' })).toMatchObject({
      kind: 'incomplete',
      missing: ['softwareId (from ticket_field_360012351)'],
    });
  });

  it('hand over a ticket whose mapped field holds something else (on one real site customfield_10070 is a date)', () => {
    const decision = routeTicket(
      shipped,
      event({ summary: 'Please install VS Code', description: '', fields: { customfield_10070: '2024-05-01T00:00:00.000+0000' } }),
    );
    expect(decision).toMatchObject({
      kind: 'incomplete',
      rule: { id: 'software-install' },
      missing: ['softwareId (customfield_10070 does not hold a software (expected ^[a-z0-9][a-z0-9.+-]{0,63}$))'],
    });
    // Even an optional input: a wrong account is worse than none.
    expect(routeTicket(shipped, event({ fields: { customfield_10060: 'Bob Gone <bob@example.com>' } }))).toMatchObject({
      kind: 'incomplete',
      missing: [expect.stringMatching(/^targetAccount \(customfield_10060 does not hold a targetAccount/)],
    });
  });

  it('do not fire on an edit of a password ticket', () => {
    expect(routeTicket(shipped, event({}, 'commented'))).toEqual({ kind: 'ignore', rule: null });
  });
});

describe('field mappings', () => {
  const mapped = (fields: Record<string, unknown>) =>
    config([{ id: 'r', when: { events: ['created'] }, start: { workflow: 'passwordReset', input: { targetAccount: { field: 'targetAccount' } } } }], {
      fields,
    });

  it('say when the ticket’s help desk has no id for a named field', () => {
    expect(routeTicket(mapped({ targetAccount: { servicenow: 'u_target' } }), event({ fields: { u_target: 'bob.gone' } }))).toMatchObject({
      kind: 'incomplete',
      missing: ['targetAccount (no jira field is mapped to targetAccount)'],
    });
  });

  it('read a name that is not declared as the field id itself, and never an inherited property', () => {
    const raw = config([
      { id: 'r', when: {}, start: { workflow: 'passwordReset', input: { a: { field: 'customfield_1' }, b: { field: 'constructor', optional: true } } } },
    ]);
    expect(routeTicket(raw, event({ fields: { customfield_1: 'x' } }))).toMatchObject({ kind: 'start', input: { a: 'x' } });
    expect(routeTicket(mapped({}), event({ fields: {} }))).toMatchObject({ kind: 'incomplete', missing: ['targetAccount (from targetAccount)'] });
    expect(
      routeTicket(config([{ id: 'r', when: {}, start: { workflow: 'passwordReset', input: { a: { field: 'constructor' } } } }], { fields: {} }), event()),
    ).toMatchObject({ kind: 'incomplete' });
  });

  it('refuse a field name or pattern that cannot work', () => {
    expect(() => mapped({ 'Target Account': { jira: 'customfield_1' } })).toThrow(/a field name such as software/);
    expect(() => mapped({ targetAccount: { jira: 'customfield_1', pattern: '([' } })).toThrow(/not a valid regular expression/);
    expect(() => mapped({ targetAccount: { jira: 'customfield_1', sap: 'x' } })).toThrow(/sap/);
  });
});

describe('rule matching', () => {
  it('checks every criterion, case-insensitively, and picks the highest priority first', () => {
    const rules = config([
      { id: 'low', when: { text: 'vpn' }, start: { workflow: 'passwordReset' } },
      {
        id: 'high',
        priority: 10,
        when: {
          sources: ['jira'],
          events: ['created'],
          issueTypes: ['service request'],
          priorities: ['MEDIUM'],
          components: ['Network'],
          labels: ['remote'],
          requestTypes: ['VPN'],
          categories: ['network'],
        },
        start: { workflow: 'passwordReset', input: { mode: { const: 'vpn' } } },
      },
    ]);
    const vpn = event({ summary: 'VPN broken', components: ['network'], labels: ['remote'], requestType: 'vpn', category: 'Network' });
    expect(routeTicket(rules, vpn)).toMatchObject({ kind: 'start', rule: { id: 'high' }, input: { mode: 'vpn' } });
    expect(routeTicket(rules, { ...vpn, source: 'zendesk' })).toMatchObject({ rule: { id: 'low' } });
    expect(routeTicket(rules, event({ summary: 'VPN broken', components: [] }))).toMatchObject({ rule: { id: 'low' } });
    expect(routeTicket(rules, event({ summary: 'printer' }))).toMatchObject({ kind: 'unmatched' });
  });

  it('keeps file order between rules of equal priority', () => {
    const rules = config([
      { id: 'first', when: { text: 'x' }, ignore: true },
      { id: 'second', when: { text: 'x' }, start: { workflow: 'passwordReset' } },
    ]);
    expect(routeTicket(rules, event({ summary: 'x' }))).toMatchObject({ kind: 'ignore', rule: { id: 'first' } });
  });

  it('reports a rule whose required input field is missing as incomplete', () => {
    const rules = config([{ id: 'needs', start: { workflow: 'passwordReset', input: { targetAccount: { field: 'customfield_1' } } } }]);
    expect(routeTicket(rules, event({ fields: { customfield_1: '  ' } }))).toMatchObject({
      kind: 'incomplete',
      missing: ['targetAccount (from customfield_1)'],
      queue: 'service-desk',
    });
  });
});

describe('routing validation', () => {
  function issues(yaml: string) {
    try {
      parseContent(yaml, RoutingConfig, 'routing.yaml');
    } catch (e) {
      if (e instanceof ContentError) return e.issues;
      throw e;
    }
    throw new Error('expected a content error');
  }

  it('names the line and field of each mistake', () => {
    const found = issues(
      [
        'rules:',
        '  - id: a',
        '    start: { workflow: passwordReset }',
        '  - id: a',
        '    ignore: true',
        '  - id: Bad_Id',
        '    when: { text: "(unclosed" }',
        '    ignore: true',
        '    colour: red',
        '  - id: both',
        '    ignore: true',
        '    start: { workflow: sendFlowers }',
      ].join('\n'),
    );
    const at = (path: string) => found.find((i) => i.path === path);
    expect(at('rules[1].id')).toMatchObject({ line: 4, message: expect.stringContaining('duplicate rule id "a"') });
    expect(at('rules[2].id')).toMatchObject({ line: 6 });
    expect(at('rules[2].when.text')).toMatchObject({ line: 7, message: expect.stringContaining('not a valid regular expression') });
    expect(at('rules[2]')?.message).toMatch(/colour/);
    expect(at('rules[3].start.workflow')).toMatchObject({ line: 12 });
  });

  it('starts either a workflow or a definition, never both or neither', () => {
    expect(issues('rules:\n  - id: both\n    start: { workflow: passwordReset, definition: onboarding }\n')).toEqual([
      expect.objectContaining({ path: 'rules[0].start', message: 'start needs exactly one of `workflow:` or `definition:`' }),
    ]);
    expect(issues('rules:\n  - id: neither\n    start: { input: {} }\n')).toEqual([expect.objectContaining({ path: 'rules[0].start' })]);
    expect(issues('rules:\n  - id: bad-id\n    start: { definition: Onboarding }\n')).toEqual([
      expect.objectContaining({ path: 'rules[0].start.definition', message: expect.stringContaining('definition id') }),
    ]);
  });

  it('needs exactly one of start or ignore', () => {
    expect(issues('rules:\n  - id: nothing\n')).toEqual([expect.objectContaining({ path: 'rules[0]', message: expect.stringContaining('exactly one') })]);
  });
});

describe('content that is not an object', () => {
  it('is a validation error naming the root, never a crash', () => {
    for (const value of [null, undefined, 42, 'rules']) expect(RoutingConfig.safeParse(value).success).toBe(false);
  });
});
