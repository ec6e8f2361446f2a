import { z } from 'zod';
import { ALWAYS } from '../domain/errors.js';
import { defineSettings, setting } from './settings.js';

// The mail system and the asset tool onboarding uses. `memory` (the default) keeps mailboxes and
// laptops in one process: fine for the demo and one host, wrong for several hosts, where a mailbox
// made on one worker does not exist on the other. `graph` (Microsoft Graph / Exchange Online) and
// `snipeit` (Snipe-IT's REST API) keep them where every host sees them. docs/mailbox-and-assets.md
// says how to register the Graph app and make the Snipe-IT token.

const text = z.string().min(1);
const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a GUID such as 4b9405b0-7788-4568-add1-99614e613b69');
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });
const timeoutMs = z.coerce
  .number({ error: 'whole milliseconds, e.g. 10000' })
  .int('whole milliseconds')
  .min(100, 'at least 100 ms')
  .max(120_000, 'at most 120000 ms');
/** A Snipe-IT custom field's database column, as its API names it in requests and filters. */
const snipeColumn = z.string().regex(/^_snipeit_[a-z0-9_]+$/, 'a custom field database column such as _snipeit_onboarding_claim_7');

export const workplaceSettings = defineSettings(
  'Mail system and asset tool (onboarding; unset: in-memory stand-ins for one host)',
  {
    mailboxAdapter: setting(
      'MAILBOX_ADAPTER',
      z.enum(['memory', 'graph'], 'memory or graph').default('memory'),
      '`memory` or `graph` (Microsoft Graph / Exchange Online)',
    ),
    graph: {
      tenantId: setting('GRAPH_TENANT_ID', text.optional(), 'Entra tenant id or domain (with MAILBOX_ADAPTER=graph)'),
      clientId: setting('GRAPH_CLIENT_ID', guid.optional(), 'application (client) id of the app registration'),
      clientSecret: setting('GRAPH_CLIENT_SECRET', text.optional(), 'client secret of that app (never logged)'),
      exchangeSkuId: setting(
        'GRAPH_EXCHANGE_SKU_ID',
        guid.optional(),
        'skuId (from GET /subscribedSkus) of the license that brings the Exchange Online mailbox',
      ),
      userDomain: setting(
        'GRAPH_USER_DOMAIN',
        z
          .string()
          .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'a domain such as example.com')
          .optional(),
        'user principal name suffix: account `jdoe` is `jdoe@<domain>` in Entra',
      ),
      baseUrl: setting(
        'GRAPH_BASE_URL',
        httpUrl.default('https://graph.microsoft.com/v1.0'),
        'Microsoft Graph endpoint (another for national clouds or a test fake)',
      ),
      loginUrl: setting('GRAPH_LOGIN_URL', httpUrl.default('https://login.microsoftonline.com'), 'Microsoft identity platform authority host'),
      extensionName: setting(
        'GRAPH_EXTENSION_NAME',
        z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/, 'a reverse-DNS name such as com.example.itSupport')
          .default('com.example.itSupportEngine'),
        'open extension on the user where the engine records the mailboxes it created (reverse DNS of your domain)',
      ),
      quotaGb: setting(
        'GRAPH_MAILBOX_QUOTA_GB',
        z.coerce.number({ error: 'whole gigabytes, e.g. 50' }).int('whole gigabytes').min(1).max(1024).default(50),
        "mailbox size the license's Exchange plan gives (Graph sets no quotas), reported for mailboxes the engine did not create",
      ),
      timeoutMs: setting('GRAPH_TIMEOUT_MS', timeoutMs.default(10_000), 'limit for each Graph and token request, in ms'),
    },
    assetsAdapter: setting('ASSETS_ADAPTER', z.enum(['memory', 'snipeit'], 'memory or snipeit').default('memory'), '`memory` or `snipeit` (Snipe-IT REST API)'),
    snipeit: {
      url: setting('SNIPEIT_URL', httpUrl.optional(), 'Snipe-IT site, e.g. https://assets.example.com (with ASSETS_ADAPTER=snipeit; the API is under /api/v1)'),
      apiToken: setting('SNIPEIT_API_TOKEN', text.optional(), 'personal API key of the engine’s Snipe-IT user (never logged)'),
      claimField: setting(
        'SNIPEIT_CLAIM_FIELD',
        snipeColumn.optional(),
        'database column of the custom field where the engine writes who a laptop is handed out to (in every laptop model’s fieldset)',
      ),
      deviceIdField: setting(
        'SNIPEIT_DEVICE_ID_FIELD',
        z.union([z.enum(['asset_tag', 'serial']), snipeColumn], 'asset_tag, serial or a custom field column (_snipeit_…)').default('asset_tag'),
        'what the endpoint tool calls the device: `asset_tag`, `serial` or a custom field column',
      ),
      platformField: setting('SNIPEIT_PLATFORM_FIELD', snipeColumn.optional(), 'custom field column holding windows, macos or linux', {
        shownDefault: 'unset: platform `unknown`',
      }),
      timeoutMs: setting('SNIPEIT_TIMEOUT_MS', timeoutMs.default(10_000), 'limit for each Snipe-IT request, in ms'),
    },
  },
  {
    blank: 'empty-is-unset',
    schema: (object, nameOf) =>
      object
        .superRefine((c, ctx) => {
          // Runs even when fields are invalid (ALWAYS), so it reads defensively.
          const need = (on: boolean, values: Record<string, unknown>, group: 'graph' | 'snipeit', adapter: string) => {
            if (!on) return;
            for (const [field, value] of Object.entries(values)) {
              if (value === undefined) {
                ctx.addIssue({ code: 'custom', path: [group, field], message: `required with ${adapter}` });
              }
            }
          };
          const g = (c.graph ?? {}) as Record<string, unknown>;
          const s = (c.snipeit ?? {}) as Record<string, unknown>;
          need(
            c.mailboxAdapter === 'graph',
            { tenantId: g.tenantId, clientId: g.clientId, clientSecret: g.clientSecret, exchangeSkuId: g.exchangeSkuId, userDomain: g.userDomain },
            'graph',
            `${nameOf('mailboxAdapter')}=graph`,
          );
          need(c.assetsAdapter === 'snipeit', { url: s.url, apiToken: s.apiToken, claimField: s.claimField }, 'snipeit', `${nameOf('assetsAdapter')}=snipeit`);
        }, ALWAYS)
        .transform((c) => ({
          mailbox:
            c.mailboxAdapter === 'graph'
              ? {
                  adapter: 'graph' as const,
                  ...(c.graph as Required<typeof c.graph>),
                }
              : { adapter: 'memory' as const },
          assets:
            c.assetsAdapter === 'snipeit'
              ? {
                  adapter: 'snipeit' as const,
                  ...(c.snipeit as Required<Omit<typeof c.snipeit, 'platformField'>> & { platformField?: string }),
                }
              : { adapter: 'memory' as const },
        })),
  },
);

export type WorkplaceSettings = z.output<typeof workplaceSettings.schema>;
/** The Microsoft Graph mail system's settings (MAILBOX_ADAPTER=graph). */
export type GraphMailboxSettings = Extract<WorkplaceSettings['mailbox'], { adapter: 'graph' }>;
/** The Snipe-IT asset tool's settings (ASSETS_ADAPTER=snipeit). */
export type SnipeItSettings = Extract<WorkplaceSettings['assets'], { adapter: 'snipeit' }>;
