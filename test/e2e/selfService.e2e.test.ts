import { defaultPayloadConverter } from '@temporalio/common';
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { contentWithUsers, jwtEnv, token } from '../helpers/selfService.js';

const USERS = 60;
const dataDir = mkdtempSync(join(tmpdir(), 'itse-selfservice-'));
const contentDir = contentWithUsers(USERS);
let stack: Stack;

beforeAll(async () => {
  stack = await startStack(loadConfig({ ...(await isolatedStackEnv(dataDir, process.env)), ...jwtEnv, CONTENT_DIR: contentDir }), createLogger('silent'));
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(contentDir, { recursive: true, force: true });
});

async function call(method: 'GET' | 'POST', path: string, who: string | null, body?: unknown, bearer?: string) {
  const headers: Record<string, string> = {};
  if (who) headers.authorization = `Bearer ${bearer ?? (await token(who))}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}
const request = (who: string, automation: string, inputs: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  call('POST', '/self-service/requests', who, { automation, inputs, ...extra });

async function finished(who: string, id: string) {
  for (;;) {
    const r = await call('GET', `/self-service/requests/${id}`, who);
    if (r.body.status !== 'RUNNING') return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
}
const securityEvents = async () => (await stack.adapters.store.auditEntries({ kind: 'security' })).map((e) => e.entry);

describe('self-service catalog and requests', () => {
  it('shows each caller only what they may use, without admin-only inputs, and documents the API', async () => {
    const { status, body } = await call('GET', '/self-service/catalog', 'jdoe');
    expect(status).toBe(200);
    const ids = body.automations.map((a: { id: string }) => a.id);
    expect(ids).toEqual(['disk-cleanup', 'unlock-account', 'reinstall-software']);
    expect(Object.keys(body.automations[0].inputs)).toEqual(['device', 'includeDownloads']);
    const openapi = await (await fetch(`${stack.apiUrl}/openapi.json`)).json();
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/self-service/catalog', '/self-service/requests', '/self-service/requests/{id}', '/self-service/requests/{id}/cancel']),
    );
    expect(openapi.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('cleans the caller’s own laptop and reports the space freed; a second run within the cool-down gets 429', async () => {
    const started = await request('jdoe', 'disk-cleanup', { device: 'LT-0042', includeDownloads: true });
    expect(started).toMatchObject({ status: 202, body: { requestId: 'self-disk-cleanup-jdoe', status: 'started' } });
    const done = await finished('jdoe', started.body.requestId);
    expect(done).toMatchObject({ status: 'COMPLETED', outcome: 'resolved', summary: expect.stringMatching(/^Freed 13.2 GB on LT-0042/) });
    // The run waits out a directory outage as configured (DIRECTORY_RECHECK_EVERY / _GIVE_UP_AFTER).
    const [input] = await stack.client.workflow
      .getHandle(started.body.requestId)
      .fetchHistory()
      .then((h) =>
        h.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!.map(
          (p) => defaultPayloadConverter.fromPayload(p) as { directoryOutage: unknown },
        ),
      );
    expect(input!.directoryOutage).toEqual({ recheckEveryMs: 60_000, giveUpAfterMs: 900_000 });
    expect(done.progress.steps.map((s: { name: string }) => s.name)).toContain('dry run');
    const again = await request('jdoe', 'disk-cleanup', { device: 'LT-0042' });
    expect(again.status).toBe(429);
    expect(again.body.error).toBe('cooling_down');
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(3000);
  });

  it.each([
    ['another user’s device', 'asmith', 'disk-cleanup', { device: 'LT-0042' }, {}, 403, 'not_your_device'],
    ['another user’s account', 'asmith', 'unlock-account', {}, { target: 'jdoe' }, 403, 'not_your_account'],
    ['an admin-only input', 'asmith', 'disk-cleanup', { device: 'LT-0007', aggressive: true }, {}, 403, 'admin_only_input'],
    ['an unknown input', 'asmith', 'disk-cleanup', { device: 'LT-0007', everything: true }, {}, 400, 'invalid_input'],
    ['an unpublished automation', 'asmith', 'reset-mfa', {}, {}, 404, 'unknown_automation'],
    ['an automation that does not exist', 'asmith', 'format-c', {}, {}, 404, 'unknown_automation'],
  ] as const)('refuses %s, with a clear reason', async (_what, who, automation, inputs, extra, status, error) => {
    const r = await request(who, automation, inputs, extra);
    expect(r).toMatchObject({ status, body: { error } });
  });

  it('audits elevation attempts as security events', async () => {
    await request('asmith', 'disk-cleanup', { device: 'LT-0042' });
    expect(await securityEvents()).toContainEqual(expect.objectContaining({ actor: 'asmith', outcome: 'rejected', reason: 'not_your_device' }));
  });

  it.each([
    ['no token', null, undefined, 'missing_token'],
    ['a token signed with another key', 'jdoe', 'other-secret-0123456789abcdef0123456789', 'bad_signature'],
    ['a token for another audience', 'jdoe', 'audience', 'wrong_audience'],
    ['an expired token', 'jdoe', 'expired', 'expired'],
  ] as const)('answers 401 to %s, and audits it', async (_what, who, variant, reason) => {
    const bearer =
      variant === undefined || who === null
        ? undefined
        : variant === 'audience'
          ? await token(who, { audience: 'someone-else' })
          : variant === 'expired'
            ? await token(who, { expiresIn: '-1m' })
            : await token(who, { secret: variant });
    const r = await call('GET', '/self-service/catalog', who, undefined, bearer);
    expect(r).toMatchObject({ status: 401, body: { error: reason } });
    expect((await securityEvents()).at(-1)).toMatchObject({ reason: `token_${reason}` });
  });

  it('answers malformed requests with 400 and unknown requests with 404', async () => {
    const res = await fetch(`${stack.apiUrl}/self-service/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('jdoe')}`, 'content-type': 'application/json' },
      body: '{"automation": ',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).issues[0]).toMatchObject({ path: '(body)' });
    const extra = await call('POST', '/self-service/requests', 'jdoe', { automation: 'unlock-account', onBehalfOf: 'asmith' });
    expect(extra).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await call('POST', '/self-service/requests/self-nope-jdoe/approval', 'asmith', { approve: true })).toMatchObject({ status: 404 });
    expect(await call('GET', '/self-service/requests/self-nope-jdoe', 'jdoe')).toMatchObject({ status: 404 });
  });

  it('refuses tokens of people the directory does not know or has disabled', async () => {
    expect(await call('GET', '/self-service/catalog', 'ghost')).toMatchObject({ status: 403, body: { error: 'caller_unknown' } });
    expect(await call('GET', '/self-service/catalog', 'bob.gone')).toMatchObject({ status: 403, body: { error: 'caller_disabled' } });
    expect(await request('ghost', 'unlock-account')).toMatchObject({ status: 403, body: { error: 'caller_unknown' } });
    expect(await request('bob.gone', 'unlock-account')).toMatchObject({ status: 403, body: { error: 'caller_disabled' } });
  });

  it('a second request while the first runs gets 409 with its id; the manager approves; the caller cannot', async () => {
    const first = await request('user-0001', 'reinstall-software', { device: 'LT-U0001', software: 'vscode' });
    expect(first.status).toBe(202);
    const id = first.body.requestId;
    const second = await request('user-0001', 'reinstall-software', { device: 'LT-U0001', software: 'vscode' });
    expect(second).toMatchObject({ status: 409, body: { error: 'already_running', requestId: id } });
    for (;;) {
      const s = await call('GET', `/self-service/requests/${id}`, 'user-0001');
      if (s.body.progress?.waitingFor) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await call('POST', `/self-service/requests/${id}/approval`, 'user-0001', { approve: true })).toMatchObject({
      status: 403,
      body: { message: 'the requester cannot approve their own request' },
    });
    expect(await call('GET', `/self-service/requests/${id}`, 'user-0002')).toMatchObject({ status: 404 });
    expect(await call('POST', `/self-service/requests/${id}/approval`, 'asmith', { approve: true, comment: 'ok' })).toMatchObject({
      status: 200,
      body: { decision: 'approved' },
    });
    expect(await finished('user-0001', id)).toMatchObject({ outcome: 'resolved', summary: expect.stringContaining('reinstalled on LT-U0001') });
  });

  it('the caller can cancel a request that waits for approval', async () => {
    const { body } = await request('user-0003', 'reinstall-software', { device: 'LT-U0003', software: 'vscode' });
    expect(await call('POST', `/self-service/requests/${body.requestId}/cancel`, 'user-0004')).toMatchObject({ status: 404 });
    expect(await call('POST', `/self-service/requests/${body.requestId}/cancel`, 'user-0003')).toMatchObject({ status: 202 });
    expect(await finished('user-0003', body.requestId)).toMatchObject({ status: 'CANCELLED' });
    expect(await call('POST', `/self-service/requests/${body.requestId}/cancel`, 'user-0003')).toMatchObject({ status: 409 });
  });

  it('20 identical requests at once from one user start one run, in each of 5 rounds; the cool-down holds after it', async () => {
    for (const n of ['0011', '0012', '0013', '0014', '0015']) {
      const who = `user-${n}`;
      const burst = () => Promise.all(Array.from({ length: 20 }, () => request(who, 'disk-cleanup', { device: `LT-U${n}` })));
      const answers = await burst();
      const started = answers.filter((a) => a.status === 202);
      expect(started, who).toHaveLength(1);
      const requestId = started[0]!.body.requestId;
      for (const a of answers.filter((x) => x.status !== 202)) {
        expect([409, 429], who).toContain(a.status);
        expect(a.body.error).toBe(a.status === 409 ? 'already_running' : 'cooling_down');
      }
      expect(await finished(who, requestId)).toMatchObject({ outcome: 'resolved' });
      const after = await burst();
      expect(after.map((a) => a.body.error)).toEqual(after.map(() => 'cooling_down'));
      let runs = 0;
      for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${requestId}'` })) runs++;
      expect(runs, who).toBe(1);
      expect(await stack.adapters.store.selfServiceStarts(who, 'disk-cleanup', new Date(0))).toHaveLength(1);
      // Every refusal is in the audit log beside the one acceptance.
      const audited = (await stack.adapters.store.auditEntries({ subject: 'self-service:disk-cleanup' })).map((e) => e.entry).filter((e) => e.actor === who);
      expect(audited.filter((e) => e.outcome === 'accepted')).toHaveLength(1);
      expect(audited.filter((e) => e.outcome === 'rejected')).toHaveLength(39);
    }
  });

  it('answers an empty body and a body with an own toString with 400, and an approver the directory does not know with 403', async () => {
    const raw = async (payload: string) => {
      const res = await fetch(`${stack.apiUrl}/self-service/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await token('user-0005')}`, 'content-type': 'application/json' },
        body: payload,
      });
      return { status: res.status, body: (await res.json()) as { error?: string; issues?: Array<{ path: string }> } };
    };
    expect(await raw('')).toMatchObject({ status: 400 });
    const hostile = await raw(JSON.stringify({ automation: 'disk-cleanup', inputs: { device: { toString: 'LT-U0005' } } }));
    expect(hostile).toMatchObject({ status: 400 });
    expect(JSON.stringify(hostile.body)).toContain('toString');
    const pending = await request('user-0005', 'reinstall-software', { device: 'LT-U0005', software: 'vscode' });
    expect(pending.status).toBe(202);
    for (;;) {
      const s = await call('GET', `/self-service/requests/${pending.body.requestId}`, 'user-0005');
      if (s.body.progress?.waitingFor) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await call('POST', `/self-service/requests/${pending.body.requestId}/approval`, 'ghost', { approve: true })).toMatchObject({
      status: 403,
      body: { error: 'not_an_approver' },
    });
    await call('POST', `/self-service/requests/${pending.body.requestId}/cancel`, 'user-0005');
  });

  it('rate-limits per user: the sixth unlock in a day gets 429 with Retry-After', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await request('user-0010', 'unlock-account');
      expect(r.status).toBe(202);
      await finished('user-0010', r.body.requestId);
    }
    const sixth = await request('user-0010', 'unlock-account');
    expect(sixth).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(80_000);
  });

  it(`handles ${USERS - 20} concurrent requests from distinct users: every 202 has a workflow, every workflow completes, no 5xx`, async () => {
    const users = Array.from({ length: USERS - 20 }, (_, i) => String(i + 21).padStart(4, '0'));
    const answers = await Promise.all(users.map((n) => request(`user-${n}`, 'disk-cleanup', { device: `LT-U${n}` })));
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers.map((a) => a.status)).toEqual(users.map(() => 202));
    const results = await Promise.all(answers.map((a, i) => finished(`user-${users[i]}`, a.body.requestId)));
    expect(results.map((r) => r.outcome)).toEqual(users.map(() => 'resolved'));
  });
});
