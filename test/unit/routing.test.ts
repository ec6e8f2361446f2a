import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ContentError, parseContent } from '../../src/domain/content.js';
import { RoutingConfig, routeTicket } from '../../src/domain/routing.js';
import { normaliseJira } from '../../src/domain/sources/jira.js';
import type { TicketEvent } from '../../src/domain/ticket.js';
import { jiraIssueCreated } from '../helpers/tickets.js';

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
    const decision = routeTicket(shipped, event({ labels: ['network-incident'], summary: 'Laptop offline', description: '', fields: { customfield_10080: 'LT-0042' } }));
    expect(decision).toMatchObject({ kind: 'definition', definition: 'incident-network', input: { deviceId: 'LT-0042' }, rule: { id: 'network-incident' } });
    expect(routeTicket(shipped, event({ labels: ['network-incident'], summary: 'Laptop offline', description: '' }))).toMatchObject({ kind: 'definition', input: {} });
  });

  it('do not fire on an edit of a password ticket', () => {
    expect(routeTicket(shipped, event({}, 'commented'))).toEqual({ kind: 'ignore', rule: null });
  });
});

describe('rule matching', () => {
  it('checks every criterion, case-insensitively, and picks the highest priority first', () => {
    const rules = config([
      { id: 'low', when: { text: 'vpn' }, start: { workflow: 'passwordReset' } },
      {
        id: 'high',
        priority: 10,
        when: { sources: ['jira'], events: ['created'], issueTypes: ['service request'], priorities: ['MEDIUM'], components: ['Network'], labels: ['remote'], requestTypes: ['VPN'], categories: ['network'] },
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
    expect(issues('rules:\n  - id: bad-id\n    start: { definition: Onboarding }\n')).toEqual([expect.objectContaining({ path: 'rules[0].start.definition', message: expect.stringContaining('definition id') })]);
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
