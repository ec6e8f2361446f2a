import type { Device, FleetFile } from '../../domain/fleet.js';
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
