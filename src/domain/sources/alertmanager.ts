import { z } from 'zod';
import type { AlertFacts } from '../definitions/run.js';
import { parseOrThrow, ValidationError } from '../errors.js';

// Prometheus Alertmanager's webhook notification, payload version 4 (the `webhook_config` section
// of https://prometheus.io/docs/alerting/latest/configuration/). One POST carries one alert group:
// every alert of the group, firing and (with `send_resolved`) resolved, each with its own status.
//
// Strict where the documentation is exact: every documented field must be there with its
// documented type, `version` must be "4", statuses are `firing` or `resolved`, times are RFC 3339.
// Tolerant of keys the documentation does not list, unlike the help-desk bodies: Alertmanager adds
// fields to version 4 without changing the version (`truncatedAlerts` came with 0.22), and a 4xx
// answer is never retried by Alertmanager, so refusing an unknown key would silently drop alerts
// after an upgrade. Unknown keys are dropped here (they never reach a workflow) and named in
// `ignoredKeys`, which the intake answers and audits. An incompatible change would bump `version`.
//
// Two more senders of the same shape are read as documented:
// - Grafana Alerting's webhook contact point (Grafana 8 and later; "Webhook JSON payload" in
//   Grafana's webhook-notifier docs) sends `version: "1"` with `orgId`, `title`, `state` and
//   `message` beside Alertmanager's keys, and `silenceURL`, `dashboardURL`, `panelURL`, `values`
//   on each alert: the extra keys are ignored and named like any other.
// - Alertmanager before 0.19 sent no per-alert `fingerprint`. It is computed here from the labels
//   exactly as Alertmanager computes it (prometheus/common model.LabelSet.Fingerprint), so the run
//   an old Alertmanager started is the one a newer one finds.

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
const Status = z.enum(ALERT_STATUSES, { error: (issue) => `must be "firing" or "resolved", not ${JSON.stringify(issue.input)}` });

// Go's time.RFC3339Nano as Alertmanager marshals it: up to nine fraction digits, Z or an offset.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** An RFC 3339 time; `notZero`: not Go's zero time (0001-01-01T00:00:00Z), which means "unset". One message per problem. */
const time = (notZero: string | null) =>
  z.string({ error: 'must be an RFC 3339 time as text, e.g. "2026-11-26T10:00:00.123Z"' }).superRefine((v, ctx) => {
    const ms = Date.parse(v);
    if (!RFC3339.test(v)) ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 time, e.g. "2026-11-26T10:00:00.123Z"' });
    else if (Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: 'is not a real date and time' });
    else if (notZero && ms < 0) ctx.addIssue({ code: 'custom', message: notZero });
  });

/** Labels and annotations: names (any text since Prometheus 3) to text values. */
const Strings = (what: string) =>
  z.record(z.string(), z.string({ error: `${what} values must be text` }), { error: `must be an object of ${what} name: value` });

const Fingerprint = z
  .string({ error: 'must be the alert fingerprint as text' })
  .regex(/^[0-9A-Za-z]{1,64}$/, 'must be the alert fingerprint: 1 to 64 letters and digits, e.g. "1a30ba71cca2921f"');

/** Who sends each payload version this endpoint reads. */
export const ALERT_SENDERS = { '4': 'alertmanager', '1': 'grafana' } as const;
export type AlertSender = (typeof ALERT_SENDERS)[keyof typeof ALERT_SENDERS];

const ALERT_KEYS = ['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint'] as const;
const GROUP_KEYS = [
  'version',
  'groupKey',
  'truncatedAlerts',
  'status',
  'receiver',
  'groupLabels',
  'commonLabels',
  'commonAnnotations',
  'externalURL',
  'alerts',
] as const;

export const AlertmanagerAlert = z.object({
  status: Status,
  labels: Strings('label'),
  annotations: Strings('annotation'),
  // With the fingerprint, it tells one occurrence of an alert from the next: never the zero time.
  startsAt: time('must be when the alert started, not the zero time 0001-01-01T00:00:00Z'),
  endsAt: time(null),
  generatorURL: z.string({ error: 'must be the URL of the rule that fired, as text (may be empty)' }),
  // Absent from Alertmanager before 0.19: computed from the labels (labelFingerprint).
  fingerprint: Fingerprint.optional(),
});

export const AlertmanagerWebhook = z.object({
  version: z.enum(['4', '1'], {
    error: (issue) =>
      `unsupported payload version ${JSON.stringify(issue.input)}; this endpoint reads Alertmanager's version "4" and Grafana Alerting's version "1"`,
  }),
  groupKey: z.string({ error: 'must be the group key as text' }),
  // Documented since Alertmanager 0.22 (max_alerts); older releases sent version 4 without it.
  truncatedAlerts: z.number({ error: 'must be the number of alerts left out' }).int().min(0).default(0),
  status: Status,
  receiver: z.string({ error: 'must be the receiver name as text' }),
  groupLabels: Strings('label'),
  commonLabels: Strings('label'),
  commonAnnotations: Strings('annotation'),
  externalURL: z.string({ error: 'must be the Alertmanager URL as text' }),
  alerts: z.array(AlertmanagerAlert, { error: 'must be the list of alerts of the group' }),
});
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhook>;

/** One notification, ready for routing: the group's facts and each alert as a run sees it. */
export interface AlertNotification {
  /** Who sent it, read from `version`: Alertmanager ("4") or Grafana Alerting ("1"). */
  sender: AlertSender;
  receiver: string;
  groupKey: string;
  status: 'firing' | 'resolved';
  /** Alerts Alertmanager left out of this notification (`max_alerts`); they were not seen. */
  truncatedAlerts: number;
  externalURL: string;
  alerts: AlertFacts[];
  /** Keys of the body that version 4 does not document, e.g. `alerts[].silenceURL`: ignored. */
  ignoredKeys: string[];
  /** Indexes of the alerts that came without a fingerprint (Alertmanager before 0.19): computed from their labels. */
  computedFingerprints: number[];
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const SEPARATOR = 0xff;

/**
 * Alertmanager's fingerprint of an alert: FNV-1a 64 over each label name and value in name order,
 * each followed by the byte 0xff (which UTF-8 never contains), as 16 lower-case hex digits.
 */
export function labelFingerprint(labels: Record<string, string>): string {
  let h = FNV_OFFSET;
  const add = (byte: number) => {
    h = ((h ^ BigInt(byte)) * FNV_PRIME) & 0xffffffffffffffffn;
  };
  const utf8 = new TextEncoder();
  // Go sorts label names by their UTF-8 bytes (code point order, not JavaScript's UTF-16 order).
  const names = Object.keys(labels)
    .map((name) => ({ name, bytes: utf8.encode(name) }))
    .sort((a, b) => compareBytes(a.bytes, b.bytes));
  for (const { name, bytes } of names) {
    for (const byte of bytes) add(byte);
    add(SEPARATOR);
    for (const byte of utf8.encode(labels[name]!)) add(byte);
    add(SEPARATOR);
  }
  return h.toString(16).padStart(16, '0');
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Grafana's legacy dashboard alerts (before Grafana Alerting) post another shape entirely. */
function legacyGrafana(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !('version' in body) && 'ruleName' in body && 'state' in body;
}

/** An RFC 3339 time as an ISO string in UTC, or null for Go's zero time (`0001-01-01T00:00:00Z`: no end). */
export function alertTime(value: string): string | null {
  const ms = Date.parse(value);
  return ms < 0 ? null : new Date(ms).toISOString();
}

function unknownKeys(body: Record<string, unknown>): string[] {
  const keys = new Set(Object.keys(body).filter((k) => !(GROUP_KEYS as readonly string[]).includes(k)));
  for (const alert of body.alerts as unknown[]) {
    for (const k of Object.keys(alert as object)) if (!(ALERT_KEYS as readonly string[]).includes(k)) keys.add(`alerts[].${k}`);
  }
  return [...keys].sort();
}

/**
 * Checks a notification body (a ValidationError names every bad field, e.g. `alerts[0].startsAt`)
 * and turns each alert into AlertFacts: times in UTC, and `endsAt` null while an alert fires (for
 * a firing alert it is at most an expiry estimate, not an end).
 */
export function normaliseAlertmanager(body: unknown): AlertNotification {
  if (legacyGrafana(body)) {
    throw new ValidationError('Alertmanager notification', [
      {
        path: '(root)',
        message:
          'a Grafana legacy dashboard alert (ruleName, evalMatches); use a Grafana Alerting webhook contact point, which sends version "1" (docs/alertmanager.md)',
      },
    ]);
  }
  const n = parseOrThrow(AlertmanagerWebhook, body, 'Alertmanager notification');
  return {
    sender: ALERT_SENDERS[n.version],
    receiver: n.receiver,
    groupKey: n.groupKey,
    status: n.status,
    truncatedAlerts: n.truncatedAlerts,
    externalURL: n.externalURL,
    alerts: n.alerts.map((a) => ({
      fingerprint: a.fingerprint ?? labelFingerprint(a.labels),
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(Date.parse(a.startsAt)).toISOString(),
      endsAt: a.status === 'firing' ? null : alertTime(a.endsAt),
    })),
    ignoredKeys: unknownKeys(body as Record<string, unknown>),
    computedFingerprints: n.alerts.flatMap((a, i) => (a.fingerprint === undefined ? [i] : [])),
  };
}
