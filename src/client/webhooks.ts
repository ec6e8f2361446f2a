import { createHash } from 'node:crypto';
import type { DeadLetter, EngineStore } from '../activities/records/port.js';
import { ValidationError, type FieldIssue } from '../domain/errors.js';
import { parseUntrustedJson } from '../domain/sources/json.js';
import { verifyJira, verifyServiceNow, verifyZendesk } from '../domain/sources/signatures.js';
import { isIgnoredDelivery, type NormalisedDelivery } from '../domain/sources/delivery.js';
import { normaliseJiraDelivery } from '../domain/sources/jiraDataCenter.js';
import { normaliseServiceNow } from '../domain/sources/servicenow.js';
import { normaliseHelpdeskRecord, RECONCILIATION_INVALID } from '../domain/sources/records.js';
import { normaliseZendeskDelivery } from '../domain/sources/zendeskEvents.js';
import type { IntakeVia } from '../domain/tickets/intake.js';
import type { TicketEvent, TicketSource } from '../domain/tickets/ticket.js';
import { keepRefusal, type FloodControl } from './floodControl.js';
import { intakeTicket, type IntakeOptions, type IntakeResult } from './intake.js';

export type Headers = Record<string, string | string[] | undefined>;

export interface WebhookOptions extends IntakeOptions {
  store: EngineStore;
  secrets: Partial<Record<TicketSource, string>>;
  allowUnsigned: boolean;
  jira?: { requestTypeField?: string };
  /** Bounds what refusals no signature proved may store; signed deliveries are always kept. */
  flood?: FloodControl;
  /** Dead letters older than this, or past this many per source, are removed as new ones come. */
  deadLetterRetention?: { maxAgeMs: number; maxPerSource: number };
  now?: () => Date;
}

export type DeliveryResult =
  | { httpStatus: 202 | 200; body: IntakeResult & { deliveryId: string } }
  | { httpStatus: 200; body: { status: 'ignored'; rule: null; reason: string; deliveryId: string } }
  | { httpStatus: 401; body: { error: 'invalid_signature'; reason: string; deadLetterId: number | null } }
  | { httpStatus: 400; body: { error: 'invalid_payload'; issues: FieldIssue[]; deadLetterId: number | null } };

/** The header that identifies a delivery, stable across the help desk's own retries. */
const DELIVERY_HEADER: Record<TicketSource, string> = {
  jira: 'x-atlassian-webhook-identifier',
  servicenow: 'x-itse-delivery',
  zendesk: 'x-zendesk-webhook-invocation-id',
};

/** Headers a replay needs; everything else (cookies, auth, client addresses) is not kept. */
const KEPT_HEADERS = [
  'content-type',
  'x-hub-signature',
  'x-atlassian-webhook-identifier',
  'x-atlassian-webhook-retry',
  'x-itse-signature',
  'x-itse-timestamp',
  'x-itse-delivery',
  'x-zendesk-webhook-signature',
  'x-zendesk-webhook-signature-timestamp',
  'x-zendesk-webhook-id',
  'x-zendesk-webhook-invocation-id',
];

const header = (headers: Headers, name: string) => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function keptHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries(KEPT_HEADERS.flatMap((h) => (header(headers, h) === undefined ? [] : [[h, header(headers, h) as string]])));
}

function verify(options: WebhookOptions, source: TicketSource, raw: Buffer, headers: Headers, replay: boolean): string | null {
  const secret = options.secrets[source];
  if (!secret) return options.allowUnsigned ? null : 'no_secret_configured';
  const nowMs = (options.now?.() ?? new Date()).getTime();
  // A staff replay of a stored delivery re-checks the signature but not its age.
  const tolerance = replay ? Number.POSITIVE_INFINITY : undefined;
  const result =
    source === 'jira'
      ? verifyJira(raw, headers, secret)
      : source === 'servicenow'
        ? verifyServiceNow(raw, headers, secret, nowMs, tolerance)
        : verifyZendesk(raw, headers, secret, nowMs, tolerance);
  return result.ok ? null : result.reason;
}

function normalise(options: WebhookOptions, source: TicketSource, body: unknown): NormalisedDelivery {
  if (source === 'jira') return normaliseJiraDelivery(body, options.jira);
  if (source === 'servicenow') return normaliseServiceNow(body);
  return normaliseZendeskDelivery(body);
}

/**
 * One help-desk delivery: signature on the raw bytes, JSON, normalisation, intake. A rejected
 * delivery is audited and kept in the dead-letter store (unless this is a replay of one), so staff
 * can fix the cause and replay it: nothing is lost.
 */
export async function handleDelivery(options: WebhookOptions, source: TicketSource, raw: Buffer, headers: Headers, replayOf?: number): Promise<DeliveryResult> {
  const now = options.now?.() ?? new Date();
  const deliveryId = header(headers, DELIVERY_HEADER[source]) ?? `sha256:${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
  // Proven by its signature: a secret is configured and the signature checked out.
  const signed = Boolean(options.secrets[source]);
  const reject = async (reason: string, issues: FieldIssue[], authenticated: boolean): Promise<number | null> => {
    if (replayOf === undefined && !authenticated && !(await keepRefusal(options.store, options.flood, source, now, raw.length))) return null;
    const deadLetterId = replayOf ?? (await options.store.addDeadLetter({ source, reason, issues, headers: keptHeaders(headers), body: raw, receivedAt: now }));
    if (replayOf === undefined && options.deadLetterRetention)
      await options.store.pruneDeadLetters(source, new Date(now.getTime() - options.deadLetterRetention.maxAgeMs), options.deadLetterRetention.maxPerSource);
    await options.store.appendAudit({
      at: now.toISOString(),
      kind: 'webhook.rejected',
      actor: source,
      subject: `${source}:delivery:${deliveryId}`,
      outcome: 'rejected',
      reason,
      details: { deadLetterId, fields: issues.map((i) => i.path), replay: replayOf !== undefined },
    });
    return replayOf === undefined ? deadLetterId : null;
  };

  const signatureProblem = verify(options, source, raw, headers, replayOf !== undefined);
  if (signatureProblem) {
    return { httpStatus: 401, body: { error: 'invalid_signature', reason: signatureProblem, deadLetterId: await reject(signatureProblem, [], false) } };
  }
  let event: NormalisedDelivery;
  try {
    event = normalise(options, source, parseJsonBody(raw));
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return { httpStatus: 400, body: { error: 'invalid_payload', issues: e.issues, deadLetterId: await reject('invalid_payload', e.issues, signed) } };
  }
  if (isIgnoredDelivery(event)) {
    // Well-formed, nothing to act on: answered 200 so the help desk does not retry, and audited with the reason.
    await options.store.appendAudit({
      at: now.toISOString(),
      kind: replayOf === undefined ? 'webhook.accepted' : 'webhook.replayed',
      actor: source,
      subject: `${source}:${event.ticketRef}`,
      outcome: 'skipped',
      reason: 'ignored',
      details: { deliveryId, sourceEventType: event.sourceEventType, why: event.reason, deadLetterId: replayOf ?? null },
    });
    return { httpStatus: 200, body: { status: 'ignored', rule: null, reason: event.reason, deliveryId } };
  }

  return intakeAudited(options, event, deliveryId, now, replayOf);
}

/** Intake of a normalised event, audited as accepted (or replayed, with the dead letter's id). */
async function intakeAudited(
  options: WebhookOptions,
  event: TicketEvent,
  deliveryId: string,
  now: Date,
  replayOf?: number,
  via?: IntakeVia,
): Promise<DeliveryResult> {
  const result = await intakeTicket(options, event, deliveryId, via);
  await options.store.appendAudit({
    at: now.toISOString(),
    kind: replayOf === undefined ? 'webhook.accepted' : 'webhook.replayed',
    actor: event.source,
    subject: `${event.source}:${event.ticket.key}`,
    outcome: result.status === 'ignored' ? 'skipped' : 'accepted',
    reason: result.status,
    details: {
      deliveryId,
      eventType: event.eventType,
      rule: result.rule,
      workflowId: 'workflowId' in result ? result.workflowId : null,
      deadLetterId: replayOf ?? null,
    },
  });
  return { httpStatus: result.status === 'started' ? 202 : 200, body: { ...result, deliveryId } };
}

/**
 * A ticket record reconciliation could not normalise, replayed after the cause was fixed: judged
 * on its body by the same normaliser reconciliation uses (it never had a signature to check).
 */
async function replayReconciled(options: WebhookOptions, letter: DeadLetter): Promise<DeliveryResult> {
  const now = options.now?.() ?? new Date();
  const deliveryId = `reconciliation:dead-letter:${letter.id}`;
  let event: TicketEvent;
  try {
    event = normaliseHelpdeskRecord(letter.source, parseJsonBody(letter.body), options.jira);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    await options.store.appendAudit({
      at: now.toISOString(),
      kind: 'webhook.rejected',
      actor: letter.source,
      subject: `${letter.source}:delivery:${deliveryId}`,
      outcome: 'rejected',
      reason: 'invalid_payload',
      details: { deadLetterId: letter.id, fields: e.issues.map((i) => i.path), replay: true },
    });
    return { httpStatus: 400, body: { error: 'invalid_payload', issues: e.issues, deadLetterId: null } };
  }
  return intakeAudited(options, event, deliveryId, now, letter.id, 'reconciliation');
}

/** Replays a dead-lettered delivery after its cause was fixed (secret, content, code). */
export async function replayDeadLetter(options: WebhookOptions, id: number): Promise<DeliveryResult> {
  const letter = await options.store.deadLetter(id);
  if (!letter) throw new ValidationError('dead letter', [{ path: 'id', message: `no dead letter ${id}` }]);
  if (letter.status !== 'open') throw new ValidationError('dead letter', [{ path: 'status', message: `dead letter ${id} is already ${letter.status}` }]);
  const result =
    letter.reason === RECONCILIATION_INVALID
      ? await replayReconciled(options, letter)
      : await handleDelivery(options, letter.source, letter.body, letter.headers, id);
  const at = options.now?.() ?? new Date();
  if (result.httpStatus === 200 || result.httpStatus === 202)
    await options.store.setDeadLetterStatus(id, 'replayed', `${result.body.status} ${'workflowId' in result.body ? result.body.workflowId : ''}`.trim(), at);
  return result;
}

/** A webhook body as JSON; anything else (not JSON, too deep, a `__proto__` key) is a ValidationError naming the body. */
export function parseJsonBody(raw: Buffer): unknown {
  return parseUntrustedJson(raw.toString('utf8'));
}
