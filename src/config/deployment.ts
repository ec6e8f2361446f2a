import { ValidationError, type FieldIssue } from '../domain/errors.js';
import type { Config } from './index.js';

/**
 * Settings that are each valid alone but unsafe together, checked when a worker or an API starts
 * (not by the CLI, which may read one host's records). A deployment has several engine hosts when
 * it shares a PostgreSQL engine database, or when it connects to an external cluster and does not
 * declare ENGINE_SINGLE_HOST: then every host must see the same state and verify the same grants.
 */
export function deploymentIssues(config: Pick<Config, 'temporal' | 'databaseUrl' | 'singleHost' | 'grants'>): FieldIssue[] {
  const cluster = config.temporal.address !== undefined;
  const severalHosts = config.databaseUrl !== undefined || (cluster && !config.singleHost);
  const issues: FieldIssue[] = [];
  if (cluster && !config.singleHost && config.databaseUrl === undefined) {
    issues.push({
      path: 'ENGINE_DATABASE_URL',
      message: `TEMPORAL_ADDRESS names a cluster, where every worker and API host must share one engine database: set ENGINE_DATABASE_URL to a PostgreSQL URL (or ENGINE_SINGLE_HOST=true if this is the only engine host)`,
    });
  }
  if (severalHosts && config.grants.key === undefined) {
    issues.push({
      path: 'GRANT_SIGNING_KEY',
      message: "several engine hosts must verify each other's permission grants: set GRANT_SIGNING_KEY (32+ characters, the same on every host)",
    });
  }
  return issues;
}

/** Throws the deployment's issues, all at once. */
export function assertSafeDeployment(config: Parameters<typeof deploymentIssues>[0]): void {
  const issues = deploymentIssues(config);
  if (issues.length > 0) throw new ValidationError('deployment (environment variables)', issues);
}
