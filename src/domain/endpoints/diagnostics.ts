// The simulated fleet's diagnostics and remediations: what an RMM agent would measure on a device
// and the fixes it can apply. A device is healthy unless content/fleet.yaml (or a test) says
// otherwise; each remediation repairs what it would repair on a real machine.

export type DiagnosticResult = Record<string, string | number | boolean>;

export const HEALTHY: Record<string, DiagnosticResult> = {
  'network.link': { up: true, speedMbps: 1000, interface: 'wired' },
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

export const DIAGNOSTICS: ReadonlySet<string> = new Set(Object.keys(HEALTHY));

/** What each remediation fixes: the diagnostics it sets back to healthy (and what follows from them). */
export const REMEDIATIONS: Readonly<Record<string, string[]>> = {
  'network.restartAdapter': ['network.link', 'network.wifi'],
  'network.renewDhcp': ['network.ipConfig', 'network.gateway', 'network.dns', 'network.internet'],
  'network.flushDns': ['network.dns', 'network.internet'],
  'network.resetProxy': ['network.proxy', 'network.internet'],
  'network.reconnectVpn': ['network.vpn'],
  'network.resetFirewallProfile': ['network.firewall', 'network.internet'],
  'printer.clearQueue': ['printer.status'],
  'printer.reinstallDriver': ['printer.driver'],
  'email.repairProfile': ['email.client'],
  'email.restartClient': ['email.client'],
};

export const REMEDIATION_NAMES: ReadonlySet<string> = new Set(Object.keys(REMEDIATIONS));
