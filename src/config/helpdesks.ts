import { z } from 'zod';
import { ALWAYS } from '../domain/errors.js';
import { defineSettings, group, setting } from './settings.js';

const text = z.string().min(1);
const login = z.string().min(3);

export const helpdeskSettings = defineSettings(
  'Help desks (REST adapters; unset: the in-memory help desk)',
  {
    // All of a group, or none of it: a partial group is a mistake worth stopping for.
    jira: group(
      {
        baseUrl: setting('JIRA_BASE_URL', z.url(), 'Jira Cloud site, e.g. https://example.atlassian.net (with JIRA_EMAIL and JIRA_API_TOKEN, or none)'),
        email: setting('JIRA_EMAIL', login, 'Jira account of the engine'),
        apiToken: setting('JIRA_API_TOKEN', text, 'API token of that account'),
      },
      { whenPartial: 'required when other JIRA_* variables are set' },
    ),
    // ServiceNow: the instance URL turns the adapter on; it needs a token or a user and password.
    servicenow: {
      instanceUrl: setting('SERVICENOW_INSTANCE_URL', z.url().optional(), 'ServiceNow instance, e.g. https://example.service-now.com'),
      user: setting('SERVICENOW_USER', text.optional(), 'ServiceNow user (with SERVICENOW_PASSWORD), or use SERVICENOW_TOKEN'),
      password: setting('SERVICENOW_PASSWORD', text.optional(), 'password of that user'),
      token: setting('SERVICENOW_TOKEN', text.optional(), 'OAuth bearer token for the Table API'),
    },
    zendesk: group(
      {
        baseUrl: setting('ZENDESK_BASE_URL', z.url(), 'Zendesk subdomain URL (with ZENDESK_EMAIL and ZENDESK_API_TOKEN, or none)'),
        email: setting('ZENDESK_EMAIL', login, 'Zendesk agent of the engine'),
        apiToken: setting('ZENDESK_API_TOKEN', text, 'API token of that agent'),
      },
      { whenPartial: 'required when other ZENDESK_* variables are set' },
    ),
  },
  {
    schema: (object, nameOf) =>
      object
        .superRefine(({ servicenow: s }, ctx) => {
          if (s?.instanceUrl && !s.token && !(s.user && s.password)) {
            ctx.addIssue({
              code: 'custom',
              path: ['servicenow', 'token'],
              message: `set ${nameOf('servicenow.token')}, or ${nameOf('servicenow.user')} and ${nameOf('servicenow.password')}, with ${nameOf('servicenow.instanceUrl')}`,
            });
          }
        }, ALWAYS)
        .transform(({ servicenow, ...rest }) => {
          const { instanceUrl } = servicenow;
          return { ...rest, ...(instanceUrl ? { servicenow: { ...servicenow, instanceUrl } } : {}) };
        }),
  },
);

/** The help desks whose REST credentials are configured (the adapters in src/activities/ticketing). */
export type HelpdeskSettings = z.output<typeof helpdeskSettings.schema>;
