import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryAssets } from '../../src/activities/assets/memory.js';
import { MemoryDirectory } from '../../src/activities/directory/memory.js';
import { SimulatedFleet } from '../../src/activities/endpoints/memory.js';
import { GraphMailboxes } from '../../src/activities/mailbox/graph.js';
import { createOnboardingActivities, type OnboardingDeps } from '../../src/activities/onboarding.js';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { workplaceSettings, type GraphMailboxSettings } from '../../src/config/workplace.js';
import { EXCHANGE_SKU, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT, FakeGraph, OTHER_SKU } from '../fakes/graph.js';
import { testGrant } from '../helpers/grants.js';
import { demoContent, TEST_GRANT_KEY } from '../helpers/temporal.js';

// The Exchange Online mail system through Microsoft Graph, against a fake of the documented
// endpoints (test/fakes/graph.ts). Two adapter instances stand for two worker hosts: what one
// creates, the other must see and own, since the record lives on the user in Graph.

const EXTENSION = 'com.example.itSupportEngine';
/** Faults for Graph's own requests, not the token endpoint. */
const GRAPH = { path: /^\/v1\.0\// };

let fake: FakeGraph;

function settings(over: Partial<GraphMailboxSettings> = {}): GraphMailboxSettings {
  return {
    adapter: 'graph',
    tenantId: FAKE_TENANT,
    clientId: FAKE_CLIENT_ID,
    clientSecret: FAKE_CLIENT_SECRET,
    exchangeSkuId: EXCHANGE_SKU,
    userDomain: 'example.com',
    baseUrl: `${fake.url}/v1.0`,
    loginUrl: fake.url,
    extensionName: EXTENSION,
    quotaGb: 50,
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

beforeEach(async () => {
  fake = new FakeGraph({
    users: [
      { userPrincipalName: 'new.hire@example.com' },
      { userPrincipalName: 'jdoe@example.com', mail: 'jdoe@example.com', assignedLicenses: [{ skuId: EXCHANGE_SKU, disabledPlans: [] }] },
      { userPrincipalName: 'visitor@example.com', usageLocation: null },
      { userPrincipalName: 'other.lic@example.com', assignedLicenses: [{ skuId: OTHER_SKU, disabledPlans: [] }] },
    ],
  });
  await fake.start();
});
afterEach(async () => {
  await fake.stop();
});

describe('Graph mailboxes: the port contract across two hosts', () => {
  it('creates by assigning the Exchange license, records the creator on the user, and the other host owns it', async () => {
    const hostA = new GraphMailboxes(settings());
    const hostB = new GraphMailboxes(settings());
    expect(await hostA.mailbox('new.hire')).toBeNull();
    expect(await hostA.createMailbox('new.hire', { quotaGb: 25, createdBy: 'onboarding-1' })).toEqual({ created: true });

    const user = fake.user('new.hire@example.com')!;
    expect(user.assignedLicenses).toEqual([{ skuId: EXCHANGE_SKU, disabledPlans: [] }]);
    expect(user.extensions).toEqual([{ extensionName: EXTENSION, createdBy: 'onboarding-1', quotaGb: 25 }]);
    expect(fake.requestsTo('POST', /\/assignLicense$/).map((r) => r.body)).toEqual([
      { addLicenses: [{ skuId: EXCHANGE_SKU, disabledPlans: [] }], removeLicenses: [] },
    ]);
    expect(fake.requestsTo('POST', /\/extensions$/).map((r) => r.body)).toEqual([
      { '@odata.type': 'microsoft.graph.openTypeExtension', extensionName: EXTENSION, createdBy: 'onboarding-1', quotaGb: 25 },
    ]);

    // Host B: the same request still knows it created the mailbox; another request does not.
    expect(await hostB.mailbox('new.hire')).toEqual({ userId: 'new.hire', quotaGb: 25, createdBy: 'onboarding-1' });
    expect(await hostB.createMailbox('new.hire', { quotaGb: 25, createdBy: 'onboarding-1' })).toEqual({ created: true });
    expect(await hostB.createMailbox('new.hire', { quotaGb: 25, createdBy: 'onboarding-2' })).toEqual({ created: false });
    expect(fake.requestsTo('POST', /\/assignLicense$/)).toHaveLength(1);

    // The undo of another request leaves it; the creator's undo (on host B) removes license and record.
    expect(await hostB.deleteMailbox('new.hire', { createdBy: 'onboarding-2' })).toEqual({ deleted: false });
    expect(await hostB.deleteMailbox('new.hire', { createdBy: 'onboarding-1' })).toEqual({ deleted: true });
    expect(fake.user('new.hire@example.com')).toMatchObject({ assignedLicenses: [], extensions: [] });
    expect(fake.requestsTo('POST', /\/assignLicense$/)[1]?.body).toEqual({ addLicenses: [], removeLicenses: [EXCHANGE_SKU] });
    expect(await hostA.deleteMailbox('new.hire', { createdBy: 'onboarding-1' })).toEqual({ deleted: false });
    expect(await hostA.mailbox('new.hire')).toBeNull();
  });

  it('never claims or removes a mailbox that existed before', async () => {
    const graph = new GraphMailboxes(settings());
    expect(await graph.mailbox('jdoe')).toEqual({ userId: 'jdoe', quotaGb: 50 });
    expect(await graph.createMailbox('jdoe', { quotaGb: 25, createdBy: 'onboarding-1' })).toEqual({ created: false });
    expect(await graph.deleteMailbox('jdoe', { createdBy: 'onboarding-1' })).toEqual({ deleted: false });
    expect(fake.user('jdoe@example.com')!.assignedLicenses).toHaveLength(1);
    expect(fake.requestsTo('POST', /\/assignLicense$/)).toHaveLength(0);
    // Without createdBy (an administrator's delete), it goes.
    expect(await graph.deleteMailbox('jdoe')).toEqual({ deleted: true });
    // Another SKU is no Exchange mailbox.
    expect(await graph.mailbox('other.lic')).toBeNull();
  });

  it('a create whose answer was lost is retried on the other host without a second license', async () => {
    const hostA = new GraphMailboxes(settings());
    const hostB = new GraphMailboxes(settings());
    fake.failNext(1, { applyThenFail: 503 }, { method: 'POST', path: /\/assignLicense$/ });
    const lost = await failure(hostA.createMailbox('new.hire', { quotaGb: 50, createdBy: 'wf-1' }));
    expect(lost).not.toBeInstanceOf(ApplicationFailure);
    expect(lost.message).toMatch(/assignLicense answered 503: ServiceUnavailable/);
    expect(await hostB.createMailbox('new.hire', { quotaGb: 50, createdBy: 'wf-1' })).toEqual({ created: true });
    expect(fake.user('new.hire@example.com')!.assignedLicenses).toHaveLength(1);
    expect(fake.skus[EXCHANGE_SKU]).toBe(9);
  });

  it('a record written before a crash, and never licensed, reads as no mailbox and is cleaned by the undo', async () => {
    const graph = new GraphMailboxes(settings());
    fake.failNext(1, { status: 500 }, { method: 'POST', path: /\/assignLicense$/ });
    expect(await failure(graph.createMailbox('new.hire', { quotaGb: 50, createdBy: 'wf-1' }))).not.toBeInstanceOf(ApplicationFailure);
    expect(await graph.mailbox('new.hire')).toBeNull();
    expect(await graph.deleteMailbox('new.hire', { createdBy: 'wf-1' })).toEqual({ deleted: false });
    expect(fake.user('new.hire@example.com')!.extensions).toEqual([]);
    // A later request overwrites a stale record left by another.
    fake.user('new.hire@example.com')!.extensions.push({ extensionName: EXTENSION, createdBy: 'old-run', quotaGb: 10 });
    expect(await graph.createMailbox('new.hire', { quotaGb: 30, createdBy: 'wf-2' })).toEqual({ created: true });
    expect(fake.requestsTo('PATCH', /\/extensions\//).at(-1)?.body).toEqual({ createdBy: 'wf-2', quotaGb: 30 });
    expect(await graph.mailbox('new.hire')).toEqual({ userId: 'new.hire', quotaGb: 30, createdBy: 'wf-2' });
  });

  it('a create without createdBy still records the quota and reports created', async () => {
    const graph = new GraphMailboxes(settings());
    expect(await graph.createMailbox('new.hire', { quotaGb: 40 })).toEqual({ created: true });
    expect(await graph.mailbox('new.hire')).toEqual({ userId: 'new.hire', quotaGb: 40 });
    expect(await graph.createMailbox('new.hire', { quotaGb: 40 })).toEqual({ created: false });
  });

  it('says what is wrong with a user Graph does not know or cannot license', async () => {
    const graph = new GraphMailboxes(settings());
    const unknown = await failure(graph.createMailbox('nobody', { quotaGb: 50, createdBy: 'wf' }));
    expect(unknown).toBeInstanceOf(ApplicationFailure);
    expect(unknown).toMatchObject({ type: 'MailboxUserUnknown', nonRetryable: true });
    expect(unknown.message).toContain('nobody@example.com');
    expect(await graph.deleteMailbox('nobody', { createdBy: 'wf' })).toEqual({ deleted: false });
    expect(await graph.mailbox('nobody')).toBeNull();

    const noLocation = await failure(graph.createMailbox('visitor', { quotaGb: 50, createdBy: 'wf' }));
    expect(noLocation).toMatchObject({ type: 'MailboxRefused', nonRetryable: true });
    expect(noLocation.message).toMatch(/usageLocation/);
    expect(fake.user('visitor@example.com')!.extensions).toEqual([]);

    // A SKU the tenant does not have: Graph's 400 is final and names the license.
    const wrongSku = new GraphMailboxes(settings({ exchangeSkuId: '00000000-0000-0000-0000-000000000001' }));
    const refused = await failure(wrongSku.createMailbox('new.hire', { quotaGb: 50, createdBy: 'wf' }));
    expect(refused).toMatchObject({ type: 'GraphRequestRefused', nonRetryable: true });
    expect(refused.message).toMatch(/answered 400: Request_BadRequest: License 00000000-0000-0000-0000-000000000001 does not correspond/);
  });

  it('a concurrent write of the record (409) retries', async () => {
    const graph = new GraphMailboxes(settings());
    fake.failNext(1, { status: 409, body: { error: { code: 'NameAlreadyExists', message: 'exists' } } }, { method: 'POST', path: /\/extensions$/ });
    const conflict = await failure(graph.createMailbox('new.hire', { quotaGb: 50, createdBy: 'wf' }));
    expect(conflict).not.toBeInstanceOf(ApplicationFailure);
    expect(await graph.createMailbox('new.hire', { quotaGb: 50, createdBy: 'wf' })).toEqual({ created: true });
  });
});

describe('Graph mailboxes: faults', () => {
  it('429 retries after the Retry-After Graph asks for; 5xx retries; 4xx is final', async () => {
    const graph = new GraphMailboxes(settings());
    fake.failNext(1, { status: 429, headers: { 'retry-after': '7' }, body: { error: { code: 'TooManyRequests', message: 'Too many requests' } } }, GRAPH);
    const throttled = await failure(graph.mailbox('new.hire'));
    expect(throttled).toBeInstanceOf(ApplicationFailure);
    expect(throttled).toMatchObject({ type: 'GraphRateLimited', nonRetryable: false, nextRetryDelay: 7000 });
    expect(throttled.message).toMatch(/answered 429: TooManyRequests: Too many requests/);

    fake.failNext(1, { status: 429 }, GRAPH);
    expect(await failure(graph.mailbox('new.hire'))).not.toBeInstanceOf(ApplicationFailure);
    fake.failNext(1, { status: 503, headers: { 'retry-after': '3' } }, GRAPH);
    expect(await failure(graph.mailbox('new.hire'))).toMatchObject({ type: 'GraphRateLimited', nextRetryDelay: 3000 });
    fake.failNext(1, { status: 502, body: '<html>Bad gateway</html>' }, GRAPH);
    const gateway = await failure(graph.mailbox('new.hire'));
    expect(gateway).not.toBeInstanceOf(ApplicationFailure);
    fake.failNext(
      1,
      { status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } },
      GRAPH,
    );
    expect(await failure(graph.mailbox('new.hire'))).toMatchObject({ type: 'GraphRequestRefused', nonRetryable: true });
    expect(await graph.mailbox('new.hire')).toBeNull();
  });

  it('a hanging Graph times out, retryably; the change it made meanwhile is found by the retry', async () => {
    const graph = new GraphMailboxes(settings({ timeoutMs: 200 }));
    fake.failNext(1, { hang: 600 }, { method: 'POST', path: /\/assignLicense$/ });
    const hung = await failure(graph.createMailbox('new.hire', { quotaGb: 50, createdBy: 'wf-1' }));
    expect(hung).not.toBeInstanceOf(ApplicationFailure);
    expect(hung.message).toMatch(/timed out after 200 ms/);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await graph.createMailbox('new.hire', { quotaGb: 50, createdBy: 'wf-1' })).toEqual({ created: true });
    expect(fake.requestsTo('POST', /\/assignLicense$/)).toHaveLength(1);
  });

  it('a network failure is retryable and names the request', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const graph = new GraphMailboxes(settings({ baseUrl: `http://127.0.0.1:${port}/v1.0` }));
    const down = await failure(graph.mailbox('new.hire'));
    expect(down).not.toBeInstanceOf(ApplicationFailure);
    expect(down.message).toMatch(/Graph GET \/users\/new\.hire%40example\.com failed before an answer \(network error: ECONNREFUSED\)/);
  });

  it('an answer in an unexpected shape is a retryable error naming the field', async () => {
    const graph = new GraphMailboxes(settings());
    fake.failNext(1, { status: 200, body: { id: 'x', userPrincipalName: 'new.hire@example.com' } }, { method: 'GET' });
    expect((await failure(graph.mailbox('new.hire'))).message).toMatch(/unexpected shape \(assignedLicenses/);
    fake.failNext(1, { status: 200, body: 'not json' }, { method: 'GET' });
    await expect(graph.mailbox('new.hire')).rejects.toThrow(/unexpected shape|not JSON/);
  });
});

describe('Graph mailboxes: the app-only token', () => {
  it('is fetched once by the documented client-credentials request and cached; a 401 renews it once', async () => {
    const graph = new GraphMailboxes(settings());
    await graph.mailbox('new.hire');
    await graph.mailbox('jdoe');
    await graph.createMailbox('new.hire', { quotaGb: 50, createdBy: 'wf' });
    const tokenRequests = fake.requestsTo('POST', /\/oauth2\/v2\.0\/token$/);
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]!.path).toBe(`/${FAKE_TENANT}/oauth2/v2.0/token`);
    expect(tokenRequests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');

    fake.expireTokens();
    expect(await graph.mailbox('new.hire')).toMatchObject({ createdBy: 'wf' });
    expect(fake.requestsTo('POST', /\/oauth2\/v2\.0\/token$/)).toHaveLength(2);

    // Every Graph request carried a bearer token and asked for JSON; the secret travelled only in the token form.
    const graphRequests = fake.requests.filter((r) => r.path.startsWith('/v1.0/'));
    expect(graphRequests.every((r) => /^Bearer eyJ/.test(r.headers.authorization ?? '') && r.headers.accept === 'application/json')).toBe(true);
    const outsideTokenForm = fake.requests.filter((r) => !r.path.endsWith('/token')).map((r) => JSON.stringify(r));
    expect(outsideTokenForm.join('\n')).not.toContain(FAKE_CLIENT_SECRET);
  });

  it('renews the token shortly before it expires', async () => {
    await fake.stop();
    fake = new FakeGraph({ users: [{ userPrincipalName: 'new.hire@example.com' }], tokenLifetimeS: 120 });
    await fake.start();
    let now = 1_000_000;
    const graph = new GraphMailboxes(settings(), () => now);
    await graph.mailbox('new.hire');
    now += 30_000;
    await graph.mailbox('new.hire');
    expect(fake.requestsTo('POST', /token$/)).toHaveLength(1);
    now += 40_000; // 70 s of 120: inside the last minute
    await graph.mailbox('new.hire');
    expect(fake.requestsTo('POST', /token$/)).toHaveLength(2);
  });

  it('a wrong secret or tenant is final, and the message carries the identity platform error, never the secret', async () => {
    const wrong = new GraphMailboxes(settings({ clientSecret: 'wrong-secret' }));
    const refused = await failure(wrong.mailbox('new.hire'));
    expect(refused).toMatchObject({ type: 'GraphTokenRequestRefused', nonRetryable: true });
    expect(refused.message).toMatch(/answered 401: invalid_client: AADSTS7000215: Invalid client secret provided\./);
    expect(refused.message).not.toContain('wrong-secret');
    const tenant = await failure(new GraphMailboxes(settings({ tenantId: 'nope.onmicrosoft.com' })).mailbox('new.hire'));
    expect(tenant.message).toMatch(/AADSTS90002/);

    fake.failNext(1, { status: 503 }, { path: /token$/ });
    expect(await failure(new GraphMailboxes(settings()).mailbox('new.hire'))).not.toBeInstanceOf(ApplicationFailure);
    fake.failNext(1, { status: 200, body: { token_type: 'Bearer' } }, { path: /token$/ });
    expect((await failure(new GraphMailboxes(settings()).mailbox('new.hire'))).message).toMatch(/without an access token/);
  });

  it('concurrent calls share one token request', async () => {
    const graph = new GraphMailboxes(settings());
    await Promise.all([graph.mailbox('new.hire'), graph.mailbox('jdoe'), graph.mailbox('visitor')]);
    expect(fake.requestsTo('POST', /token$/)).toHaveLength(1);
  });
});

describe('onboarding activities over Graph mailboxes', () => {
  const NEW = 'new.hire';
  const env = () => {
    const mock = new MockActivityEnvironment({ activityId: 'mbx', workflowExecution: { workflowId: 'test', runId: 'run-1' } } as never);
    return { run: <A, R>(fn: (input: A) => Promise<R>, input: A): Promise<R> => mock.run(fn, input) as Promise<R> };
  };
  async function host() {
    const content = await demoContent();
    const directory = new MemoryDirectory(content.directory);
    await directory.createAccount({ userId: NEW, displayName: 'New Hire' });
    const deps = {
      directory,
      mailboxes: new GraphMailboxes(settings()),
      assets: new MemoryAssets(new SimulatedFleet(content.fleet)),
      endpoints: new SimulatedFleet(content.fleet),
      grants: { key: TEST_GRANT_KEY, ttlMs: 600_000 },
    } as unknown as OnboardingDeps;
    return createOnboardingActivities(deps);
  }

  it('creates on one host, is retried and undone on the other, with the workflow id as creator', async () => {
    const [a, b] = [await host(), await host()];
    const grant = () => testGrant('mailbox.create', NEW);
    fake.failNext(1, { applyThenFail: 500 }, { method: 'POST', path: /\/assignLicense$/ });
    expect(await failure(env().run(a.createMailbox, { userId: NEW, quotaGb: 25, grant: grant() }))).not.toBeInstanceOf(ApplicationFailure);
    expect(await env().run(b.createMailbox, { userId: NEW, quotaGb: 25, grant: grant() })).toEqual({ created: true });
    expect(fake.user('new.hire@example.com')!.extensions).toEqual([{ extensionName: EXTENSION, createdBy: 'test', quotaGb: 25 }]);
    expect(await env().run(a.deleteMailbox, { userId: NEW, grant: grant() })).toEqual({ deleted: true });
    expect(await env().run(b.deleteMailbox, { userId: NEW, grant: grant() })).toEqual({ deleted: false });
    expect(fake.user('new.hire@example.com')!.assignedLicenses).toEqual([]);
  });

  it("Graph's refusals reach the workflow as final failures", async () => {
    const a = await host();
    fake.user('new.hire@example.com')!.usageLocation = null;
    const refused = await failure(env().run(a.createMailbox, { userId: NEW, grant: testGrant('mailbox.create', NEW) }));
    expect(refused).toMatchObject({ type: 'MailboxRefused', nonRetryable: true });
  });
});

describe('the Graph settings and the fake as its own process', () => {
  it('MAILBOX_ADAPTER=graph requires the app registration and the SKU, and names what is missing', () => {
    expect(workplaceSettings.read({}).value).toMatchObject({ mailbox: { adapter: 'memory' } });
    const partial = workplaceSettings.read({ MAILBOX_ADAPTER: 'graph', GRAPH_TENANT_ID: FAKE_TENANT });
    expect(partial.issues.map((i) => i.path)).toEqual(['GRAPH_CLIENT_ID', 'GRAPH_CLIENT_SECRET', 'GRAPH_EXCHANGE_SKU_ID', 'GRAPH_USER_DOMAIN']);
    expect(partial.issues[0]!.message).toBe('required with MAILBOX_ADAPTER=graph');
    const full = workplaceSettings.read({
      MAILBOX_ADAPTER: 'graph',
      GRAPH_TENANT_ID: FAKE_TENANT,
      GRAPH_CLIENT_ID: FAKE_CLIENT_ID,
      GRAPH_CLIENT_SECRET: FAKE_CLIENT_SECRET,
      GRAPH_EXCHANGE_SKU_ID: EXCHANGE_SKU,
      GRAPH_USER_DOMAIN: 'example.com',
    });
    expect(full.issues).toEqual([]);
    expect(full.value?.mailbox).toMatchObject({
      adapter: 'graph',
      baseUrl: 'https://graph.microsoft.com/v1.0',
      loginUrl: 'https://login.microsoftonline.com',
      quotaGb: 50,
    });
    expect(workplaceSettings.read({ MAILBOX_ADAPTER: 'exchange' }).issues[0]).toMatchObject({ path: 'MAILBOX_ADAPTER' });
  });
});

describe('the Graph fake run as its own process', () => {
  let child: ReturnType<typeof spawn>;
  let url = '';
  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', `${PROJECT_ROOT}/test/fakes/graph.ts`, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
    url = (JSON.parse(line) as { url: string }).url;
  });
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('serves the adapter and shows its state on the control route', async () => {
    const graph = new GraphMailboxes({ ...settings(), baseUrl: `${url}/v1.0`, loginUrl: url });
    expect(await graph.createMailbox('new.hire', { quotaGb: 50, createdBy: 'cluster-wf' })).toEqual({ created: true });
    await fetch(`${url}/_fake/faults`, { method: 'POST', body: JSON.stringify({ n: 1, fault: { status: 503 }, path: 'assignLicense' }) });
    expect(await failure(graph.deleteMailbox('new.hire', { createdBy: 'cluster-wf' }))).not.toBeInstanceOf(ApplicationFailure);
    const state = (await (await fetch(`${url}/_fake/state`)).json()) as {
      users: Array<{ userPrincipalName: string; extensions: unknown[]; assignedLicenses: unknown[] }>;
    };
    expect(state.users.find((u) => u.userPrincipalName === 'new.hire@example.com')).toMatchObject({
      assignedLicenses: [{ skuId: EXCHANGE_SKU }],
      extensions: [{ createdBy: 'cluster-wf' }],
    });
  });
});
