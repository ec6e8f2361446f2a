import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/client/cli/program.js';
import { createDirectory } from '../../src/app/adapters.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { deliver } from '../helpers/deliveries.js';
import { contentWithUsers, jwtEnv, token } from '../helpers/selfService.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

const ADMIN = 'admin-token-0123456789abcdefghij';
const dataDir = mkdtempSync(join(tmpdir(), 'itse-records-'));
const contentDir = contentWithUsers(2);
let env: NodeJS.ProcessEnv;
let stack: Stack;

beforeAll(async () => {
  env = { ...(await isolatedStackEnv(dataDir, process.env)), ADMIN_API_TOKEN: ADMIN, CONTENT_DIR: contentDir, ...jwtEnv };
  stack = await startStack(loadConfig(env), createLogger('silent'));
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(contentDir, { recursive: true, force: true });
});

const staff = (path: string) => fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
const cli = async (args: string[]) => {
  const out: string[] = [];
  const code = await runCli(
    args,
    { out: (l) => out.push(l), err: (l) => out.push(l), env: { ...env, TEMPORAL_ADDRESS: stack.temporalAddress } },
    { createDirectory },
  );
  return { code, out: out.join('\n') };
};

describe('resolution records and the audit log', () => {
  it('a password reset ticket gets its work note and documents, redacted, from the API and the CLI', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe, summary: 'Forgot my password, call me on +44 20 7946 0958 or mail jane.doe@example.com' });
    await deliver(stack.apiUrl, 'jira', body);
    const workflowId = `ticket-jira-${body.issue.key}`;
    await stack.client.workflow.getHandle(workflowId).result();

    const res = await staff(`/records/jira:${body.issue.key}`);
    expect(res.status).toBe(200);
    const [doc] = await res.json();
    expect(doc).toMatchObject({
      workflowId,
      ticket: `jira:${body.issue.key}`,
      outcome: 'resolved',
      document: { outcome: 'resolved', completeness: [], generatedFrom: { workflowId } },
    });
    expect(doc.workNote).toContain(`/namespaces/default/workflows/${workflowId}/`);
    const everything = JSON.stringify(doc);
    expect(everything).not.toMatch(/7946|jane\.doe@example\.com|Jane Doe/);
    const markdown = await (await staff(`/records/jira:${body.issue.key}?format=markdown`)).text();
    expect(markdown).toBe(doc.workNote);
    expect((await staff('/records/jira:NOPE-1')).status).toBe(404);

    const shown = await cli(['records', `jira:${body.issue.key}`]);
    expect(shown).toMatchObject({ code: 0, out: expect.stringContaining(doc.workNote) });
    expect(JSON.parse((await cli(['records', workflowId, '--json'])).out)[0]).toMatchObject({ outcome: 'resolved' });
    expect((await cli(['records', 'jira:NOPE-1'])).code).toBe(1);

    const audit = await (await staff(`/audit?ticket=jira:${body.issue.key}`)).json();
    expect(
      audit.map((e: { entry: { kind: string; details: { action?: string } } }) =>
        e.entry.kind === 'action' ? `action ${e.entry.details.action}` : e.entry.kind,
      ),
    ).toEqual([
      'webhook.accepted',
      'permission.decision',
      'action checkPermission',
      'action resetPasswordAndNotify',
      'action commentOnTicket',
      'action resolveTicket',
      'action fileResolution',
    ]);
    expect((await staff('/audit?from=not-a-date')).status).toBe(400);
  });

  it('a cancelled self-service request still files a record that says so', async () => {
    const jwt = await token('user-0001');
    const res = await fetch(`${stack.apiUrl}/self-service/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ automation: 'reinstall-software', inputs: { device: 'LT-U0001', software: 'vscode' } }),
    });
    const { requestId } = await res.json();
    const handle = stack.client.workflow.getHandle(requestId);
    for (;;) {
      const s = await (await fetch(`${stack.apiUrl}/self-service/requests/${requestId}`, { headers: { authorization: `Bearer ${jwt}` } })).json();
      if (s.progress?.waitingFor) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const [doc] = await stack.adapters.store.documents(requestId);
    expect(doc).toMatchObject({ outcome: 'cancelled', json: { outcome: 'cancelled', summary: expect.stringContaining('cancelled before it finished') } });
    expect(doc!.workNote).toContain('cancelled');
  });

  it('verify finds the first altered entry; export gives JSON lines; an anchor catches a rewrite', async () => {
    expect(await cli(['audit', 'verify'])).toMatchObject({ code: 0, out: expect.stringMatching(/^audit log intact: \d+ entries/) });
    const exported = await cli(['audit', 'export', '--action', 'permission.decision']);
    const lines = exported.out.split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l: { kind: string; hash: string }) => l.kind === 'permission.decision' && /^[0-9a-f]{64}$/.test(l.hash))).toBe(true);
    expect((await cli(['audit', 'query', '--user', 'jdoe'])).out).toContain('permission.decision jdoe');
    expect(await (await staff('/audit/verify')).json()).toMatchObject({ ok: true });

    // Someone with access to the database file edits an entry behind the engine's back.
    const db = new Database(join(dataDir, 'engine.db'));
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare(
      'UPDATE audit SET entry = replace(entry, \'"outcome":"allowed"\', \'"outcome":"denied"\') WHERE seq = (SELECT min(seq) FROM audit WHERE entry LIKE \'%permission.decision%\')',
    ).run();
    db.close();
    const broken = await cli(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/audit log broken at entry \d+ \(altered\)/);
    expect(await (await staff('/audit/verify')).json()).toMatchObject({ ok: false, firstBad: { problem: 'altered' } });
  });
});
