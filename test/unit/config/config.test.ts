import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEncryptionKeys } from '../../../src/config/encryption.js';
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

describe('configuration composed from the slices', () => {
  const issuesOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).what).toBe('configuration (environment variables)');
      return (e as ValidationError).issues;
    }
    throw new Error('expected a ValidationError');
  };

  it('reports the problems of every slice at once, by variable', () => {
    expect(
      issuesOf({
        TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem',
        PAYLOAD_ENCRYPTION_KEYS: 'nokey',
        HTTP_PORT: 'x',
        JIRA_EMAIL: 'bot@example.com',
        GRANT_TTL: 'soon',
        SELF_SERVICE_JWT_ISSUER: 'https://idp.example.com',
        OTEL_TRACES_EXPORTER: 'zipkin',
      }).map((i) => i.path),
    ).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'PAYLOAD_ENCRYPTION_KEYS[0]',
      'HTTP_PORT',
      'JIRA_BASE_URL',
      'JIRA_API_TOKEN',
      'GRANT_TTL',
      'SELF_SERVICE_JWKS_URL',
      'SELF_SERVICE_JWT_AUDIENCE',
      'OTEL_TRACES_EXPORTER',
    ]);
  });

  it("puts the embedded database, the engine store and the grant key in the data folder; relative folders are the project's", () => {
    const config = loadConfig({ DATA_DIR: 'var/data', CONTENT_DIR: '/srv/content' });
    expect(config.dataDir).toBe(join(PROJECT_ROOT, 'var/data'));
    expect(config.contentDir).toBe('/srv/content');
    expect(config.storeFile).toBe(join(PROJECT_ROOT, 'var/data', 'engine.db'));
    expect(config.temporal.dev.dbFile).toBe(join(PROJECT_ROOT, 'var/data', 'temporal.db'));
    expect(config.grants).toEqual({ key: undefined, keyFile: join(PROJECT_ROOT, 'var/data', 'grant-signing.key'), ttlMs: 600_000 });
  });

  it('task queues: one for everything unless split; the worker polls each once', () => {
    expect(loadConfig({}).temporal).toMatchObject({
      queues: { tickets: 'it-support', troubleshooting: 'it-support', selfService: 'it-support', definitions: 'it-support' },
      workerQueues: ['it-support'],
    });
    const split = loadConfig({ TEMPORAL_TASK_QUEUE: 'q', TASK_QUEUE_DEFINITIONS: 'defs' }).temporal;
    expect(split.queues).toEqual({ tickets: 'q', troubleshooting: 'q', selfService: 'q', definitions: 'defs' });
    expect(split.workerQueues).toEqual(['q', 'defs']);
    expect(loadConfig({ WORKER_TASK_QUEUES: 'a,b,a' }).temporal.workerQueues).toEqual(['a', 'b']);
    expect(issuesOf({ WORKER_TASK_QUEUES: 'a, b' })[0]!.message).toMatch(/separated by commas/);
  });

  it('TLS is on with a server CA, off when TEMPORAL_TLS says so', () => {
    expect(loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/ca.pem' }).temporal.tls).toMatchObject({ serverCaCertPath: '/ca.pem' });
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({});
    expect(issuesOf({ TEMPORAL_TLS_CLIENT_KEY_PATH: '/k.pem' })).toEqual([
      { path: 'TEMPORAL_TLS_CLIENT_CERT_PATH', message: 'set both TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH, or neither' },
    ]);
  });

  it('payload encryption keys: null when unset, each bad entry named', () => {
    expect(loadConfig({}).temporal.encryptionKeys).toBeNull();
    const key = Buffer.alloc(32, 1).toString('base64');
    expect(loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `new:${key}, old:${key}` }).temporal.encryptionKeys?.map((k) => k.id)).toEqual(['new', 'old']);
    expect(issuesOf({ PAYLOAD_ENCRYPTION_KEYS: `a:${key},a:${key},b:abc` })).toEqual([
      { path: 'PAYLOAD_ENCRYPTION_KEYS[1]', message: 'key id "a" is listed twice' },
      { path: 'PAYLOAD_ENCRYPTION_KEYS[2]', message: 'key "b" must be 32 bytes in base64 (openssl rand -base64 32), got 2 bytes' },
    ]);
  });

  it('parses encryption keys named by another variable the same way', () => {
    const key = Buffer.alloc(32, 2).toString('base64');
    expect(parseEncryptionKeys(`k1:${key}`, 'OTHER_KEYS')).toEqual([{ id: 'k1', key: Buffer.alloc(32, 2) }]);
    expect(() => parseEncryptionKeys('k1', 'OTHER_KEYS')).toThrow(/OTHER_KEYS\[0\]: expected id:base64key/);
  });

  it('unsigned webhooks: allowed by default only with the embedded dev server', () => {
    expect(loadConfig({}).webhooks.allowUnsigned).toBe(true);
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }).webhooks.allowUnsigned).toBe(false);
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', ALLOW_UNSIGNED_WEBHOOKS: 'true' }).webhooks.allowUnsigned).toBe(true);
    expect(loadConfig({ ALLOW_UNSIGNED_WEBHOOKS: '0' }).webhooks.allowUnsigned).toBe(false);
  });

  it('durations become milliseconds; reconciliation can be off', () => {
    const config = loadConfig({ RECONCILE_EVERY: 'off', SMTP_TIMEOUT: '500ms', PERMISSION_BUDGET: '1s', READINESS_TIMEOUT: '250ms' });
    expect(config.reconcile).toEqual({ everyMs: null, overlapMs: 35 * 60_000, firstLookbackMs: 24 * 3_600_000 });
    expect(config.mail.timeoutMs).toBe(500);
    expect(config.permissionBudgetMs).toBe(1000);
    expect(config.operations.readinessTimeoutMs).toBe(250);
    expect(config.directoryOutage).toEqual({ recheckEveryMs: 60_000, giveUpAfterMs: 900_000 });
    expect(loadConfig({ RECONCILE_EVERY: '30s' }).reconcile.everyMs).toBe(30_000);
    expect(issuesOf({ RECONCILE_EVERY: 'often' })).toEqual([{ path: 'RECONCILE_EVERY', message: 'a duration such as 5m, or off' }]);
  });

  it('help desks: each with all of its credentials, or none', () => {
    expect(loadConfig({}).helpdesks).toEqual({});
    const all = loadConfig({
      JIRA_BASE_URL: 'https://acme.atlassian.net',
      JIRA_EMAIL: 'bot@acme.example',
      JIRA_API_TOKEN: 't',
      SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com',
      SERVICENOW_TOKEN: 'bearer',
      ZENDESK_BASE_URL: 'https://acme.zendesk.com',
      ZENDESK_EMAIL: 'agent@acme.example',
      ZENDESK_API_TOKEN: 'z',
    }).helpdesks;
    expect(all).toEqual({
      jira: { baseUrl: 'https://acme.atlassian.net', email: 'bot@acme.example', apiToken: 't' },
      servicenow: { instanceUrl: 'https://acme.service-now.com', token: 'bearer' },
      zendesk: { baseUrl: 'https://acme.zendesk.com', email: 'agent@acme.example', apiToken: 'z' },
    });
    // A ServiceNow user without the instance URL turns nothing on (as before).
    expect(loadConfig({ SERVICENOW_USER: 'u' }).helpdesks.servicenow).toBeUndefined();
    expect(issuesOf({ SERVICENOW_INSTANCE_URL: 'https://acme.service-now.com', SERVICENOW_USER: 'u' })).toEqual([
      { path: 'SERVICENOW_TOKEN', message: 'set SERVICENOW_TOKEN, or SERVICENOW_USER and SERVICENOW_PASSWORD, with SERVICENOW_INSTANCE_URL' },
    ]);
    expect(issuesOf({ ZENDESK_EMAIL: 'agent@acme.example', ZENDESK_API_TOKEN: 'z' })).toEqual([
      { path: 'ZENDESK_BASE_URL', message: 'required when other ZENDESK_* variables are set' },
    ]);
  });

  it('operations: log level, worker role, metrics and tracing', () => {
    expect(loadConfig({}).operations).toEqual({ readinessTimeoutMs: 2000, workerMetricsAddress: undefined, tracing: false });
    const on = loadConfig({ OTEL_TRACING: 'true', OTEL_TRACES_EXPORTER: 'console', WORKER_METRICS_ADDRESS: '0.0.0.0:9464', LOG_LEVEL: 'debug' });
    expect(on.operations).toEqual({
      readinessTimeoutMs: 2000,
      workerMetricsAddress: '0.0.0.0:9464',
      tracing: { exporter: 'console', serviceName: 'it-support-engine', endpoint: undefined },
    });
    expect(on.logLevel).toBe('debug');
    expect(issuesOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector' })[0]!.message).toMatch(/http\(s\) URL/);
  });

  it('self-service admin groups, the HTTP API and mail', () => {
    expect(loadConfig({}).selfService.adminGroups).toEqual(['it-staff']);
    expect(loadConfig({ SELF_SERVICE_ADMIN_GROUPS: ' a, b ,,c' }).selfService.adminGroups).toEqual(['a', 'b', 'c']);
    expect(loadConfig({ SELF_SERVICE_ADMIN_GROUPS: '' }).selfService.adminGroups).toEqual([]);
    const config = loadConfig({ ADMIN_API_TOKEN: 'a'.repeat(24), HTTP_HOST: '0.0.0.0', SMTP_URL: 'smtp://u:p@mail:587' });
    expect(config).toMatchObject({ adminToken: 'a'.repeat(24), http: { host: '0.0.0.0', port: 3000 } });
    expect(config.mail).toEqual({ from: 'IT Service Desk <servicedesk@example.com>', smtpUrl: 'smtp://u:p@mail:587', timeoutMs: 8000 });
    expect(issuesOf({ ADMIN_API_TOKEN: 'short' })).toEqual([{ path: 'ADMIN_API_TOKEN', message: 'use at least 24 characters' }]);
  });

  it('keeps the environment it was given for the variables content files name (chat webhooks) and PATH', () => {
    const env = { PATH: '/usr/bin', CHAT_IT_INCIDENTS_URL: 'https://chat.example.com/hook' };
    expect(loadConfig(env).environment).toBe(env);
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
