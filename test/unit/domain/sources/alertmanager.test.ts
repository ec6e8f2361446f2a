import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent } from '../../../../src/stack/content.js';
import {
  alertRuleIssues,
  AlertRoutingConfig,
  alertWorkflowId,
  matchAlertRule,
  renderAlertInputs,
  routeAlert,
} from '../../../../src/domain/tickets/alertRouting.js';
import { ContentError } from '../../../../src/domain/content.js';
import type { AlertFacts } from '../../../../src/domain/definitions/run.js';
import { ValidationError } from '../../../../src/domain/errors.js';
import { alertTime, labelFingerprint, normaliseAlertmanager } from '../../../../src/domain/sources/alertmanager.js';
import { sample } from '../../../helpers/deliveries.js';
import { alertmanagerNotification } from '../../../helpers/deliveries.js';

const notification = alertmanagerNotification;

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.issues;
    throw e;
  }
  throw new Error('expected a ValidationError');
};

// Computed with github.com/prometheus/common/model (LabelSet.Fingerprint().String()), the code
// Alertmanager itself fingerprints alerts with (v0.74.0, from the Go module proxy).
const KNOWN_FINGERPRINTS: Array<[Record<string, string>, string]> = [
  [{}, 'cbf29ce484222325'],
  [{ alertname: 'DeviceOffline', device: 'LT-0042', owner: 'jdoe', severity: 'critical', instance: 'lt-0042.corp:9100' }, '4a75ba66aaf317af'],
  [{ alertname: 'Watchdog' }, '003b0a0f7d3fa569'],
  [{ a: '1', b: '2' }, '1cc37fac8a64ae01'],
  [{ alertname: 'DiskAlmostFull', device: 'PC-Zürich-7', ünïcode: '☃ snow' }, 'a6ef89eaaa6e9989'],
  [{ Z: 'upper', a: 'lower', é: 'accent' }, 'e0f99d02504e5b1d'],
];

describe('Alertmanager v4 payload', () => {
  it('normalises the documented example: times in UTC, no end while firing', () => {
    expect(normaliseAlertmanager(notification())).toEqual({
      receiver: 'it-support-engine',
      groupKey: '{}/{severity="critical"}:{alertname="DeviceOffline"}',
      status: 'firing',
      truncatedAlerts: 0,
      externalURL: 'http://alertmanager.corp:9093',
      sender: 'alertmanager',
      ignoredKeys: [],
      computedFingerprints: [],
      alerts: [
        {
          fingerprint: '1a30ba71cca2921f',
          status: 'firing',
          labels: { alertname: 'DeviceOffline', device: 'LT-0042', owner: 'jdoe', severity: 'critical', instance: 'lt-0042.corp:9100' },
          annotations: { summary: 'LT-0042 has not answered pings for 5m', description: 'Call jane.doe@example.com or +44 20 7946 0958' },
          startsAt: '2026-11-26T07:52:26.739Z',
          endsAt: null,
        },
      ],
    });
  });

  it('gives a resolved alert its end, and a firing one none even when Alertmanager sends an expiry', () => {
    const n = normaliseAlertmanager(
      notification((b) => {
        b.status = 'resolved';
        b.alerts[0].status = 'resolved';
        b.alerts[0].endsAt = '2026-11-26T08:10:00Z';
        b.alerts.push({ ...b.alerts[0], fingerprint: 'b2', status: 'resolved', endsAt: '0001-01-01T00:00:00Z' });
        b.alerts.push({ ...b.alerts[0], fingerprint: 'c3', status: 'firing', endsAt: '2026-11-26T08:14:00Z' });
      }),
    );
    expect(n.alerts.map((a) => [a.fingerprint, a.status, a.endsAt])).toEqual([
      ['1a30ba71cca2921f', 'resolved', '2026-11-26T08:10:00.000Z'],
      ['b2', 'resolved', null],
      ['c3', 'firing', null],
    ]);
  });

  it('ignores keys version 4 does not document (newer Alertmanager, Grafana) and names them; truncatedAlerts defaults to 0', () => {
    const n = normaliseAlertmanager(
      notification((b) => {
        delete b.truncatedAlerts;
        b.orgId = 1;
        b.alerts[0].silenceURL = 'https://grafana/silence';
        b.alerts[0].values = { B: 44.2 };
      }),
    );
    expect(n.truncatedAlerts).toBe(0);
    expect(n.ignoredKeys).toEqual(['alerts[].silenceURL', 'alerts[].values', 'orgId']);
    expect(Object.keys(n.alerts[0]!)).not.toContain('silenceURL');
  });

  it('names every field that does not match the documentation', () => {
    const issues = issuesOf(() =>
      normaliseAlertmanager(
        notification((b) => {
          b.version = '3';
          b.truncatedAlerts = -1;
          b.status = 'pending';
          delete b.groupKey;
          b.commonLabels = { severity: 3 };
          b.alerts[0].startsAt = '0001-01-01T00:00:00Z';
          b.alerts[0].endsAt = '2026-02-30T25:00:00Z';
          b.alerts[0].fingerprint = 42;
          b.alerts.push({ ...b.alerts[0], fingerprint: 'not/a/fingerprint', startsAt: 'yesterday', labels: [], status: 'ok' });
        }),
      ),
    );
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath).toMatchObject({
      version: 'unsupported payload version "3"; this endpoint reads Alertmanager\'s version "4" and Grafana Alerting\'s version "1"',
      truncatedAlerts: expect.any(String),
      status: 'must be "firing" or "resolved", not "pending"',
      groupKey: 'must be the group key as text',
      'commonLabels.severity': 'label values must be text',
      'alerts[0].startsAt': 'must be when the alert started, not the zero time 0001-01-01T00:00:00Z',
      'alerts[0].endsAt': 'is not a real date and time',
      'alerts[0].fingerprint': 'must be the alert fingerprint as text',
      'alerts[1].fingerprint': 'must be the alert fingerprint: 1 to 64 letters and digits, e.g. "1a30ba71cca2921f"',
      'alerts[1].startsAt': 'must be an RFC 3339 time, e.g. "2026-11-26T10:00:00.123Z"',
      'alerts[1].labels': 'must be an object of label name: value',
      'alerts[1].status': 'must be "firing" or "resolved", not "ok"',
    });
    expect(issuesOf(() => normaliseAlertmanager(notification((b) => (b.alerts = 'none'))))).toEqual([
      { path: 'alerts', message: 'must be the list of alerts of the group' },
    ]);
    expect(issuesOf(() => normaliseAlertmanager([]))[0]?.path).toBe('(root)');
  });

  it("reads Grafana Alerting's webhook (version 1, its documented example's shape): its extra keys ignored and named", () => {
    const n = normaliseAlertmanager(sample('alertmanager/grafana-device-offline-firing.json'));
    expect(n).toMatchObject({ sender: 'grafana', receiver: 'it-support-engine', status: 'firing', truncatedAlerts: 0, computedFingerprints: [] });
    expect(n.ignoredKeys).toEqual([
      'alerts[].dashboardURL',
      'alerts[].panelURL',
      'alerts[].silenceURL',
      'alerts[].values',
      'message',
      'orgId',
      'state',
      'title',
    ]);
    expect(n.alerts).toEqual([
      {
        fingerprint: 'c6eadffa33fcdf37',
        status: 'firing',
        labels: { alertname: 'DeviceOffline', device: 'LT-0201', owner: 'jdoe', severity: 'critical', grafana_folder: 'Endpoints' },
        annotations: { summary: 'LT-0201 has not answered pings for 5m', runbook_url: 'https://wiki.corp.example/runbooks/device-offline' },
        startsAt: '2026-11-26T07:51:03.157Z',
        endsAt: null,
      },
    ]);
  });

  it('says what to do with a Grafana legacy dashboard alert, which has another shape', () => {
    const legacy = {
      title: '[Alerting] Disk',
      ruleId: 1,
      ruleName: 'Disk',
      ruleUrl: 'http://grafana/d/1',
      state: 'alerting',
      evalMatches: [{ value: 100, metric: 'disk', tags: {} }],
      message: 'Disk full',
    };
    expect(issuesOf(() => normaliseAlertmanager(legacy))).toEqual([
      { path: '(root)', message: expect.stringMatching(/Grafana legacy dashboard alert.*Grafana Alerting webhook contact point/) },
    ]);
  });

  it('computes the fingerprint an older Alertmanager (before 0.19) did not send, as Alertmanager computes it', () => {
    const n = normaliseAlertmanager(
      notification((b) => {
        delete b.alerts[0].fingerprint;
        b.alerts.push({ ...b.alerts[0], labels: { ...b.alerts[0].labels, device: 'LT-0043' }, fingerprint: '00000000000000aa' });
      }),
    );
    expect(n.computedFingerprints).toEqual([0]);
    expect(n.alerts[0]!.fingerprint).toBe(labelFingerprint(n.alerts[0]!.labels));
    expect(n.alerts[1]!.fingerprint).toBe('00000000000000aa');
  });

  it("the computed fingerprint is Alertmanager's own (known answers from prometheus/common's LabelSet.Fingerprint)", () => {
    for (const [labels, expected] of KNOWN_FINGERPRINTS) expect(labelFingerprint(labels), JSON.stringify(labels)).toBe(expected);
    // Label order in the body does not matter; any change of a name or value does.
    expect(labelFingerprint({ b: '2', a: '1' })).toBe(labelFingerprint({ a: '1', b: '2' }));
    // A name that is the start of another sorts first (FNV-1a 64 of a\xff1\xffab\xff2\xff, computed in Python).
    expect(labelFingerprint({ ab: '2', a: '1' })).toBe('74c4965f1efe14b8');
    expect(labelFingerprint({ a: '1', b: '2' })).not.toBe(labelFingerprint({ a: '1', b: '3' }));
    expect(labelFingerprint({ ab: '' })).not.toBe(labelFingerprint({ a: 'b' }));
  });

  it('reads Go zero time as "no time"', () => {
    expect(alertTime('0001-01-01T00:00:00Z')).toBeNull();
    expect(alertTime('2026-11-26T10:00:00.123456789-05:00')).toBe('2026-11-26T15:00:00.123Z');
  });
});

const alert = (over: Partial<AlertFacts> = {}): AlertFacts => ({
  fingerprint: '1a30ba71cca2921f',
  status: 'firing',
  labels: { alertname: 'DeviceOffline', device: 'LT-0042', owner: 'jdoe', severity: 'critical' },
  annotations: { summary: 'offline' },
  startsAt: '2026-11-26T07:52:26.739Z',
  endsAt: null,
  ...over,
});

const config = AlertRoutingConfig.parse({
  requester: 'svc-monitoring',
  rules: [
    {
      id: 'device-offline',
      match: { alertname: 'DeviceOffline', severity: ['warning', 'critical'] },
      definition: 'incident-network',
      inputs: { deviceId: '${{ alert.labels.device }}', userId: '${{ alert.labels.owner }}' },
    },
    {
      id: 'disk',
      match: { alertname: 'DiskAlmostFull' },
      definition: 'disk',
      requester: 'svc-storage',
      inputs: { deviceId: 'PC-${{ alert.labels.device }}', tags: ['fixed', '${{ alert.fingerprint }}'], aggressive: true, keepGb: 5 },
    },
    { id: 'any-offline', match: { alertname: 'DeviceOffline' }, definition: 'incident-network', inputs: { deviceId: '${{ -alert.labels.device }}' } },
  ],
});

describe('alert rules (content/alerts.yaml)', () => {
  const problems = (raw: unknown) => {
    const r = AlertRoutingConfig.safeParse(raw);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const rule = (over: Record<string, unknown>) => ({ id: 'r', match: { alertname: 'X' }, definition: 'd', ...over });

  it('check templates: syntax, what they read, and that they read only the alert', () => {
    expect(
      problems({
        requester: 'svc-monitoring',
        rules: [
          rule({
            inputs: { a: '${{ alert.labels. }}', b: '${{ inputs.deviceId }}', c: ['${{ alert.label.device }}', 'plain'], d: '${{ alert }}', e: 7, f: false },
          }),
        ],
      }),
    ).toEqual([
      expect.stringMatching(/^rules\.0\.inputs\.a: .*\(column \d+\)$/),
      'rules.0.inputs.b: inputs is not known when an alert arrives (column 5); read the alert: alert.labels.<name>, alert.annotations.<name>, alert.fingerprint, alert.startsAt',
      'rules.0.inputs.c.0: an alert has no field "label" (column 5); it has fingerprint, status, labels, annotations, startsAt, endsAt',
    ]);
  });

  it('need unique ids that fit a workflow id, a label to match, and a requester', () => {
    expect(problems({ requester: 'svc-monitoring', rules: [rule({}), rule({})] })).toEqual(['rules.1.id: duplicate rule id "r" (first at rules[0])']);
    expect(problems({ requester: 'svc monitoring', rules: [rule({ id: 'Disk Full', match: {} }), rule({ id: 'x', match: { severity: [] } })] })).toEqual([
      'requester: a directory account id, e.g. svc-monitoring',
      'rules.0.id: lower-case letters, digits and dashes, at most 63 (it becomes part of workflow ids)',
      'rules.0.match: name at least one label, e.g. { alertname: DeviceOffline }',
      expect.stringMatching(/^rules\.1\.match\.severity: /),
    ]);
    expect(AlertRoutingConfig.parse({ requester: 'svc-monitoring' }).rules).toEqual([]);
  });

  it('must start a definition that exists, with inputs it takes and every input it requires', () => {
    const defs = {
      'incident-network': { inputs: { deviceId: { required: false }, userId: { required: false }, escalationQueue: { default: 'desktop-support' } } },
      disk: { inputs: { deviceId: {}, tags: { default: [] }, aggressive: { default: false }, owner: {} } },
      plain: { inputs: {} },
    };
    const withRules = AlertRoutingConfig.parse({
      requester: 'svc-monitoring',
      rules: [...config.rules, rule({ id: 'ghost', definition: 'constructor' }), rule({ id: 'p', definition: 'plain', inputs: { x: '1' } })],
    });
    expect(alertRuleIssues(withRules, defs)).toEqual([
      { path: 'rules[1].inputs.keepGb', message: 'definition disk has no input "keepGb" (it takes: deviceId, tags, aggressive, owner)' },
      { path: 'rules[1].inputs', message: 'definition disk requires the input "owner"; give it from the alert, e.g. owner: \'${{ alert.labels.owner }}\'' },
      { path: 'rules[3].definition', message: 'no definition "constructor" in content/definitions (known: disk, incident-network, plain)' },
      { path: 'rules[4].inputs.x', message: 'definition plain has no input "x" (it takes: no inputs)' },
    ]);
    expect(alertRuleIssues(config, {})[0]?.message).toBe('no definition "incident-network" in content/definitions (known: none)');
  });

  it('match in order, first match wins; a list matches any of its values; a missing label never matches', () => {
    expect(matchAlertRule(config, alert().labels)?.id).toBe('device-offline');
    expect(matchAlertRule(config, { ...alert().labels, severity: 'info' })?.id).toBe('any-offline');
    expect(matchAlertRule(config, { alertname: 'DiskAlmostFull' })?.id).toBe('disk');
    expect(matchAlertRule(config, { alertname: 'DeviceOnline', severity: 'critical' })).toBeNull();
    expect(matchAlertRule(AlertRoutingConfig.parse({ requester: 'a', rules: [rule({ match: { constructor: 'X' } })] }), {})).toBeNull();
  });
});

describe('routing an alert', () => {
  it('a firing alert starts its rule, as the file requester, with inputs from its labels, under a workflow id of its occurrence', () => {
    expect(routeAlert(config, alert())).toEqual({
      kind: 'start',
      rule: 'device-offline',
      workflowId: 'alert-device-offline-1a30ba71cca2921f-1795679546739',
      definition: 'incident-network',
      inputs: { deviceId: 'LT-0042', userId: 'jdoe' },
      requester: 'svc-monitoring',
    });
    // Another occurrence (it fired again later) is another run.
    expect(alertWorkflowId('device-offline', alert({ startsAt: '2026-11-27T07:52:26.739Z' }))).toBe('alert-device-offline-1a30ba71cca2921f-1795765946739');
  });

  it('renders text, lists, numbers and booleans; a rule may act as its own requester', () => {
    expect(routeAlert(config, alert({ labels: { alertname: 'DiskAlmostFull', device: '0042' } }))).toMatchObject({
      kind: 'start',
      rule: 'disk',
      inputs: { deviceId: 'PC-0042', tags: ['fixed', '1a30ba71cca2921f'], aggressive: true, keepGb: 5 },
      requester: 'svc-storage',
    });
  });

  it('an alert without a label a rule reads, or with a value a template cannot use, starts nothing and says why', () => {
    expect(routeAlert(config, alert({ labels: { alertname: 'DeviceOffline', device: 'LT-0042', severity: 'warning' } }))).toEqual({
      kind: 'invalid',
      rule: 'device-offline',
      workflowId: 'alert-device-offline-1a30ba71cca2921f-1795679546739',
      issues: [{ path: 'inputs.userId', message: 'rule device-offline takes it from the alert ("${{ alert.labels.owner }}"), which has no value for it' }],
    });
    const bad = config.rules[2]!;
    expect(renderAlertInputs(bad, alert())).toEqual({
      ok: false,
      issues: [{ path: 'inputs.deviceId', message: expect.stringMatching(/^rule any-offline: cannot negate text/) }],
    });
  });

  it('a resolved alert goes to the run of its occurrence; an alert no rule matches is only acknowledged', () => {
    expect(routeAlert(config, alert({ status: 'resolved', endsAt: '2026-11-26T08:10:00.000Z' }))).toEqual({
      kind: 'update',
      rule: 'device-offline',
      workflowId: 'alert-device-offline-1a30ba71cca2921f-1795679546739',
      update: { status: 'resolved', endsAt: '2026-11-26T08:10:00.000Z' },
    });
    expect(routeAlert(config, alert({ labels: { alertname: 'Watchdog' } }))).toEqual({ kind: 'unmatched' });
  });
});

describe('content/alerts.yaml', () => {
  it('ships a rule that starts the network incident as svc-monitoring, an account the policy lets remediate', async () => {
    const content = await loadContent('content');
    expect(content.alerts.requester).toBe('svc-monitoring');
    expect(content.alerts.rules.map((r) => [r.id, r.definition])).toEqual([['device-offline', 'incident-network']]);
    const account = content.directory.users.find((u) => u.id === 'svc-monitoring');
    expect(account).toMatchObject({ groups: ['it-automation'] });
    expect(account?.email).toBeUndefined();
    expect(content.policy.actions['endpoint.remediate']?.allow.map((r) => r.id)).toContain('monitoring-automation');
  });

  it('is checked against the definitions when content loads, naming file and rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'itse-alerts-'));
    try {
      cpSync('content', dir, { recursive: true });
      writeFileSync(
        join(dir, 'alerts.yaml'),
        [
          'requester: svc-monitoring',
          'rules:',
          '  - { id: a, match: { alertname: A }, definition: incident-power }',
          "  - { id: b, match: { alertname: B }, definition: incident-network, inputs: { device: '${{ alert.labels.device }}' } }",
          "  - { id: c, match: { alertname: C }, definition: incident-network, inputs: { deviceId: '${{ ticket.key }}' } }",
        ].join('\n'),
      );
      const error = await loadContent(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContentError);
      const lines = (error as ContentError).message.split('\n');
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^${join(dir, 'alerts.yaml')}:5:\\d+ rules\\[2\\]\\.inputs\\.deviceId: ticket is not known when an alert arrives`)),
        ]),
      );
      writeFileSync(join(dir, 'alerts.yaml'), readFileSync(join(dir, 'alerts.yaml'), 'utf8').replace("'${{ ticket.key }}'", "'${{ alert.labels.device }}'"));
      const second = (await loadContent(dir).catch((e: unknown) => e)) as ContentError;
      expect(second.issues.filter((i) => i.file === join(dir, 'alerts.yaml')).map((i) => [i.path, i.message])).toEqual([
        ['rules[0].definition', expect.stringContaining('no definition "incident-power" in content/definitions (known: incident-network')],
        ['rules[1].inputs.device', expect.stringContaining('definition incident-network has no input "device" (it takes: userId, deviceId, escalationQueue)')],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
