import type { Device, FleetFile } from '../../domain/endpoints/fleet.js';
import { HEALTHY, REMEDIATIONS, type DiagnosticResult } from '../../domain/endpoints/diagnostics.js';
import type { EndpointPort } from './port.js';

/** What the simulated agent cleans, in order, and how much each frees on a typical laptop. */
export const CLEANUP_STEPS: ReadonlyArray<{ name: string; gb: number; aggressive?: boolean }> = [
  { name: 'temporary files', gb: 2.1 },
  { name: 'browser caches', gb: 1.4 },
  { name: 'recycle bin', gb: 3.2 },
  { name: 'downloads older than 90 days', gb: 6.5 },
  { name: 'Windows Update cache', gb: 4.0, aggressive: true },
];

/** A simulated fleet for the demo and tests, with the install history tests count. */
export class SimulatedFleet implements EndpointPort {
  private readonly devices: Map<string, Device>;
  readonly installs: Array<{ deviceId: string; softwareId: string; version: string; at: string }> = [];
  private failures = 0;
  readonly uninstalls: Array<{ deviceId: string; softwareId: string; at: string }> = [];
  /** Software of each device as the content file lists it: what a laptop returned to stock gets back. */
  private readonly stockSoftware: Map<string, Device['installed']>;

  constructor(file: FleetFile) {
    this.devices = new Map(file.devices.map((d) => [d.id, structuredClone(d)]));
    this.stockSoftware = new Map(file.devices.map((d) => [d.id, structuredClone(d.installed)]));
  }

  /** Every device (copies), in file order: the asset adapter's view of the fleet. */
  all(): Device[] {
    return [...this.devices.values()].map((d) => structuredClone(d));
  }

  async uninstallSoftware(deviceId: string, softwareId: string): Promise<{ wasInstalled: boolean }> {
    const device = this.devices.get(deviceId);
    if (!device) throw new Error(`no device ${deviceId}`);
    if (!device.installed.some((s) => s.id === softwareId)) return { wasInstalled: false };
    device.installed = device.installed.filter((s) => s.id !== softwareId);
    this.uninstalls.push({ deviceId, softwareId, at: new Date().toISOString() });
    return { wasInstalled: true };
  }

  /** Back to stock: no owner, and only the software the content file lists for it. */
  returnToStock(deviceId: string): void {
    const device = this.devices.get(deviceId);
    if (!device) throw new Error(`no device ${deviceId}`);
    device.owner = null;
    device.installed = structuredClone(this.stockSoftware.get(deviceId) ?? []);
  }

  async devicesOf(owner: string): Promise<Device[]> {
    return [...this.devices.values()].filter((d) => d.owner === owner).map((d) => structuredClone(d));
  }

  async device(id: string): Promise<Device | null> {
    const d = this.devices.get(id);
    return d ? structuredClone(d) : null;
  }

  async installSoftware(deviceId: string, software: { id: string; version: string }): Promise<{ alreadyInstalled: boolean }> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error(`agent on ${deviceId} did not answer`);
    }
    const device = this.devices.get(deviceId);
    if (!device) throw new Error(`no device ${deviceId}`);
    if (device.installed.some((s) => s.id === software.id && s.version === software.version)) return { alreadyInstalled: true };
    device.installed = [...device.installed.filter((s) => s.id !== software.id), { ...software }];
    this.installs.push({ deviceId, softwareId: software.id, version: software.version, at: new Date().toISOString() });
    return { alreadyInstalled: false };
  }

  readonly remediations: Array<{ deviceId: string; action: string; at: string }> = [];

  async diagnose(deviceId: string, check: string, args: Record<string, string | number | boolean>): Promise<DiagnosticResult> {
    const device = this.devices.get(deviceId);
    if (!device) throw new Error(`no device ${deviceId}`);
    const healthy = HEALTHY[check];
    if (!healthy) throw new Error(`unknown diagnostic ${check}`);
    const result = { ...healthy, ...(device.faults[check] ?? {}) };
    return check === 'network.link' && typeof args.interface === 'string' ? { ...result, interface: args.interface } : result;
  }

  async remediate(deviceId: string, action: string): Promise<{ ok: boolean; detail: string }> {
    const device = this.devices.get(deviceId);
    if (!device) throw new Error(`no device ${deviceId}`);
    const fixes = REMEDIATIONS[action];
    if (!fixes) throw new Error(`unknown remediation ${action}`);
    // A fault marked `stubborn` survives its remediation, as a broken NIC survives a restart.
    const stubborn = fixes.filter((check) => device.faults[check]?.stubborn === true);
    for (const check of fixes) if (!stubborn.includes(check)) delete device.faults[check];
    this.remediations.push({ deviceId, action, at: new Date().toISOString() });
    return stubborn.length === 0 ? { ok: true, detail: `${action} completed` } : { ok: false, detail: `${action} ran but ${stubborn.join(', ')} still fails` };
  }

  private cleaned = new Map<string, Set<string>>();
  private failCleanupStep: string | null = null;

  async diskUsage(deviceId: string): Promise<{ totalGb: number; usedGb: number }> {
    const device = this.devices.get(deviceId);
    if (!device?.disk) throw new Error(`no disk data for ${deviceId}`);
    return { ...device.disk };
  }

  async cleanDisk(deviceId: string, options: { includeDownloads: boolean; aggressive: boolean; dryRun: boolean }) {
    const device = this.devices.get(deviceId);
    if (!device?.disk) throw new Error(`no disk data for ${deviceId}`);
    const done = this.cleaned.get(deviceId) ?? new Set<string>();
    this.cleaned.set(deviceId, done);
    const plan = CLEANUP_STEPS.filter((s) => (s.name !== 'downloads older than 90 days' || options.includeDownloads) && (!s.aggressive || options.aggressive));
    const steps: Array<{ name: string; freedGb: number; ok: boolean; detail?: string }> = [];
    for (const step of plan) {
      const freedGb = done.has(step.name) ? 0 : step.gb;
      if (options.dryRun) {
        steps.push({ name: step.name, freedGb, ok: true });
        continue;
      }
      if (this.failCleanupStep === step.name) {
        steps.push({ name: step.name, freedGb: 0, ok: false, detail: 'files in use; the agent stopped here' });
        break;
      }
      done.add(step.name);
      device.disk.usedGb = Math.max(0, Math.round((device.disk.usedGb - freedGb) * 10) / 10);
      steps.push({ name: step.name, freedGb, ok: true });
    }
    return { steps };
  }

  /** Test and demo helper: the cleanup stops at this step, as when files are in use. */
  failCleanupAt(step: string | null): void {
    this.failCleanupStep = step;
  }

  /** Test and demo helper: make a diagnostic report a fault. */
  setFault(deviceId: string, check: string, result: Record<string, string | number | boolean>): void {
    const device = this.devices.get(deviceId);
    if (!device) throw new Error(`no device ${deviceId}`);
    device.faults[check] = { ...(device.faults[check] ?? {}), ...result };
  }

  /** Test and demo helper: the next `n` installs fail as an unreachable agent would. */
  failNextInstalls(n: number): void {
    this.failures = n;
  }

  /** Test and demo helper (and the asset adapter's hand-out): give a device to someone, as the asset team would. */
  reassign(deviceId: string, owner: string | null): void {
    const device = this.devices.get(deviceId);
    if (!device) throw new Error(`no device ${deviceId}`);
    device.owner = owner;
  }
}
