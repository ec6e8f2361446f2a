import { z } from 'zod';
import { duration, durationMs, flag, setting, defineSettings, wholeNumber } from './settings.js';

const secret = z.string().min(16, 'use at least 16 characters').optional();

// Unsigned deliveries are a local-development convenience: loadConfig allows them by default only
// with the embedded dev server, never with a real cluster.
export const intakeSettings = defineSettings('Intake: webhooks, alerts, reconciliation', {
  webhooks: {
    secrets: {
      jira: setting('WEBHOOK_SECRET_JIRA', secret, 'shared secret of the Jira webhook signature (16+ characters)'),
      servicenow: setting('WEBHOOK_SECRET_SERVICENOW', secret, 'shared secret of the ServiceNow webhook signature (16+ characters)'),
      zendesk: setting('WEBHOOK_SECRET_ZENDESK', secret, 'signing secret of the Zendesk webhook (16+ characters)'),
    },
    allowUnsigned: setting('ALLOW_UNSIGNED_WEBHOOKS', flag.optional(), 'accept deliveries from sources without a secret (local development only)', {
      shownDefault: '`true` with the embedded dev server, else `false`',
    }),
    /** What refusals no signature proved may store, per source (src/domain/sources/floodGuard.ts). */
    floodPolicy: {
      keepPerMinute: setting(
        'WEBHOOK_REFUSALS_KEPT_PER_MINUTE',
        wholeNumber('60', 1).default(60),
        'refused deliveries no signature proved that are kept whole (dead letter, audit entry), per help desk and minute; the rest are counted',
      ),
      keepMaxBytes: setting(
        'WEBHOOK_REFUSAL_KEPT_MAX_BYTES',
        wholeNumber('65536', 1024, 'a number of bytes').default(65_536),
        'the largest unproven refused delivery kept whole',
      ),
    },
    deadLetterRetention: {
      maxAgeMs: setting('DEAD_LETTER_RETENTION', duration('30d').prefault('30d'), 'dead letters older than this are removed (their audit entries stay)'),
      maxPerSource: setting(
        'DEAD_LETTERS_MAX_PER_SOURCE',
        wholeNumber('10000', 1).default(10_000),
        'past this many dead letters per help desk the oldest are removed',
      ),
    },
  },
  /** Prometheus Alertmanager webhooks (docs/alertmanager.md): its token; unset turns the intake off (503). */
  alertmanager: {
    token: setting(
      'ALERTMANAGER_TOKEN',
      z.string().min(24, 'use at least 24 characters').optional(),
      'bearer token (or basic-auth password) Alertmanager sends to `POST /webhooks/alertmanager` (24+ characters); unset: alert intake off (503)',
    ),
  },
  reconcile: {
    /** null: off. */
    everyMs: setting(
      'RECONCILE_EVERY',
      z
        .union([z.literal('off'), z.string().regex(/^\d+[smhd]$/, 'a duration such as 5m, or off')])
        .transform((v) => (v === 'off' ? null : durationMs(v)))
        .prefault('5m'),
      'reconciliation interval (`30s`, `5m`, `1h`, ...) or `off`',
    ),
    overlapMs: setting(
      'RECONCILE_OVERLAP',
      duration('35m').prefault('35m'),
      're-read this much before the cursor (help desks change tickets with late timestamps)',
    ),
    firstLookbackMs: setting('RECONCILE_FIRST_LOOKBACK', duration('24h').prefault('24h'), 'where the very first reconciliation starts reading'),
  },
});
