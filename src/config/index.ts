import { join } from 'node:path';
import { ValidationError, type FieldIssue } from '../domain/errors.js';
import { ldapSettings } from './directory.js';
import { encryptionSettings } from './encryption.js';
import { helpdeskSettings } from './helpdesks.js';
import { httpSettings } from './http.js';
import { intakeSettings } from './intake.js';
import { mailSettings } from './mail.js';
import { operationsSettings } from './operations.js';
import { permissionSettings } from './permissions.js';
import { selfServiceJwtSettings, selfServiceSettings } from './selfServiceAuth.js';
import type { Env, Settings } from './settings.js';
import { storeSettings } from './store.js';
import { temporalSettings } from './temporal.js';
import { workplaceSettings } from './workplace.js';

export { PROJECT_ROOT } from './store.js';
export type { TaskQueues } from './temporal.js';
export type { Env } from './settings.js';
export { durationMs } from './settings.js';

/** Every slice, in the order docs/configuration.md lists them. */
export const SLICES: readonly Settings[] = [
  temporalSettings,
  encryptionSettings,
  storeSettings,
  httpSettings,
  mailSettings,
  intakeSettings,
  helpdeskSettings,
  permissionSettings,
  ldapSettings,
  selfServiceSettings,
  selfServiceJwtSettings,
  workplaceSettings,
  operationsSettings,
];

/**
 * Reads the whole configuration from the environment (the entry points in src/app pass
 * process.env); every problem of every slice is reported at once, by variable.
 */
export function loadConfig(env: Env) {
  const issues: FieldIssue[] = [];
  const read = <V>(slice: { read(env: Env): { value: V; issues: FieldIssue[] } }): V => {
    const result = slice.read(env);
    issues.push(...result.issues);
    return result.value;
  };
  const temporal = read(temporalSettings);
  const encryption = read(encryptionSettings);
  const store = read(storeSettings);
  const http = read(httpSettings);
  const mail = read(mailSettings);
  const intake = read(intakeSettings);
  const helpdesks = read(helpdeskSettings);
  const permissions = read(permissionSettings);
  const ldap = read(ldapSettings);
  const selfService = read(selfServiceSettings);
  const jwt = read(selfServiceJwtSettings);
  const workplace = read(workplaceSettings);
  const operations = read(operationsSettings);
  if (issues.length > 0) throw new ValidationError('configuration (environment variables)', issues);
  return {
    temporal: { ...temporal, ...encryption, dev: { ...temporal.dev, dbFile: join(store.dataDir, 'temporal.db') } },
    ...store,
    ...http,
    ...mail,
    ...operations,
    webhooks: {
      ...intake.webhooks,
      // Unsigned deliveries are a local-development convenience: never with a real cluster.
      allowUnsigned: intake.webhooks.allowUnsigned ?? !temporal.address,
    },
    alertmanager: intake.alertmanager,
    reconcile: intake.reconcile,
    grants: { ...permissions.grants, keyFile: join(store.dataDir, 'grant-signing.key') },
    permissionBudgetMs: permissions.permissionBudgetMs,
    directoryOutage: permissions.directoryOutage,
    /** LDAP / Active Directory (LDAP_* variables); unset: the demo directory in content/directory.yaml. */
    ldap,
    /** Self-service bearer tokens (SELF_SERVICE_JWT_* / SELF_SERVICE_JWKS_URL); unset: self-service is off. */
    selfService: { jwt, ...selfService },
    helpdesks,
    /** Onboarding's mail system and asset tool (MAILBOX_ADAPTER, ASSETS_ADAPTER); default the in-memory stand-ins. */
    workplace,
    /**
     * The environment as given: the variables content files name themselves (the chat channels'
     * webhook URLs in content/notify.yaml) and PATH, where the `temporal` CLI is looked for.
     */
    environment: env,
  };
}

export type Config = ReturnType<typeof loadConfig>;

/** Address of the cluster, or of a dev server started elsewhere (e.g. by `npm start`). */
export function clusterAddress(config: Pick<Config, 'temporal'>): string {
  return config.temporal.address ?? `${config.temporal.dev.ip}:${config.temporal.dev.port}`;
}
