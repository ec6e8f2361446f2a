import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../src/config/index.js';
import type { ResolutionRecord } from '../../src/domain/records/resolution.js';
import { createLogger } from '../../src/stack/logger.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { resolveTemporalCli } from '../../src/stack/temporalCli.js';
import { historyText } from '../helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// PAYLOAD_ENCRYPTION_KEYS on: what the Temporal server stores (and its Web UI shows) is ciphertext;
// the engine works as before; staff read histories through the codec endpoint.
const dataDir = mkdtempSync(join(tmpdir(), 'itse-encryption-'));
const ADMIN = 'encryption-test-admin-token-0123456789';
const SUMMARY = 'Reset my password please, Quokka-7781';
let stack: Stack;
let workflowId: string;
let record: ResolutionRecord;

beforeAll(async () => {
  const env = await isolatedStackEnv(dataDir, process.env);
  const keys = `current:${randomBytes(32).toString('base64')},previous:${randomBytes(32).toString('base64')}`;
  stack = await startStack(loadConfig({ ...env, PAYLOAD_ENCRYPTION_KEYS: keys, ADMIN_API_TOKEN: ADMIN }), createLogger('warn'));
  const body = jiraIssueCreated({ reporter: JIRA.jdoe, summary: SUMMARY });
  const res = await fetch(`${stack.apiUrl}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  workflowId = ((await res.json()) as { workflowId: string }).workflowId;
  record = (await stack.client.workflow.getHandle(workflowId).result()) as ResolutionRecord;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The history as the Temporal server holds it: fetched without the codec. */
async function storedHistory() {
  const raw = new Client({ connection: stack.client.connection, namespace: 'default' });
  return raw.workflow.getHandle(workflowId).fetchHistory();
}

describe('payload encryption (PAYLOAD_ENCRYPTION_KEYS)', () => {
  it('runs the ticket as without encryption: reset, mailed, resolved', () => {
    expect(record).toMatchObject({ outcome: 'resolved', requester: { userId: 'jdoe' } });
    expect(stack.adapters.outbox.to('jane.doe@example.com')).toHaveLength(1);
  });

  it('runs a definition with its device lock (signals between workflows) as before', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe, summary: 'Laptop offline, Quokka-7781', labels: ['network-incident'] });
    body.issue.fields.description = 'No network at all on my laptop.';
    const res = await fetch(`${stack.apiUrl}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(await res.json()).toMatchObject({ status: 'started', workflowType: 'definitionRun' });
    const incident = (await stack.client.workflow.getHandle(`ticket-jira-${body.issue.key}`).result()) as ResolutionRecord;
    expect(incident).toMatchObject({ outcome: 'resolved', definition: { id: 'incident-network' } });
    expect(incident.actions.filter((a) => a.status === 'succeeded').map((a) => a.name)).toContain('Renew the DHCP lease');
  });

  it('leaves the Temporal server only ciphertext: no summary, account id or user id in the stored history', async () => {
    const history = await storedHistory();
    const text = historyText(history);
    for (const plain of ['Quokka-7781', JIRA.jdoe, 'jdoe', 'jane.doe']) expect(text).not.toContain(plain);
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(Buffer.from(started.input!.payloads![0]!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(started.input!.payloads![0]!.metadata!['encryption-key-id']!).toString()).toBe('current');
  });

  it('decodes payloads for staff on POST /codec/decode, and for nobody else', async () => {
    const history = await storedHistory();
    const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const wire = {
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(payload.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
          data: Buffer.from(payload.data!).toString('base64'),
        },
      ],
    };
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${stack.apiUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });

    expect((await post('/codec/decode', wire)).status).toBe(401);
    expect((await post('/codec/decode', wire, 'wrong-token-wrong-token-wrong')).status).toBe(401);
    const res = await post('/codec/decode', wire, ADMIN);
    expect(res.status).toBe(200);
    const [decoded] = ((await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> }).payloads;
    expect(Buffer.from(decoded!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(decoded!.data, 'base64').toString())).toMatchObject({ ticket: { summary: SUMMARY, requesterExternalId: JIRA.jdoe } });

    // encode then decode gives the payload back; altered ciphertext is a 422 saying so.
    const plain = { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64') }] };
    const sealed = (await (await post('/codec/encode', plain, ADMIN)).json()) as typeof plain;
    expect(sealed.payloads[0]!.data).not.toBe(plain.payloads[0]!.data);
    expect(await (await post('/codec/decode', sealed, ADMIN)).json()).toEqual(plain);
    const bytes = Buffer.from(sealed.payloads[0]!.data, 'base64');
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    const bad = await post('/codec/decode', { payloads: [{ ...sealed.payloads[0], data: bytes.toString('base64') }] }, ADMIN);
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: 'codec_failed', message: expect.stringContaining('failed authentication') });
    expect((await post('/codec/decode', { payloads: [{ data: 'not base64!' }] }, ADMIN)).status).toBe(400);
  });

  it("lets Temporal's own CLI show the decoded history through the codec endpoint", async () => {
    const cli = resolveTemporalCli({ env: process.env, projectRoot: PROJECT_ROOT });
    if (!cli.path) throw new Error('the Temporal CLI is needed (npm ci installs it)');
    const show = (extra: string[]) =>
      promisify(execFile)(cli.path!, ['workflow', 'show', '--address', stack.temporalAddress, '--workflow-id', workflowId, '--output', 'json', ...extra], {
        maxBuffer: 16 * 1024 * 1024,
      });
    const without = await show([]);
    expect(historyText(JSON.parse(without.stdout))).not.toContain('Quokka-7781');
    const decoded = await show(['--codec-endpoint', `${stack.apiUrl}/codec`, '--codec-auth', `Bearer ${ADMIN}`]);
    expect(historyText(JSON.parse(decoded.stdout))).toContain('Quokka-7781');
  });
});
