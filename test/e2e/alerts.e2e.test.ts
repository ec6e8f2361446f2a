import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildActivities } from '../../src/app/adapters.js';
import { engineActivityInterceptors } from '../../src/activities/interceptors.js';
import { buildApi, configuredApiOptions } from '../../src/client/http/app.js';
import { loadConfig, PROJECT_ROOT, type Config } from '../../src/config/index.js';
import type { ResolutionRecord } from '../../src/domain/records/resolution.js';
import { createLogger } from '../../src/stack/logger.js';
import { connectWorker } from '../../src/stack/connection.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { labelFingerprint } from '../../src/domain/sources/alertmanager.js';
import { sample } from '../helpers/deliveries.js';
import { createSupportWorker } from '../../src/app/supportWorker.js';

// Prometheus Alertmanager -> POST /webhooks/alertmanager -> a definition run, through the whole
// stack. Definition runs go to their own task queue, which no worker polls until the
// "once a worker takes the runs" block: so the firing, repeated and resolved notifications all
// reach a run that is certainly still going, and what the run then does shows what it received.
const TOKEN = 'alertmanager-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdefghij';
const DEFINITION_QUEUE = 'alert-runs';
const dataDir = mkdtempSync(join(tmpdir(), 'itse-alerts-'));
const contentDir = mkdtempSync(join(tmpdir(), 'itse-alerts-content-'));
let config: Config;
let stack: Stack;
let worker: { worker: Worker; running: Promise<void> } | null = null;

// The shipped content, plus a probe definition that shows what `alert.status` a run reads.
cpSync(join(PROJECT_ROOT, 'content'), contentDir, { recursive: true });
writeFileSync(
  join(contentDir, 'definitions', 'alert-probe.yaml'),
  `id: alert-probe
title: Alert probe
inputs:
  deviceId: { type: string }
steps:
  - id: measure
    name: Measure the disk
    activity: measureDisk
    args: { deviceId: '\${{ inputs.deviceId }}' }
  - id: while-firing
    name: Act while the alert fires
    when: "alert.status == 'firing'"
    activity: measureDisk
    args: { deviceId: '\${{ inputs.deviceId }}' }
  - id: after-resolved
    name: Note that the alert resolved
    when: "alert.status == 'resolved' && alert.endsAt != null"
    activity: measureDisk
    args: { deviceId: '\${{ inputs.deviceId }}' }
`,
);
appendFileSync(
  join(contentDir, 'alerts.yaml'),
  `
  - id: probe
    match: { alertname: ProbeTest }
    definition: alert-probe
    inputs: { deviceId: '\${{ alert.labels.device }}' }
`,
);

beforeAll(async () => {
  config = loadConfig({
    ...(await isolatedStackEnv(dataDir, process.env)),
    CONTENT_DIR: contentDir,
    ALERTMANAGER_TOKEN: TOKEN,
    ADMIN_API_TOKEN: ADMIN,
    TASK_QUEUE_DEFINITIONS: DEFINITION_QUEUE,
    WORKER_TASK_QUEUES: 'it-support',
  });
  stack = await startStack(config, createLogger('silent'));
});
afterAll(async () => {
  if (worker) {
    worker.worker.shutdown();
    await worker.running.catch(() => undefined);
  }
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(contentDir, { recursive: true, force: true });
});

let seq = 0;
const startsAt = new Date(Date.UTC(2026, 10, 26, 9, 0, 0, 123)).toISOString();

/** One alert as Alertmanager sends it. */
function alert(labels: Record<string, string>, over: Record<string, unknown> = {}) {
  return {
    status: 'firing',
    labels,
    annotations: { summary: `${labels.device ?? 'a device'} stopped answering`, description: 'Owner: jane.doe@example.com, +44 20 7946 0958' },
    startsAt,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.corp:9090/graph?g0.expr=probe_success+%3D%3D+0',
    fingerprint: `a1b2c3d4e5f6${String(++seq).padStart(4, '0')}`,
    ...over,
  };
}
const resolved = (a: ReturnType<typeof alert>, endsAt = '2026-11-26T09:20:00Z') => ({ ...a, status: 'resolved', endsAt });

/** A v4 notification of a group of alerts. */
function notification(alerts: Array<ReturnType<typeof alert>>) {
  return {
    version: '4',
    groupKey: '{}:{alertname="DeviceOffline"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'it-support-engine',
    groupLabels: { alertname: String(alerts[0]?.labels.alertname) },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.corp:9093',
    alerts,
  };
}

function post(body: unknown, auth: string | null = `Bearer ${TOKEN}`, raw = JSON.stringify(body)) {
  return fetch(`${stack.apiUrl}/webhooks/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: raw,
  });
}

const workflowIdOf = (rule: string, a: ReturnType<typeof alert>) => `alert-${rule}-${a.fingerprint}-${Date.parse(a.startsAt)}`;
const audit = async (subject: string) => (await stack.adapters.store.auditEntries({ subject })).map((e) => e.entry);
/** Fails unless no workflow has this id. */
const neverStarted = (workflowId: string) => expect(stack.client.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
async function signalsOf(workflowId: string): Promise<Array<{ name: string; args: unknown[] }>> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((a) => a != null)
    .map((a) => ({ name: a.signalName!, args: (a.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p)) }));
}

const offline = alert({ alertname: 'DeviceOffline', severity: 'critical', device: 'LT-0042', owner: 'jdoe', instance: 'lt-0042.corp:9100' });
const probeResolved = alert({ alertname: 'ProbeTest', device: 'LT-0007' });
const probeFiring = alert({ alertname: 'ProbeTest', device: 'LT-0101' });

describe('notifications while the run is going', () => {
  it('a firing alert starts the incident run, as svc-monitoring, with the device and owner from its labels', async () => {
    const res = await post(notification([offline]));
    expect(res.status).toBe(202);
    const workflowId = workflowIdOf('device-offline', offline);
    expect(await res.json()).toMatchObject({
      receiver: 'it-support-engine',
      results: [{ fingerprint: offline.fingerprint, alertname: 'DeviceOffline', status: 'firing', outcome: 'started', rule: 'device-offline', workflowId }],
    });
    const handle = stack.client.workflow.getHandle(workflowId);
    expect(await handle.describe()).toMatchObject({ type: 'definitionRun', taskQueue: DEFINITION_QUEUE, status: { name: 'RUNNING' } });
    const [input] = (await handle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    expect(defaultPayloadConverter.fromPayload(input!)).toMatchObject({
      definition: { id: 'incident-network' },
      inputs: { deviceId: 'LT-0042', userId: 'jdoe' },
      requester: { by: 'id', id: 'svc-monitoring' },
      alert: { fingerprint: offline.fingerprint, status: 'firing', startsAt, endsAt: null, labels: offline.labels },
    });
    // Annotations are free text: redacted before they enter the run's history.
    const history = JSON.stringify(defaultPayloadConverter.fromPayload(input!));
    expect(history).not.toContain('jane.doe@example.com');
    expect(history).not.toContain('7946 0958');
    expect(await audit(workflowId)).toEqual([
      expect.objectContaining({
        kind: 'webhook.accepted',
        actor: 'alertmanager',
        outcome: 'accepted',
        reason: 'started',
        details: expect.objectContaining({ fingerprint: offline.fingerprint, rule: 'device-offline', alertStatus: 'firing' }),
      }),
    ]);
  });

  it('the repeated notification (repeat_interval, or the group grew) joins the run; an alert no rule matches is only acknowledged', async () => {
    const workflowId = workflowIdOf('device-offline', offline);
    const { runId } = await stack.client.workflow.getHandle(workflowId).describe();
    const watchdog = alert({ alertname: 'Watchdog' });
    const answers = await Promise.all([post(notification([offline, watchdog])), post(notification([offline]))]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect((await answers[0]!.json()).results).toEqual([
      {
        fingerprint: offline.fingerprint,
        alertname: 'DeviceOffline',
        status: 'firing',
        outcome: 'joined',
        rule: 'device-offline',
        workflowId,
        runStatus: 'RUNNING',
      },
      { fingerprint: watchdog.fingerprint, alertname: 'Watchdog', status: 'firing', outcome: 'unmatched', rule: null, workflowId: null },
    ]);
    expect((await stack.client.workflow.getHandle(workflowId).describe()).runId).toBe(runId);
    expect(await audit(`alertmanager:${watchdog.fingerprint}`)).toEqual([
      expect.objectContaining({ kind: 'webhook.accepted', outcome: 'skipped', reason: 'unmatched' }),
    ]);
    expect((await audit(workflowId)).map((e) => e.reason)).toEqual(['started', 'joined', 'joined']);
  });

  it('the resolved notification is signalled to the same run', async () => {
    const res = await post(notification([resolved(offline)]));
    expect(res.status).toBe(200);
    const workflowId = workflowIdOf('device-offline', offline);
    expect((await res.json()).results).toEqual([
      { fingerprint: offline.fingerprint, alertname: 'DeviceOffline', status: 'resolved', outcome: 'signalled', rule: 'device-offline', workflowId },
    ]);
    expect(await signalsOf(workflowId)).toEqual([{ name: 'alertUpdate', args: [{ status: 'resolved', endsAt: '2026-11-26T09:20:00.000Z' }] }]);
    expect((await audit(workflowId)).at(-1)).toMatchObject({ kind: 'webhook.accepted', outcome: 'accepted', reason: 'signalled' });
  });

  it('probe runs: one whose alert resolves, one whose alert keeps firing', async () => {
    expect((await post(notification([probeResolved, probeFiring]))).status).toBe(202);
    const res = await post(notification([resolved(probeResolved)]));
    expect((await res.json()).results[0]).toMatchObject({ outcome: 'signalled', workflowId: workflowIdOf('probe', probeResolved) });
  });

  it('a resolved alert that never started a run is acknowledged', async () => {
    const never = alert(
      { alertname: 'DeviceOffline', severity: 'warning', device: 'LT-0003', owner: 'dana.admin' },
      { status: 'resolved', endsAt: '2026-11-26T09:05:00Z' },
    );
    const res = await post(notification([never]));
    expect((await res.json()).results).toEqual([
      { fingerprint: never.fingerprint, alertname: 'DeviceOffline', status: 'resolved', outcome: 'no_run', rule: 'device-offline', workflowId: null },
    ]);
    expect(await audit(`alertmanager:${never.fingerprint}`)).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'no_run' })]);
  });
});

describe('other senders of the same shape', () => {
  it("Grafana Alerting's webhook (version 1, as its documentation shows it) starts the incident run; its extra keys are named, not refused", async () => {
    const body = sample('alertmanager/grafana-device-offline-firing.json');
    const res = await post(body);
    expect(res.status).toBe(202);
    const answer = await res.json();
    const workflowId = workflowIdOf('device-offline', { fingerprint: 'c6eadffa33fcdf37', startsAt: body.alerts[0].startsAt } as ReturnType<typeof alert>);
    expect(answer).toMatchObject({
      sender: 'grafana',
      ignoredKeys: expect.arrayContaining(['orgId', 'state', 'title', 'message', 'alerts[].values']),
      results: [{ outcome: 'started', workflowId }],
    });
    expect(await audit(workflowId)).toEqual([
      expect.objectContaining({ reason: 'started', details: expect.objectContaining({ sender: 'grafana', fingerprint: 'c6eadffa33fcdf37' }) }),
    ]);
  });

  it('an Alertmanager older than 0.19 (no fingerprint) starts a run under the fingerprint Alertmanager computes, which a newer one then finds', async () => {
    const old = alert({ alertname: 'DeviceOffline', severity: 'critical', device: 'LT-0202', owner: 'jdoe' });
    const { fingerprint: _omitted, ...withoutFingerprint } = old;
    const res = await post(notification([withoutFingerprint as typeof old]));
    expect(res.status).toBe(202);
    const computed = labelFingerprint(old.labels);
    const workflowId = workflowIdOf('device-offline', { ...old, fingerprint: computed });
    expect((await res.json()).results).toEqual([expect.objectContaining({ fingerprint: computed, outcome: 'started', workflowId })]);
    expect((await audit(workflowId))[0]!.details).toMatchObject({ fingerprintComputed: true });
    // After an upgrade, Alertmanager sends the same alert with its fingerprint: the same run.
    const upgraded = await post(notification([{ ...old, fingerprint: computed }]));
    expect((await upgraded.json()).results).toEqual([expect.objectContaining({ outcome: 'joined', workflowId })]);
  });
});

describe('alerts that cannot start their definition', () => {
  it('a label the rule needs is missing, or is not what the definition takes: nothing starts, the alert is audited', async () => {
    const noOwner = alert({ alertname: 'DeviceOffline', severity: 'critical', device: 'LT-0042' });
    const badDevice = alert({ alertname: 'DeviceOffline', severity: 'critical', device: 'lt-0042.corp', owner: 'jdoe' });
    const res = await post(notification([noOwner, badDevice]));
    expect(res.status).toBe(200);
    const { results } = await res.json();
    expect(results.map((r: { outcome: string; issues: Array<{ path: string }> }) => [r.outcome, r.issues.map((i) => i.path)])).toEqual([
      ['invalid_inputs', ['inputs.userId']],
      ['invalid_inputs', ['inputs.deviceId']],
    ]);
    expect(results[0].issues[0].message).toMatch(/takes it from the alert .*alert\.labels\.owner/);
    await neverStarted(workflowIdOf('device-offline', noOwner));
    await neverStarted(workflowIdOf('device-offline', badDevice));
    expect(await audit(workflowIdOf('device-offline', badDevice))).toEqual([
      expect.objectContaining({
        kind: 'webhook.rejected',
        outcome: 'rejected',
        reason: 'invalid_inputs',
        details: expect.objectContaining({ fields: ['inputs.deviceId'] }),
      }),
    ]);
  });
});

describe('refused notifications', () => {
  it.each([
    ['no token', null, 'missing_token'],
    ['a wrong bearer token', 'Bearer not-the-alertmanager-token-000000', 'bad_token'],
    ['basic auth with a wrong password', `Basic ${Buffer.from(`alertmanager:${TOKEN}x`).toString('base64')}`, 'bad_token'],
    ['another scheme', `Token ${TOKEN}`, 'missing_token'],
  ])('%s: 401, audited, nothing started, the body not kept', async (_what, auth, reason) => {
    const letters = (await stack.adapters.store.deadLetters()).length;
    const a = alert({ alertname: 'DeviceOffline', severity: 'critical', device: 'LT-0007', owner: 'asmith' });
    const res = await post(notification([a]), auth);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthorized', reason });
    await neverStarted(workflowIdOf('device-offline', a));
    expect(await stack.adapters.store.deadLetters()).toHaveLength(letters);
    const rejected = (await stack.adapters.store.auditEntries({ kind: 'webhook.rejected' })).map((e) => e.entry).at(-1);
    expect(rejected).toMatchObject({ actor: 'alertmanager', outcome: 'rejected', reason });
    expect(JSON.stringify(rejected)).not.toContain(TOKEN);
  });

  it('basic auth with the token as password is accepted (http_config.basic_auth)', async () => {
    const a = alert({ alertname: 'Watchdog' });
    const res = await post(notification([a]), `Basic ${Buffer.from(`alertmanager:${TOKEN}`).toString('base64')}`);
    expect(res.status).toBe(200);
    expect((await res.json()).results[0].outcome).toBe('unmatched');
  });

  it('a malformed body: 400 naming the field, dead-lettered without the token, nothing started; staff can look at it and replay it', async () => {
    const a = alert({ alertname: 'DeviceOffline', severity: 'critical', device: 'LT-0007', owner: 'asmith' });
    const broken = notification([{ ...a, status: 'pending' }]) as Record<string, any>;
    broken.version = '5';
    const res = await post(broken);
    expect(res.status).toBe(400);
    const answer = await res.json();
    expect(answer).toMatchObject({ error: 'invalid_payload', deadLetterId: expect.any(Number) });
    expect(answer.issues.map((i: { path: string }) => i.path).sort()).toEqual(['alerts[0].status', 'version']);
    await neverStarted(workflowIdOf('device-offline', a));
    const letter = (await stack.adapters.store.deadLetter(answer.deadLetterId))!;
    expect(letter).toMatchObject({ source: 'alertmanager', reason: 'invalid_payload', status: 'open', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(letter.body.toString())).toEqual(broken);
    expect((await stack.adapters.store.auditEntries({ kind: 'webhook.rejected' })).at(-1)?.entry).toMatchObject({
      actor: 'alertmanager',
      reason: 'invalid_payload',
      details: { deadLetterId: answer.deadLetterId, fields: expect.arrayContaining(['alerts[0].status', 'version']) },
    });

    // A replay goes through the Alertmanager intake (not a help desk's), and is refused the same way.
    const replay = await fetch(`${stack.apiUrl}/dead-letters/${answer.deadLetterId}/replay`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_payload', deadLetterId: null });
    expect((await stack.adapters.store.deadLetter(answer.deadLetterId))?.status).toBe('open');
  });

  it('a body that is not JSON is kept too', async () => {
    const res = await post(null, `Bearer ${TOKEN}`, '{"version": "4", ');
    expect(res.status).toBe(400);
    const { issues, deadLetterId } = await res.json();
    expect(issues).toEqual([{ path: '(body)', message: expect.stringContaining('not valid JSON') }]);
    expect((await stack.adapters.store.deadLetter(deadLetterId))?.body.toString()).toBe('{"version": "4", ');
  });

  it('without ALERTMANAGER_TOKEN the intake is off: 503, nothing started', async () => {
    const withoutToken = loadConfig({ ...(await isolatedStackEnv(dataDir, process.env)), CONTENT_DIR: contentDir });
    expect(withoutToken.alertmanager.token).toBeUndefined();
    const api = buildApi(
      configuredApiOptions(withoutToken, stack.content, {
        client: stack.client,
        store: stack.adapters.store,
        logger: createLogger('silent'),
        directory: stack.adapters.directory,
        endpoints: stack.adapters.endpoints,
      }),
    );
    const a = alert({ alertname: 'DeviceOffline', severity: 'critical', device: 'LT-0101', owner: 'sam.helper' });
    const res = await api.inject({
      method: 'POST',
      url: '/webhooks/alertmanager',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      payload: JSON.stringify(notification([a])),
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'alert_intake_disabled', message: expect.stringContaining('set ALERTMANAGER_TOKEN') });
    await neverStarted(workflowIdOf('device-offline', a));
    await api.close();
  });
});

describe('once a worker takes the runs', () => {
  beforeAll(async () => {
    const connection = await connectWorker(config.temporal, stack.temporalAddress);
    const w = await createSupportWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: DEFINITION_QUEUE,
      activities: buildActivities(stack.adapters, stack.content, {
        client: stack.client,
        taskQueue: config.temporal.taskQueue,
        queues: config.temporal.queues,
      }),
      activityInterceptors: engineActivityInterceptors({ store: stack.adapters.store, redaction: stack.content.redaction }),
    });
    worker = { worker: w, running: w.run().finally(() => connection.close()) };
  });

  it('an incident whose alert resolved before it got to the remediations diagnoses, and changes nothing', async () => {
    const workflowId = workflowIdOf('device-offline', offline);
    const record = (await stack.client.workflow.getHandle(workflowId).result()) as ResolutionRecord;
    expect(record).toMatchObject({
      outcome: 'resolved',
      definition: { id: 'incident-network' },
      trigger: { kind: 'alert', event: 'DeviceOffline firing', receivedAt: startsAt },
      requester: { userId: 'svc-monitoring' },
      ticket: null,
    });
    expect(record.decisions).toEqual([]);
    expect(record.actions.find((a) => a.name === 'Restart the network adapter')).toMatchObject({
      status: 'skipped',
      detail: expect.stringContaining("alert.status == 'firing'"),
    });
    const trail = await audit(workflowId);
    expect(trail.slice(0, 4).map((e) => `${e.kind} ${e.reason}`)).toEqual([
      'webhook.accepted started',
      'webhook.accepted joined',
      'webhook.accepted joined',
      'webhook.accepted signalled',
    ]);
  });

  it('the incident run of a firing alert diagnoses and remediates the device as svc-monitoring, allowed by the policy, with a full audit trail', async () => {
    const down = alert({ alertname: 'DeviceOffline', severity: 'critical', device: 'LT-0042', owner: 'jdoe', instance: 'lt-0042.corp:9100' });
    expect((await post(notification([down]))).status).toBe(202);
    const workflowId = workflowIdOf('device-offline', down);
    const record = (await stack.client.workflow.getHandle(workflowId).result()) as ResolutionRecord;
    expect(record).toMatchObject({ outcome: 'resolved', definition: { id: 'incident-network' }, requester: { userId: 'svc-monitoring' }, ticket: null });
    expect(record.decisions.length).toBeGreaterThan(0);
    expect(record.decisions.every((d) => d.action === 'endpoint.remediate' && d.allowed && d.rule === 'monitoring-automation')).toBe(true);
    expect(record.actions.filter((a) => a.status === 'succeeded').map((a) => a.name)).toEqual(
      expect.arrayContaining(['Restart the network adapter', 'Renew the DHCP lease']),
    );
    const trail = await audit(workflowId);
    expect(trail[0]).toMatchObject({ kind: 'webhook.accepted', reason: 'started' });
    expect(trail.filter((e) => e.kind === 'action').map((e) => e.details.action)).toEqual(
      expect.arrayContaining(['runDiagnostic', 'checkPermission', 'runRemediation', 'fileResolution']),
    );
  });

  it('alert.status reaches the run: the resolved probe skips what only a firing alert does', async () => {
    const ended = (await stack.client.workflow.getHandle(workflowIdOf('probe', probeResolved)).result()) as ResolutionRecord;
    const stillFiring = (await stack.client.workflow.getHandle(workflowIdOf('probe', probeFiring)).result()) as ResolutionRecord;
    const steps = (r: ResolutionRecord) => r.actions.map((a) => [a.name, a.status]);
    expect(steps(ended)).toEqual([
      ['Measure the disk', 'succeeded'],
      ['Act while the alert fires', 'skipped'],
      ['Note that the alert resolved', 'succeeded'],
    ]);
    expect(steps(stillFiring)).toEqual([
      ['Measure the disk', 'succeeded'],
      ['Act while the alert fires', 'succeeded'],
      ['Note that the alert resolved', 'skipped'],
    ]);
  });

  it('a resolved notification after the run ended is acknowledged and audited; a repeat firing does not run it again', async () => {
    const workflowId = workflowIdOf('device-offline', offline);
    const late = await post(notification([resolved(offline)]));
    expect((await late.json()).results[0]).toMatchObject({ outcome: 'run_ended', workflowId, runStatus: 'COMPLETED' });
    const again = await post(notification([offline]));
    expect(again.status).toBe(200);
    expect((await again.json()).results[0]).toMatchObject({ outcome: 'joined', workflowId, runStatus: 'COMPLETED' });
    let runs = 0;
    for await (const _ of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs++;
    expect(runs).toBe(1);
    expect(
      (await audit(workflowId))
        .filter((e) => e.kind !== 'action')
        .slice(-2)
        .map((e) => [e.outcome, e.reason, e.details.runStatus]),
    ).toEqual([
      ['skipped', 'run_ended', 'COMPLETED'],
      ['skipped', 'joined', 'COMPLETED'],
    ]);
  });
});
