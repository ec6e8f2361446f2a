import { describe, expect, it } from 'vitest';
import { JiraTicketing } from '../../../../src/activities/ticketing/jira.js';
import { restHelpdesks } from '../../../../src/activities/ticketing/rest.js';
import { ServiceNowTicketing } from '../../../../src/activities/ticketing/servicenow.js';
import { ZendeskTicketing } from '../../../../src/activities/ticketing/zendesk.js';
import { durationMs, loadConfig } from '../../../../src/config/index.js';
import { loadContent } from '../../../../src/stack/content.js';

describe('help-desk configuration', () => {
  it('builds a REST adapter for each help desk with credentials, and none for the others', async () => {
    const { helpdesks } = await loadContent('content');
    const env = loadConfig({
      JIRA_BASE_URL: 'https://acme.atlassian.net',
      JIRA_EMAIL: 'automation@acme.example',
      JIRA_API_TOKEN: 't',
      SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com',
      SERVICENOW_TOKEN: 'bearer',
      ZENDESK_BASE_URL: 'https://acme.zendesk.com',
      ZENDESK_EMAIL: 'agent@acme.example',
      ZENDESK_API_TOKEN: 'z',
    }).helpdesks;
    const all = restHelpdesks(env, helpdesks);
    expect(all.jira).toBeInstanceOf(JiraTicketing);
    expect(all.servicenow).toBeInstanceOf(ServiceNowTicketing);
    expect(all.zendesk).toBeInstanceOf(ZendeskTicketing);
    expect(restHelpdesks(loadConfig({}).helpdesks, helpdesks)).toEqual({});
    const basic = loadConfig({ SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com', SERVICENOW_USER: 'u', SERVICENOW_PASSWORD: 'p' }).helpdesks;
    expect(restHelpdesks(basic, { ...helpdesks, jira: { ...helpdesks.jira, requestTypeField: undefined } }).servicenow).toBeInstanceOf(ServiceNowTicketing);
  });

  it('names the missing half of a credential set', () => {
    expect(() => loadConfig({ JIRA_BASE_URL: 'https://acme.atlassian.net', JIRA_EMAIL: 'a@b.c' })).toThrow(
      /JIRA_API_TOKEN: required when other JIRA_\* variables are set/,
    );
    expect(() => loadConfig({ ZENDESK_API_TOKEN: 'z' })).toThrow(/ZENDESK_BASE_URL/);
    expect(() => loadConfig({ SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com', SERVICENOW_USER: 'u' })).toThrow(
      /SERVICENOW_TOKEN, or SERVICENOW_USER and SERVICENOW_PASSWORD/,
    );
  });

  it('reads webhook, staff and reconciliation settings', () => {
    const c = loadConfig({ WEBHOOK_SECRET_JIRA: 'x'.repeat(16), ADMIN_API_TOKEN: 'y'.repeat(24), RECONCILE_EVERY: 'off', RECONCILE_OVERLAP: '10m' });
    expect(c.webhooks).toEqual({
      secrets: { jira: 'x'.repeat(16), servicenow: undefined, zendesk: undefined },
      allowUnsigned: true,
      floodPolicy: { keepPerMinute: 60, keepMaxBytes: 65_536 },
      deadLetterRetention: { maxAgeMs: 30 * 86_400_000, maxPerSource: 10_000 },
    });
    expect(c.reconcile).toEqual({ everyMs: null, overlapMs: 600_000, firstLookbackMs: 86_400_000 });
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }).webhooks.allowUnsigned).toBe(false);
    expect(() => loadConfig({ WEBHOOK_SECRET_ZENDESK: 'short' })).toThrow(/WEBHOOK_SECRET_ZENDESK: use at least 16 characters/);
    expect(() => loadConfig({ RECONCILE_EVERY: 'often' })).toThrow(/RECONCILE_EVERY/);
    expect([durationMs('30s'), durationMs('2h'), durationMs('1d')]).toEqual([30_000, 7_200_000, 86_400_000]);
  });
});
