import { z } from 'zod';
import { duration, durationMs, flag, slice, wholeNumber } from './settings.js';

export const intakeSettings = slice('Intake: webhooks, alerts, reconciliation', {
  WEBHOOK_SECRET_JIRA: [z.string().min(16, 'use at least 16 characters').optional(), 'shared secret of the Jira webhook signature (16+ characters)'],
  WEBHOOK_SECRET_SERVICENOW: [
    z.string().min(16, 'use at least 16 characters').optional(),
    'shared secret of the ServiceNow webhook signature (16+ characters)',
  ],
  WEBHOOK_SECRET_ZENDESK: [z.string().min(16, 'use at least 16 characters').optional(), 'signing secret of the Zendesk webhook (16+ characters)'],
  ALLOW_UNSIGNED_WEBHOOKS: [
    flag.optional(),
    'accept deliveries from sources without a secret (local development only)',
    '`true` with the embedded dev server, else `false`',
  ],
  WEBHOOK_REFUSALS_KEPT_PER_MINUTE: [
    wholeNumber('60', 1).default(60),
    'refused deliveries no signature proved that are kept whole (dead letter, audit entry), per help desk and minute; the rest are counted',
  ],
  WEBHOOK_REFUSAL_KEPT_MAX_BYTES: [wholeNumber('65536', 1024, 'a number of bytes').default(65_536), 'the largest unproven refused delivery kept whole'],
  DEAD_LETTER_RETENTION: [duration('30d').default('30d'), 'dead letters older than this are removed (their audit entries stay)'],
  DEAD_LETTERS_MAX_PER_SOURCE: [wholeNumber('10000', 1).default(10_000), 'past this many dead letters per help desk the oldest are removed'],
  ALERTMANAGER_TOKEN: [
    z.string().min(24, 'use at least 24 characters').optional(),
    'bearer token (or basic-auth password) Alertmanager sends to `POST /webhooks/alertmanager` (24+ characters); unset: alert intake off (503)',
  ],
  RECONCILE_EVERY: [
    z.union([z.literal('off'), z.string().regex(/^\d+[smhd]$/, 'a duration such as 5m, or off')]).default('5m'),
    'reconciliation interval (`30s`, `5m`, `1h`, ...) or `off`',
  ],
  RECONCILE_OVERLAP: [duration('35m').default('35m'), 're-read this much before the cursor (help desks change tickets with late timestamps)'],
  RECONCILE_FIRST_LOOKBACK: [duration('24h').default('24h'), 'where the very first reconciliation starts reading'],
});

type IntakeEnv = z.infer<z.ZodObject<typeof intakeSettings.shape>>;

export function intakeConfig(e: IntakeEnv, embedded: boolean) {
  return {
    webhooks: {
      secrets: { jira: e.WEBHOOK_SECRET_JIRA, servicenow: e.WEBHOOK_SECRET_SERVICENOW, zendesk: e.WEBHOOK_SECRET_ZENDESK },
      // Unsigned deliveries are a local-development convenience: never with a real cluster.
      allowUnsigned: e.ALLOW_UNSIGNED_WEBHOOKS ?? embedded,
      /** What refusals no signature proved may store, per source (src/domain/sources/floodGuard.ts). */
      floodPolicy: { keepPerMinute: e.WEBHOOK_REFUSALS_KEPT_PER_MINUTE, keepMaxBytes: e.WEBHOOK_REFUSAL_KEPT_MAX_BYTES },
      deadLetterRetention: { maxAgeMs: durationMs(e.DEAD_LETTER_RETENTION), maxPerSource: e.DEAD_LETTERS_MAX_PER_SOURCE },
    },
    /** Prometheus Alertmanager webhooks (docs/alertmanager.md): its token; unset turns the intake off (503). */
    alertmanager: { token: e.ALERTMANAGER_TOKEN },
    reconcile: {
      everyMs: e.RECONCILE_EVERY === 'off' ? null : durationMs(e.RECONCILE_EVERY),
      overlapMs: durationMs(e.RECONCILE_OVERLAP),
      firstLookbackMs: durationMs(e.RECONCILE_FIRST_LOOKBACK),
    },
  };
}
