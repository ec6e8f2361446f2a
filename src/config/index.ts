import { z } from 'zod';
import { ValidationError, zodIssues } from '../domain/errors.js';
import { directorySettings, ldapConfigFromEnv } from './directory.js';
import { engineConfig, engineSettings } from './engine.js';
import { helpdeskConfig, helpdeskSettings } from './helpdesks.js';
import { intakeConfig, intakeSettings } from './intake.js';
import { operationsConfig, operationsSettings } from './operations.js';
import { permissionConfig, permissionSettings } from './permissions.js';
import { jwtSettingsFromEnv, selfServiceJwtSettings, selfServiceSettings } from './selfServiceAuth.js';
import { temporalConfig, temporalSettings } from './temporal.js';

export { PROJECT_ROOT } from './engine.js';
export type { TaskQueues } from './temporal.js';
export { durationMs } from './settings.js';

/** Every slice, in the order the docs list them. */
export const SLICES = [
  temporalSettings,
  engineSettings,
  intakeSettings,
  helpdeskSettings,
  permissionSettings,
  directorySettings,
  selfServiceSettings,
  selfServiceJwtSettings,
  operationsSettings,
] as const;

const Env = z.object({
  ...temporalSettings.shape,
  ...engineSettings.shape,
  ...intakeSettings.shape,
  ...helpdeskSettings.shape,
  ...permissionSettings.shape,
  ...selfServiceSettings.shape,
  ...operationsSettings.shape,
});

/** Reads the whole configuration from the environment; every problem is reported at once, by variable. */
export function loadConfig(env: NodeJS.ProcessEnv) {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ValidationError('configuration (environment variables)', zodIssues(parsed.error));
  const e = parsed.data;
  const engine = engineConfig(e);
  const helpdesks = helpdeskConfig(e);
  return {
    temporal: temporalConfig(e, engine.dataDir),
    ...engine,
    ...intakeConfig(e, !e.TEMPORAL_ADDRESS),
    ...permissionConfig(e, engine.dataDir),
    /** LDAP / Active Directory (LDAP_* variables); unset: the demo directory in content/directory.yaml. */
    ldap: ldapConfigFromEnv(env),
    /** Self-service bearer tokens (SELF_SERVICE_JWT_* / SELF_SERVICE_JWKS_URL); unset: self-service is off. */
    selfService: {
      jwt: jwtSettingsFromEnv(env),
      adminGroups: e.SELF_SERVICE_ADMIN_GROUPS.split(',')
        .map((g) => g.trim())
        .filter(Boolean),
    },
    /** Readiness, metrics and tracing (see docs/operations.md). */
    operations: operationsConfig(e),
    helpdesks,
    /**
     * The environment as given: the variables content files name themselves (the chat channels'
     * webhook URLs in content/notify.yaml) and PATH, where the `temporal` CLI is looked for.
     */
    environment: env as Readonly<Record<string, string | undefined>>,
  };
}

export type Config = ReturnType<typeof loadConfig>;

/** Address of the cluster, or of a dev server started elsewhere (e.g. by `npm start`). */
export function clusterAddress(config: Pick<Config, 'temporal'>): string {
  return config.temporal.address ?? `${config.temporal.dev.ip}:${config.temporal.dev.port}`;
}
