import { createHash, timingSafeEqual } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { EngineStore } from '../activities/records/port.js';
import type { Content } from '../stack/content.js';
import { routeAlert, type AlertRoutingConfig } from '../domain/tickets/alertRouting.js';
import type { AlertFacts } from '../domain/definitions/run.js';
import { ValidationError, type FieldIssue } from '../domain/errors.js';
import type { DirectoryOutagePolicy } from '../domain/permissions/outage.js';
import { redactValue, type RedactionPolicy } from '../domain/records/redactionPolicy.js';
import { normaliseAlertmanager, type AlertNotification, type AlertSender } from '../domain/sources/alertmanager.js';
import type { TicketSource } from '../domain/tickets/ticket.js';
import { alertUpdateSignal } from '../workflows/messages.js';
import { startDefinitionRun } from './definitions.js';
import { keepRefusal, type FloodControl } from './floodControl.js';
import { parseJsonBody, type Headers } from './webhooks.js';

// Prometheus Alertmanager webhooks (POST /webhooks/alertmanager, docs/alertmanager.md).
// Alertmanager signs nothing: it authenticates with its `http_config`, a bearer token
// (`authorization: { credentials }`) or basic auth, checked here against ALERTMANAGER_TOKEN.

export interface AlertIntakeOptions {
  client: Client;
  store: EngineStore;
  /** The task queue of definition runs. */
  taskQueue: string;
  /** ALERTMANAGER_TOKEN; unset: the intake is off and answers 503. */
  token?: string;
  /** content/alerts.yaml. */
  alerts: AlertRoutingConfig;
  content: Pick<Content, 'definitions' | 'trees'>;
  /** Annotations (free text) are redacted with it before they enter a run. */
  redaction?: RedactionPolicy;
  humanQueue?: string;
  directoryOutage?: DirectoryOutagePolicy;
  /** How long to wait for Temporal to accept a start or signal before answering 503 (Alertmanager retries 5xx). */
  startTimeoutMs?: number;
  /** Bounds the audit rows of refusals without the token (anyone can send one). */
  flood?: FloodControl;
  now?: () => Date;
}

/** What became of one alert of a notification. */
export type AlertOutcome =
  /** A firing alert started its rule's run. */
  | 'started'
  /** A repeated firing notification: the run of this occurrence already exists (running or ended). */
  | 'joined'
  /** A resolved alert was told to its running run (`alertUpdate` signal). */
  | 'signalled'
  /** A resolved alert whose run had already ended. */
  | 'run_ended'
  /** A resolved alert for which no run was started (e.g. it fired before the rule existed). */
  | 'no_run'
  /** No rule matches the alert: acknowledged, nothing started. */
  | 'unmatched'
  /** The rule matched but the alert does not give the definition's inputs: nothing started. */
  | 'invalid_inputs';

export interface AlertResult {
  fingerprint: string;
  alertname: string | null;
  status: 'firing' | 'resolved';
  outcome: AlertOutcome;
  rule: string | null;
  workflowId: string | null;
  /** How the run ended (COMPLETED, FAILED, ...) for `joined` and `run_ended`; RUNNING when it runs. */
  runStatus?: string;
  issues?: FieldIssue[];
}

export type AlertDeliveryResult =
  | {
      httpStatus: 200 | 202;
      body: { deliveryId: string; sender: AlertSender; receiver: string; truncatedAlerts: number; ignoredKeys: string[]; results: AlertResult[] };
    }
  | { httpStatus: 401; body: { error: 'unauthorized'; reason: 'missing_token' | 'bad_token'; message: string } }
  | { httpStatus: 503; body: { error: 'alert_intake_disabled'; message: string } }
  | { httpStatus: 400; body: { error: 'invalid_payload'; issues: FieldIssue[]; deadLetterId: number | null } };

/** Dead letters of this intake carry this source (the store's other sources are help desks). */
export const ALERTMANAGER_SOURCE = 'alertmanager';

const header = (headers: Headers, name: string) => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The credential Alertmanager sent: a bearer token, or the password of basic auth. */
export function alertmanagerCredential(headers: Headers): string | null {
  const auth = header(headers, 'authorization') ?? '';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : null;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * One Alertmanager notification: token, JSON, the v4 payload, then each alert routed by
 * content/alerts.yaml and audited. A malformed body is answered 400 and dead-lettered (staff can
 * replay it once the cause is fixed); a bad token 401 and audited, its body not kept (anyone can
 * send one; Alertmanager repeats firing alerts every repeat_interval, so nothing is lost once the
 * token is right). Temporal being unreachable throws, which the API answers 503: Alertmanager
 * retries, and the workflow ids make a retry start nothing twice.
 */
export async function handleAlertDelivery(options: AlertIntakeOptions, raw: Buffer, headers: Headers, replayOf?: number): Promise<AlertDeliveryResult> {
  const now = options.now?.() ?? new Date();
  const deliveryId = `sha256:${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
  const audit = (
    kind: 'webhook.accepted' | 'webhook.rejected' | 'webhook.replayed',
    subject: string,
    outcome: 'accepted' | 'rejected' | 'skipped',
    reason: string,
    details: Record<string, unknown>,
  ) =>
    options.store.appendAudit({
      at: now.toISOString(),
      kind,
      actor: ALERTMANAGER_SOURCE,
      subject,
      outcome,
      reason,
      details: { deliveryId, ...details, ...(replayOf === undefined ? {} : { replayOf }) },
    });

  if (replayOf === undefined) {
    // Nothing here is proven yet: past the flood bound such refusals are counted, not each audited.
    const keep = () => keepRefusal(options.store, options.flood, ALERTMANAGER_SOURCE, now, 0);
    if (!options.token) {
      if (await keep()) await audit('webhook.rejected', `${ALERTMANAGER_SOURCE}:delivery:${deliveryId}`, 'rejected', 'not_configured', {});
      return {
        httpStatus: 503,
        body: {
          error: 'alert_intake_disabled',
          message: 'alert intake is not configured: set ALERTMANAGER_TOKEN and give Alertmanager the same token (docs/alertmanager.md)',
        },
      };
    }
    const given = alertmanagerCredential(headers);
    if (given === null || !sameSecret(given, options.token)) {
      const reason = given === null ? 'missing_token' : 'bad_token';
      if (await keep()) await audit('webhook.rejected', `${ALERTMANAGER_SOURCE}:delivery:${deliveryId}`, 'rejected', reason, { deadLetterId: null });
      return {
        httpStatus: 401,
        body: {
          error: 'unauthorized',
          reason,
          message: 'Alertmanager must send ALERTMANAGER_TOKEN as a bearer token (http_config.authorization.credentials) or as the basic-auth password',
        },
      };
    }
  }

  let notification: AlertNotification;
  try {
    notification = normaliseAlertmanager(parseJsonBody(raw));
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const deadLetterId =
      replayOf ??
      (await options.store.addDeadLetter({
        // The store's type names the help desks; its column holds any source.
        source: ALERTMANAGER_SOURCE as TicketSource,
        reason: 'invalid_payload',
        issues: e.issues,
        headers: { 'content-type': header(headers, 'content-type') ?? 'application/json' },
        body: raw,
        receivedAt: now,
      }));
    await audit('webhook.rejected', `${ALERTMANAGER_SOURCE}:delivery:${deliveryId}`, 'rejected', 'invalid_payload', {
      deadLetterId,
      fields: e.issues.map((i) => i.path),
    });
    return { httpStatus: 400, body: { error: 'invalid_payload', issues: e.issues, deadLetterId: replayOf === undefined ? deadLetterId : null } };
  }

  const results: AlertResult[] = [];
  for (const [index, alert] of notification.alerts.entries()) {
    const result = await handleAlert(options, alert);
    results.push(result);
    const { outcome } = result;
    await audit(
      outcome === 'invalid_inputs' ? 'webhook.rejected' : replayOf === undefined ? 'webhook.accepted' : 'webhook.replayed',
      result.workflowId ?? `${ALERTMANAGER_SOURCE}:${alert.fingerprint}`,
      outcome === 'started' || outcome === 'signalled' ? 'accepted' : outcome === 'invalid_inputs' ? 'rejected' : 'skipped',
      outcome,
      {
        fingerprint: alert.fingerprint,
        alertname: result.alertname,
        alertStatus: alert.status,
        startsAt: alert.startsAt,
        rule: result.rule,
        workflowId: result.workflowId,
        receiver: notification.receiver,
        sender: notification.sender,
        ...(notification.computedFingerprints.includes(index) ? { fingerprintComputed: true } : {}),
        ...(result.runStatus ? { runStatus: result.runStatus } : {}),
        ...(result.issues ? { fields: result.issues.map((i) => i.path) } : {}),
        ...(notification.truncatedAlerts > 0 ? { truncatedAlerts: notification.truncatedAlerts } : {}),
        ...(notification.ignoredKeys.length > 0 ? { ignoredKeys: notification.ignoredKeys } : {}),
      },
    );
  }
  return {
    httpStatus: results.some((r) => r.outcome === 'started') ? 202 : 200,
    body: {
      deliveryId,
      sender: notification.sender,
      receiver: notification.receiver,
      truncatedAlerts: notification.truncatedAlerts,
      ignoredKeys: notification.ignoredKeys,
      results,
    },
  };
}

async function handleAlert(options: AlertIntakeOptions, raw: AlertFacts): Promise<AlertResult> {
  // Annotations are free text (summaries, descriptions): redacted before they enter a run's history.
  const alert: AlertFacts = options.redaction ? { ...raw, annotations: redactValue(raw.annotations, options.redaction) as Record<string, string> } : raw;
  const base = { fingerprint: alert.fingerprint, alertname: alert.labels.alertname ?? null, status: alert.status };
  const decision = routeAlert(options.alerts, alert);
  const deadline = Date.now() + (options.startTimeoutMs ?? 5000);
  const { client } = options;
  switch (decision.kind) {
    case 'unmatched':
      return { ...base, outcome: 'unmatched', rule: null, workflowId: null };
    case 'invalid':
      return { ...base, outcome: 'invalid_inputs', rule: decision.rule, workflowId: decision.workflowId, issues: decision.issues };
    case 'start': {
      // A repeat of a firing notification finds its run (running or ended) and leaves it alone:
      // the start says so (the workflow id never runs twice), without a lookup first.
      try {
        const run = await client.connection.withDeadline(deadline, () =>
          startDefinitionRun({
            client,
            taskQueue: options.taskQueue,
            content: options.content,
            definition: decision.definition,
            inputs: decision.inputs,
            requester: { by: 'id', id: decision.requester },
            alert,
            workflowId: decision.workflowId,
            humanQueue: options.humanQueue,
            directoryOutage: options.directoryOutage,
          }),
        );
        return { ...base, outcome: run.started ? 'started' : 'joined', rule: decision.rule, workflowId: run.workflowId, runStatus: run.status };
      } catch (e) {
        // The definition refused the rendered inputs (e.g. a device label that is not an asset tag).
        if (!(e instanceof ValidationError)) throw e;
        return { ...base, outcome: 'invalid_inputs', rule: decision.rule, workflowId: decision.workflowId, issues: e.issues };
      }
    }
    case 'update': {
      const handle = client.workflow.getHandle(decision.workflowId);
      try {
        await client.connection.withDeadline(deadline, () => handle.signal(alertUpdateSignal, decision.update));
        return { ...base, outcome: 'signalled', rule: decision.rule, workflowId: decision.workflowId };
      } catch (e) {
        if (!(e instanceof WorkflowNotFoundError)) throw e;
      }
      // Not running: it ended, or it never started.
      const ended = await describeRun(client, deadline, decision.workflowId);
      return ended
        ? { ...base, outcome: 'run_ended', rule: decision.rule, workflowId: decision.workflowId, runStatus: ended }
        : { ...base, outcome: 'no_run', rule: decision.rule, workflowId: null };
    }
  }
}

/** The status of the run with this id (RUNNING, COMPLETED, ...), or null when there is none. */
async function describeRun(client: Client, deadline: number, workflowId: string): Promise<string | null> {
  try {
    return (await client.connection.withDeadline(deadline, () => client.workflow.getHandle(workflowId).describe())).status.name;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return null;
    throw e;
  }
}

/** Replays a dead-lettered Alertmanager notification after its cause was fixed (staff only; no token check). */
export async function replayAlertDeadLetter(options: AlertIntakeOptions, id: number): Promise<AlertDeliveryResult> {
  const letter = await options.store.deadLetter(id);
  if (!letter || (letter.source as string) !== ALERTMANAGER_SOURCE)
    throw new ValidationError('dead letter', [{ path: 'id', message: `no Alertmanager dead letter ${id}` }]);
  if (letter.status !== 'open') throw new ValidationError('dead letter', [{ path: 'status', message: `dead letter ${id} is already ${letter.status}` }]);
  const result = await handleAlertDelivery(options, letter.body, letter.headers, id);
  if (result.httpStatus === 200 || result.httpStatus === 202) {
    const summary = result.body.results.map((r) => `${r.fingerprint} ${r.outcome}`).join(', ') || 'no alerts';
    await options.store.setDeadLetterStatus(id, 'replayed', summary, options.now?.() ?? new Date());
  }
  return result;
}
