import { readFileSync } from 'node:fs';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { signJira, signServiceNow, signZendesk } from '../../src/domain/sources/signatures.js';
import type { TicketSource } from '../../src/domain/tickets/ticket.js';

export const SECRETS = {
  jira: 'jira-webhook-secret-0123456789',
  servicenow: 'servicenow-webhook-secret-0123456789',
  zendesk: 'zendesk-webhook-secret-0123456789',
} as const;

export const sample = (path: string) => JSON.parse(readFileSync(`${PROJECT_ROOT}/content/samples/${path}`, 'utf8')) as Record<string, any>;

/** The committed Alertmanager v4 notification (content/samples/alertmanager), as Alertmanager 0.27 sends it. */
export function alertmanagerNotification(change: (body: Record<string, any>) => void = () => {}): Record<string, any> {
  const body = sample('alertmanager/device-offline-firing.json');
  change(body);
  return body;
}

let n = 500;
/** The committed ServiceNow sample with a fresh incident number and sys_id. */
export function serviceNowIncident(change: (body: Record<string, any>) => void = () => {}): Record<string, any> {
  const body = sample('servicenow/incident-created.json');
  n++;
  body.incident.number = `INC00${10000 + n}`;
  body.incident.sys_id = `${n}`.padStart(32, 'a');
  change(body);
  return body;
}

/** The committed Zendesk sample with a fresh ticket id. */
export function zendeskTicket(change: (body: Record<string, any>) => void = () => {}): Record<string, any> {
  const body = sample('zendesk/ticket-created.json');
  n++;
  body.ticket.id = String(90000 + n);
  change(body);
  return body;
}

/** Headers a help desk would send for `raw`, signed with `secret`. */
export function signedHeaders(source: TicketSource, raw: string, secret: string = SECRETS[source], at = new Date()): Record<string, string> {
  const signature =
    source === 'jira'
      ? signJira(raw, secret)
      : source === 'servicenow'
        ? signServiceNow(raw, secret, Math.floor(at.getTime() / 1000))
        : signZendesk(raw, secret, at.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  return { 'content-type': 'application/json', ...signature };
}

/** POSTs a body to /webhooks/<source>, signed unless `headers` says otherwise. */
export function deliver(apiUrl: string, source: TicketSource, body: unknown, headers?: Record<string, string>, rawOverride?: string) {
  const raw = rawOverride ?? JSON.stringify(body);
  return fetch(`${apiUrl}/webhooks/${source}`, { method: 'POST', headers: headers ?? signedHeaders(source, raw), body: raw });
}
