import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/domain/errors.js';
import { isIgnoredDelivery, type NormalisedDelivery } from '../../../../src/domain/sources/delivery.js';
import { normaliseJira } from '../../../../src/domain/sources/jira.js';
import { isJiraDataCenterBody, normaliseJiraDataCenter, normaliseJiraDelivery } from '../../../../src/domain/sources/jiraDataCenter.js';
import { TicketEvent, toWorkflowTicket } from '../../../../src/domain/tickets/ticket.js';
import { sample } from '../../../helpers/deliveries.js';
import { JIRA, jiraIssueCreated, SAMPLE_JIRA_CREATED } from '../../../helpers/tickets.js';

/** Atlassian's example callback from the Jira Server / Data Center webhooks page, as published. */
const DOCUMENTED = () => sample('jira/datacenter-issue-updated-documented.json');
const CREATED = () => sample('jira/datacenter-password-reset-created.json');
const COMMENT_ONLY = () => sample('jira/datacenter-comment-created.json');
const COMMENTED = () => sample('jira/datacenter-issue-commented.json');

function ticketEvent(delivery: NormalisedDelivery): TicketEvent {
  if (isIgnoredDelivery(delivery)) throw new Error(`expected a ticket event, got ignored: ${delivery.reason}`);
  return delivery;
}

function issuesOf(body: unknown): Array<{ path: string; message: string }> {
  try {
    normaliseJiraDelivery(body);
  } catch (e) {
    if (e instanceof ValidationError) return e.issues;
    throw e;
  }
  throw new Error('expected a validation error');
}

describe('Jira Data Center webhooks', () => {
  it('reads a Data Center issue_created and finds the requester by username', () => {
    const event = ticketEvent(normaliseJiraDelivery(CREATED()));
    expect(TicketEvent.parse(event)).toEqual(event);
    expect(event).toEqual({
      source: 'jira',
      eventType: 'created',
      sourceEventType: 'jira:issue_created/issue_created',
      occurredAt: '2026-11-26T10:00:00.000Z',
      ticket: {
        id: '10342',
        key: 'ITSM-342',
        url: 'https://jira.example.com/rest/api/2/issue/10342',
        summary: 'Forgot my password, locked out of my laptop',
        description: 'Hi, I forgot my password after the holidays and now I am locked out.\r\nCall me on +44 20 7946 0958 if needed.',
        issueType: 'Service Request',
        requestType: undefined,
        priority: 'Medium',
        status: 'Waiting for support',
        labels: [],
        components: [],
        fields: {},
      },
      // The username (what the directory maps), not the user key JIRAUSER10100.
      requester: { externalId: 'jdoe' },
    });
  });

  it('is refused by the Cloud schema, which is why it needs its own', () => {
    expect(() => normaliseJira(CREATED())).toThrow(/user\.accountId/);
  });

  it("reads Atlassian's documented example: priority as a plain name, a numeric changelog id, no reporter", () => {
    const event = ticketEvent(normaliseJiraDelivery(DOCUMENTED()));
    expect(event).toMatchObject({
      eventType: 'updated',
      sourceEventType: 'jira:issue_updated',
      occurredAt: '2018-05-07T13:03:57.764Z',
      ticket: {
        id: '99291',
        key: 'JRA-20002',
        summary: 'I feel the need for speed',
        description: 'Make the issue nav load 10x faster',
        priority: 'Minor',
        labels: ['UI', 'dialogue', 'move'],
      },
      requester: null,
    });
  });

  it.each([
    ['jira:issue_updated', 'issue_commented', 'commented'],
    ['jira:issue_updated', 'issue_comment_edited', 'commented'],
    ['jira:issue_updated', 'issue_comment_deleted', 'commented'],
    ['jira:issue_updated', 'issue_work_started', 'updated'],
    ['jira:issue_updated', 'issue_resolved', 'updated'],
    ['jira:issue_updated', 'issue_closed', 'updated'],
    ['jira:issue_updated', 'issue_generic', 'updated'],
    ['jira:issue_deleted', 'issue_deleted', 'deleted'],
    ['comment_created', undefined, 'commented'],
  ])('%s / %s is a %s event', (webhookEvent, typeName, expected) => {
    const body = { ...COMMENTED(), webhookEvent, issue_event_type_name: typeName };
    expect(ticketEvent(normaliseJiraDelivery(body)).eventType).toBe(expected);
  });

  it('answers a comment event without the issue as ignored, saying which event to subscribe to instead', () => {
    const delivery = normaliseJiraDelivery(COMMENT_ONLY());
    expect(delivery).toEqual({
      ignored: true,
      sourceEventType: 'comment_created',
      ticketRef: 'issue-id:10342',
      reason: expect.stringContaining('"Issue: updated"'),
    });
  });

  it('reads custom fields and the JSM request type the same way as Cloud', () => {
    const body = CREATED();
    body.issue.fields.customfield_10010 = { requestType: { id: '12', name: 'Reset password' } };
    body.issue.fields.customfield_10060 = 'bob.gone';
    body.issue.fields.components = [{ self: 'https://jira.example.com/rest/api/2/component/10000', id: '10000', name: 'Laptops' }];
    const event = ticketEvent(normaliseJiraDataCenter(body, { requestTypeField: 'customfield_10010' }));
    expect(event.ticket.requestType).toBe('Reset password');
    expect(event.ticket.fields).toEqual({ customfield_10010: 'Reset password', customfield_10060: 'bob.gone' });
    expect(event.ticket.components).toEqual(['Laptops']);
  });

  it('keeps an issue without reporter, type, status or labels', () => {
    const body = CREATED();
    for (const key of ['reporter', 'issuetype', 'status', 'labels', 'components', 'priority', 'description']) delete body.issue.fields[key];
    const event = ticketEvent(normaliseJiraDelivery(body));
    expect(event).toMatchObject({
      requester: null,
      ticket: { issueType: undefined, status: undefined, priority: undefined, labels: [], components: [], description: '' },
    });
  });

  it('hands workflows only the username and a redacted summary', () => {
    const ticket = toWorkflowTicket(ticketEvent(normaliseJiraDelivery(CREATED())));
    expect(ticket.requesterExternalId).toBe('jdoe');
    expect(JSON.stringify(ticket)).not.toMatch(/jane\.doe@example\.com|Jane Doe|7946/);
  });

  describe('bad input names the field', () => {
    it('a reporter without username', () => {
      const body = CREATED();
      delete body.issue.fields.reporter.name;
      expect(issuesOf(body)).toEqual([{ path: 'issue.fields.reporter.name', message: expect.stringContaining('username') }]);
    });

    it('an issue event without the issue', () => {
      const body = CREATED();
      delete body.issue;
      expect(issuesOf(body)).toEqual([{ path: 'issue', message: 'is required for jira:issue_created' }]);
    });

    it('a comment event with neither issue nor comment, or a comment that is not a comment URL', () => {
      const { comment, ...noComment } = COMMENT_ONLY();
      // With no person left in it, the body is read as Cloud's, which requires the issue.
      expect(issuesOf(noComment).map((i) => i.path)).toEqual(['issue']);
      expect(issuesOf({ ...noComment, user: comment.author }).map((i) => i.path)).toEqual(['comment']);
      const elsewhere = COMMENT_ONLY();
      elsewhere.comment.self = 'https://jira.example.com/rest/api/2/issue/ITSM-342';
      expect(issuesOf(elsewhere)).toEqual([{ path: 'comment.self', message: expect.stringContaining('/comment/') }]);
      delete elsewhere.comment.self;
      expect(issuesOf(elsewhere).map((i) => i.path)).toEqual(['comment.self']);
    });

    it('an unknown event, a bad timestamp and a bad key, all at once', () => {
      const body = CREATED();
      body.webhookEvent = 'worklog_created';
      body.issue.key = 'itsm 342';
      expect(
        issuesOf(body)
          .map((i) => i.path)
          .sort(),
      ).toEqual(['issue.key', 'webhookEvent']);
      expect(issuesOf({ ...CREATED(), timestamp: 9e15 })).toEqual([{ path: 'timestamp', message: expect.any(String) }]);
    });
  });
});

describe('telling Cloud and Data Center apart on /webhooks/jira', () => {
  it('reads every Cloud body exactly as the Cloud normaliser does', () => {
    for (const body of [SAMPLE_JIRA_CREATED, jiraIssueCreated({ reporter: JIRA.jdoe }), jiraIssueCreated({ reporter: null })]) {
      expect(isJiraDataCenterBody(body)).toBe(false);
      expect(normaliseJiraDelivery(body, { requestTypeField: 'customfield_10010' })).toEqual(normaliseJira(body, { requestTypeField: 'customfield_10010' }));
    }
  });

  it('takes a body naming people by username (name or key) and never by accountId for Data Center', () => {
    expect(isJiraDataCenterBody(CREATED())).toBe(true);
    expect(isJiraDataCenterBody(COMMENT_ONLY())).toBe(true);
    expect(isJiraDataCenterBody({ user: { key: 'JIRAUSER10100' } })).toBe(true);
  });

  it('keeps Cloud bodies of 2018, which carried name and key beside accountId, on the Cloud path', () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    body.user = { ...body.user, name: 'jdoe', key: 'jdoe' };
    body.issue.fields.reporter = { ...body.issue.fields.reporter, name: 'jdoe', key: 'jdoe' };
    expect(isJiraDataCenterBody(body)).toBe(false);
    expect(ticketEvent(normaliseJiraDelivery(body)).requester).toEqual({ externalId: JIRA.jdoe });
  });

  it('reads anything without people, or not an object, as Cloud (so errors stay what they were)', () => {
    for (const body of [null, [1], 'x', {}, { user: 'jdoe' }, { issue: { fields: { reporter: null } } }]) expect(isJiraDataCenterBody(body)).toBe(false);
  });
});
