import { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import { slice } from './settings.js';

export const helpdeskSettings = slice('Help desks (REST adapters; unset: the in-memory help desk)', {
  JIRA_BASE_URL: [z.url().optional(), 'Jira Cloud site, e.g. https://example.atlassian.net (with JIRA_EMAIL and JIRA_API_TOKEN, or none)'],
  JIRA_EMAIL: [z.string().min(3).optional(), 'Jira account of the engine'],
  JIRA_API_TOKEN: [z.string().min(1).optional(), 'API token of that account'],
  SERVICENOW_INSTANCE_URL: [z.url().optional(), 'ServiceNow instance, e.g. https://example.service-now.com'],
  SERVICENOW_USER: [z.string().min(1).optional(), 'ServiceNow user (with SERVICENOW_PASSWORD), or use SERVICENOW_TOKEN'],
  SERVICENOW_PASSWORD: [z.string().min(1).optional(), 'password of that user'],
  SERVICENOW_TOKEN: [z.string().min(1).optional(), 'OAuth bearer token for the Table API'],
  ZENDESK_BASE_URL: [z.url().optional(), 'Zendesk subdomain URL (with ZENDESK_EMAIL and ZENDESK_API_TOKEN, or none)'],
  ZENDESK_EMAIL: [z.string().min(3).optional(), 'Zendesk agent of the engine'],
  ZENDESK_API_TOKEN: [z.string().min(1).optional(), 'API token of that agent'],
});

type HelpdeskEnv = z.infer<z.ZodObject<typeof helpdeskSettings.shape>>;

/** All of a group, or none of it: a partial group is a mistake worth stopping for. */
function requireAll(prefix: string, values: Record<string, string | undefined>): boolean {
  const set = Object.entries(values).filter(([, v]) => v !== undefined);
  if (set.length === 0) return false;
  if (set.length < Object.keys(values).length) {
    const missing = Object.keys(values).filter((k) => values[k] === undefined);
    throw new ValidationError(
      'configuration (environment variables)',
      missing.map((k) => ({ path: k, message: `required when other ${prefix}_* variables are set` })),
    );
  }
  return true;
}

export interface HelpdeskSettings {
  jira?: { baseUrl: string; email: string; apiToken: string };
  servicenow?: { instanceUrl: string; user?: string; password?: string; token?: string };
  zendesk?: { baseUrl: string; email: string; apiToken: string };
}

export function helpdeskConfig(e: HelpdeskEnv): HelpdeskSettings {
  if (e.SERVICENOW_INSTANCE_URL && !e.SERVICENOW_TOKEN && !(e.SERVICENOW_USER && e.SERVICENOW_PASSWORD)) {
    throw new ValidationError('configuration (environment variables)', [
      { path: 'SERVICENOW_TOKEN', message: 'set SERVICENOW_TOKEN, or SERVICENOW_USER and SERVICENOW_PASSWORD, with SERVICENOW_INSTANCE_URL' },
    ]);
  }
  return {
    jira: requireAll('JIRA', { JIRA_BASE_URL: e.JIRA_BASE_URL, JIRA_EMAIL: e.JIRA_EMAIL, JIRA_API_TOKEN: e.JIRA_API_TOKEN })
      ? { baseUrl: e.JIRA_BASE_URL!, email: e.JIRA_EMAIL!, apiToken: e.JIRA_API_TOKEN! }
      : undefined,
    servicenow: e.SERVICENOW_INSTANCE_URL
      ? { instanceUrl: e.SERVICENOW_INSTANCE_URL, user: e.SERVICENOW_USER, password: e.SERVICENOW_PASSWORD, token: e.SERVICENOW_TOKEN }
      : undefined,
    zendesk: requireAll('ZENDESK', { ZENDESK_BASE_URL: e.ZENDESK_BASE_URL, ZENDESK_EMAIL: e.ZENDESK_EMAIL, ZENDESK_API_TOKEN: e.ZENDESK_API_TOKEN })
      ? { baseUrl: e.ZENDESK_BASE_URL!, email: e.ZENDESK_EMAIL!, apiToken: e.ZENDESK_API_TOKEN! }
      : undefined,
  };
}
