import { describe, expect, it } from 'vitest';
import { MemoryAssets } from '../../../../src/activities/assets/memory.js';
import type { AssetPort } from '../../../../src/activities/assets/port.js';
import { AssetOwnedEndpoints } from '../../../../src/activities/endpoints/assetOwned.js';
import { SimulatedFleet } from '../../../../src/activities/endpoints/memory.js';
import { demoContent } from '../../../helpers/temporal.js';

// The asset tool's record of who holds what, as another host's checkout left it.
function assetTool(holders: Record<string, string | null>): Pick<AssetPort, 'holderOf' | 'heldBy'> & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    async holderOf(deviceId) {
      lookups.push(deviceId);
      return Object.hasOwn(holders, deviceId) ? holders[deviceId] : undefined;
    },
    async heldBy(userId) {
      return Object.entries(holders)
        .filter(([, holder]) => holder === userId)
        .map(([id]) => id);
    },
  };
}

async function fleet() {
  return new SimulatedFleet((await demoContent()).fleet);
}

describe('endpoints with owners from the asset tool', () => {
  it('device(): the asset tool names the owner where it knows the device, the agent elsewhere', async () => {
    const endpoints = await fleet();
    // LT-0201 is in stock in this host's fleet; the asset tool has it checked out to new.hire.
    // LT-0042 is jdoe's in the fleet, back in stock by the asset tool. LT-0007 the tool does not know.
    const owned = new AssetOwnedEndpoints(endpoints, assetTool({ 'LT-0201': 'new.hire', 'LT-0042': null }));
    expect(await owned.device('LT-0201')).toMatchObject({ id: 'LT-0201', owner: 'new.hire', model: 'standard-14' });
    expect((await owned.device('LT-0042'))?.owner).toBeNull();
    expect((await owned.device('LT-0007'))?.owner).toBe('asmith');
    expect(await owned.device('LT-9999')).toBeNull();
    // The wrapped fleet is only read, never changed.
    expect((await endpoints.device('LT-0201'))?.owner).toBeNull();
  });

  it('devicesOf(): what the asset tool lists for the person, then what only the agent knows', async () => {
    const endpoints = await fleet();
    endpoints.reassign('LT-0007', 'jdoe');
    const tool = assetTool({ 'LT-0201': 'jdoe', 'LT-0042': 'jdoe', 'LT-0202': 'asmith', 'LT-0404': 'jdoe' });
    const owned = new AssetOwnedEndpoints(endpoints, tool);
    // LT-0404: held in the asset tool, unknown to the endpoint tool (cannot be acted on), left out.
    expect((await owned.devicesOf('jdoe')).map((d) => [d.id, d.owner])).toEqual([
      ['LT-0201', 'jdoe'],
      ['LT-0042', 'jdoe'],
      ['LT-0007', 'jdoe'],
    ]);
    // LT-0007 is unknown to the asset tool, so the agent's word (jdoe) stands; asmith holds LT-0202.
    expect((await owned.devicesOf('asmith')).map((d) => d.id)).toEqual(['LT-0202']);
    // A device the agent lists for someone whom the asset tool does not name is someone else's.
    const moved = new AssetOwnedEndpoints(endpoints, assetTool({ 'LT-0042': 'asmith' }));
    expect((await moved.devicesOf('jdoe')).map((d) => d.id)).toEqual(['LT-0007']);
    expect((await moved.devicesOf('asmith')).map((d) => [d.id, d.owner])).toEqual([['LT-0042', 'asmith']]);
  });

  it('everything else goes to the wrapped endpoint tool', async () => {
    const endpoints = await fleet();
    const owned = new AssetOwnedEndpoints(endpoints, assetTool({ 'LT-0201': 'new.hire' }));
    expect(await owned.installSoftware('LT-0201', { id: 'vscode', version: '1.95.3' })).toEqual({ alreadyInstalled: false });
    expect(endpoints.installs).toEqual([expect.objectContaining({ deviceId: 'LT-0201', softwareId: 'vscode' })]);
    expect(await owned.uninstallSoftware('LT-0201', 'vscode')).toEqual({ wasInstalled: true });
    expect(endpoints.uninstalls).toHaveLength(1);
    expect(await owned.diskUsage('LT-0042')).toEqual(await endpoints.diskUsage('LT-0042'));
    const dry = await owned.cleanDisk('LT-0042', { includeDownloads: false, aggressive: false, dryRun: true });
    expect(dry.steps.map((s) => s.name)).toEqual(['temporary files', 'browser caches', 'recycle bin']);
    expect(await owned.diagnose('LT-0042', 'network.link', { interface: 'eth0' })).toMatchObject({ interface: 'eth0' });
    expect(await owned.remediate('LT-0042', 'network.restartAdapter', {})).toMatchObject({ ok: true });
    expect(endpoints.remediations).toHaveLength(1);
  });

  it('over the in-memory asset tool it changes nothing: both read the same fleet', async () => {
    const endpoints = await fleet();
    const assets = new MemoryAssets(endpoints);
    const owned = new AssetOwnedEndpoints(endpoints, assets);
    const { deviceId } = await assets.assign('new.hire', 'standard-14');
    expect(await assets.holderOf(deviceId)).toBe('new.hire');
    expect(await assets.holderOf('LT-0202')).toBeNull();
    expect(await assets.holderOf('LT-9999')).toBeUndefined();
    expect(await assets.heldBy('new.hire')).toEqual([deviceId]);
    expect(await owned.device(deviceId)).toEqual(await endpoints.device(deviceId));
    expect(await owned.devicesOf('jdoe')).toEqual(await endpoints.devicesOf('jdoe'));
  });
});
