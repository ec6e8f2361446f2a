import type { Device } from '../../domain/fleet.js';

/**
 * The endpoint-management tool (an RMM such as Intune, Jamf or an agent fleet): which devices a
 * person has, and remote actions on them. Adapters must make installs idempotent (installing what
 * is already there succeeds and says so).
 */
export interface EndpointPort {
  devicesOf(owner: string): Promise<Device[]>;
  device(id: string): Promise<Device | null>;
  installSoftware(deviceId: string, software: { id: string; version: string }): Promise<{ alreadyInstalled: boolean }>;
}
