/** A laptop as the asset tool (CMDB) lists it. */
export interface StockItem {
  /** The asset tool's record id. */
  assetId: string;
  /** The endpoint tool's device id (what installs and diagnostics address). */
  deviceId: string;
  model: string;
  platform: string;
}

/** No unassigned laptop of the model is left: a person has to order or free one. */
export class OutOfStockError extends Error {
  constructor(
    readonly model: string,
    readonly available: string[],
  ) {
    super(`no unassigned laptop of model "${model}" in stock${available.length ? ` (models in stock: ${available.join(', ')})` : ' (stock is empty)'}`);
    this.name = 'OutOfStockError';
  }
}

/** The asset belongs to someone other than the person it is being taken from: nothing was changed. */
export class AssetOwnerMismatchError extends Error {
  constructor(
    readonly assetId: string,
    readonly userId: string,
  ) {
    super(`asset ${assetId} is not assigned to ${userId}; it was not taken back`);
    this.name = 'AssetOwnerMismatchError';
  }
}

/** The asset tool has no record with that id. */
export class UnknownAssetError extends Error {
  constructor(readonly assetId: string) {
    super(`no asset ${assetId}`);
    this.name = 'UnknownAssetError';
  }
}

/**
 * The asset / CMDB tool (ServiceNow CMDB, Snipe-IT, Intune's corporate device records): hands out
 * stock hardware and takes it back. Who holds a device is this tool's fact: endpoint adapters on
 * any host read it here (holderOf, heldBy) rather than keep an owner of their own, so installs can
 * target the device right after an assign made on another host.
 */
export interface AssetPort {
  /**
   * Assigns an unassigned laptop of `model` to `userId`. Idempotent per person and model: when the
   * person already holds a laptop of that model that this tool handed out, that one is returned.
   * Throws OutOfStockError when none is left.
   */
  assign(userId: string, model: string): Promise<{ assetId: string; deviceId: string }>;
  /**
   * Returns the asset to stock (owner cleared, software reset to the stock image). Idempotent:
   * `unassigned: false` when it is in stock already. Throws AssetOwnerMismatchError when it belongs
   * to someone else, UnknownAssetError for an unknown id.
   */
  unassign(assetId: string, userId: string): Promise<{ unassigned: boolean }>;
  /** Unassigned laptops. */
  stock(): Promise<StockItem[]>;
  /**
   * The account holding the device (`deviceId`, the endpoint tool's id) now: a directory id; null
   * when no person holds it (in stock, or checked out to a location or another asset); undefined
   * when this tool has no record of the device, so the endpoint tool's own owner stands.
   */
  holderOf(deviceId: string): Promise<string | null | undefined>;
  /** Device ids of everything this tool lists as held by `userId` (none for an unknown person). */
  heldBy(userId: string): Promise<string[]>;
}
