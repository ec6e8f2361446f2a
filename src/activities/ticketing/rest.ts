import type { HelpdeskSettings } from '../../config/helpdesks.js';
import type { HelpdesksConfig } from '../../domain/sources/helpdesks.js';
import type { TicketSource } from '../../domain/tickets/ticket.js';
import { JiraTicketing } from './jira.js';
import type { TicketingPort } from './port.js';
import { ServiceNowTicketing } from './servicenow.js';
import { ZendeskTicketing } from './zendesk.js';

/**
 * REST adapters for the help desks whose credentials are in the environment, with the non-secret
 * settings of content/helpdesks.yaml.
 */
export function restHelpdesks(env: HelpdeskSettings, settings: HelpdesksConfig): Partial<Record<TicketSource, TicketingPort>> {
  const out: Partial<Record<TicketSource, TicketingPort>> = {};
  if (env.jira) {
    const { requestTypeField, jql, ...jira } = settings.jira;
    out.jira = new JiraTicketing({
      ...env.jira,
      ...jira,
      jql: jql || undefined,
      // The request-type field is read by the normaliser, so reconciliation must list it too.
      extraFields: requestTypeField ? ['*navigable', requestTypeField] : undefined,
    });
  }
  if (env.servicenow) {
    const { instanceUrl, user, password, token } = env.servicenow;
    out.servicenow = new ServiceNowTicketing({ baseUrl: instanceUrl, username: user, password, token, ...settings.servicenow });
  }
  if (env.zendesk) out.zendesk = new ZendeskTicketing({ ...env.zendesk, ...settings.zendesk });
  return out;
}
