import type { Device } from '../../domain/endpoints/fleet.js';

/**
 * The endpoint-management tool (an RMM such as Intune, Jamf or an agent fleet): which devices a
 * person has, and remote actions on them. Adapters must make installs idempotent (installing what
 * is already there succeeds and says so).
 */
export interface EndpointPort {
  devicesOf(owner: string): Promise<Device[]>;
  device(id: string): Promise<Device | null>;
  installSoftware(deviceId: string, software: { id: string; version: string }): Promise<{ alreadyInstalled: boolean }>;
  /** Removes software by catalog id; idempotent (removing what is not there succeeds and says so). */
  uninstallSoftware(deviceId: string, softwareId: string): Promise<{ wasInstalled: boolean }>;
  diskUsage(deviceId: string): Promise<{ totalGb: number; usedGb: number }>;
  /** Cleans the disk step by step; with `dryRun` only measures what each step would free. */
  cleanDisk(
    deviceId: string,
    options: { includeDownloads: boolean; aggressive: boolean; dryRun: boolean },
  ): Promise<{ steps: Array<{ name: string; freedGb: number; ok: boolean; detail?: string }> }>;
  /** Runs a named diagnostic on the device and returns its measurements. */
  diagnose(deviceId: string, check: string, args: Record<string, string | number | boolean>): Promise<Record<string, string | number | boolean>>;
  /** Applies a named remediation; `ok: false` with a detail when the device reports it did not work. */
  remediate(deviceId: string, action: string, args: Record<string, string | number | boolean>): Promise<{ ok: boolean; detail: string }>;
}
