import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../../src/config/index.js';
import { ValidationError } from '../../../../src/domain/errors.js';
import { normaliseZendesk, zendeskDateToIso, zendeskTicketToWebhookBody, ZendeskWebhook } from '../../../../src/domain/sources/zendesk.js';
import { TicketEvent, toWorkflowTicket } from '../../../../src/domain/tickets/ticket.js';
import { RoutingConfig, routeTicket } from '../../../../src/domain/tickets/routing.js';
import { sample as sample_ } from '../../../helpers/deliveries.js';

const SAMPLE = JSON.parse(readFileSync(`${PROJECT_ROOT}/content/samples/zendesk/ticket-created.json`, 'utf8')) as Record<string, any>;
const sample = (): Record<string, any> => structuredClone(SAMPLE);

/** A ticket as `GET /api/v2/tickets/4711` returns it (trimmed to a realistic subset). */
function apiTicket(): Record<string, any> {
  return {
    url: 'https://acme.zendesk.com/api/v2/tickets/4711.json',
    id: 4711,
    external_id: null,
    via: { channel: 'web', source: { from: {}, to: {}, rel: null } },
    created_at: '2026-11-26T09:20:00Z',
    updated_at: '2026-11-26T09:20:00Z',
    type: 'incident',
    subject: 'Password reset - locked out of my laptop',
    raw_subject: 'Password reset - locked out of my laptop',
    description: 'Hi, I forgot my password after the holidays and now I am locked out of my laptop.\nCall me on +44 20 7946 0958 if needed.',
    priority: 'normal',
    status: 'new',
    recipient: null,
    requester_id: 372104928711,
    submitter_id: 372104928711,
    assignee_id: null,
    organization_id: null,
    group_id: 360001234567,
    collaborator_ids: [],
    tags: ['password', 'locked_out'],
    custom_fields: [{ id: 360000000001, value: null }],
    ticket_form_id: 360000000002,
    brand_id: 360000000003,
  };
}

function issuesOf(run: () => unknown, what = 'Zendesk webhook body'): Array<{ path: string; message: string }> {
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
const bodyIssues = (body: unknown) => issuesOf(() => normaliseZendesk(body));

describe('Zendesk webhook normalisation', () => {
  it('turns the sample ticket.created body into a TicketEvent, field by field', () => {
    const event = normaliseZendesk(SAMPLE);
    expect(TicketEvent.parse(event)).toEqual(event);
    expect(event.source).toBe('zendesk');
    expect(event.eventType).toBe('created');
    expect(event.sourceEventType).toBe('ticket.created');
    expect(event.occurredAt).toBe('2026-11-26T09:20:00.000Z');
    expect(event.requester).toEqual({ externalId: '372104928711' });
    expect(event.ticket.id).toBe('4711');
    expect(event.ticket.key).toBe('4711');
    expect(event.ticket.url).toBe('https://acme.zendesk.com/agent/tickets/4711');
    expect(event.ticket.summary).toBe('Password reset - locked out of my laptop');
    expect(event.ticket.description).toBe(
      'Hi, I forgot my password after the holidays and now I am locked out of my laptop.\nCall me on +44 20 7946 0958 if needed.',
    );
    expect(event.ticket.issueType).toBe('Incident');
    expect(event.ticket.priority).toBe('Normal');
    expect(event.ticket.status).toBe('New');
    expect(event.ticket.labels).toEqual(['password', 'locked_out']);
    expect(event.ticket.components).toEqual([]);
    expect(event.ticket.fields).toEqual({ group: 'Service Desk' });
    expect(event.ticket.category).toBeUndefined();
    expect(event.ticket.requestType).toBeUndefined();
  });

  it('maps each event to the engine event type', () => {
    const expected = { 'ticket.created': 'created', 'ticket.updated': 'updated', 'ticket.commented': 'commented' };
    for (const [name, type] of Object.entries(expected)) {
      const event = normaliseZendesk({ ...sample(), event: name });
      expect([event.eventType, event.sourceEventType]).toEqual([type, name]);
    }
  });

  it('takes occurredAt from updated_at, with or without seconds and in any zone', () => {
    const body = sample();
    body.ticket.updated_at = '2026-11-26T11:35+01:00';
    expect(normaliseZendesk(body).occurredAt).toBe('2026-11-26T10:35:00.000Z');
  });

  it('treats empty placeholders ("" or "-") as absent and splits tags on any whitespace', () => {
    const body = sample();
    Object.assign(body.ticket, { priority: '', type: '-', group: '', tags: '', url: '' });
    let event = normaliseZendesk(body);
    expect(event.ticket).toMatchObject({ priority: undefined, issueType: undefined, labels: [], fields: {}, url: undefined });
    Object.assign(body.ticket, { priority: ' - ', type: '', group: '-', tags: '  vpn\tremote  access ' });
    event = normaliseZendesk(body);
    expect(event.ticket).toMatchObject({ priority: undefined, issueType: undefined, labels: ['vpn', 'remote', 'access'], fields: {} });
  });

  it('keeps a URL that already has a scheme', () => {
    const body = sample();
    body.ticket.url = 'https://acme.zendesk.com/agent/tickets/4711';
    expect(normaliseZendesk(body).ticket.url).toBe('https://acme.zendesk.com/agent/tickets/4711');
  });

  it('names every offending field of a malformed body, saying what is expected', () => {
    const body = sample();
    body.ticket.id = 4711;
    body.ticket.requester_id = '{{ticket.requester.id}}';
    body.ticket.created_at = 'November 26, 2026 09:20';
    body.ticket.updated_at = '2026-11-26T09:20:00';
    body.ticket.status = '';
    body.ticket.tags = ['password'];
    delete body.ticket.subject;
    const byPath = Object.fromEntries(bodyIssues(body).map((i) => [i.path, i.message]));
    expect(Object.keys(byPath).sort()).toEqual(
      ['ticket.id', 'ticket.requester_id', 'ticket.created_at', 'ticket.updated_at', 'ticket.status', 'ticket.tags', 'ticket.subject'].sort(),
    );
    expect(byPath['ticket.id']).toMatch(/string of digits.*in quotes/);
    expect(byPath['ticket.requester_id']).toMatch(/string of digits.*spelt right/);
    expect(byPath['ticket.updated_at']).toBe('must be an ISO 8601 date-time with a time zone, e.g. 2026-11-26T10:00:00Z');
    expect(byPath['ticket.status']).toMatch(/status/);
  });

  it('refuses unknown keys in the body and in the ticket', () => {
    const body = sample();
    body.ticket.assignee = 'Sam';
    body.extra = true;
    expect(bodyIssues(body).map((i) => [i.path, i.message])).toEqual(
      expect.arrayContaining([
        ['(root)', expect.stringContaining('extra')],
        ['ticket.assignee', expect.stringContaining('ticket_field_<id>')],
      ]),
    );
  });

  it('rejects unknown events by name', () => {
    const issues = bodyIssues({ ...sample(), event: 'ticket.deleted' });
    expect(issues).toEqual([{ path: 'event', message: expect.stringContaining('"ticket.deleted"') }]);
    expect(issues[0]!.message).toContain('ticket.created, ticket.updated, ticket.commented');
  });

  it('rejects bodies that are not objects, or without a ticket', () => {
    expect(bodyIssues('{"event":"ticket.created"}')[0]?.path).toBe('(root)');
    expect(bodyIssues({ event: 'ticket.created' })).toEqual([{ path: 'ticket', message: expect.any(String) }]);
  });

  it('hands workflows only a redacted summary and the requester id', () => {
    const body = sample();
    body.ticket.subject = 'Reset for jane.doe@example.com please, pwd: s3cret';
    const ticket = toWorkflowTicket(normaliseZendesk(body));
    expect(ticket).toMatchObject({ source: 'zendesk', key: '4711', summary: 'Reset for [email] please, pwd: [secret]', requesterExternalId: '372104928711' });
    expect(JSON.stringify(ticket)).not.toMatch(/holidays|7946/);
  });
});

describe('zendeskDateToIso', () => {
  it('accepts ISO 8601 with a zone and refuses the rest', () => {
    expect(zendeskDateToIso('2013-12-12T05:35Z')).toBe('2013-12-12T05:35:00.000Z');
    expect(zendeskDateToIso('2026-11-26T10:00:00.250-05:00')).toBe('2026-11-26T15:00:00.250Z');
    expect(zendeskDateToIso('2026-11-26T10:00:00+0000')).toBe('2026-11-26T10:00:00.000Z');
    for (const bad of ['2026-11-26', '2026-11-26 10:00:00', '2026-11-26T10:00:00', 'November 26, 2026', '2026-02-31T25:00:00Z']) {
      expect(zendeskDateToIso(bad), bad).toBeNull();
    }
  });

  it('refuses years beyond 9999 that the ISO form of TicketEvent cannot hold', () => {
    // 9999-12-31T23:30-01:00 is year 10000 in UTC.
    expect(zendeskDateToIso('9999-12-31T23:30-01:00')).toBeNull();
    expect(zendeskDateToIso('9999-12-31T23:30Z')).toBe('9999-12-31T23:30:00.000Z');
  });
});

describe('zendeskTicketToWebhookBody (reconciliation)', () => {
  it('converts a REST API ticket into the trigger body', () => {
    const body = zendeskTicketToWebhookBody(apiTicket(), 'ticket.updated', { groupNames: { '360001234567': 'Service Desk' } });
    expect(ZendeskWebhook.parse(body)).toEqual(body);
    expect(body).toEqual({
      event: 'ticket.updated',
      ticket: {
        id: '4711',
        url: 'https://acme.zendesk.com/agent/tickets/4711',
        subject: 'Password reset - locked out of my laptop',
        description: SAMPLE.ticket.description,
        status: 'new',
        priority: 'normal',
        type: 'incident',
        tags: 'password locked_out',
        group: 'Service Desk',
        requester_id: '372104928711',
        created_at: '2026-11-26T09:20:00Z',
        updated_at: '2026-11-26T09:20:00Z',
        custom_fields: [{ id: 360000000001, value: null }],
      },
    });
  });

  it('round-trips: the converted ticket normalises like the webhook, apart from display-name case', () => {
    const fromApi = normaliseZendesk(zendeskTicketToWebhookBody(apiTicket(), 'ticket.created', { groupNames: { '360001234567': 'Service Desk' } }));
    const fromWebhook = normaliseZendesk(SAMPLE);
    const lower = (e: TicketEvent) => ({
      ...e,
      ticket: { ...e.ticket, status: e.ticket.status?.toLowerCase(), priority: e.ticket.priority?.toLowerCase(), issueType: e.ticket.issueType?.toLowerCase() },
    });
    expect(lower(fromApi)).toEqual(lower(fromWebhook));
  });

  it('leaves nulls, unknown groups and unusual URLs as empty or unchanged', () => {
    const ticket = {
      ...apiTicket(),
      subject: null,
      description: null,
      priority: null,
      type: null,
      group_id: null,
      tags: [],
      url: 'https://proxy.example/zd/4711',
    };
    const body = zendeskTicketToWebhookBody(ticket, 'ticket.updated');
    expect(body.ticket).toMatchObject({ subject: '', description: '', priority: '', type: '', group: '', tags: '', url: 'https://proxy.example/zd/4711' });
    expect(zendeskTicketToWebhookBody(apiTicket(), 'ticket.updated').ticket.group).toBe('');
    expect(zendeskTicketToWebhookBody(apiTicket(), 'ticket.updated', { groupNames: { '1': 'Other' } }).ticket.group).toBe('');
    const event = normaliseZendesk(body);
    expect(event.ticket).toMatchObject({ priority: undefined, issueType: undefined, labels: [], fields: {} });
  });

  it('names the bad fields of an API ticket, and refuses an unknown event', () => {
    const ticket = { ...apiTicket(), id: '4711', tags: 'password', requester_id: null, updated_at: 'yesterday' };
    expect(
      issuesOf(() => zendeskTicketToWebhookBody(ticket, 'ticket.updated'), 'Zendesk API ticket')
        .map((i) => i.path)
        .sort(),
    ).toEqual(['id', 'requester_id', 'tags', 'updated_at']);
    expect(issuesOf(() => zendeskTicketToWebhookBody(apiTicket(), 'ticket.solved' as never))).toEqual([
      { path: 'event', message: expect.stringContaining('ticket.solved') },
    ]);
  });
});

describe('Zendesk custom fields reach routing', () => {
  const routing = RoutingConfig.parse({
    rules: [
      {
        id: 'vpn-reset',
        priority: 10,
        when: { events: ['created'] },
        start: { workflow: 'passwordReset', input: { system: { field: 'ticket_field_360012345' } } },
      },
    ],
  });

  it('from "ticket_field_<id>" placeholder keys, empty ones left out', () => {
    const event = normaliseZendesk(sample_('zendesk/ticket-created-custom-fields.json'));
    expect(event.ticket.fields).toEqual({ group: 'Service Desk', ticket_field_360012345: 'vpn', ticket_field_option_title_360012346: 'Laptop' });
    expect(routeTicket(routing, event)).toMatchObject({ kind: 'start', input: { system: 'vpn' } });
  });

  it('from a custom_fields array as the Tickets API has it: text, numbers, checkboxes, multi-select tags; unset ones left out', () => {
    const body = sample();
    body.ticket.custom_fields = [
      { id: 360012345, value: 'vpn' },
      { id: 2, value: 42 },
      { id: 3, value: true },
      { id: 4, value: ['laptop', 'dock'] },
      { id: 5, value: null },
      { id: 6, value: '' },
    ];
    expect(normaliseZendesk(body).ticket.fields).toEqual({
      group: 'Service Desk',
      ticket_field_360012345: 'vpn',
      ticket_field_2: '42',
      ticket_field_3: 'true',
      ticket_field_4: 'laptop dock',
    });
    // The placeholder the admin wrote into this trigger wins over the array.
    body.ticket.ticket_field_360012345 = 'wifi';
    expect(normaliseZendesk(body).ticket.fields.ticket_field_360012345).toBe('wifi');
  });

  it('reconciliation carries the API ticket custom fields into the same keys', () => {
    const api = { ...apiTicket(), custom_fields: [{ id: 360012345, value: 'vpn' }] };
    const event = normaliseZendesk(zendeskTicketToWebhookBody(api, 'ticket.created'));
    expect(event.ticket.fields).toEqual({ ticket_field_360012345: 'vpn' });
    // Incremental exports without custom fields give a body without the array.
    const { custom_fields: _, ...without } = api;
    expect(zendeskTicketToWebhookBody(without, 'ticket.created').ticket).not.toHaveProperty('custom_fields');
    expect(routeTicket(routing, event)).toMatchObject({ kind: 'start', input: { system: 'vpn' } });
  });

  it('refuses a misnamed custom field key, saying how to name it, and a placeholder without quotes', () => {
    const body = sample();
    body.ticket.custom_field_360012345 = 'vpn';
    body.ticket.ticket_field_1 = 4711;
    body.ticket.custom_fields = [{ id: 'x', value: { a: 1 } }];
    const byPath = Object.fromEntries(bodyIssues(body).map((i) => [i.path, i.message]));
    expect(byPath['ticket.custom_field_360012345']).toMatch(/"ticket_field_<id>": "\{\{ticket\.ticket_field_<id>\}\}"/);
    expect(byPath['ticket.ticket_field_1']).toMatch(/placeholder in quotes/);
    expect(Object.keys(byPath)).toEqual(expect.arrayContaining(['ticket.custom_fields[0].id', 'ticket.custom_fields[0].value']));
  });
});
