import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/client/cli/program.js';
import { createDirectory } from '../../src/app/adapters.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { deliver } from '../helpers/deliveries.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

const ADMIN = 'admin-token-0123456789abcdefghij';
const dataDir = mkdtempSync(join(tmpdir(), 'itse-troubleshoot-'));
let env: NodeJS.ProcessEnv;
let stack: Stack;

beforeAll(async () => {
  env = { ...(await isolatedStackEnv(dataDir, process.env)), ADMIN_API_TOKEN: ADMIN };
  stack = await startStack(loadConfig(env), createLogger('silent'));
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const staff = (path: string, body?: unknown) =>
  fetch(`${stack.apiUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function waiting(id: string, node?: string) {
  for (;;) {
    const s = await (await staff(`/troubleshooting/${id}`)).json();
    if (s.running && s.view.status === 'waiting' && (!node || s.view.node === node)) return s.view;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('guided troubleshooting over the staff API', () => {
  it('a "no network" ticket opens a session; staff answer; the engine diagnoses, fixes DHCP and resolves the ticket', async () => {
    const body = jiraIssueCreated({ reporter: JIRA.jdoe, summary: 'No network on my laptop since this morning' });
    body.issue.fields.description = 'Teams and Outlook say offline.';
    const accepted = await (await deliver(stack.apiUrl, 'jira', body)).json();
    expect(accepted).toMatchObject({ status: 'started', workflowType: 'troubleshootSession', rule: 'network-troubleshooting' });
    const id = accepted.workflowId;

    const first = await waiting(id, 'scope');
    expect(first).toMatchObject({
      tree: 'network-connectivity',
      prompt: expect.stringContaining('anyone else'),
      choices: expect.arrayContaining([expect.objectContaining({ id: 'only-this-user' })]),
    });
    expect((await fetch(`${stack.apiUrl}/troubleshooting/${id}`)).status).toBe(401);
    const notStaff = await staff(`/troubleshooting/${id}/answer`, { node: 'scope', choice: 'only-this-user', responder: 'jdoe' });
    expect(notStaff.status).toBe(409);
    expect((await notStaff.json()).message).toBe('jdoe is not in helpdesk, who answer this tree');
    expect((await staff(`/troubleshooting/${id}/answer`, { node: 'scope', choice: 'only-this-user', responder: 'nobody' })).status).toBe(400);
    expect((await staff(`/troubleshooting/${id}/answer`, { node: 'scope', choice: 'perhaps', responder: 'sam.helper' })).status).toBe(409);

    await staff(`/troubleshooting/${id}/answer`, { node: 'scope', choice: 'only-this-user', responder: 'sam.helper' });
    const confirm = await waiting(id, 'renew-dhcp');
    expect(confirm.choices).toEqual([
      { id: 'confirm', label: 'Confirm and run it' },
      { id: 'skip', label: 'Skip it' },
    ]);
    expect(confirm.path.map((p: { node: string }) => p.node)).toEqual(['scope', 'link-wired', 'wifi-status', 'ip-config']);
    await staff(`/troubleshooting/${id}/answer`, { node: 'renew-dhcp', choice: 'confirm', responder: 'sam.helper' });
    await waiting(id, 'dhcp-works');
    await staff(`/troubleshooting/${id}/answer`, { node: 'dhcp-works', choice: 'works', responder: 'sam.helper' });

    const record = await stack.client.workflow.getHandle(id).result();
    expect(record).toMatchObject({ outcome: 'resolved', troubleshooting: { tree: 'network-connectivity', kb: 'KB-NET-0030' } });
    const shown = await (await staff(`/troubleshooting/${id}`)).json();
    expect(shown).toMatchObject({ running: false, status: 'COMPLETED', record: { outcome: 'resolved' } });
    expect(stack.adapters.helpdesk.get(body.issue.key)).toMatchObject({
      status: 'resolved',
      comments: [{ body: expect.stringContaining('(see KB-NET-0030)') }, { visibility: 'internal' }],
    });
    expect(stack.adapters.endpoints.remediations).toContainEqual(expect.objectContaining({ deviceId: 'LT-0042', action: 'network.renewDhcp' }));
  });

  it('staff start a session by hand from the CLI, see it listed, go back, and answer', async () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), env: { ...env, TEMPORAL_ADDRESS: stack.temporalAddress } };
    expect(await runCli(['troubleshoot', 'trees'], io, { createDirectory })).toBe(0);
    expect(out.join('\n')).toMatch(/network-connectivity +111 nodes/);
    out.length = 0;
    expect(await runCli(['troubleshoot', 'start', 'printer', '--user', 'asmith'], io, { createDirectory })).toBe(0);
    const id = out[0]!;
    expect(id).toMatch(/^troubleshoot-printer-/);
    const first = await waiting(id);
    out.length = 0;
    expect(await runCli(['troubleshoot', 'list'], io, { createDirectory })).toBe(0);
    expect(out.join('\n')).toContain(id);
    out.length = 0;
    expect(await runCli(['troubleshoot', 'answer', id, first.choices[0].id, '--as', 'sam.helper'], io, { createDirectory })).toBe(0);
    out.length = 0;
    await new Promise((r) => setTimeout(r, 200));
    const second = await waiting(id);
    expect(second.path.some((p: { by?: string }) => p.by === 'sam.helper')).toBe(true);
    expect(await runCli(['troubleshoot', 'back', id, '--as', 'sam.helper'], io, { createDirectory })).toBe(0);
    expect(out.join('\n')).toContain(`[${first.node}]`);
    out.length = 0;
    expect(await runCli(['troubleshoot', 'show', id], io, { createDirectory })).toBe(0);
    expect(out.join('\n')).toContain(`[${first.node}] ${first.prompt}`);
    expect(await runCli(['troubleshoot', 'answer', id, 'no-such-choice', '--as', 'sam.helper'], io, { createDirectory })).toBe(1);
    expect(out.at(-1)).toMatch(/^refused: no choice "no-such-choice"/);
    expect(await runCli(['troubleshoot', 'start', 'nope', '--user', 'asmith'], io, { createDirectory })).toBe(1);
    await stack.client.workflow.getHandle(id).terminate('test done');
  });

  it('lists trees and refuses bad start requests over HTTP', async () => {
    const trees = await (await staff('/troubleshooting/trees')).json();
    expect(trees.map((t: { id: string }) => t.id).sort()).toEqual(['email-client', 'network-connectivity', 'printer']);
    expect((await staff('/troubleshooting', { tree: 'network-connectivity', user: 'jdoe', extra: true })).status).toBe(400);
    expect((await staff('/troubleshooting', { tree: 'nope', user: 'jdoe' })).status).toBe(400);
    const started = await staff('/troubleshooting', { tree: 'email-client', user: 'jdoe' });
    expect(started.status).toBe(202);
    const { workflowId } = await started.json();
    await waiting(workflowId);
    expect(await (await staff('/troubleshooting')).json()).toContainEqual(expect.objectContaining({ workflowId }));
    expect((await staff('/troubleshooting/nope-123')).status).toBe(404);
    await stack.client.workflow.getHandle(workflowId).terminate('test done');
  });
});
