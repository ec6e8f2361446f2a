import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/domain/errors.js';
import { normaliseJira } from '../../../../src/domain/sources/jira.js';
import { toWorkflowTicket } from '../../../../src/domain/tickets/ticket.js';
import { JIRA, jiraIssueCreated, SAMPLE_JIRA_CREATED } from '../../../helpers/tickets.js';

function issuesOf(body: unknown): Array<{ path: string; message: string }> {
  try {
    normaliseJira(body);
  } catch (e) {
    if (e instanceof ValidationError) return e.issues;
    throw e;
  }
  throw new Error('expected a validation error');
}

describe('Jira webhook normalisation', () => {
  it('turns the documented issue_created payload into a TicketEvent', () => {
    const event = normaliseJira(SAMPLE_JIRA_CREATED, { requestTypeField: 'customfield_10010' });
    expect(event).toMatchObject({
      source: 'jira',
      eventType: 'created',
      sourceEventType: 'jira:issue_created/issue_created',
      occurredAt: '2026-11-26T10:00:00.000Z',
      requester: { externalId: JIRA.jdoe },
      ticket: {
        id: '10042',
        key: 'ITSM-42',
        summary: 'Forgot my password, locked out of my laptop',
        issueType: 'Service Request',
        requestType: 'Reset password',
        priority: 'Medium',
        status: 'Waiting for support',
        labels: [],
      },
    });
    // ADF description flattened to text, hard break kept as a newline.
    expect(event.ticket.description).toBe('Hi, I forgot my password after the holidays and now I am locked out.\nCall me on +44 20 7946 0958 if needed.');
    expect(event.ticket.fields).toEqual({ customfield_10010: 'Reset password' });
  });

  it('accepts a wiki-text description, a null description and option-valued custom fields', () => {
    const body = jiraIssueCreated();
    body.issue.fields.description = 'plain *wiki* text';
    body.issue.fields.customfield_10061 = { value: 'Laptop', id: '1' };
    body.issue.fields.customfield_10062 = 3;
    body.issue.fields.customfield_10063 = [{ value: 'multi' }];
    expect(normaliseJira(body).ticket.description).toBe('plain *wiki* text');
    expect(normaliseJira(body).ticket.fields).toMatchObject({ customfield_10061: 'Laptop', customfield_10062: '3' });
    expect(normaliseJira(body).ticket.fields).not.toHaveProperty('customfield_10063');
    body.issue.fields.description = null;
    expect(normaliseJira(body).ticket.description).toBe('');
  });

  it('reads components, checkbox and named-option custom fields, and an issue without type, priority, status or labels', () => {
    const body = jiraIssueCreated();
    body.issue.fields.components = [{ id: '10000', name: 'Laptops' }, { name: 'VPN' }];
    body.issue.fields.customfield_10064 = true;
    body.issue.fields.customfield_10065 = { name: 'Berlin office' };
    body.issue.fields.customfield_10066 = { requestType: { id: 3 } };
    for (const key of ['issuetype', 'priority', 'status', 'labels']) delete body.issue.fields[key];
    const event = normaliseJira(body);
    expect(event.ticket).toMatchObject({ components: ['Laptops', 'VPN'], issueType: undefined, priority: undefined, status: undefined, labels: [] });
    expect(event.ticket.fields).toMatchObject({ customfield_10064: 'true', customfield_10065: 'Berlin office' });
    expect(event.ticket.fields).not.toHaveProperty('customfield_10066');
    // No request-type field configured: no request type, whatever the custom fields hold.
    expect(event.ticket.requestType).toBeUndefined();
  });

  it('tells edits, comments and deletions apart', () => {
    const updated = { ...jiraIssueCreated(), webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic' };
    expect(normaliseJira(updated).eventType).toBe('updated');
    expect(normaliseJira({ ...updated, issue_event_type_name: 'issue_commented' }).eventType).toBe('commented');
    expect(normaliseJira({ ...updated, webhookEvent: 'comment_created' }).eventType).toBe('commented');
    expect(normaliseJira({ ...updated, webhookEvent: 'jira:issue_deleted' }).eventType).toBe('deleted');
  });

  it('keeps a ticket without reporter, with no requester, and one without components', () => {
    expect(normaliseJira(jiraIssueCreated({ reporter: null })).requester).toBeNull();
    const body = jiraIssueCreated();
    delete body.issue.fields.components;
    expect(normaliseJira(body).ticket.components).toEqual([]);
  });

  it('names every offending field of a malformed body', () => {
    const body = jiraIssueCreated();
    delete body.issue.key;
    body.timestamp = 'yesterday';
    body.issue.fields.labels = 'urgent';
    const paths = issuesOf(body).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['timestamp', 'issue.key', 'issue.fields.labels']));
  });

  it('rejects unknown webhook events by name', () => {
    const issues = issuesOf({ ...jiraIssueCreated(), webhookEvent: 'sprint_started' });
    expect(issues).toEqual([expect.objectContaining({ path: 'webhookEvent', message: expect.stringContaining('sprint_started') })]);
  });

  it('rejects bodies that are not objects', () => {
    expect(issuesOf([1, 2])[0]?.path).toBe('(root)');
    expect(issuesOf(null)[0]?.path).toBe('(root)');
  });

  it('rejects a timestamp outside the representable range', () => {
    expect(issuesOf({ ...jiraIssueCreated(), timestamp: 9e15 })).toEqual([{ path: 'timestamp', message: expect.any(String) }]);
  });

  it('hands workflows only a redacted summary and opaque ids', () => {
    const body = jiraIssueCreated({ summary: 'Reset password for jane.doe@example.com, call +1 415 555 0100, password: hunter2' });
    const ticket = toWorkflowTicket(normaliseJira(body));
    expect(ticket.summary).toBe('Reset password for [email], call [phone], password: [secret]');
    expect(JSON.stringify(ticket)).not.toMatch(/Jane|example\.com|Locked out on my laptop/);
    expect(ticket.requesterExternalId).toBe(JIRA.jdoe);
  });
});
