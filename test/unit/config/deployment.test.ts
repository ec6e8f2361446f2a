import { describe, expect, it } from 'vitest';
import { assertSafeDeployment, deploymentIssues } from '../../../src/config/deployment.js';
import { loadConfig } from '../../../src/config/index.js';

const KEY = 'k'.repeat(32);
const URL = 'postgres://engine:secret@db.internal:5432/engine';
const issuesFor = (env: Record<string, string>) => deploymentIssues(loadConfig(env)).map((i) => i.path);

describe('unsafe deployments refuse to start', () => {
  it('the embedded dev server on one host needs nothing more', () => {
    expect(issuesFor({})).toEqual([]);
  });

  it('a cluster with a per-host SQLite store and a generated grant key: both named, with what to set', () => {
    const issues = deploymentIssues(loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }));
    expect(issues.map((i) => i.path)).toEqual(['ENGINE_DATABASE_URL', 'GRANT_SIGNING_KEY']);
    expect(issues[0]!.message).toMatch(/set ENGINE_DATABASE_URL to a PostgreSQL URL \(or ENGINE_SINGLE_HOST=true/);
    expect(issues[1]!.message).toMatch(/set GRANT_SIGNING_KEY \(32\+ characters, the same on every host\)/);
  });

  it('a cluster with the shared database and a shared key is safe', () => {
    expect(issuesFor({ TEMPORAL_ADDRESS: 'temporal.internal:7233', ENGINE_DATABASE_URL: URL, GRANT_SIGNING_KEY: KEY })).toEqual([]);
  });

  it('a shared database means several hosts, even beside the embedded server: the key must be shared', () => {
    expect(issuesFor({ ENGINE_DATABASE_URL: URL })).toEqual(['GRANT_SIGNING_KEY']);
  });

  it('a cluster declared single-host keeps SQLite and the key file', () => {
    expect(issuesFor({ TEMPORAL_ADDRESS: 'temporal.internal:7233', ENGINE_SINGLE_HOST: 'true' })).toEqual([]);
  });

  it('assertSafeDeployment throws every issue at once and never the database password', () => {
    expect(() => assertSafeDeployment(loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }))).toThrow(
      /deployment \(environment variables\) is invalid: ENGINE_DATABASE_URL: .*; GRANT_SIGNING_KEY: /,
    );
    expect(() => assertSafeDeployment(loadConfig({ ENGINE_DATABASE_URL: URL }))).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret') }),
    );
    expect(() => assertSafeDeployment(loadConfig({}))).not.toThrow();
  });

  it('the engine database URL must be PostgreSQL', () => {
    expect(() => loadConfig({ ENGINE_DATABASE_URL: 'mysql://db/engine' })).toThrow(/ENGINE_DATABASE_URL: a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(loadConfig({ ENGINE_DATABASE_URL: 'postgresql://db/engine' }).databaseUrl).toBe('postgresql://db/engine');
  });
});
