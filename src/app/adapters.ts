import type { Client } from '@temporalio/client';
import type { Config } from '../config/index.js';
import type { Content } from '../stack/content.js';
import type { TicketSource } from '../domain/tickets/ticket.js';
import { resolveGrantKey } from '../stack/grantKey.js';
import { MemoryAssets } from '../activities/assets/memory.js';
import type { AssetPort } from '../activities/assets/port.js';
import { SnipeItAssets } from '../activities/assets/snipeit.js';
import { LdapDirectory } from '../activities/directory/ldap.js';
import { MemoryDirectory } from '../activities/directory/memory.js';
import type { DirectoryPort } from '../activities/directory/port.js';
import { AssetOwnedEndpoints } from '../activities/endpoints/assetOwned.js';
import { SimulatedFleet } from '../activities/endpoints/memory.js';
import type { EndpointPort } from '../activities/endpoints/port.js';
import { createActivities } from '../activities/support.js';
import { GraphMailboxes } from '../activities/mailbox/graph.js';
import { MemoryMailboxes } from '../activities/mailbox/memory.js';
import type { MailboxPort } from '../activities/mailbox/port.js';
import { createChat, MemoryChatOutbox } from '../activities/notify/chat.js';
import { createOnboardingActivities } from '../activities/onboarding.js';
import { createMailer, MemoryOutbox } from '../activities/notify/nodemailer.js';
import { createReconcileActivities } from '../activities/reconcile.js';
import { intakeTicket, type IntakeOptions } from '../client/intake.js';
import type { EngineStore } from '../activities/records/port.js';
import { createTargetSlotActivities } from '../activities/targetSlots.js';
import { MemoryTicketing } from '../activities/ticketing/memory.js';
import type { TicketingPort } from '../activities/ticketing/port.js';
import { restHelpdesks } from '../activities/ticketing/rest.js';
import { TicketingRouter } from '../activities/ticketing/router.js';

/**
 * The configured adapter behind each port. A help desk with credentials in the environment gets
 * its REST adapter; the others use the in-memory help desk (demo, tests).
 */
export function buildAdapters(
  config: Pick<Config, 'mail' | 'helpdesks' | 'grants' | 'permissionBudgetMs'> &
    Partial<Pick<Config, 'ldap' | 'directoryOutage' | 'environment' | 'workplace'>>,
  content: Content,
  options: {
    /** The engine store (openEngineStore), opened by the caller, who closes it. */
    store: EngineStore;
    /** Where chat webhook URLs are read; default the environment the config was read from. */
    env?: Readonly<Record<string, string | undefined>>;
  },
) {
  const demoDirectory = new MemoryDirectory(content.directory);
  const directory = createDirectory(config, content, demoDirectory);
  const endpoints = new SimulatedFleet(content.fleet);
  const helpdesk = new MemoryTicketing();
  const rest = restHelpdesks(config.helpdesks, content.helpdesks);
  const bySource: Record<TicketSource, TicketingPort> = {
    jira: rest.jira ?? helpdesk.asSource('jira'),
    servicenow: rest.servicenow ?? helpdesk.asSource('servicenow'),
    zendesk: rest.zendesk ?? helpdesk.asSource('zendesk'),
  };
  // Reconcile the real help desks; with none configured, the in-memory one stands in for all.
  const reconciled: Partial<Record<TicketSource, TicketingPort>> = Object.keys(rest).length > 0 ? rest : bySource;
  const outbox = new MemoryOutbox();
  const mailer = createMailer(
    config.mail.smtpUrl ? { kind: 'smtp', url: config.mail.smtpUrl, timeoutMs: config.mail.timeoutMs } : { kind: 'json', outbox },
    config.mail.from,
  );
  const { store } = options;
  const grants = { key: resolveGrantKey(config), ttlMs: config.grants.ttlMs };
  // Mail system and asset tool: the in-memory stand-ins (the asset tool hands out the simulated
  // fleet's stock), which tests inspect; onboarding uses mailSystem and assetTool, which are Microsoft
  // Graph and Snipe-IT when MAILBOX_ADAPTER / ASSETS_ADAPTER say so, else the stand-ins.
  const mailboxes = new MemoryMailboxes();
  const assets = new MemoryAssets(endpoints);
  const mailSystem: MailboxPort = config.workplace?.mailbox.adapter === 'graph' ? new GraphMailboxes(config.workplace.mailbox) : mailboxes;
  const assetTool = createAssetTool(config, assets);
  const endpointTool = endpointsOwnedBy(assetTool, endpoints);
  const chatOutbox = new MemoryChatOutbox();
  const chat = createChat(content.notify, { env: options.env ?? config.environment ?? {}, outbox: chatOutbox });
  return {
    directory,
    demoDirectory,
    endpoints,
    endpointTool,
    mailboxes,
    assets,
    mailSystem,
    assetTool,
    chat,
    chatOutbox,
    helpdesk,
    ticketing: new TicketingRouter(bySource),
    reconciled,
    outbox,
    mailer,
    store,
    grants,
    directoryBudgetMs: config.permissionBudgetMs,
    directoryOutage: config.directoryOutage,
  };
}
export type Adapters = ReturnType<typeof buildAdapters>;

/**
 * Who holds a device is the asset tool's fact: with Snipe-IT, owner checks and a person's devices
 * are read there, not in this host's fleet (which never sees another host's checkout).
 */
export function endpointsOwnedBy(assetTool: AssetPort, endpoints: EndpointPort): EndpointPort {
  return assetTool instanceof SnipeItAssets ? new AssetOwnedEndpoints(endpoints, assetTool) : endpoints;
}

/** Snipe-IT when ASSETS_ADAPTER=snipeit, else the in-memory stand-in given. */
export function createAssetTool(config: Partial<Pick<Config, 'workplace'>>, standIn: AssetPort): AssetPort {
  return config.workplace?.assets.adapter === 'snipeit' ? new SnipeItAssets(config.workplace.assets) : standIn;
}

/** The directory: LDAP / Active Directory when configured, else the demo directory from content. */
export function createDirectory(config: Partial<Pick<Config, 'ldap'>>, content: Content, demo = new MemoryDirectory(content.directory)): DirectoryPort {
  return config.ldap ? new LdapDirectory(config.ldap) : demo;
}

/** Every activity the worker registers, built on the adapters and a Temporal client. */
export function buildActivities(
  adapters: Adapters,
  content: Content,
  temporal: { client: Client; taskQueue: string; uiUrl?: string; queues?: IntakeOptions['queues'] },
) {
  const intake: IntakeOptions = {
    client: temporal.client,
    taskQueue: temporal.taskQueue,
    routing: content.routing,
    directoryOutage: adapters.directoryOutage,
    trees: content.trees,
    definitions: content.definitions,
    queues: temporal.queues,
    vault: adapters.store,
  };
  return {
    ...createActivities({
      ...adapters,
      endpoints: adapters.endpointTool,
      policy: content.policy,
      catalog: content.software,
      redaction: content.redaction,
      uiUrl: temporal.uiUrl,
    }),
    ...createOnboardingActivities({ ...adapters, endpoints: adapters.endpointTool, mailboxes: adapters.mailSystem, assets: adapters.assetTool }),
    ...createTargetSlotActivities(),
    ...createReconcileActivities({
      helpdesks: adapters.reconciled,
      store: adapters.store,
      intake: (event, deliveryId, via) => intakeTicket(intake, event, deliveryId, via),
      jira: { requestTypeField: content.helpdesks.jira.requestTypeField },
    }),
  };
}
export type EngineActivities = ReturnType<typeof buildActivities>;
