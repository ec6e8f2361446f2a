import type { Device, FleetFile } from '../../domain/fleet.js';
import { HEALTHY, REMEDIATIONS, type DiagnosticResult } from './diagnostics.js';
import type { EndpointPort } from './port.js';

/** A simulated fleet for the demo and tests, with the install history tests count. */
export class SimulatedFleet implements EndpointPort {
  private readonly devices: Map<string, Device>;
  readonly installs: Array<{ deviceId: string; softwareId: string; version: string; at: string }> = [];
  private failures = 0;

  constructor(file: FleetFile) {
    this.devices = new Map(file.devices.map((d) => [d.id, structuredClone(d)]));
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

  /** Test and demo helper: hand a device to someone else, as the asset team would. */
  reassign(deviceId: string, owner: string): void {
    const device = this.devices.get(deviceId);
    if (!device) throw new Error(`no device ${deviceId}`);
    device.owner = owner;
  }
}
