import type { Device } from '../../domain/endpoints/fleet.js';
import type { AssetPort } from '../assets/port.js';
import type { EndpointPort } from './port.js';

/**
 * The endpoint port with owners from the asset tool. Who holds a device is the asset tool's fact
 * (a Snipe-IT checkout made on one worker host); an endpoint adapter's own owner field may be
 * stale, or live in one host's memory. So `device` and `devicesOf` take the owner from the asset
 * tool wherever it knows the device, and keep the endpoint tool's owner only for devices it has
 * no record of. Everything else (installs, diagnostics, cleanup) goes to the wrapped adapter.
 */
export class AssetOwnedEndpoints implements EndpointPort {
  constructor(
    private readonly endpoints: EndpointPort,
    private readonly assets: Pick<AssetPort, 'holderOf' | 'heldBy'>,
  ) {}

  async device(id: string): Promise<Device | null> {
    const device = await this.endpoints.device(id);
    if (!device) return null;
    const holder = await this.assets.holderOf(id);
    return holder === undefined ? device : { ...device, owner: holder };
  }

  /** What the asset tool lists as held by `owner`, then what the endpoint tool alone says is theirs. */
  async devicesOf(owner: string): Promise<Device[]> {
    const [held, listed] = await Promise.all([this.assets.heldBy(owner), this.endpoints.devicesOf(owner)]);
    const out: Device[] = [];
    for (const id of new Set(held)) {
      // A device the endpoint tool does not manage cannot be acted on: left out, as before.
      const device = listed.find((d) => d.id === id) ?? (await this.endpoints.device(id));
      if (device) out.push({ ...device, owner });
    }
    for (const device of listed) {
      if (held.includes(device.id)) continue;
      // Known to the asset tool and not held by `owner`: someone else's now, whatever the agent says.
      if ((await this.assets.holderOf(device.id)) === undefined) out.push(device);
    }
    return out;
  }

  installSoftware(deviceId: string, software: { id: string; version: string }): Promise<{ alreadyInstalled: boolean }> {
    return this.endpoints.installSoftware(deviceId, software);
  }

  uninstallSoftware(deviceId: string, softwareId: string): Promise<{ wasInstalled: boolean }> {
    return this.endpoints.uninstallSoftware(deviceId, softwareId);
  }

  diskUsage(deviceId: string): Promise<{ totalGb: number; usedGb: number }> {
    return this.endpoints.diskUsage(deviceId);
  }

  cleanDisk(deviceId: string, options: { includeDownloads: boolean; aggressive: boolean; dryRun: boolean }) {
    return this.endpoints.cleanDisk(deviceId, options);
  }

  diagnose(deviceId: string, check: string, args: Record<string, string | number | boolean>): Promise<Record<string, string | number | boolean>> {
    return this.endpoints.diagnose(deviceId, check, args);
  }

  remediate(deviceId: string, action: string, args: Record<string, string | number | boolean>): Promise<{ ok: boolean; detail: string }> {
    return this.endpoints.remediate(deviceId, action, args);
  }
}
