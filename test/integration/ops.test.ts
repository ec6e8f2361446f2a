import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src/activities/directory/ldap.js';
import { MemoryDirectory } from '../../src/activities/directory/memory.js';
import type { DirectoryPort } from '../../src/activities/directory/port.js';
import { SimulatedFleet } from '../../src/activities/endpoints/memory.js';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import { buildApi, configuredApiOptions } from '../../src/client/http/app.js';
import { safeMessage } from '../../src/client/http/ready.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { freePort } from '../../src/stack/ports.js';
import { correlation, ticketOfWorkflowId } from '../../src/stack/logging.js';
import { startSlapd, type Slapd } from '../helpers/slapd.js';
import { jwtEnv, token } from '../helpers/selfService.js';
import { demoContent, startTestServer } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// Readiness against a real Temporal dev server and a real slapd; log lines of real requests.
let env: TestWorkflowEnvironment;
let slapd: Slapd;
beforeAll(async () => {
  [env, slapd] = await Promise.all([startTestServer(), startSlapd({ ldif: ['test/fixtures/ldap/directory.ldif'] })]);
});
afterAll(async () => {
  await Promise.all([env?.teardown(), slapd?.stop()]);
});

const apis: FastifyInstance[] = [];
afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
});

async function api(options: { client?: Client; directory?: DirectoryPort; lines?: string[]; readinessTimeoutMs?: number } = {}) {
  const content = await demoContent();
  const config = loadConfig({ ...jwtEnv, TEMPORAL_TASK_QUEUE: 'ops-no-worker', READINESS_TIMEOUT: `${options.readinessTimeoutMs ?? 800}ms` });
  const destination = new Writable({
    write(chunk, _encoding, done) {
      options.lines?.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const app = buildApi(
    configuredApiOptions(config, content, {
      client: options.client ?? env.client,
      store: new SqliteEngineStore(':memory:'),
      logger: createLogger(options.lines ? 'info' : 'silent', destination),
      directory: options.directory ?? new MemoryDirectory(content.directory),
      endpoints: new SimulatedFleet(content.fleet),
    }),
  );
  apis.push(app);
  return app;
}

const ldap = (overrides: { bindPassword?: string } = {}) =>
  new LdapDirectory({
    url: slapd.url,
    bindDn: slapd.bindDn,
    bindPassword: overrides.bindPassword ?? slapd.bindPassword,
    baseDn: slapd.baseDn,
    userBaseDn: 'ou=people,dc=example,dc=com',
    timeoutMs: 1500,
  });

async function ready(app: FastifyInstance) {
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  return { status: res.statusCode, body: res.json(), raw: res.body };
}

describe('GET /readyz', () => {
  it('is 200 when Temporal answers for the namespace and the demo directory is in use', async () => {
    const r = await ready(await api());
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ready', failed: [], checks: { temporal: { ok: true }, directory: { ok: true } } });
  });

  it('follows a real slapd: ready, 503 naming the directory while it hangs, ready again; a wrong bind password is 503 without the password', async () => {
    const app = await api({ directory: ldap() });
    expect((await ready(app)).status).toBe(200);

    await slapd.pause();
    try {
      const hung = await ready(app);
      expect(hung.status).toBe(503);
      expect(hung.body).toMatchObject({
        status: 'not_ready',
        failed: ['directory'],
        checks: { temporal: { ok: true }, directory: { ok: false, error: 'no answer within 800 ms' } },
      });
    } finally {
      await slapd.resume();
    }
    expect((await ready(app)).body).toMatchObject({ status: 'ready', checks: { directory: { ok: true } } });

    const wrongPassword = `wrong-${slapd.bindPassword}`;
    const refused = await ready(await api({ directory: ldap({ bindPassword: wrongPassword }) }));
    expect(refused.status).toBe(503);
    expect(refused.body.failed).toEqual(['directory']);
    expect(refused.body.checks.directory.error).toMatch(/refused .*result code 49/i);
    expect(refused.raw).not.toContain(slapd.bindPassword);
    expect(refused.raw).not.toContain(wrongPassword);
  });

  it('is 503 naming Temporal when its address does not answer', async () => {
    const deadPort = await freePort();
    const offline = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${deadPort}`, connectTimeout: 300 }), namespace: 'default' });
    const r = await ready(await api({ client: offline }));
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({
      status: 'not_ready',
      failed: ['temporal'],
      checks: { temporal: { ok: false, error: expect.any(String) }, directory: { ok: true } },
    });
  });

  it('is 503 naming Temporal when the namespace does not exist', async () => {
    const other = new Client({ connection: env.client.connection, namespace: 'no-such-namespace' });
    const r = await ready(await api({ client: other }));
    expect(r.status).toBe(503);
    expect(r.body.failed).toEqual(['temporal']);
    expect(r.body.checks.temporal.error).toMatch(/no-such-namespace/);
  });
});

describe('readiness messages', () => {
  it('never carry credentials from URLs, and keep to one line', async () => {
    expect(safeMessage(new Error('could not reach ldaps://svc:s3cret@dc1.example.com:636\nstack...'))).toBe('could not reach ldaps://dc1.example.com:636');
    expect(safeMessage(Object.assign(new Error('x'), { name: 'DirectoryUnavailableError' }))).toBe('DirectoryUnavailableError: x');
    expect(safeMessage('plain')).toBe('plain');
  });

  it('name the LDAP server that cannot be reached once slapd is stopped', async () => {
    // Last use of slapd in this file: it is stopped for good here.
    const app = await api({ directory: ldap() });
    await slapd.stop();
    const r = await ready(app);
    expect(r.status).toBe(503);
    expect(r.body.checks.directory.error).toMatch(/could not reach ldap:\/\/127\.0\.0\.1:\d+/);
  });
});

describe('log lines of intake and self-service requests', () => {
  it('carry the ticket and workflow id, and no personal data', async () => {
    const lines: string[] = [];
    const app = await api({ lines });
    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    body.issue.fields.reporter.emailAddress = 'jane.doe@example.com';
    const key = body.issue.key as string;
    const res = await app.inject({ method: 'POST', url: '/webhooks/jira', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(202);
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const webhook = entries.find((e) => e.msg === 'webhook');
    expect(webhook).toMatchObject({ source: 'jira', status: 202, outcome: 'started', ticket: `jira:${key}`, workflowId: `ticket-jira-${key}` });
    expect(entries.find((e) => e.msg === 'request completed')).toMatchObject({
      ticket: `jira:${key}`,
      workflowId: `ticket-jira-${key}`,
      res: { statusCode: 202 },
    });
    const all = lines.join('\n');
    for (const personal of ['jane.doe@example.com', 'Someone', '7946', 'holidays', JIRA.jdoe]) expect(all).not.toContain(personal);

    lines.length = 0;
    const self = await app.inject({
      method: 'POST',
      url: '/self-service/requests',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('jdoe')}` },
      payload: JSON.stringify({ automation: 'disk-cleanup', inputs: { device: 'LT-0042' } }),
    });
    expect(self.statusCode).toBe(202);
    const completed = lines.map((l) => JSON.parse(l)).find((e) => e.msg === 'request completed');
    expect(completed).toMatchObject({ workflowId: 'self-disk-cleanup-jdoe', res: { statusCode: 202 } });
    expect(completed).not.toHaveProperty('ticket');
    expect(lines.join('\n')).not.toMatch(/authorization|Bearer|jdoe@example\.com/);
    await env.client.workflow.getHandle('self-disk-cleanup-jdoe').terminate('test done');
  });

  it('name the ticket only for ticket workflows', async () => {
    expect(ticketOfWorkflowId('ticket-servicenow-INC0010001')).toBe('servicenow:INC0010001');
    expect(ticketOfWorkflowId('ticket-jira-ITSM-42')).toBe('jira:ITSM-42');
    expect(ticketOfWorkflowId('ticket-email-42')).toBeNull();
    expect(ticketOfWorkflowId('self-disk-cleanup-jdoe')).toBeNull();
    expect(correlation(undefined)).toEqual({});
    expect(correlation('troubleshoot-printer-1a2b')).toEqual({ workflowId: 'troubleshoot-printer-1a2b' });
  });
});
