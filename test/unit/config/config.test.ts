import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterAddress, loadConfig, PROJECT_ROOT } from '../../../src/config/index.js';
import { ValidationError } from '../../../src/domain/errors.js';
import { projectCliPath, resolveTemporalCli, sdkExecutable } from '../../../src/stack/temporalCli.js';

describe('configuration from the environment', () => {
  it('defaults to the embedded dev server with data under .data', () => {
    const config = loadConfig({});
    expect(config.temporal).toMatchObject({
      address: undefined,
      namespace: 'default',
      taskQueue: 'it-support',
      tls: false,
      dev: { ip: '127.0.0.1', port: 7233, uiPort: 8233, dbFile: join(PROJECT_ROOT, '.data', 'temporal.db') },
    });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.contentDir).toBe(join(PROJECT_ROOT, 'content'));
    expect(config.runWorker).toBe(true);
    expect(clusterAddress(config)).toBe('127.0.0.1:7233');
  });

  it('connects to a cluster with TLS when an API key is given', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'k',
      RUN_WORKER: 'false',
      DATA_DIR: '/var/lib/itse',
    });
    expect(config.temporal).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', apiKey: 'k', tls: {} });
    expect(config.runWorker).toBe(false);
    expect(config.dataDir).toBe('/var/lib/itse');
    expect(clusterAddress(config)).toBe('ns.acct.tmprl.cloud:7233');
    expect(loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).temporal.tls).toBe(false);
  });

  it('names every bad variable', () => {
    try {
      loadConfig({ HTTP_PORT: 'eighty', LOG_LEVEL: 'loud', SMTP_URL: 'not a url' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path).sort()).toEqual(['HTTP_PORT', 'LOG_LEVEL', 'SMTP_URL']);
    }
  });

  it('bounds the workflows a worker keeps in memory: 50 unless WORKER_MAX_CACHED_WORKFLOWS says', () => {
    expect(loadConfig({}).temporal.maxCachedWorkflows).toBe(50);
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '250' }).temporal.maxCachedWorkflows).toBe(250);
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '0' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS: at least 1/);
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: 'many' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS: a whole number of workflows/);
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '2.5' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS: a whole number of workflows/);
  });

  it('bounds what refused webhooks may store: 60 a minute of 64 KiB at most, dead letters for 30 days and 10,000 per source', () => {
    expect(loadConfig({}).webhooks).toMatchObject({
      floodPolicy: { keepPerMinute: 60, keepMaxBytes: 65_536 },
      deadLetterRetention: { maxAgeMs: 30 * 86_400_000, maxPerSource: 10_000 },
    });
    const set = loadConfig({
      WEBHOOK_REFUSALS_KEPT_PER_MINUTE: '5',
      WEBHOOK_REFUSAL_KEPT_MAX_BYTES: '2048',
      DEAD_LETTER_RETENTION: '7d',
      DEAD_LETTERS_MAX_PER_SOURCE: '100',
    });
    expect(set.webhooks).toMatchObject({
      floodPolicy: { keepPerMinute: 5, keepMaxBytes: 2048 },
      deadLetterRetention: { maxAgeMs: 7 * 86_400_000, maxPerSource: 100 },
    });
    expect(() => loadConfig({ WEBHOOK_REFUSALS_KEPT_PER_MINUTE: '0' })).toThrow(/WEBHOOK_REFUSALS_KEPT_PER_MINUTE: at least 1/);
    expect(() => loadConfig({ WEBHOOK_REFUSAL_KEPT_MAX_BYTES: '10' })).toThrow(/WEBHOOK_REFUSAL_KEPT_MAX_BYTES: at least 1024/);
    expect(() => loadConfig({ DEAD_LETTER_RETENTION: 'a month' })).toThrow(/DEAD_LETTER_RETENTION: a duration such as 30d/);
  });

  it('wants a client certificate and its key together', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem' })).toThrow(/TEMPORAL_TLS_CLIENT_KEY_PATH/);
    const both = loadConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: '/k.pem' });
    expect(both.temporal.tls).toEqual({ clientCertPath: '/c.pem', clientKeyPath: '/k.pem', serverCaCertPath: undefined, serverName: undefined });
  });
});

describe('Temporal CLI resolution', () => {
  const fakeCli = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'temporal');
    writeFileSync(path, '#!/bin/sh\necho fake\n');
    chmodSync(path, 0o755);
    return path;
  };
  const fakeProject = (withCli: boolean) => {
    const root = mkdtempSync(join(tmpdir(), 'itse-cli-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ temporal: { cliDir: '.tools/t' } }));
    if (withCli) fakeCli(join(root, '.tools/t/bin'));
    return root;
  };

  it('prefers TEMPORAL_CLI_PATH, then PATH, then the project-local install, then the SDK download', () => {
    const root = fakeProject(true);
    const explicit = fakeCli(join(root, 'explicit'));
    const onPath = fakeCli(join(root, 'bin'));
    expect(resolveTemporalCli({ projectRoot: root, env: { TEMPORAL_CLI_PATH: explicit, PATH: join(root, 'bin') } })).toEqual({
      source: 'TEMPORAL_CLI_PATH',
      path: explicit,
    });
    expect(resolveTemporalCli({ projectRoot: root, env: { PATH: `/nonexistent:${join(root, 'bin')}` } })).toEqual({ source: 'PATH', path: onPath });
    expect(resolveTemporalCli({ projectRoot: root, env: { PATH: '/nonexistent' } })).toEqual({ source: 'project', path: projectCliPath(root) });
    expect(resolveTemporalCli({ projectRoot: fakeProject(false), env: {} })).toEqual({ source: 'sdk-download', path: null });
  });

  it('refuses a TEMPORAL_CLI_PATH that is not an executable', () => {
    expect(() => resolveTemporalCli({ projectRoot: fakeProject(false), env: { TEMPORAL_CLI_PATH: '/nonexistent/temporal' } })).toThrow(
      /TEMPORAL_CLI_PATH=\/nonexistent\/temporal is not an executable/,
    );
  });

  it('maps to the SDK executable options', () => {
    expect(sdkExecutable({ source: 'project', path: '/x/temporal' })).toEqual({ type: 'existing-path', path: '/x/temporal' });
    expect(sdkExecutable({ source: 'sdk-download', path: null })).toEqual({ type: 'cached-download' });
  });

  it('finds the CLI that npm install put in the project', () => {
    expect(resolveTemporalCli({ projectRoot: PROJECT_ROOT, env: {} })).toEqual({ source: 'project', path: projectCliPath(PROJECT_ROOT) });
  });
});
