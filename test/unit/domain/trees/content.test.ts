import { readdirSync, readFileSync } from 'node:fs';
import { DIAGNOSTICS, REMEDIATION_NAMES } from '../../../../src/domain/endpoints/diagnostics.js';
import { validateTrees } from '../../../../src/domain/trees/validation.js';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseContent } from '../../../../src/domain/content.js';
import { DecisionTree, type CheckNode, type TreeNode } from '../../../../src/domain/trees/tree.js';

// The shipped troubleshooting trees (content/trees/*.yaml): they parse, and they only use the
// diagnostics, fields, remediations and queues the engine has.

type FieldType = 'boolean' | 'number' | 'string';

/** The diagnostics a tree may run, and the fields (with their types) each one returns. */
const CHECKS: Record<string, Record<string, FieldType>> = {
  'network.link': { up: 'boolean', speedMbps: 'number', interface: 'string' },
  'network.wifi': { connected: 'boolean', ssid: 'string', signalDbm: 'number', band: 'string' },
  'network.ipConfig': { hasAddress: 'boolean', dhcp: 'boolean', apipa: 'boolean', address: 'string' },
  'network.gateway': { reachable: 'boolean', latencyMs: 'number', lossPct: 'number' },
  'network.dns': { resolves: 'boolean', server: 'string', latencyMs: 'number' },
  'network.proxy': { configured: 'boolean', reachable: 'boolean' },
  'network.vpn': { required: 'boolean', connected: 'boolean' },
  'network.firewall': { blocking: 'boolean', profile: 'string' },
  'network.captivePortal': { detected: 'boolean' },
  'network.internet': { httpOk: 'boolean' },
  'printer.status': { online: 'boolean', queueLength: 'number', error: 'string' },
  'printer.driver': { installed: 'boolean', upToDate: 'boolean' },
  'email.client': { running: 'boolean', profileOk: 'boolean', authOk: 'boolean', lastSyncMinutes: 'number', mailboxSizePct: 'number' },
  'email.connectivity': { exchangeReachable: 'boolean' },
};

/** String fields with a closed set of values: a typo ('Public', 2.4 unquoted) would never match. */
const STRING_VALUES: Record<string, string[]> = {
  'network.link.interface': ['wired', 'wifi'],
  'network.wifi.band': ['2.4', '5'],
  'network.firewall.profile': ['domain', 'private', 'public'],
  'printer.status.error': ['none', 'paper-jam', 'out-of-paper', 'toner-low', 'offline'],
};

const REMEDIATIONS = [
  'network.restartAdapter',
  'network.renewDhcp',
  'network.flushDns',
  'network.resetProxy',
  'network.reconnectVpn',
  'network.resetFirewallProfile',
  'printer.clearQueue',
  'printer.reinstallDriver',
  'email.repairProfile',
  'email.restartClient',
];
/** Everything but the DNS cache flush interrupts the user, so staff must warn them first. */
const SILENT_REMEDIATIONS = new Set(['network.flushDns']);
const QUEUES = ['network-team', 'desktop-support', 'messaging-team', 'service-desk'];
const MIN_NODES: Record<string, number> = { 'network-connectivity': 50, printer: 12, 'email-client': 12 };

const DIR = 'content/trees';
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const trees = files.map((f) => {
  const file = join(DIR, f);
  return { file, tree: parseContent(readFileSync(file, 'utf8'), DecisionTree, file) };
});
const byId = new Map(trees.map(({ tree }) => [tree.id, tree]));

function successors(node: TreeNode): string[] {
  switch (node.kind) {
    case 'question':
      return node.choices.map((c) => c.next);
    case 'check':
      return [...node.branches.map((b) => b.next), ...(node.default === undefined ? [] : [node.default])];
    case 'action':
      return [node.next, node.onFailure];
    case 'resolve':
    case 'subtree':
      return [];
  }
}

function reachableFrom(starts: string[], edges: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const todo = [...starts];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    todo.push(...(edges.get(id) ?? []));
  }
  return seen;
}

/** A cycle that avoids every node with maxVisits, as a list of ids, or null. */
function unboundedCycle(tree: DecisionTree): string[] | null {
  const bounded = new Set(tree.nodes.filter((n) => n.maxVisits !== undefined).map((n) => n.id));
  const edges = new Map(tree.nodes.map((n) => [n.id, successors(n).filter((s) => !bounded.has(s))]));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of edges.keys()) {
    if (bounded.has(id)) continue;
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return null;
}

/** The set of values of a field that a condition accepts overlaps another's (numbers as intervals). */
function overlaps(a: CheckNode['branches'][number]['when'], b: CheckNode['branches'][number]['when']): boolean {
  const range = (c: typeof a): [number, number] | null => ('lessThan' in c ? [-Infinity, c.lessThan] : 'atLeast' in c ? [c.atLeast, Infinity] : null);
  const values = (c: typeof a) => ('equals' in c ? [c.equals] : 'in' in c ? c.in : null);
  const [ra, rb, va, vb] = [range(a), range(b), values(a), values(b)];
  const inRange = (v: unknown, [lo, hi]: [number, number]) => typeof v === 'number' && v >= lo && v < hi;
  if (ra && rb) return Math.max(ra[0], rb[0]) < Math.min(ra[1], rb[1]);
  if (ra && vb) return vb.some((v) => inRange(v, ra));
  if (rb && va) return va.some((v) => inRange(v, rb));
  return (va ?? []).some((v) => (vb ?? []).includes(v));
}

// ---- Scenarios: a small walker over the trees, with a simulated device -----------------------

type Scalar = string | number | boolean;
type Results = Record<string, Record<string, Scalar>>;

/** A healthy device; network.link is keyed by its interface argument. */
const HEALTHY: Results = {
  'network.link:wired': { up: true, speedMbps: 1000, interface: 'wired' },
  'network.link:wifi': { up: true, speedMbps: 866, interface: 'wifi' },
  'network.wifi': { connected: true, ssid: 'CORP', signalDbm: -52, band: '5' },
  'network.ipConfig': { hasAddress: true, dhcp: true, apipa: false, address: '10.20.30.40' },
  'network.gateway': { reachable: true, latencyMs: 2, lossPct: 0 },
  'network.dns': { resolves: true, server: '10.20.0.53', latencyMs: 8 },
  'network.proxy': { configured: false, reachable: true },
  'network.vpn': { required: false, connected: false },
  'network.firewall': { blocking: false, profile: 'domain' },
  'network.captivePortal': { detected: false },
  'network.internet': { httpOk: true },
  'printer.status': { online: true, queueLength: 0, error: 'none' },
  'printer.driver': { installed: true, upToDate: true },
  'email.client': { running: true, profileOk: true, authOk: true, lastSyncMinutes: 1, mailboxSizePct: 40 },
  'email.connectivity': { exchangeReachable: true },
};

/** What a successful remediation changes: healthy again, and a reconnected VPN is connected. */
const REPAIRS: Record<string, Results> = {
  'network.restartAdapter': pick('network.link:wired', 'network.link:wifi', 'network.wifi'),
  'network.renewDhcp': pick('network.ipConfig'),
  'network.flushDns': pick('network.dns'),
  'network.resetProxy': pick('network.proxy'),
  'network.reconnectVpn': { 'network.vpn': { connected: true } },
  'network.resetFirewallProfile': pick('network.firewall'),
  'printer.clearQueue': pick('printer.status'),
  'printer.reinstallDriver': pick('printer.driver'),
  'email.repairProfile': pick('email.client'),
  'email.restartClient': pick('email.client'),
};

function pick(...keys: string[]): Results {
  return Object.fromEntries(keys.map((k) => [k, HEALTHY[k]!]));
}

interface Scenario {
  name: string;
  tree: string;
  /** Results that differ from a healthy device. */
  faults?: Results;
  /** Choice per question node (`tree/node` inside a subtree); with `then`, what the answer changes on the device. */
  answers: Record<string, string | { choice: string; then: Results }>;
  /** Remediations that fail (or whose confirmation is skipped). */
  failing?: string[];
  /** Remediations that report success but do not repair anything. */
  ineffective?: string[];
  ends: string;
  via?: string[];
}

function walk(s: Scenario): string[] {
  const device: Results = structuredClone(HEALTHY);
  const merge = (r: Results) => Object.entries(r).forEach(([k, v]) => (device[k] = { ...device[k], ...v }));
  merge(s.faults ?? {});
  const path: string[] = [];
  const visits = new Map<string, number>();
  let tree = byId.get(s.tree)!;
  let at = tree.start;
  for (let step = 0; step < 500; step++) {
    const node = tree.nodes.find((n) => n.id === at)!;
    const key = tree.id === s.tree ? at : `${tree.id}/${at}`;
    visits.set(key, (visits.get(key) ?? 0) + 1);
    if (node.maxVisits !== undefined && visits.get(key)! > node.maxVisits) return [...path, 'loop-limit'];
    path.push(key);
    switch (node.kind) {
      case 'resolve':
        return path;
      case 'subtree':
        tree = byId.get(node.tree)!;
        at = tree.start;
        break;
      case 'question': {
        const answer = s.answers[key];
        if (answer === undefined) throw new Error(`${s.name}: no answer for ${key} (path ${path.join(' → ')})`);
        const choice = typeof answer === 'string' ? answer : answer.choice;
        if (typeof answer !== 'string') merge(answer.then);
        const next = node.choices.find((c) => c.id === choice)?.next;
        if (!next) throw new Error(`${s.name}: ${key} has no choice ${choice}`);
        at = next;
        break;
      }
      case 'check': {
        const result = device[node.check === 'network.link' ? `network.link:${String(node.args.interface)}` : node.check] ?? {};
        at = node.branches.find((b) => holds(b.when, result))?.next ?? node.default!;
        break;
      }
      case 'action':
        if (s.failing?.includes(node.action)) at = node.onFailure;
        else {
          if (!s.ineffective?.includes(node.action)) merge(REPAIRS[node.action] ?? {});
          at = node.next;
        }
        break;
    }
  }
  throw new Error(`${s.name}: no end after 500 steps`);
}

function holds(c: CheckNode['branches'][number]['when'], result: Record<string, Scalar>): boolean {
  const v = result[c.field];
  if ('equals' in c) return v === c.equals;
  if ('in' in c) return c.in.includes(v as Scalar);
  if (typeof v !== 'number') return false;
  return 'lessThan' in c ? v < c.lessThan : v >= c.atLeast;
}

const only = { scope: 'only-this-user' };
const SCENARIOS: Scenario[] = [
  {
    name: 'network: several people down at the site',
    tree: 'network-connectivity',
    answers: { scope: 'others-too', 'outage-extent': 'whole-site' },
    ends: 'site-outage',
  },
  {
    name: 'network: APIPA address, DHCP renewal fixes it',
    tree: 'network-connectivity',
    faults: { 'network.ipConfig': { apipa: true, address: '169.254.7.9' } },
    answers: { ...only, 'dhcp-works': 'works' },
    ends: 'dhcp-fixed',
    via: ['renew-dhcp'],
  },
  {
    name: 'network: no DHCP server answers',
    tree: 'network-connectivity',
    faults: { 'network.ipConfig': { apipa: true } },
    ineffective: ['network.renewDhcp'],
    answers: only,
    ends: 'dhcp-failed',
  },
  {
    name: 'network: cable pulled out at the desk',
    tree: 'network-connectivity',
    faults: { 'network.link:wired': { up: false, speedMbps: 0 }, 'network.wifi': { connected: false } },
    answers: {
      ...only,
      'how-connect': 'cable-or-dock',
      'cable-check': { choice: 'lights-on', then: { 'network.link:wired': { up: true, speedMbps: 1000 } } },
      'reseat-works': 'works',
    },
    ends: 'cable-reseated',
  },
  {
    name: 'network: damaged cable links at 10 Mbit/s',
    tree: 'network-connectivity',
    faults: { 'network.link:wired': { speedMbps: 10 } },
    answers: { ...only, 'wired-slow-link': { choice: 'swapped', then: { 'network.link:wired': { speedMbps: 1000 } } } },
    ends: 'cable-faulty',
  },
  {
    name: "network: very weak Wi-Fi at the user's desk",
    tree: 'network-connectivity',
    faults: { 'network.link:wired': { up: false }, 'network.wifi': { signalDbm: -81 } },
    answers: { ...only, 'wifi-weak': 'coverage-gap' },
    ends: 'wifi-coverage-gap',
  },
  {
    name: 'network: dropping on crowded 2.4 GHz, rejoin moves it to 5 GHz',
    tree: 'network-connectivity',
    faults: { 'network.link:wired': { up: false }, 'network.wifi': { signalDbm: -70, band: '2.4' } },
    answers: {
      ...only,
      'wifi-band-24': 'slow-or-dropping',
      'wifi-rejoin': { choice: 'rejoined', then: { 'network.wifi': { signalDbm: -58, band: '5' } } },
      'wifi-works': 'works',
    },
    ends: 'wifi-rejoined',
  },
  {
    name: 'network: airplane mode on',
    tree: 'network-connectivity',
    faults: { 'network.link:wired': { up: false }, 'network.link:wifi': { up: false }, 'network.wifi': { connected: false } },
    answers: {
      ...only,
      'how-connect': 'wifi',
      'wifi-radio-off': { choice: 'turned-on', then: { 'network.link:wifi': { up: true }, 'network.wifi': { connected: true } } },
      'wifi-visible': 'connected-now',
      'wifi-works': 'works',
    },
    ends: 'wifi-rejoined',
  },
  {
    name: 'network: router unreachable from a desk in the office',
    tree: 'network-connectivity',
    faults: { 'network.gateway': { reachable: false } },
    answers: { ...only, 'gateway-down': 'office' },
    ends: 'gateway-down-office',
    via: ['gateway-restart-adapter'],
  },
  {
    name: 'network: stale DNS cache, then a dead proxy found on the second pass',
    tree: 'network-connectivity',
    faults: { 'network.dns': { resolves: false }, 'network.proxy': { configured: true, reachable: false } },
    answers: { ...only, 'dns-works': 'still-failing', 'proxy-works': 'works' },
    ends: 'proxy-fixed',
    via: ['flush-dns', 'reset-proxy'],
  },
  {
    name: 'network: hotel Wi-Fi waiting for its sign-in page',
    tree: 'network-connectivity',
    faults: { 'network.captivePortal': { detected: true }, 'network.internet': { httpOk: false }, 'network.firewall': { profile: 'public' } },
    answers: {
      ...only,
      'captive-signin': { choice: 'signed-in', then: { 'network.captivePortal': { detected: false }, 'network.internet': { httpOk: true } } },
      'captive-works': 'works',
    },
    ends: 'captive-resolved',
  },
  {
    name: 'network: at home, VPN dropped',
    tree: 'network-connectivity',
    faults: { 'network.vpn': { required: true, connected: false }, 'network.firewall': { profile: 'private' } },
    answers: { ...only, 'vpn-works': 'works' },
    ends: 'vpn-fixed',
  },
  {
    name: 'network: VPN waits for an MFA approval that never comes',
    tree: 'network-connectivity',
    faults: { 'network.vpn': { required: true, connected: false } },
    ineffective: ['network.reconnectVpn'],
    answers: { ...only, 'vpn-failed': 'mfa', 'vpn-mfa': 'approved' },
    ends: 'loop-limit',
    via: ['vpn-mfa'],
  },
  {
    name: 'network: public firewall profile in the office',
    tree: 'network-connectivity',
    faults: { 'network.firewall': { profile: 'public' } },
    answers: { ...only, 'public-where': 'office', 'firewall-works': 'works' },
    ends: 'firewall-fixed',
  },
  {
    name: 'network: firewall blocks the web on the domain profile',
    tree: 'network-connectivity',
    faults: { 'network.firewall': { blocking: true }, 'network.internet': { httpOk: false } },
    answers: { ...only, 'firewall-works': 'works' },
    ends: 'firewall-fixed',
    via: ['reset-firewall-blocking'],
  },
  {
    name: 'network: port lights on, adapter stuck and dead',
    tree: 'network-connectivity',
    faults: { 'network.link:wired': { up: false }, 'network.wifi': { connected: false } },
    ineffective: ['network.restartAdapter'],
    answers: { ...only, 'how-connect': 'cable-or-dock', 'cable-check': 'lights-on' },
    ends: 'nic-fault',
    via: ['reseat-verify', 'wired-restart-adapter', 'cable-verify'],
  },
  {
    name: 'network: public firewall profile at home is right',
    tree: 'network-connectivity',
    faults: { 'network.firewall': { profile: 'public' } },
    answers: { ...only, 'public-where': 'elsewhere', 'all-ok': 'one-app' },
    ends: 'app-specific',
  },
  {
    name: 'network: a fix that never sticks ends at the loop limit',
    tree: 'network-connectivity',
    faults: { 'network.dns': { resolves: false } },
    answers: { ...only, 'dns-works': { choice: 'still-failing', then: { 'network.dns': { resolves: false } } } },
    ends: 'loop-limit',
  },
  {
    name: 'printer: paper jam cleared at the printer',
    tree: 'printer',
    faults: { 'printer.status': { error: 'paper-jam', queueLength: 2 } },
    answers: {
      symptom: 'nothing-prints',
      'paper-jam': { choice: 'cleared', then: { 'printer.status': { error: 'none', queueLength: 0 } } },
      'physical-test': 'printed',
    },
    ends: 'hardware-fixed',
  },
  {
    name: 'printer: stuck queue cleared',
    tree: 'printer',
    faults: { 'printer.status': { queueLength: 5 } },
    answers: { symptom: 'nothing-prints', 'queue-test': 'printed' },
    ends: 'queue-cleared',
  },
  {
    name: 'printer: outdated driver reinstalled',
    tree: 'printer',
    faults: { 'printer.driver': { upToDate: false } },
    answers: { symptom: 'nothing-prints', 'driver-test': 'printed' },
    ends: 'driver-fixed',
  },
  {
    name: 'printer: only this user cannot reach the printer, because of a stale proxy',
    tree: 'printer',
    faults: { 'printer.status': { online: false, error: 'offline' }, 'network.proxy': { configured: true, reachable: false } },
    answers: {
      symptom: 'nothing-prints',
      offline: 'on-no-error',
      'others-can-print': 'others-can',
      'network-connectivity/scope': 'only-this-user',
      'network-connectivity/proxy-works': 'works',
    },
    ends: 'network-connectivity/proxy-fixed',
    via: ['network-check'],
  },
  {
    name: 'email: password expired',
    tree: 'email-client',
    faults: { 'email.client': { authOk: false } },
    answers: { webmail: 'cannot-sign-in', auth: 'expired' },
    ends: 'password-reset',
  },
  {
    name: 'email: Outlook not running, restart fixes it',
    tree: 'email-client',
    faults: { 'email.client': { running: false } },
    answers: { webmail: 'works', 'restart-works': 'works' },
    ends: 'restart-fixed',
  },
  {
    name: 'email: corrupt profile repaired',
    tree: 'email-client',
    faults: { 'email.client': { profileOk: false } },
    answers: { webmail: 'works', 'repair-works': 'works' },
    ends: 'profile-repaired',
  },
  {
    name: 'email: mailbox at 97 %',
    tree: 'email-client',
    faults: { 'email.client': { mailboxSizePct: 97 } },
    answers: { webmail: 'works', 'mailbox-full': { choice: 'cleaned', then: { 'email.client': { mailboxSizePct: 71 } } } },
    ends: 'mailbox-fixed',
  },
  {
    name: 'email: left in Working Offline',
    tree: 'email-client',
    faults: { 'email.client': { lastSyncMinutes: 300 } },
    answers: { webmail: 'works', 'sync-stale': 'offline', 'work-online': { choice: 'synced', then: { 'email.client': { lastSyncMinutes: 0 } } } },
    ends: 'sync-fixed',
  },
  {
    name: 'email: mail server unreachable because the laptop has no address',
    tree: 'email-client',
    faults: { 'email.client': { lastSyncMinutes: 300 }, 'email.connectivity': { exchangeReachable: false }, 'network.ipConfig': { apipa: true } },
    answers: {
      webmail: 'not-possible',
      'server-unreachable': 'nothing-works',
      'network-connectivity/scope': 'only-this-user',
      'network-connectivity/dhcp-works': 'works',
    },
    ends: 'network-connectivity/dhcp-fixed',
  },
];

describe('troubleshooting trees in content/trees', () => {
  it('parse, one tree per file named after its id, with enough nodes', () => {
    expect(files).toEqual(['email-client.yaml', 'network-connectivity.yaml', 'printer.yaml']);
    for (const { file, tree } of trees) expect(`${tree.id}.yaml`).toBe(basename(file));
    for (const [id, min] of Object.entries(MIN_NODES)) {
      expect(byId.get(id)?.nodes.length, id).toBeGreaterThanOrEqual(min);
    }
  });

  describe.each(trees.map(({ file, tree }) => [tree.id, file, tree] as const))('%s', (_id, file, tree) => {
    const nodes = new Map(tree.nodes.map((n) => [n.id, n]));
    const edges = new Map(tree.nodes.map((n) => [n.id, successors(n)]));

    it('has unique node ids and every referenced node exists', () => {
      expect(nodes.size, `${file}: duplicate node ids`).toBe(tree.nodes.length);
      const missing = [tree.start, ...tree.nodes.flatMap(successors)].filter((id) => !nodes.has(id));
      expect(missing, `${file}: references to missing nodes`).toEqual([]);
    });

    it('reaches every node from start, and an end (resolve or subtree) from every node', () => {
      const reached = reachableFrom([tree.start], edges);
      expect(
        tree.nodes.map((n) => n.id).filter((id) => !reached.has(id)),
        `${file}: unreachable`,
      ).toEqual([]);
      const reverse = new Map<string, string[]>();
      for (const [from, tos] of edges) for (const to of tos) reverse.set(to, [...(reverse.get(to) ?? []), from]);
      const ends = tree.nodes.filter((n) => n.kind === 'resolve' || n.kind === 'subtree').map((n) => n.id);
      const canEnd = reachableFrom(ends, reverse);
      expect(
        tree.nodes.map((n) => n.id).filter((id) => !canEnd.has(id)),
        `${file}: dead ends`,
      ).toEqual([]);
    });

    it('loops only through nodes with maxVisits', () => {
      expect(unboundedCycle(tree), `${file}: cycle without maxVisits`).toBeNull();
      for (const n of tree.nodes.filter((n) => n.maxVisits !== undefined)) {
        // A maxVisits node that is on no cycle is a mistake (or a loop that was removed).
        const back = reachableFrom(successors(n), edges);
        expect(back.has(n.id), `${file}: ${n.id} has maxVisits but is on no loop`).toBe(true);
      }
    });

    it('asks questions with distinct choices', () => {
      for (const n of tree.nodes) {
        if (n.kind !== 'question') continue;
        const ids = n.choices.map((c) => c.id);
        const labels = n.choices.map((c) => c.label.toLowerCase());
        expect(new Set(ids).size, `${file}: ${n.id} choice ids`).toBe(ids.length);
        expect(new Set(labels).size, `${file}: ${n.id} choice labels`).toBe(labels.length);
      }
    });

    it('runs only known diagnostics, on their fields, with values of the right type', () => {
      for (const n of tree.nodes) {
        if (n.kind !== 'check') continue;
        const where = `${file}: ${n.id} (${n.check})`;
        const fields = CHECKS[n.check];
        expect(fields, `${where}: unknown diagnostic`).toBeDefined();
        if (!fields) continue;
        if (n.check === 'network.link') expect(n.args, where).toEqual({ interface: expect.stringMatching(/^(wired|wifi)$/) });
        else expect(n.args, `${where}: takes no arguments`).toEqual({});
        for (const { when } of n.branches) {
          const type = fields[when.field];
          expect(type, `${where}: no field ${when.field}`).toBeDefined();
          if ('lessThan' in when || 'atLeast' in when) expect(type, `${where}: ${when.field} is not a number`).toBe('number');
          const values = 'equals' in when ? [when.equals] : 'in' in when ? when.in : [];
          for (const v of values) {
            expect(typeof v, `${where}: ${when.field} ${JSON.stringify(v)}`).toBe(type);
            const allowed = STRING_VALUES[`${n.check}.${when.field}`];
            if (allowed) expect(allowed, `${where}: ${when.field} never equals ${JSON.stringify(v)}`).toContain(v);
          }
        }
      }
    });

    it('has non-overlapping conditions per field, and a default unless a boolean is fully covered', () => {
      for (const n of tree.nodes) {
        if (n.kind !== 'check') continue;
        const conditions = n.branches.map((b) => b.when);
        conditions.forEach((a, i) =>
          conditions.slice(i + 1).forEach((b) => {
            if (a.field === b.field) expect(overlaps(a, b), `${file}: ${n.id} overlapping conditions on ${a.field}`).toBe(false);
          }),
        );
        const exhaustive =
          conditions.length === 2 &&
          conditions.every((c) => c.field === conditions[0]?.field && 'equals' in c) &&
          new Set(conditions.map((c) => ('equals' in c ? c.equals : null))).size === 2 &&
          conditions.every((c) => 'equals' in c && typeof c.equals === 'boolean');
        if (exhaustive) expect(n.default, `${file}: ${n.id} default is never taken`).toBeUndefined();
        else expect(n.default, `${file}: ${n.id} needs a default`).toBeDefined();
      }
    });

    it('runs only known remediations, with the endpoint permission, warning the user when they notice', () => {
      for (const n of tree.nodes) {
        if (n.kind !== 'action') continue;
        const where = `${file}: ${n.id}`;
        expect(REMEDIATIONS, where).toContain(n.action);
        expect(n.permission, where).toBe('endpoint.remediate');
        if (n.action === 'network.restartAdapter' && Object.keys(n.args).length > 0) {
          expect(n.args, where).toEqual({ interface: expect.stringMatching(/^(wired|wifi)$/) });
        } else expect(n.args, where).toEqual({});
        if (SILENT_REMEDIATIONS.has(n.action)) expect(n.confirm, where).toBeUndefined();
        else expect(n.confirm, `${where}: the user notices this, staff must warn them`).toBeDefined();
      }
    });

    it('ends with texts for the requester, a knowledge-base article, and a real queue', () => {
      const prefix = { 'network-connectivity': 'NET', printer: 'PRN', 'email-client': 'EML' }[tree.id];
      for (const n of tree.nodes) {
        if (n.kind !== 'resolve') continue;
        const where = `${file}: ${n.id}`;
        if (n.outcome === 'resolved') expect(n.queue, where).toBeUndefined();
        else expect(QUEUES, `${where}: queue`).toContain(n.queue);
        expect(n.kb, where).toMatch(new RegExp(`^KB-${prefix}-\\d{4}$`));
        expect(n.text.length, `${where}: say what happened and what happens next`).toBeGreaterThan(80);
      }
    });

    it('uses only trees that exist as subtrees, never itself', () => {
      for (const n of tree.nodes) {
        if (n.kind !== 'subtree') continue;
        expect(byId.has(n.tree), `${file}: ${n.id} uses unknown tree ${n.tree}`).toBe(true);
        expect(n.tree, `${file}: ${n.id}`).not.toBe(tree.id);
        // Subtrees end the session: the tree used must not come back through a subtree of its own.
        expect(
          byId.get(n.tree)?.nodes.some((m) => m.kind === 'subtree' && m.tree === tree.id),
          `${file}: ${n.id}`,
        ).toBe(false);
      }
    });
  });

  it('network-connectivity starts with a question and re-checks in a bounded loop', () => {
    const network = byId.get('network-connectivity');
    expect(network?.nodes.find((n) => n.id === network.start)?.kind).toBe('question');
    expect(network?.nodes.some((n) => n.maxVisits !== undefined && n.maxVisits <= 3)).toBe(true);
    expect(network?.nodes.some((n) => n.kind === 'subtree')).toBe(false);
  });

  it('printer and email-client hand network problems to the network-connectivity tree', () => {
    for (const id of ['printer', 'email-client']) {
      const subtrees = byId
        .get(id)
        ?.nodes.filter((n) => n.kind === 'subtree')
        .map((n) => n.tree);
      expect(subtrees, id).toContain('network-connectivity');
    }
  });

  it('covers what each tree is about', () => {
    const used = (id: string, kind: 'check' | 'action') =>
      new Set(
        byId.get(id)?.nodes.flatMap((n) => (n.kind === 'check' && kind === 'check' ? [n.check] : n.kind === 'action' && kind === 'action' ? [n.action] : [])),
      );
    expect([...used('network-connectivity', 'check')].sort()).toEqual(
      Object.keys(CHECKS)
        .filter((c) => c.startsWith('network.'))
        .sort(),
    );
    expect([...used('network-connectivity', 'action')].sort()).toEqual(REMEDIATIONS.filter((a) => a.startsWith('network.')).sort());
    expect([...used('printer', 'check')].sort()).toEqual(['printer.driver', 'printer.status']);
    expect([...used('printer', 'action')].sort()).toEqual(['printer.clearQueue', 'printer.reinstallDriver']);
    expect([...used('email-client', 'check')].sort()).toEqual(['email.client', 'email.connectivity']);
    expect([...used('email-client', 'action')].sort()).toEqual(['email.repairProfile', 'email.restartClient']);
  });

  describe('walk realistic faults to the right end', () => {
    it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
      const path = walk(scenario);
      expect(path.at(-1), path.join(' → ')).toBe(scenario.ends);
      for (const via of scenario.via ?? []) expect(path, path.join(' → ')).toContain(via);
    });
  });

  it('pass the full validator, against the diagnostics and remediations the endpoint adapter knows', () => {
    expect([...DIAGNOSTICS].sort()).toEqual(Object.keys(CHECKS).sort());
    expect([...REMEDIATION_NAMES].sort()).toEqual([...REMEDIATIONS].sort());
    const issues = validateTrees(
      trees.map(({ tree }) => tree),
      { checks: new Set(Object.keys(CHECKS)), actions: new Set(REMEDIATIONS) },
    );
    expect(issues).toEqual([]);
  });
});
