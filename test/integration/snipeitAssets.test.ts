import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AssetOwnerMismatchError, OutOfStockError, UnknownAssetError } from '../../src/activities/assets/port.js';
import { SnipeItAssets } from '../../src/activities/assets/snipeit.js';
import { MemoryDirectory } from '../../src/activities/directory/memory.js';
import { AssetOwnedEndpoints } from '../../src/activities/endpoints/assetOwned.js';
import { MemoryMailboxes } from '../../src/activities/mailbox/memory.js';
import { createOnboardingActivities, type OnboardingDeps } from '../../src/activities/onboarding.js';
import { SqliteEngineStore } from '../../src/activities/records/sqliteStore.js';
import { buildActivities, buildAdapters } from '../../src/app/adapters.js';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { workplaceSettings, type SnipeItSettings } from '../../src/config/workplace.js';
import { createActivities } from '../../src/activities/support.js';
import { demoSnipeIt, FakeSnipeIt } from '../fakes/snipeit.js';
import { testGrant } from '../helpers/grants.js';
import { demoContent, TEST_GRANT_KEY } from '../helpers/temporal.js';

// The asset tool through Snipe-IT's REST API, against a fake of the documented endpoints
// (test/fakes/snipeit.ts). Two adapter instances stand for two worker hosts: the claim that makes
// an assign idempotent lives in Snipe-IT, so the second host finds what the first handed out.

const TOKEN = 'snipe-test-token';
const CLAIM = '_snipeit_onboarding_claim_7';

let fake: FakeSnipeIt;

function settings(over: Partial<SnipeItSettings> = {}): SnipeItSettings {
  return {
    adapter: 'snipeit',
    url: fake.url,
    apiToken: TOKEN,
    claimField: CLAIM,
    deviceIdField: 'asset_tag',
    platformField: '_snipeit_platform_8',
    timeoutMs: 2_000,
    ...over,
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const holder = (assetId: number) => fake.assets.get(assetId)!.assignedUser;

beforeEach(async () => {
  fake = new FakeSnipeIt(demoSnipeIt(TOKEN));
  await fake.start();
});
afterEach(async () => {
  await fake.stop();
});

describe('Snipe-IT assets: the port contract across two hosts', () => {
  it('lists the ready-to-deploy stock with device ids and platforms', async () => {
    expect(await new SnipeItAssets(settings()).stock()).toEqual([
      { assetId: '201', deviceId: 'LT-0201', model: 'standard-14', platform: 'windows' },
      { assetId: '202', deviceId: 'LT-0202', model: 'standard-14', platform: 'windows' },
      { assetId: '204', deviceId: 'LT-0204', model: 'developer-16', platform: 'macos' },
    ]);
    const bySerial = new SnipeItAssets(settings({ deviceIdField: 'serial', platformField: undefined }));
    expect((await bySerial.stock())[0]).toEqual({ assetId: '201', deviceId: 'SN0201', model: 'standard-14', platform: 'unknown' });
    const byField = new SnipeItAssets(settings({ deviceIdField: '_snipeit_platform_8' }));
    expect((await byField.stock())[0]?.deviceId).toBe('windows');
  });

  it('assigns a stock laptop once per person and model, whichever host is asked', async () => {
    const hostA = new SnipeItAssets(settings());
    const hostB = new SnipeItAssets(settings());
    const laptop = await hostA.assign('new.hire', 'standard-14');
    expect(laptop).toEqual({ assetId: '201', deviceId: 'LT-0201' });
    expect(holder(201)).toBe(10);
    expect(fake.assets.get(201)!.values[CLAIM]).toBe('new.hire');
    expect(await hostB.assign('new.hire', 'standard-14')).toEqual(laptop);
    expect(fake.log).toEqual([{ action: 'checkout', assetId: 201, userId: 10, note: 'it-support-engine onboarding' }]);
    expect(fake.requestsTo('POST', /\/checkout$/)[0]?.body).toEqual({ checkout_to_type: 'user', assigned_user: 10, note: 'it-support-engine onboarding' });
    // Another model is another laptop.
    expect(await hostB.assign('new.hire', 'developer-16')).toEqual({ assetId: '204', deviceId: 'LT-0204' });
    expect((await hostA.stock()).map((i) => i.assetId)).toEqual(['202']);

    // Taking back: only from its owner, once.
    expect(await failure(hostA.unassign('201', 'jdoe'))).toBeInstanceOf(AssetOwnerMismatchError);
    expect(await hostA.unassign('201', 'new.hire')).toEqual({ unassigned: true });
    expect(await hostB.unassign('201', 'new.hire')).toEqual({ unassigned: false });
    expect(holder(201)).toBeNull();
    expect(fake.assets.get(201)!.values[CLAIM]).toBeNull();
    expect(fake.requestsTo('POST', /\/checkin$/).map((r) => r.body)).toEqual([{ note: 'it-support-engine onboarding' }]);
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}` && r.headers.accept === 'application/json')).toBe(true);
  });

  it('never returns, nor takes back, a laptop the person held before', async () => {
    const snipe = new SnipeItAssets(settings());
    // jdoe holds LT-0042 (standard-14), handed out by hand: assign gives a stock one.
    expect(await snipe.assign('jdoe', 'standard-14')).toEqual({ assetId: '201', deviceId: 'LT-0201' });
    expect(holder(42)).toBe(11);
    expect(await failure(snipe.unassign('42', 'asmith'))).toBeInstanceOf(AssetOwnerMismatchError);
    expect(holder(42)).toBe(11);
  });

  it('a checkout whose answer was lost is found by the retry on the other host: no second laptop', async () => {
    const hostA = new SnipeItAssets(settings());
    const hostB = new SnipeItAssets(settings());
    fake.failNext(1, { applyThenFail: 502 }, { method: 'POST', path: /\/checkout$/ });
    const lost = await failure(hostA.assign('new.hire', 'standard-14'));
    expect(lost).not.toBeInstanceOf(ApplicationFailure);
    expect(await hostB.assign('new.hire', 'standard-14')).toEqual({ assetId: '201', deviceId: 'LT-0201' });
    expect(fake.log.filter((l) => l.action === 'checkout')).toHaveLength(1);
  });

  it('a claim written before a crash is taken up by the retry', async () => {
    const snipe = new SnipeItAssets(settings());
    fake.failNext(1, { status: 500 }, { method: 'POST', path: /\/checkout$/ });
    expect(await failure(snipe.assign('new.hire', 'standard-14'))).not.toBeInstanceOf(ApplicationFailure);
    expect(fake.assets.get(201)!.values[CLAIM]).toBe('new.hire');
    expect(holder(201)).toBeNull();
    expect(await snipe.assign('new.hire', 'standard-14')).toEqual({ assetId: '201', deviceId: 'LT-0201' });
    expect(fake.requestsTo('PATCH', /\/hardware\/\d+$/)).toHaveLength(1);
  });

  it('a laptop taken by another host between claim and checkout makes the retry pick another', async () => {
    const snipe = new SnipeItAssets(settings());
    // The other host's claim lands right after ours (a hang holds our re-read until then).
    fake.failNext(1, { hang: 300 }, { method: 'GET', path: /^\/api\/v1\/hardware\/201$/ });
    const ours = snipe.assign('new.hire', 'standard-14');
    await until(() => fake.requestsTo('GET', '/api/v1/hardware/201').length === 1);
    fake.assets.get(201)!.values[CLAIM] = 'asmith';
    const lostRace = await failure(ours);
    expect(lostRace).not.toBeInstanceOf(ApplicationFailure);
    expect(lostRace.message).toMatch(/taken by another request/);
    expect(await snipe.assign('new.hire', 'standard-14')).toEqual({ assetId: '202', deviceId: 'LT-0202' });

    // Snipe-IT itself refusing the checkout (checked out meanwhile) is retryable too.
    fake.failNext(1, { hang: 300 }, { method: 'GET', path: /^\/api\/v1\/hardware\/204$/ });
    const next = snipe.assign('asmith', 'developer-16');
    await until(() => fake.requestsTo('GET', '/api/v1/hardware/204').length === 1);
    // Taken by hand meanwhile: assigned, so no longer available (the re-read still shows it free).
    fake.failNext(
      1,
      { status: 200, body: { status: 'error', messages: 'That asset is not available for checkout!', payload: { asset: 'LT-0204' } } },
      { method: 'POST', path: /\/checkout$/ },
    );
    const refused = await failure(next);
    expect(refused).not.toBeInstanceOf(ApplicationFailure);
    expect(refused.message).toMatch(/refused the checkout of asset 204 \(That asset is not available for checkout!\)/);
  });

  it('out of stock names the models left; an unknown model is out of stock too', async () => {
    const snipe = new SnipeItAssets(settings());
    await snipe.assign('new.hire', 'developer-16');
    const none = await failure(snipe.assign('asmith', 'developer-16'));
    expect(none).toBeInstanceOf(OutOfStockError);
    expect(none.message).toBe('no unassigned laptop of model "developer-16" in stock (models in stock: standard-14)');
    expect(await failure(snipe.assign('asmith', 'quantum-99'))).toBeInstanceOf(OutOfStockError);
  });

  it('unknown assets, people and fieldsets are specific, final errors', async () => {
    const snipe = new SnipeItAssets(settings());
    expect(await failure(snipe.unassign('999', 'new.hire'))).toBeInstanceOf(UnknownAssetError);
    expect(await failure(snipe.unassign('AST-LT-0201', 'new.hire'))).toBeInstanceOf(UnknownAssetError);
    fake.assets.get(202)!.deleted = true;
    expect(await failure(snipe.unassign('202', 'new.hire'))).toBeInstanceOf(UnknownAssetError);
    expect(await failure(snipe.assign('nobody', 'standard-14'))).toMatchObject({ type: 'AssetUserUnknown', nonRetryable: true });

    fake.assets.set(301, { id: 301, asset_tag: 'KS-0301', serial: 'SN0301', modelId: 3, deployable: true, assignedUser: null, values: {}, deleted: false });
    const misconfigured = await failure(snipe.assign('new.hire', 'kiosk-10'));
    expect(misconfigured).toMatchObject({ type: 'SnipeItMisconfigured', nonRetryable: true });
    expect(misconfigured.message).toContain(CLAIM);

    fake.assets.get(204)!.asset_tag = '';
    expect(await failure(snipe.assign('new.hire', 'developer-16'))).toMatchObject({ type: 'AssetWithoutDeviceId', nonRetryable: true });
  });

  it('checkin answering "already checked in" (another host took it back) reports nothing done', async () => {
    const snipe = new SnipeItAssets(settings());
    await snipe.assign('new.hire', 'standard-14');
    fake.failNext(
      1,
      { status: 200, body: { status: 'error', messages: 'That asset is already checked in.', payload: { asset_tag: 'LT-0201' } } },
      { method: 'POST', path: /\/checkin$/ },
    );
    expect(await snipe.unassign('201', 'new.hire')).toEqual({ unassigned: false });
    fake.failNext(1, { status: 200, body: { status: 'error', messages: 'Asset was not checked in', payload: null } }, { method: 'POST', path: /\/checkin$/ });
    expect(await failure(snipe.unassign('201', 'new.hire'))).toMatchObject({ type: 'SnipeItRequestRefused', nonRetryable: true });
  });
});

describe('Snipe-IT assets: who holds a device', () => {
  it('holderOf reads assigned_to of the asset found by its tag; heldBy lists what a person holds', async () => {
    const snipe = new SnipeItAssets(settings());
    expect(await snipe.holderOf('LT-0042')).toBe('jdoe');
    expect(await snipe.holderOf('LT-0201')).toBeNull();
    expect(await snipe.holderOf('LT-9999')).toBeUndefined();
    expect(fake.requestsTo('GET', '/api/v1/hardware/bytag/LT-0042')).toHaveLength(1);
    await snipe.assign('new.hire', 'standard-14');
    expect(await snipe.holderOf('LT-0201')).toBe('new.hire');
    expect(await snipe.heldBy('new.hire')).toEqual(['LT-0201']);
    expect(await snipe.heldBy('jdoe')).toEqual(['LT-0042']);
    // Held things without a tag (a dock) are nothing the endpoint tool could address.
    fake.assets.set(302, { id: 302, asset_tag: '', serial: 'SN0302', modelId: 3, deployable: true, assignedUser: 11, values: {}, deleted: false });
    expect(await snipe.heldBy('jdoe')).toEqual(['LT-0042']);
    expect(await snipe.heldBy('asmith')).toEqual([]);
    expect(await snipe.heldBy('nobody')).toEqual([]);
    expect(fake.requestsTo('GET', '/api/v1/hardware').at(-1)?.query).toMatchObject({ assigned_to: '12', assigned_type: 'App\\Models\\User' });

    // A deleted asset is no record; a tag with characters a path must escape is escaped.
    fake.assets.get(42)!.deleted = true;
    expect(await snipe.holderOf('LT-0042')).toBeUndefined();
    fake.assets.set(301, { id: 301, asset_tag: 'LT 03/01', serial: 'SN0301', modelId: 1, deployable: true, assignedUser: 12, values: {}, deleted: false });
    expect(await snipe.holderOf('LT 03/01')).toBe('asmith');
    expect(fake.requests.at(-1)?.path).toBe('/api/v1/hardware/bytag/LT%2003%2F01');
  });

  it('by serial or a custom field where those are the device id; several matches are a final error', async () => {
    fake.assets.get(201)!.assignedUser = 11;
    expect(await new SnipeItAssets(settings({ deviceIdField: 'serial' })).holderOf('SN0201')).toBe('jdoe');
    expect(await new SnipeItAssets(settings({ deviceIdField: 'serial' })).holderOf('SN9999')).toBeUndefined();
    expect(fake.requestsTo('GET', '/api/v1/hardware').at(-1)?.query).toMatchObject({ serial: 'SN9999' });
    const byField = new SnipeItAssets(settings({ deviceIdField: '_snipeit_platform_8' }));
    expect(await byField.holderOf('macos')).toBeNull();
    const ambiguous = await failure(byField.holderOf('windows'));
    expect(ambiguous).toMatchObject({ type: 'SnipeItAmbiguousDevice', nonRetryable: true });
    expect(ambiguous.message).toMatch(/3 assets with _snipeit_platform_8 windows \(ids 42, 201, 202\)/);
    // Duplicate tags (allowed by some Snipe-IT settings) answer as a list on the bytag route.
    fake.assets.get(202)!.asset_tag = 'LT-0201';
    expect(await failure(new SnipeItAssets(settings()).holderOf('LT-0201'))).toMatchObject({ type: 'SnipeItAmbiguousDevice' });
  });

  it('an asset checked out to a location is held by no person; refusals and odd answers are specific', async () => {
    const snipe = new SnipeItAssets(settings());
    const asLocation = { ...fake.view(fake.assets.get(201)!), assigned_to: { id: 3, name: 'Lab', type: 'location' } };
    fake.failNext(1, { status: 200, body: asLocation }, { method: 'GET', path: /bytag/ });
    expect(await snipe.holderOf('LT-0201')).toBeNull();
    fake.failNext(1, { status: 200, body: { status: 'error', messages: 'You do not have permission', payload: null } }, { method: 'GET', path: /bytag/ });
    expect(await failure(snipe.holderOf('LT-0201'))).toMatchObject({ type: 'SnipeItRequestRefused', nonRetryable: true });
    fake.failNext(1, { status: 200, body: { id: 1 } }, { method: 'GET', path: /bytag/ });
    expect((await failure(snipe.holderOf('LT-0201'))).message).toMatch(/GET \/hardware\/bytag\/LT-0201 answered in an unexpected shape/);
    fake.failNext(1, { status: 503 }, { method: 'GET', path: /bytag/ });
    expect(await failure(snipe.holderOf('LT-0201'))).not.toBeInstanceOf(ApplicationFailure);
  });
});

describe('two worker hosts: two fleets, one Snipe-IT', () => {
  const NEW = 'new.hire';
  const env = (activityId: string) => {
    const mock = new MockActivityEnvironment({ activityId, workflowExecution: { workflowId: 'test', runId: 'run-1' } } as never);
    return { run: <A, R>(fn: (input: A) => Promise<R>, input: A): Promise<R> => mock.run(fn, input) as Promise<R> };
  };
  const stores: SqliteEngineStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  /** One host as the worker builds it (buildAdapters + buildActivities), with its own fleet in memory. */
  async function host() {
    const content = await demoContent();
    const store = new SqliteEngineStore(':memory:');
    stores.push(store);
    const adapters = buildAdapters(
      {
        mail: { from: 'IT Service Desk <servicedesk@example.com>', smtpUrl: undefined, timeoutMs: 8_000 },
        helpdesks: {},
        grants: { key: TEST_GRANT_KEY, keyFile: '/nonexistent', ttlMs: 600_000 },
        permissionBudgetMs: 300,
        workplace: { mailbox: { adapter: 'memory' }, assets: settings() },
      },
      content,
      { store },
    );
    await adapters.demoDirectory.createAccount({ userId: NEW, displayName: 'New Hire' });
    return { adapters, acts: buildActivities(adapters, content, { client: {} as Client, taskQueue: 'unused' }) };
  }
  const install = (deviceId: string) => ({
    deviceId,
    software: { id: 'vscode', version: '1.95.3' },
    targetId: NEW,
    grant: testGrant('software.install', NEW, { softwareId: 'vscode', deviceId }),
  });

  it('a laptop assigned on host A takes its install on host B, and the undo on A', async () => {
    const [a, b] = [await host(), await host()];
    expect(a.adapters.endpointTool).toBeInstanceOf(AssetOwnedEndpoints);
    const laptop = await env('assign').run(a.acts.assignAsset, { userId: NEW, model: 'standard-14', grant: testGrant('asset.assign', NEW) });
    expect(laptop).toEqual({ assetId: '201', deviceId: 'LT-0201' });
    // Neither fleet learnt the new owner: only Snipe-IT knows it.
    expect((await a.adapters.endpoints.device('LT-0201'))?.owner).toBeNull();
    expect((await b.adapters.endpoints.device('LT-0201'))?.owner).toBeNull();

    expect(await env('owner').run(b.acts.isDeviceOwner, { deviceId: laptop.deviceId, owner: NEW })).toBe(true);
    expect(await env('install').run(b.acts.installSoftware, install(laptop.deviceId))).toEqual({ alreadyInstalled: false });
    expect(b.adapters.endpoints.installs).toEqual([expect.objectContaining({ deviceId: 'LT-0201', softwareId: 'vscode' })]);
    const plan = await env('plan').run(b.acts.planSoftwareInstall, { softwareId: 'vscode', targetId: NEW });
    expect(plan.device).toEqual({ id: 'LT-0201', platform: 'windows' });
    // Host A's fleet stands for the same agent fleet here: the undo (an uninstall) passes its owner check too.
    await a.adapters.endpoints.installSoftware('LT-0201', { id: 'vscode', version: '1.95.3' });
    expect(
      await env('undo').run(a.acts.uninstallSoftware, { deviceId: 'LT-0201', softwareId: 'vscode', targetId: NEW, grant: install('LT-0201').grant }),
    ).toEqual({
      wasInstalled: true,
    });

    // Once Snipe-IT takes the laptop back, no host installs on it for the new hire.
    await env('unassign').run(b.acts.unassignAsset, { assetId: laptop.assetId, userId: NEW, grant: testGrant('asset.assign', NEW) });
    expect(await failure(env('again').run(a.acts.installSoftware, install(laptop.deviceId)))).toMatchObject({ type: 'DeviceReassigned', nonRetryable: true });
  });

  it('without the asset tool as the owner source, host B refuses the install (the bug of issue 17)', async () => {
    const [a, b] = [await host(), await host()];
    const laptop = await env('assign').run(a.acts.assignAsset, { userId: NEW, model: 'standard-14', grant: testGrant('asset.assign', NEW) });
    const content = await demoContent();
    const fleetOnly = createActivities({ ...b.adapters, policy: content.policy, catalog: content.software, redaction: content.redaction });
    expect(await failure(env('install').run(fleetOnly.installSoftware, install(laptop.deviceId)))).toMatchObject({ type: 'DeviceReassigned' });
    // The in-memory asset tool keeps the fleet itself: no decorator.
    const memory = buildAdapters(
      {
        mail: { from: 'x <x@example.com>', smtpUrl: undefined, timeoutMs: 1_000 },
        helpdesks: {},
        grants: { key: TEST_GRANT_KEY, keyFile: '/nonexistent', ttlMs: 1 },
        permissionBudgetMs: 300,
      },
      content,
      { store: stores[0]! },
    );
    expect(memory.endpointTool).toBe(memory.endpoints);
  });
});

describe('Snipe-IT assets: faults', () => {
  it('429 retries after Retry-After; 5xx and timeouts retry; 401, 403 and error bodies are final', async () => {
    const snipe = new SnipeItAssets(settings());
    fake.failNext(1, { status: 429, headers: { 'retry-after': '12', 'x-ratelimit-limit': '120', 'x-ratelimit-remaining': '0' } });
    expect(await failure(snipe.stock())).toMatchObject({ type: 'SnipeItRateLimited', nonRetryable: false, nextRetryDelay: 12_000 });
    fake.failNext(1, { status: 429 });
    expect(await failure(snipe.stock())).not.toBeInstanceOf(ApplicationFailure);
    fake.failNext(1, { status: 503, text: '<html>Maintenance</html>' });
    const down = await failure(snipe.stock());
    expect(down).not.toBeInstanceOf(ApplicationFailure);
    expect(down.message).toMatch(/answered 503: <html>Maintenance<\/html>/);
    fake.failNext(1, { status: 403, body: { status: 'error', messages: 'You do not have permission', payload: null } });
    expect(await failure(snipe.stock())).toMatchObject({ type: 'SnipeItRequestRefused', nonRetryable: true });
    const badToken = await failure(new SnipeItAssets(settings({ apiToken: 'wrong' })).stock());
    expect(badToken).toMatchObject({ type: 'SnipeItRequestRefused', nonRetryable: true });
    expect(badToken.message).toMatch(/answered 401: Unauthenticated\./);
    expect(badToken.message).not.toContain('wrong');
    fake.failNext(1, { status: 200, body: { status: 'error', messages: { model_id: ['The model id field is required.'] }, payload: null } }, { method: 'GET' });
    expect((await failure(snipe.stock())).message).toMatch(/model_id: The model id field is required\./);
    fake.failNext(1, { status: 200, text: '<html>login</html>' });
    expect((await failure(snipe.stock())).message).toMatch(/not JSON \(is SNIPEIT_URL the site's base URL\?\)/);
    fake.failNext(1, { status: 200, body: { total: 1 } });
    expect((await failure(snipe.stock())).message).toMatch(/unexpected shape \(rows/);
  });

  it('a hanging Snipe-IT times out, retryably, and the retry finds the checkout it made', async () => {
    const snipe = new SnipeItAssets(settings({ timeoutMs: 200 }));
    fake.failNext(1, { hang: 500 }, { method: 'POST', path: /\/checkout$/ });
    const hung = await failure(snipe.assign('new.hire', 'standard-14'));
    expect(hung.message).toMatch(/timed out after 200 ms/);
    await fake.settled();
    expect(await snipe.assign('new.hire', 'standard-14')).toEqual({ assetId: '201', deviceId: 'LT-0201' });
    expect(fake.log).toHaveLength(1);
  });

  it('a network failure is retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const down = await failure(new SnipeItAssets(settings({ url: `http://127.0.0.1:${port}` })).stock());
    expect(down).not.toBeInstanceOf(ApplicationFailure);
    expect(down.message).toMatch(/failed before an answer \(network error: ECONNREFUSED\)/);
  });

  it('pages through a stock larger than one answer', async () => {
    for (let i = 0; i < 620; i++) {
      fake.assets.set(1000 + i, {
        id: 1000 + i,
        asset_tag: `LT-${1000 + i}`,
        serial: `S${i}`,
        modelId: 1,
        deployable: true,
        assignedUser: null,
        values: {},
        deleted: false,
      });
    }
    const stock = await new SnipeItAssets(settings()).stock();
    expect(stock).toHaveLength(623);
    expect(fake.requestsTo('GET', '/api/v1/hardware').map((r) => r.query.offset)).toEqual(['0', '500']);
  });
});

describe('onboarding activities over Snipe-IT', () => {
  const NEW = 'new.hire';
  const env = () => {
    const mock = new MockActivityEnvironment({ activityId: 'asset', workflowExecution: { workflowId: 'test', runId: 'run-1' } } as never);
    return { run: <A, R>(fn: (input: A) => Promise<R>, input: A): Promise<R> => mock.run(fn, input) as Promise<R> };
  };
  async function host() {
    const content = await demoContent();
    const directory = new MemoryDirectory(content.directory);
    await directory.createAccount({ userId: NEW, displayName: 'New Hire' });
    const deps = { directory, mailboxes: new MemoryMailboxes(), assets: new SnipeItAssets(settings()), grants: { key: TEST_GRANT_KEY, ttlMs: 600_000 } };
    return createOnboardingActivities(deps as unknown as OnboardingDeps);
  }
  const grant = () => testGrant('asset.assign', NEW);

  it('assigns on one host, retries on the other, and undoes there', async () => {
    const [a, b] = [await host(), await host()];
    fake.failNext(1, { applyThenFail: 500 }, { method: 'POST', path: /\/checkout$/ });
    expect(await failure(env().run(a.assignAsset, { userId: NEW, model: 'standard-14', grant: grant() }))).not.toBeInstanceOf(ApplicationFailure);
    const laptop = await env().run(b.assignAsset, { userId: NEW, model: 'standard-14', grant: grant() });
    expect(laptop).toEqual({ assetId: '201', deviceId: 'LT-0201' });
    expect(await env().run(a.unassignAsset, { assetId: laptop.assetId, userId: NEW, grant: grant() })).toEqual({ unassigned: true });
    expect(await env().run(b.unassignAsset, { assetId: laptop.assetId, userId: NEW, grant: grant() })).toEqual({ unassigned: false });
  });

  it('maps the port errors to the final failures definitions match on', async () => {
    const a = await host();
    await env().run(a.assignAsset, { userId: NEW, model: 'developer-16', grant: grant() });
    expect(await failure(env().run(a.assignAsset, { userId: NEW, model: 'kiosk-10', grant: grant() }))).toMatchObject({
      type: 'OutOfStock',
      nonRetryable: true,
    });
    expect(await failure(env().run(a.unassignAsset, { assetId: '42', userId: NEW, grant: grant() }))).toMatchObject({
      type: 'DeviceReassigned',
      nonRetryable: true,
    });
    expect(await failure(env().run(a.unassignAsset, { assetId: '999', userId: NEW, grant: grant() }))).toMatchObject({ type: 'AssetGone', nonRetryable: true });
  });
});

describe('the Snipe-IT settings', () => {
  it('ASSETS_ADAPTER=snipeit requires the site, the token and the claim field', () => {
    expect(workplaceSettings.read({}).value?.assets).toEqual({ adapter: 'memory' });
    const partial = workplaceSettings.read({ ASSETS_ADAPTER: 'snipeit', SNIPEIT_URL: 'https://assets.example.com' });
    expect(partial.issues).toEqual([
      { path: 'SNIPEIT_API_TOKEN', message: 'required with ASSETS_ADAPTER=snipeit' },
      { path: 'SNIPEIT_CLAIM_FIELD', message: 'required with ASSETS_ADAPTER=snipeit' },
    ]);
    const full = workplaceSettings.read({
      ASSETS_ADAPTER: 'snipeit',
      SNIPEIT_URL: 'https://assets.example.com',
      SNIPEIT_API_TOKEN: 't',
      SNIPEIT_CLAIM_FIELD: CLAIM,
    });
    expect(full.value?.assets).toMatchObject({ adapter: 'snipeit', deviceIdField: 'asset_tag', timeoutMs: 10_000 });
    expect(workplaceSettings.read({ SNIPEIT_CLAIM_FIELD: 'Onboarding claim' }).issues[0]).toMatchObject({ path: 'SNIPEIT_CLAIM_FIELD' });
    expect(workplaceSettings.read({ SNIPEIT_DEVICE_ID_FIELD: 'mac' }).issues[0]).toMatchObject({ path: 'SNIPEIT_DEVICE_ID_FIELD' });
  });
});

describe('the Snipe-IT fake run as its own process', () => {
  let child: ReturnType<typeof spawn>;
  let url = '';
  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    child = spawn(process.execPath, ['--import', 'tsx', `${PROJECT_ROOT}/test/fakes/snipeit.ts`, '--port', String(port), '--token', TOKEN], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
    url = (JSON.parse(line) as { url: string }).url;
    expect(url).toBe(`http://127.0.0.1:${port}`);
  });
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('serves the adapter on the given port and shows its state on the control route', async () => {
    const snipe = new SnipeItAssets({ ...settings(), url });
    const headers = { authorization: `Bearer ${TOKEN}`, accept: 'application/json', 'content-type': 'application/json' };
    await fetch(`${url}/_fake/faults`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ n: 1, fault: { applyThenFail: 500 }, method: 'POST', path: 'checkout$' }),
    });
    expect(await failure(snipe.assign('new.hire', 'standard-14'))).not.toBeInstanceOf(ApplicationFailure);
    expect(await snipe.assign('new.hire', 'standard-14')).toEqual({ assetId: '201', deviceId: 'LT-0201' });
    const state = (await (await fetch(`${url}/_fake/state`, { headers })).json()) as { log: unknown[] };
    expect(state.log).toEqual([{ action: 'checkout', assetId: 201, userId: 10, note: 'it-support-engine onboarding' }]);
  });
});
