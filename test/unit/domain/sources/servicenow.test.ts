import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../../src/config/index.js';
import { ValidationError } from '../../../../src/domain/errors.js';
import { incidentToWebhookBody, normaliseServiceNow, serviceNowDateToIso, ServiceNowWebhook } from '../../../../src/domain/sources/servicenow.js';
import { TicketEvent, toWorkflowTicket } from '../../../../src/domain/tickets/ticket.js';

const SAMPLE = JSON.parse(readFileSync(`${PROJECT_ROOT}/content/samples/servicenow/incident-created.json`, 'utf8')) as Record<string, any>;
const CALLER = '9ee1b13dc6112271007f9d0efdb69cd0';
const SYS_ID = '3c5d2e1f0a9b48c7d6e5f4a3b2c1d0e9';

const sample = (): Record<string, any> => structuredClone(SAMPLE);

function issuesOf(run: () => unknown, what = 'ServiceNow webhook body'): Array<{ path: string; message: string }> {
  try {
    run();
  } catch (e) {
    if (e instanceof ValidationError) {
      expect(e.what).toBe(what);
      return e.issues;
    }
    throw e;
  }
  throw new Error('expected a validation error');
}
const bodyIssues = (body: unknown) => issuesOf(() => normaliseServiceNow(body));

describe('ServiceNow webhook normalisation', () => {
  it('turns the sample incident.created envelope into a TicketEvent, field by field', () => {
    const event = normaliseServiceNow(SAMPLE);
    expect(TicketEvent.parse(event)).toEqual(event);
    expect(event.source).toBe('servicenow');
    expect(event.eventType).toBe('created');
    expect(event.sourceEventType).toBe('incident.created');
    expect(event.occurredAt).toBe('2026-11-26T09:20:00.000Z');
    expect(event.requester).toEqual({ externalId: CALLER });
    expect(event.ticket.id).toBe(SYS_ID);
    expect(event.ticket.key).toBe('INC0010042');
    expect(event.ticket.url).toBe(`https://acme.service-now.com/nav_to.do?uri=incident.do?sys_id=${SYS_ID}`);
    expect(event.ticket.summary).toBe('Password reset - locked out of my account');
    expect(event.ticket.description).toBe(
      'Hi, my password expired while I was on holiday and now I am locked out of Windows and e-mail.\nCall me on +44 20 7946 0958 if needed.',
    );
    expect(event.ticket.category).toBe('inquiry');
    expect(event.ticket.subcategory).toBe('password');
    expect(event.ticket.priority).toBe('4 - Low');
    expect(event.ticket.status).toBe('New');
    expect(event.ticket.issueType).toBeUndefined();
    expect(event.ticket.requestType).toBeUndefined();
    expect(event.ticket.labels).toEqual([]);
    expect(event.ticket.components).toEqual([]);
    // Every other non-empty field, references by sys_id; empty values and mapped fields left out.
    expect(event.ticket.fields).toEqual({
      impact: '3',
      urgency: '2',
      opened_by: CALLER,
      assignment_group: '8a5055c9c61122780043563ef53438e3',
      contact_type: 'self-service',
      u_site: 'London',
      sys_created_on: '2026-11-26 09:20:00',
      sys_created_by: 'jane.doe',
      sys_updated_by: 'jane.doe',
      sys_mod_count: '0',
      sys_class_name: 'incident',
      sys_domain: 'global',
    });
  });

  it('maps each event to the engine event type', () => {
    const expected = { 'incident.created': 'created', 'incident.updated': 'updated', 'incident.commented': 'commented', 'incident.deleted': 'deleted' };
    for (const [name, type] of Object.entries(expected)) {
      const event = normaliseServiceNow({ ...sample(), event: name });
      expect([event.eventType, event.sourceEventType]).toEqual([type, name]);
    }
  });

  it('maps every priority and state value to its name', () => {
    const priorities = { '1': '1 - Critical', '2': '2 - High', '3': '3 - Moderate', '4': '4 - Low', '5': '5 - Planning' };
    for (const [value, name] of Object.entries(priorities)) {
      const body = sample();
      body.incident.priority = value;
      expect(normaliseServiceNow(body).ticket.priority).toBe(name);
    }
    const states = { '1': 'New', '2': 'In Progress', '3': 'On Hold', '6': 'Resolved', '7': 'Closed', '8': 'Canceled' };
    for (const [value, name] of Object.entries(states)) {
      const body = sample();
      body.incident.state = value;
      expect(normaliseServiceNow(body).ticket.status).toBe(name);
    }
  });

  it('reads an empty caller as no requester and a set one as its sys_id', () => {
    const body = sample();
    body.incident.caller_id = '';
    expect(normaliseServiceNow(body).requester).toBeNull();
    body.incident.caller_id = { value: 'aaaabbbbccccddddeeeeffff00001111' };
    expect(normaliseServiceNow(body).requester).toEqual({ externalId: 'aaaabbbbccccddddeeeeffff00001111' });
  });

  it('puts set references into fields by sys_id and leaves empty ones out', () => {
    const body = sample();
    body.incident.assignment_group = '';
    body.incident.cmdb_ci = {
      link: 'https://acme.service-now.com/api/now/table/cmdb_ci/0123456789abcdef0123456789abcdef',
      value: '0123456789abcdef0123456789abcdef',
    };
    const fields = normaliseServiceNow(body).ticket.fields;
    expect(fields).not.toHaveProperty('assignment_group');
    expect(fields.cmdb_ci).toBe('0123456789abcdef0123456789abcdef');
  });

  it('treats empty and absent optional fields as absent, and ignores unknown non-string values', () => {
    const body = sample();
    for (const name of ['category', 'subcategory', 'priority', 'state']) body.incident[name] = '';
    delete body.incident.description;
    body.incident.u_count = 3;
    body.incident.u_flags = ['a'];
    body.incident.u_nothing = null;
    body.incident.u_ref_without_value = { link: 'https://acme.service-now.com/x' };
    const event = normaliseServiceNow(body);
    expect(event.ticket).toMatchObject({ category: undefined, subcategory: undefined, priority: undefined, status: undefined, description: '' });
    for (const name of ['u_count', 'u_flags', 'u_nothing', 'u_ref_without_value', 'category']) expect(event.ticket.fields).not.toHaveProperty(name);
  });

  it('builds no URL without an instance and accepts an instance with a trailing slash', () => {
    const body = sample();
    delete body.instance;
    expect(normaliseServiceNow(body).ticket.url).toBeUndefined();
    body.instance = 'http://sn.internal.example:8080/';
    expect(normaliseServiceNow(body).ticket.url).toBe(`http://sn.internal.example:8080/nav_to.do?uri=incident.do?sys_id=${SYS_ID}`);
  });

  it('names every offending field of a malformed body, saying what is expected', () => {
    const body = sample();
    body.sent_at = '2026-11-26T09:20:03Z';
    body.incident.sys_id = 'INC0010042';
    delete body.incident.number;
    body.incident.short_description = 42;
    body.incident.sys_updated_on = '26/11/2026 09:20';
    body.incident.sys_created_on = '2026-02-30 10:00:00';
    body.incident.priority = 'High';
    body.incident.state = '4';
    body.incident.caller_id = { link: 'x', value: 'jane.doe' };
    body.incident.assignment_group = 'Service Desk';
    body.incident.category = null;
    const issues = bodyIssues(body);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        'sent_at',
        'incident.sys_id',
        'incident.number',
        'incident.short_description',
        'incident.sys_updated_on',
        'incident.sys_created_on',
        'incident.priority',
        'incident.state',
        'incident.caller_id.value',
        'incident.assignment_group',
        'incident.category',
      ].sort(),
    );
    expect(byPath.sent_at).toBe('must be a date in YYYY-MM-DD HH:mm:ss (UTC), e.g. 2026-11-26 10:00:00');
    expect(byPath['incident.sys_created_on']).toMatch(/YYYY-MM-DD HH:mm:ss \(UTC\)/);
    expect(byPath['incident.sys_id']).toMatch(/32 lower-case hexadecimal/);
    expect(byPath['incident.priority']).toMatch(/"1" \(1 - Critical\).*"5" \(5 - Planning\)/);
    expect(byPath['incident.state']).toMatch(/"8" \(Canceled\)/);
    expect(byPath['incident.assignment_group']).toMatch(/reference/);
    expect(byPath['incident.caller_id.value']).toMatch(/sys_id/);
  });

  it('requires the incident, the caller and the dates, and refuses unknown envelope keys', () => {
    expect(bodyIssues({ event: 'incident.created', sent_at: '2026-11-26 09:20:03' })).toEqual([{ path: 'incident', message: expect.any(String) }]);
    const body = sample();
    delete body.incident.caller_id;
    delete body.incident.sys_created_on;
    body.signature = 'abc';
    expect(
      bodyIssues(body)
        .map((i) => i.path)
        .sort(),
    ).toEqual(['(root)', 'incident.caller_id', 'incident.sys_created_on']);
  });

  it('refuses an instance that is not a base URL', () => {
    for (const instance of ['acme.service-now.com', 'https://acme.service-now.com/now/nav', 'ftp://acme.service-now.com', '']) {
      expect(bodyIssues({ ...sample(), instance }), instance).toEqual([{ path: 'instance', message: expect.stringContaining('base URL') }]);
    }
  });

  it('rejects unknown events by name', () => {
    const issues = bodyIssues({ ...sample(), event: 'problem.created' });
    expect(issues).toEqual([{ path: 'event', message: expect.stringContaining('"problem.created"') }]);
    expect(issues[0]!.message).toContain('incident.created, incident.updated, incident.commented, incident.deleted');
  });

  it('rejects bodies that are not objects', () => {
    expect(bodyIssues(null)[0]?.path).toBe('(root)');
    expect(bodyIssues([SAMPLE])[0]?.path).toBe('(root)');
  });

  it('hands workflows only a redacted summary and the caller sys_id', () => {
    const body = sample();
    body.incident.short_description = 'Reset password for jane.doe@example.com, password: hunter2';
    const ticket = toWorkflowTicket(normaliseServiceNow(body));
    expect(ticket).toMatchObject({ source: 'servicenow', key: 'INC0010042', summary: 'Reset password for [email], password: [secret]' });
    expect(ticket.requesterExternalId).toBe(CALLER);
    expect(JSON.stringify(ticket)).not.toMatch(/holiday|7946/);
  });
});

describe('serviceNowDateToIso', () => {
  it('converts real UTC dates and refuses other formats and impossible dates', () => {
    expect(serviceNowDateToIso('2026-11-26 09:20:00')).toBe('2026-11-26T09:20:00.000Z');
    expect(serviceNowDateToIso('2028-02-29 23:59:59')).toBe('2028-02-29T23:59:59.000Z');
    for (const bad of ['2026-11-26', '2026-11-26T09:20:00', '2026-11-26 9:20:00', '2027-02-29 10:00:00', '2026-11-26 24:00:00', '2026-13-01 00:00:00']) {
      expect(serviceNowDateToIso(bad), bad).toBeNull();
    }
  });
});

describe('incidentToWebhookBody (reconciliation)', () => {
  it('wraps a Table API record so it normalises like the webhook did', () => {
    const record = sample().incident;
    const body = incidentToWebhookBody(record, 'incident.created', 'https://acme.service-now.com');
    expect(ServiceNowWebhook.parse(body)).toEqual(body);
    expect(body.sent_at).toBe(record.sys_updated_on);
    expect(normaliseServiceNow(body)).toEqual(normaliseServiceNow(SAMPLE));
  });

  it('leaves the instance out when not given', () => {
    const body = incidentToWebhookBody(sample().incident, 'incident.updated');
    expect(body).not.toHaveProperty('instance');
    expect(normaliseServiceNow(body)).toMatchObject({ eventType: 'updated', ticket: { url: undefined } });
  });

  it('wraps bare sys_ids in reference fields (sysparm_exclude_reference_link=true) and keeps empty ones', () => {
    const record = sample().incident;
    record.caller_id = CALLER;
    record.assignment_group = '';
    record.cmdb_ci = { value: '0123456789abcdef0123456789abcdef' };
    const body = incidentToWebhookBody(record, 'incident.updated');
    expect(body.incident.caller_id).toEqual({ value: CALLER });
    expect(body.incident.assignment_group).toBe('');
    expect(body.incident.cmdb_ci).toEqual({ value: '0123456789abcdef0123456789abcdef' });
    expect(normaliseServiceNow(body).requester).toEqual({ externalId: CALLER });
  });

  it('names the bad fields of a record, and a record that is not an object', () => {
    const record = sample().incident;
    record.sys_updated_on = '2026-11-26';
    record.caller_id = 'Jane Doe';
    expect(
      issuesOf(() => incidentToWebhookBody(record, 'incident.updated'), 'ServiceNow incident record')
        .map((i) => i.path)
        .sort(),
    ).toEqual(['caller_id.value', 'sys_updated_on']);
    expect(issuesOf(() => incidentToWebhookBody('nope', 'incident.updated'), 'ServiceNow incident record')).toEqual([
      { path: '(root)', message: expect.any(String) },
    ]);
  });

  it('refuses an unknown event or a bad instance', () => {
    const record = sample().incident;
    expect(issuesOf(() => incidentToWebhookBody(record, 'incident.closed' as never))).toEqual([
      { path: 'event', message: expect.stringContaining('incident.closed') },
    ]);
    expect(issuesOf(() => incidentToWebhookBody(record, 'incident.created', 'acme'))).toEqual([{ path: 'instance', message: expect.any(String) }]);
  });
});
