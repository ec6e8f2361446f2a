import { readFileSync } from 'node:fs';
import { PROJECT_ROOT } from '../../src/config/index.js';

export const SAMPLE_JIRA_CREATED = JSON.parse(readFileSync(`${PROJECT_ROOT}/content/samples/jira/password-reset-created.json`, 'utf8')) as Record<string, any>;

/** Jira account ids of the demo directory (content/directory.yaml). */
export const JIRA = {
  jdoe: '712020:5d1f0c9e-8b7a-4c61-9d2e-3a4b5c6d7e8f',
  asmith: '712020:0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d',
  samHelper: '712020:11111111-2222-4333-8444-555555555555',
  danaAdmin: '712020:66666666-7777-4888-9999-000000000000',
  bobGone: '712020:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  patNomail: '712020:12345678-90ab-4cde-8f01-234567890abc',
  stranger: '712020:ffffffff-ffff-4fff-8fff-ffffffffffff',
};

let counter = 100;

/** A Jira `jira:issue_created` payload in the documented shape, based on the committed sample. */
export function jiraIssueCreated(
  options: { key?: string; reporter?: string | null; summary?: string; targetAccount?: string; labels?: string[] } = {},
): Record<string, any> {
  const body = structuredClone(SAMPLE_JIRA_CREATED);
  counter += 1;
  body.issue.id = String(20000 + counter);
  body.issue.key = options.key ?? `ITSM-${counter}`;
  if (options.summary) body.issue.fields.summary = options.summary;
  if (options.labels) body.issue.fields.labels = options.labels;
  if (options.targetAccount) body.issue.fields.customfield_10060 = options.targetAccount;
  if (options.reporter === null) body.issue.fields.reporter = null;
  else if (options.reporter) {
    body.issue.fields.reporter = { accountId: options.reporter, displayName: 'Someone', active: true };
    body.user = { accountId: options.reporter, displayName: 'Someone', accountType: 'atlassian' };
  }
  return body;
}
