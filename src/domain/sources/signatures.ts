import { createHmac, timingSafeEqual } from 'node:crypto';

// Webhook signature checks over the raw request bytes (never over re-serialised JSON).
// Pure: the caller passes the clock (`nowMs`), so the same function runs in tests and the API.
// The MAC is checked before the timestamp's freshness: a forged request is reported as
// `bad_signature`, and only an authentic delivery can be reported as `stale_timestamp`.

export type SignatureFailure = 'missing_signature' | 'malformed_signature' | 'bad_signature' | 'missing_timestamp' | 'malformed_timestamp' | 'stale_timestamp';

export type SignatureResult = { ok: true } | { ok: false; reason: SignatureFailure };

/** Request headers as Node gives them: names lower-cased, repeated headers possibly as arrays. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

export const JIRA_SIGNATURE_HEADER = 'x-hub-signature';
export const SERVICENOW_SIGNATURE_HEADER = 'x-itse-signature';
export const SERVICENOW_TIMESTAMP_HEADER = 'x-itse-timestamp';
export const SERVICENOW_DELIVERY_HEADER = 'x-itse-delivery';
export const ZENDESK_SIGNATURE_HEADER = 'x-zendesk-webhook-signature';
export const ZENDESK_TIMESTAMP_HEADER = 'x-zendesk-webhook-signature-timestamp';

export const DEFAULT_TOLERANCE_SEC = 300;

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
// 32 bytes in standard Base64: 43 characters and one '=' of padding.
const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;
const UNIX_SECONDS = /^\d{1,12}$/;
// ISO 8601 date-time with an explicit zone; seconds optional (Zendesk documents `2013-12-12T05:35Z`).
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

const OK: SignatureResult = { ok: true };
const fail = (reason: SignatureFailure): SignatureResult => ({ ok: false, reason });

type HeaderValue = { kind: 'missing' } | { kind: 'ambiguous' } | { kind: 'value'; value: string };

/** One header value. Several values for a signature header are refused rather than guessed at. */
function header(headers: WebhookHeaders, name: string): HeaderValue {
  const raw = headers[name];
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  if (values.length === 0) return { kind: 'missing' };
  if (values.length > 1) return { kind: 'ambiguous' };
  return { kind: 'value', value: values[0]!.trim() };
}

function hmac(secret: string, parts: Array<Buffer | string>): Buffer {
  // An empty key would let anyone compute a valid signature: a configuration error, not a request error.
  if (secret.length === 0) throw new Error('webhook secret is empty; configure a shared secret');
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Constant-time comparison; unequal lengths are answered without calling timingSafeEqual (which would throw). */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** `sha256=<hex>` (and, when allowed, `sha256=<base64>`) to the 32 MAC bytes; null when malformed. */
function parseSha256(value: string, allowBase64: boolean): Buffer | null {
  if (!value.startsWith('sha256=')) return null;
  const digest = value.slice('sha256='.length);
  if (HEX_SHA256.test(digest)) return Buffer.from(digest, 'hex');
  if (allowBase64 && BASE64_SHA256.test(digest)) return Buffer.from(digest, 'base64');
  return null;
}

function isFresh(timestampMs: number, nowMs: number, toleranceSec: number): boolean {
  return Math.abs(nowMs - timestampMs) <= toleranceSec * 1000;
}

// ---------------------------------------------------------------------------------------------
// Jira Cloud admin webhooks: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`.
// Jira sends no signed timestamp, so replays are bounded by delivery-id dedup, not here.

export function signJira(raw: Buffer | string, secret: string): Record<string, string> {
  return { [JIRA_SIGNATURE_HEADER]: `sha256=${hmac(secret, [raw]).toString('hex')}` };
}

export function verifyJira(raw: Buffer, headers: WebhookHeaders, secret: string): SignatureResult {
  const sig = header(headers, JIRA_SIGNATURE_HEADER);
  if (sig.kind === 'missing') return fail('missing_signature');
  if (sig.kind === 'ambiguous') return fail('malformed_signature');
  const given = parseSha256(sig.value, false);
  if (!given) return fail('malformed_signature');
  return safeEqual(given, hmac(secret, [raw])) ? OK : fail('bad_signature');
}

// ---------------------------------------------------------------------------------------------
// ServiceNow: our own scheme (ServiceNow has no webhook signing), see docs/servicenow.md.
// `x-itse-timestamp: <unix seconds>`, `x-itse-signature: sha256=<MAC>` where MAC is
// HMAC-SHA256(secret, timestamp + "." + raw body) as hex (64 characters) or Base64 (44 characters):
// ServiceNow's GlideCertificateEncryption.generateMac returns Base64, other senders use hex.

export function signServiceNow(raw: Buffer | string, secret: string, timestampSec: number, encoding: 'hex' | 'base64' = 'hex'): Record<string, string> {
  const timestamp = String(Math.trunc(timestampSec));
  return {
    [SERVICENOW_TIMESTAMP_HEADER]: timestamp,
    [SERVICENOW_SIGNATURE_HEADER]: `sha256=${hmac(secret, [`${timestamp}.`, raw]).toString(encoding)}`,
  };
}

export function verifyServiceNow(raw: Buffer, headers: WebhookHeaders, secret: string, nowMs: number, toleranceSec = DEFAULT_TOLERANCE_SEC): SignatureResult {
  const sig = header(headers, SERVICENOW_SIGNATURE_HEADER);
  const ts = header(headers, SERVICENOW_TIMESTAMP_HEADER);
  if (sig.kind === 'missing') return fail('missing_signature');
  if (ts.kind === 'missing') return fail('missing_timestamp');
  if (sig.kind === 'ambiguous') return fail('malformed_signature');
  if (ts.kind === 'ambiguous' || !UNIX_SECONDS.test(ts.value)) return fail('malformed_timestamp');
  const given = parseSha256(sig.value, true);
  if (!given) return fail('malformed_signature');
  if (!safeEqual(given, hmac(secret, [`${ts.value}.`, raw]))) return fail('bad_signature');
  return isFresh(Number(ts.value) * 1000, nowMs, toleranceSec) ? OK : fail('stale_timestamp');
}

// ---------------------------------------------------------------------------------------------
// Zendesk (documented): `X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + body))`,
// `X-Zendesk-Webhook-Signature-Timestamp: 2026-11-26T10:00:00Z`. The MAC covers the timestamp
// exactly as sent, so it is used verbatim; only the freshness check parses it.

export function signZendesk(raw: Buffer | string, secret: string, timestampIso: string): Record<string, string> {
  return {
    [ZENDESK_TIMESTAMP_HEADER]: timestampIso,
    [ZENDESK_SIGNATURE_HEADER]: hmac(secret, [timestampIso, raw]).toString('base64'),
  };
}

export function verifyZendesk(raw: Buffer, headers: WebhookHeaders, secret: string, nowMs: number, toleranceSec = DEFAULT_TOLERANCE_SEC): SignatureResult {
  const sig = header(headers, ZENDESK_SIGNATURE_HEADER);
  const ts = header(headers, ZENDESK_TIMESTAMP_HEADER);
  if (sig.kind === 'missing') return fail('missing_signature');
  if (ts.kind === 'missing') return fail('missing_timestamp');
  if (sig.kind === 'ambiguous' || !BASE64_SHA256.test(sig.value)) return fail('malformed_signature');
  if (ts.kind === 'ambiguous') return fail('malformed_timestamp');
  const timestampMs = ISO_DATE_TIME.test(ts.value) ? Date.parse(ts.value) : Number.NaN;
  if (Number.isNaN(timestampMs)) return fail('malformed_timestamp');
  if (!safeEqual(Buffer.from(sig.value, 'base64'), hmac(secret, [ts.value, raw]))) return fail('bad_signature');
  return isFresh(timestampMs, nowMs, toleranceSec) ? OK : fail('stale_timestamp');
}

/**
 * The signature headers a help desk sends with a delivery of `raw` at `at`, as each one formats
 * them (ServiceNow's HMAC in base64, Zendesk's timestamp to the second): for the demo, the
 * benchmark and the CLI's `deliver`.
 */
export function helpdeskSignatureHeaders(source: 'jira' | 'servicenow' | 'zendesk', raw: Buffer | string, secret: string, at: Date): Record<string, string> {
  if (source === 'jira') return signJira(raw, secret);
  if (source === 'servicenow') return signServiceNow(raw, secret, Math.floor(at.getTime() / 1000), 'base64');
  return signZendesk(raw, secret, at.toISOString().replace(/\.\d{3}Z$/, 'Z'));
}
