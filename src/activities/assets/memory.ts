import type { Device } from '../../domain/endpoints/fleet.js';
import type { SimulatedFleet } from '../endpoints/memory.js';
import { AssetOwnerMismatchError, OutOfStockError, UnknownAssetError, type AssetPort, type StockItem } from './port.js';
import { InjectedFailures } from '../failureInjection.js';

export type AssetOperation = 'assign' | 'unassign';

const ASSET_PREFIX = 'AST-';
/** The simulated CMDB's record id of a device; a real asset tool has ids of its own. */
export const assetIdOf = (deviceId: string) => `${ASSET_PREFIX}${deviceId}`;

/**
 * In-memory asset tool over the simulated fleet: stock laptops are the devices without an owner.
 * Counts every call (`calls`) and every change (`effects`), and fails on request (`failNext`).
 */
export class MemoryAssets implements AssetPort {
  readonly calls: Record<AssetOperation, number> = { assign: 0, unassign: 0 };
  readonly effects: Record<AssetOperation, number> = { assign: 0, unassign: 0 };
  private readonly failures = new InjectedFailures<AssetOperation>('asset tool');
  /** Devices this tool handed out, so an assign retry finds the laptop it gave, not any the person holds. */
  private readonly handedOut = new Set<string>();

  constructor(private readonly fleet: SimulatedFleet) {}

  /** The next call of `op` throws `error` (default: retryable); with `afterEffect`, after making the change. */
  failNext(op: AssetOperation, options: { error?: Error; afterEffect?: boolean } = {}): void {
    this.failures.add(op, options);
  }

  async assign(userId: string, model: string): Promise<{ assetId: string; deviceId: string }> {
    return this.run('assign', () => {
      const devices = this.fleet.all();
      const held = devices.find((d) => d.owner === userId && d.model === model && this.handedOut.has(d.id));
      if (held) return { assetId: assetIdOf(held.id), deviceId: held.id };
      const free = devices.find((d) => d.owner === null && d.model === model);
      if (!free) throw new OutOfStockError(model, [...new Set(stockOf(devices).map((d) => d.model))].sort());
      this.fleet.reassign(free.id, userId);
      this.handedOut.add(free.id);
      this.effects.assign++;
      return { assetId: assetIdOf(free.id), deviceId: free.id };
    });
  }

  async unassign(assetId: string, userId: string): Promise<{ unassigned: boolean }> {
    return this.run('unassign', () => {
      const deviceId = assetId.startsWith(ASSET_PREFIX) ? assetId.slice(ASSET_PREFIX.length) : '';
      const device = this.fleet.all().find((d) => d.id === deviceId);
      if (!device) throw new UnknownAssetError(assetId);
      if (device.owner === null) return { unassigned: false };
      if (device.owner !== userId) throw new AssetOwnerMismatchError(assetId, userId);
      this.fleet.returnToStock(device.id);
      this.handedOut.delete(device.id);
      this.effects.unassign++;
      return { unassigned: true };
    });
  }

  async stock(): Promise<StockItem[]> {
    return stockOf(this.fleet.all()).map((d) => ({ assetId: assetIdOf(d.id), deviceId: d.id, model: d.model, platform: d.platform }));
  }

  async holderOf(deviceId: string): Promise<string | null | undefined> {
    return this.fleet.all().find((d) => d.id === deviceId)?.owner;
  }

  async heldBy(userId: string): Promise<string[]> {
    return this.fleet
      .all()
      .filter((d) => d.owner === userId)
      .map((d) => d.id);
  }

  private run<T>(op: AssetOperation, effect: () => T): T {
    this.calls[op]++;
    return this.failures.run(op, effect);
  }
}

function stockOf(devices: Device[]): Array<Device & { model: string }> {
  return devices.filter((d): d is Device & { model: string } => d.owner === null && d.model !== undefined);
}
