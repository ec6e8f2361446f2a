import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { freePort } from '../../src/stack/ports.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

const dataDir = mkdtempSync(join(tmpdir(), 'itse-process-'));
let child: ChildProcessWithoutNullStreams | undefined;
afterAll(() => {
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });

describe('npm start as a process', () => {
  it('prints where each part listens, handles a ticket, and stops all three cleanly on Ctrl-C', async () => {
    const temporalPort = await freePort();
    const uiPort = await freePort();
    const httpPort = await freePort();
    // Its own process group, like a terminal's foreground job: Ctrl-C reaches every process in it.
    child = spawn(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), ['src/main.ts'], {
      cwd: PROJECT_ROOT,
      detached: true,
      env: { ...process.env, DATA_DIR: dataDir, HTTP_PORT: String(httpPort), TEMPORAL_DEV_PORT: String(temporalPort), TEMPORAL_DEV_UI_PORT: String(uiPort), LOG_LEVEL: 'warn', ADMIN_API_TOKEN: 'process-admin-token-0123456789' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    while (!output.includes('Press Ctrl-C')) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toContain(`Temporal   127.0.0.1:${temporalPort} (embedded dev server, data in ${join(dataDir, 'temporal.db')})`);
    expect(output).toContain(`Web UI     http://127.0.0.1:${uiPort}`);
    expect(output).toContain(`HTTP API   http://127.0.0.1:${httpPort}`);
    expect(output).toContain('Worker     task queue "it-support"');
    expect(output).toContain('Webhooks   UNSIGNED accepted (development mode): jira, servicenow, zendesk');
    expect(await portOpen(uiPort)).toBe(true);

    const body = jiraIssueCreated({ reporter: JIRA.jdoe });
    const res = await fetch(`http://127.0.0.1:${httpPort}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    const { workflowId } = await res.json();
    let status = 'RUNNING';
    while (status === 'RUNNING') {
      status = (await (await fetch(`http://127.0.0.1:${httpPort}/workflows/${workflowId}`, { headers: { authorization: 'Bearer process-admin-token-0123456789' } })).json()).status;
    }
    expect(status).toBe('COMPLETED');

    process.kill(-child.pid!, 'SIGINT');
    expect(await exit).toBe(0);
    expect(output).toContain('stopped cleanly');
    expect(await portOpen(httpPort)).toBe(false);
    expect(await portOpen(temporalPort)).toBe(false);
    expect(await portOpen(uiPort)).toBe(false);
  });
});
