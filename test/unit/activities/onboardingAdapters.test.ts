import { describe, expect, it } from 'vitest';
import { MemoryAssets } from '../../../src/activities/assets/memory.js';
import { AssetOwnerMismatchError, OutOfStockError, UnknownAssetError } from '../../../src/activities/assets/port.js';
import { mailDomainOf } from '../../../src/config/directory.js';
import { MemoryDirectory } from '../../../src/activities/directory/memory.js';
import { DirectoryRefusedError } from '../../../src/activities/directory/port.js';
import { SimulatedFleet } from '../../../src/activities/endpoints/memory.js';
import { MemoryMailboxes } from '../../../src/activities/mailbox/memory.js';
import { type ContentError, parseContent } from '../../../src/domain/content.js';
import { DirectoryFile } from '../../../src/domain/permissions/directory.js';
import { FleetFile } from '../../../src/domain/endpoints/fleet.js';
import { chatPayload, classifyChatAnswer, NotifyConfig } from '../../../src/domain/notify.js';
import { demoContent } from '../../helpers/temporal.js';

async function fleet() {
  return new SimulatedFleet((await demoContent()).fleet);
}

describe('chat payloads (domain)', () => {
  it('Slack: {"text"} with the title in bold when there is one', () => {
    expect(chatPayload('slack', { text: 'Jane starts Monday' })).toEqual({ text: 'Jane starts Monday' });
    expect(chatPayload('slack', { text: 'all steps done', title: 'Onboarding jdoe2' })).toEqual({ text: '*Onboarding jdoe2*\nall steps done' });
  });

  it('Teams: a message with one Adaptive Card attachment, the documented shape', () => {
    const body = chatPayload('teams', { text: 'rolled back', title: 'Onboarding failed' });
    expect(body).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.2',
            body: [
              { type: 'TextBlock', text: 'Onboarding failed', weight: 'Bolder', size: 'Medium', wrap: true },
              { type: 'TextBlock', text: 'rolled back', wrap: true },
            ],
          },
        },
      ],
    });
    const plain = chatPayload('teams', { text: 'hello' }) as { attachments: Array<{ content: { body: unknown[] } }> };
    expect(plain.attachments[0]?.content.body).toEqual([{ type: 'TextBlock', text: 'hello', wrap: true }]);
  });

  it.each([
    ['slack', 200, 'ok', 'delivered'],
    ['teams', 202, '', 'delivered'],
    ['teams', 200, '1', 'delivered'],
    ['teams', 200, 'Microsoft Teams endpoint returned HTTP error 429', 'retry'],
    ['slack', 200, 'Microsoft Teams endpoint returned HTTP error 429', 'delivered'],
    ['slack', 429, 'rate_limited', 'retry'],
    ['slack', 408, '', 'retry'],
    ['slack', 425, '', 'retry'],
    ['teams', 500, '', 'retry'],
    ['teams', 503, '', 'retry'],
    ['slack', 400, 'invalid_payload', 'refused'],
    ['slack', 403, 'action_prohibited', 'refused'],
    ['slack', 404, 'no_service', 'refused'],
    ['teams', 301, '', 'refused'],
  ] as const)('%s answering %i (%s) → %s', (kind, status, body, outcome) => {
    expect(classifyChatAnswer(kind, status, body)).toBe(outcome);
  });

  it('validates content/notify.yaml: kind, variable name, channel id', () => {
    expect(NotifyConfig.parse({})).toEqual({ channels: {} });
    const bad = `channels:\n  IT Onboarding:\n    kind: slack\n    urlEnv: X\n  it-ops:\n    kind: discord\n    urlEnv: https://hooks.slack.com/services/T0/B0/secret\n`;
    const error = (() => {
      try {
        parseContent(bad, NotifyConfig, 'notify.yaml');
      } catch (e) {
        return e as ContentError;
      }
      throw new Error('expected a ContentError');
    })();
    const messages = error.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(messages).toMatch(/channel id: lower-case letters/);
    expect(messages).toMatch(/kind: slack or teams/);
    expect(messages).toMatch(/urlEnv: an environment variable name/);
  });

  it('the shipped channels name environment variables, never URLs', async () => {
    const { notify } = await demoContent();
    expect(notify.channels['it-onboarding']).toMatchObject({ kind: 'slack', urlEnv: 'CHAT_IT_ONBOARDING_URL' });
    expect(notify.channels['it-incidents']).toMatchObject({ kind: 'teams', urlEnv: 'CHAT_IT_INCIDENTS_URL' });
  });
});

describe('content: stock laptops and the mail domain', () => {
  it('fleet.yaml has unassigned stock laptops by model; owner null is allowed, a missing owner is not', async () => {
    const { fleet: file } = await demoContent();
    const stock = file.devices.filter((d) => d.owner === null);
    expect(stock.map((d) => [d.id, d.model])).toEqual([
      ['LT-0201', 'standard-14'],
      ['LT-0202', 'standard-14'],
      ['LT-0203', 'developer-16'],
      ['LT-0204', 'developer-16'],
    ]);
    expect(FleetFile.safeParse({ devices: [{ id: 'LT-1', platform: 'linux' }] }).success).toBe(false);
    expect(FleetFile.safeParse({ devices: [{ id: 'LT-1', owner: null, platform: 'linux', model: 'Big Laptop' }] }).error?.issues[0]?.message).toMatch(
      /model id/,
    );
  });

  it('the directory file has a mail domain, example.com unless set', async () => {
    expect((await demoContent()).directory.mailDomain).toBe('example.com');
    expect(DirectoryFile.parse({ mailDomain: 'corp.example.org', users: [] }).mailDomain).toBe('corp.example.org');
    expect(DirectoryFile.safeParse({ mailDomain: 'not a domain', users: [] }).success).toBe(false);
  });

  it('LDAP derives the mail domain from the base DN', () => {
    expect(mailDomainOf('DC=corp,DC=Example,DC=com')).toBe('corp.example.com');
    expect(mailDomainOf('ou=people, dc=example, dc=com')).toBe('example.com');
    expect(mailDomainOf('o=Example Corp')).toBeUndefined();
  });
});

describe('MemoryDirectory account changes', () => {
  async function directory() {
    return new MemoryDirectory((await demoContent()).directory);
  }

  it('creates an enabled account with <id>@<mail domain>, once; a retry of the same request still says created', async () => {
    const dir = await directory();
    expect(
      await dir.createAccount({ userId: 'new.hire', displayName: 'New Hire', department: 'Finance', manager: 'asmith', title: 'Analyst', createdBy: 'wf-1' }),
    ).toEqual({ created: true });
    expect(await dir.findUser({ by: 'id', id: 'new.hire' })).toEqual({
      id: 'new.hire',
      displayName: 'New Hire',
      email: 'new.hire@example.com',
      enabled: true,
      locked: false,
      groups: [],
      externalIds: {},
      manager: 'asmith',
      department: 'Finance',
    });
    expect(dir.created.get('new.hire')).toEqual({ createdBy: 'wf-1', title: 'Analyst' });
    expect(await dir.createAccount({ userId: 'new.hire', displayName: 'New Hire', createdBy: 'wf-1' })).toEqual({ created: true });
    expect(await dir.createAccount({ userId: 'new.hire', displayName: 'New Hire', createdBy: 'wf-2' })).toEqual({ created: false });
    expect(await dir.createAccount({ userId: 'jdoe', displayName: 'Jane Doe' })).toEqual({ created: false });
    expect(dir.userIds().filter((id) => id === 'new.hire')).toHaveLength(1);
  });

  it('uses the file mail domain and refuses an unknown manager', async () => {
    const dir = new MemoryDirectory(DirectoryFile.parse({ mailDomain: 'corp.example.org', users: [] }));
    await dir.createAccount({ userId: 'a.b', displayName: 'A B' });
    expect((await dir.findUser({ by: 'id', id: 'a.b' }))?.email).toBe('a.b@corp.example.org');
    await expect(dir.createAccount({ userId: 'c.d', displayName: 'C D', manager: 'ghost' })).rejects.toMatchObject({
      code: 'unknown-manager',
      message: expect.stringContaining('"ghost"'),
    });
    expect(await dir.findUser({ by: 'id', id: 'c.d' })).toBeNull();
  });

  it('deletes only what the request created when it says which request it is', async () => {
    const dir = await directory();
    await dir.createAccount({ userId: 'new.hire', displayName: 'New Hire', createdBy: 'wf-1' });
    expect(await dir.deleteAccount('new.hire', { createdBy: 'wf-2' })).toEqual({ deleted: false });
    expect(await dir.deleteAccount('jdoe', { createdBy: 'wf-1' })).toEqual({ deleted: false });
    expect(await dir.findUser({ by: 'id', id: 'jdoe' })).not.toBeNull();
    expect(await dir.deleteAccount('new.hire', { createdBy: 'wf-1' })).toEqual({ deleted: true });
    expect(await dir.deleteAccount('new.hire', { createdBy: 'wf-1' })).toEqual({ deleted: false });
    expect(await dir.deleteAccount('pat.nomail')).toEqual({ deleted: true });
    expect(dir.userIds()).not.toContain('pat.nomail');
  });

  it('adds only new groups, refuses unknown ones without adding any, removes idempotently', async () => {
    const dir = await directory();
    expect(await dir.addToGroups('jdoe', ['staff', 'managers', 'managers'])).toEqual({ added: ['managers'] });
    const refused = await dir.addToGroups('jdoe', ['helpdesk', 'no-such-group', 'nor-this']).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DirectoryRefusedError);
    expect(refused).toMatchObject({ code: 'unknown-group', message: 'unknown groups "no-such-group", "nor-this"' });
    expect(await dir.addToGroups('jdoe', ['x']).catch((e: Error) => e.message)).toBe('unknown group "x"');
    expect((await dir.findUser({ by: 'id', id: 'jdoe' }))?.groups).toEqual(['staff', 'managers']);
    await expect(dir.addToGroups('ghost', ['staff'])).rejects.toMatchObject({ code: 32 });
    expect(await dir.removeFromGroups('jdoe', ['managers', 'helpdesk'])).toEqual({ removed: ['managers'] });
    expect(await dir.removeFromGroups('jdoe', ['managers'])).toEqual({ removed: [] });
    expect(await dir.removeFromGroups('ghost', ['staff'])).toEqual({ removed: [] });
    expect(await dir.groupsOf((await dir.findUser({ by: 'id', id: 'jdoe' }))!)).toEqual(['staff']);
  });

  it('counts calls and fails on request before changing anything', async () => {
    const dir = await directory();
    dir.failNext('addToGroups');
    await expect(dir.addToGroups('jdoe', ['managers'])).rejects.toThrow('directory unavailable (injected failure of addToGroups)');
    expect((await dir.findUser({ by: 'id', id: 'jdoe' }))?.groups).toEqual(['staff']);
    expect(await dir.addToGroups('jdoe', ['managers'])).toEqual({ added: ['managers'] });
    expect(dir.calls).toEqual({ createAccount: 0, deleteAccount: 0, addToGroups: 2, removeFromGroups: 0 });
  });
});

describe('MemoryMailboxes', () => {
  it('creates and deletes idempotently, and never deletes a mailbox another request made', async () => {
    const boxes = new MemoryMailboxes([{ userId: 'jdoe', quotaGb: 100 }]);
    expect(await boxes.createMailbox('new.hire', { quotaGb: 50, createdBy: 'wf-1' })).toEqual({ created: true });
    expect(await boxes.createMailbox('new.hire', { quotaGb: 50, createdBy: 'wf-1' })).toEqual({ created: true });
    expect(await boxes.createMailbox('new.hire', { quotaGb: 50 })).toEqual({ created: false });
    expect(await boxes.createMailbox('jdoe', { quotaGb: 50, createdBy: 'wf-1' })).toEqual({ created: false });
    expect(await boxes.mailbox('new.hire')).toEqual({ userId: 'new.hire', quotaGb: 50, createdBy: 'wf-1' });
    expect(await boxes.deleteMailbox('jdoe', { createdBy: 'wf-1' })).toEqual({ deleted: false });
    expect(await boxes.deleteMailbox('new.hire', { createdBy: 'wf-1' })).toEqual({ deleted: true });
    expect(await boxes.deleteMailbox('new.hire')).toEqual({ deleted: false });
    expect(await boxes.mailbox('new.hire')).toBeNull();
    expect(await boxes.createMailbox('plain', { quotaGb: 10 })).toEqual({ created: true });
    expect(await boxes.deleteMailbox('plain')).toEqual({ deleted: true });
    expect(boxes.all()).toEqual([{ userId: 'jdoe', quotaGb: 100 }]);
    expect(boxes.calls).toEqual({ createMailbox: 5, deleteMailbox: 4 });
    expect(boxes.effects).toEqual({ createMailbox: 2, deleteMailbox: 2 });
  });

  it('fails the next call of an operation, before or after its effect', async () => {
    const boxes = new MemoryMailboxes();
    const refused = new Error('quota service says no');
    boxes.failNext('createMailbox', { error: refused });
    await expect(boxes.createMailbox('a', { quotaGb: 1 })).rejects.toBe(refused);
    expect(boxes.all()).toEqual([]);
    boxes.failNext('createMailbox', { afterEffect: true });
    await expect(boxes.createMailbox('a', { quotaGb: 1, createdBy: 'wf' })).rejects.toThrow('mail system unavailable (injected failure of createMailbox)');
    expect(boxes.all()).toEqual([{ userId: 'a', quotaGb: 1, createdBy: 'wf' }]);
    // The retry after a lost answer: no second mailbox, and the request still owns it.
    expect(await boxes.createMailbox('a', { quotaGb: 1, createdBy: 'wf' })).toEqual({ created: true });
    boxes.failNext('deleteMailbox');
    await expect(boxes.deleteMailbox('a')).rejects.toThrow(/injected failure of deleteMailbox/);
    expect(await boxes.deleteMailbox('a')).toEqual({ deleted: true });
    expect(boxes.effects).toEqual({ createMailbox: 1, deleteMailbox: 1 });
  });
});

describe('MemoryAssets over the simulated fleet', () => {
  it('hands out a stock laptop of the model, which the endpoint tool then lists for the person', async () => {
    const endpoints = await fleet();
    const assets = new MemoryAssets(endpoints);
    expect((await assets.stock()).map((s) => s.deviceId)).toEqual(['LT-0201', 'LT-0202', 'LT-0203', 'LT-0204']);
    const first = await assets.assign('new.hire', 'developer-16');
    expect(first).toEqual({ assetId: 'AST-LT-0203', deviceId: 'LT-0203' });
    expect((await endpoints.devicesOf('new.hire')).map((d) => d.id)).toEqual(['LT-0203']);
    expect(await assets.assign('new.hire', 'developer-16')).toEqual(first);
    expect(await assets.assign('other.hire', 'developer-16')).toEqual({ assetId: 'AST-LT-0204', deviceId: 'LT-0204' });
    const out = await assets.assign('third.hire', 'developer-16').catch((e: unknown) => e);
    expect(out).toBeInstanceOf(OutOfStockError);
    expect((out as Error).message).toBe('no unassigned laptop of model "developer-16" in stock (models in stock: standard-14)');
    expect(assets.effects.assign).toBe(2);
    expect(assets.calls.assign).toBe(4);
  });

  it('a laptop someone already owned is not "the one this tool handed out"', async () => {
    const endpoints = await fleet();
    endpoints.reassign('LT-0201', 'jdoe');
    const assets = new MemoryAssets(endpoints);
    // jdoe holds LT-0201 (standard-14) from before: the assignment still hands out a stock laptop.
    expect(await assets.assign('jdoe', 'standard-14')).toEqual({ assetId: 'AST-LT-0202', deviceId: 'LT-0202' });
    expect(await assets.assign('x', 'standard-14').catch((e: Error) => e.message)).toBe(
      'no unassigned laptop of model "standard-14" in stock (models in stock: developer-16)',
    );
  });

  it('takes a laptop back to stock with the stock software, once, and never from someone else', async () => {
    const endpoints = await fleet();
    const assets = new MemoryAssets(endpoints);
    const { assetId, deviceId } = await assets.assign('new.hire', 'standard-14');
    await endpoints.installSoftware(deviceId, { id: 'vscode', version: '1.95.3' });
    await endpoints.uninstallSoftware(deviceId, 'office-365');
    await expect(assets.unassign(assetId, 'jdoe')).rejects.toBeInstanceOf(AssetOwnerMismatchError);
    expect(await assets.unassign(assetId, 'new.hire')).toEqual({ unassigned: true });
    expect(await endpoints.device(deviceId)).toMatchObject({ owner: null, installed: [{ id: 'office-365', version: '2408' }] });
    expect(await assets.unassign(assetId, 'new.hire')).toEqual({ unassigned: false });
    await expect(assets.unassign('AST-LT-9999', 'new.hire')).rejects.toBeInstanceOf(UnknownAssetError);
    await expect(assets.unassign('LT-0201', 'new.hire')).rejects.toThrow('no asset LT-0201');
    expect((await assets.stock()).map((s) => s.deviceId)).toEqual(['LT-0201', 'LT-0202', 'LT-0203', 'LT-0204']);
    expect(assets.effects.unassign).toBe(1);
  });

  it('fails on request; after the effect, the retry returns the same laptop', async () => {
    const assets = new MemoryAssets(await fleet());
    assets.failNext('assign');
    await expect(assets.assign('a', 'standard-14')).rejects.toThrow('asset tool unavailable (injected failure of assign)');
    expect(await assets.stock()).toHaveLength(4);
    assets.failNext('assign', { afterEffect: true });
    await expect(assets.assign('a', 'standard-14')).rejects.toThrow(/injected/);
    expect(await assets.assign('a', 'standard-14')).toEqual({ assetId: 'AST-LT-0201', deviceId: 'LT-0201' });
    const gone = new Error('CMDB is read-only');
    assets.failNext('unassign', { error: gone });
    await expect(assets.unassign('AST-LT-0201', 'a')).rejects.toBe(gone);
    expect(await assets.stock()).toHaveLength(3);
    expect(assets.effects).toEqual({ assign: 1, unassign: 0 });
  });

  it('stock is empty when everything is handed out', async () => {
    const endpoints = new SimulatedFleet(FleetFile.parse({ devices: [{ id: 'LT-1', owner: 'jdoe', platform: 'linux', model: 'standard-14' }] }));
    expect(await new MemoryAssets(endpoints).assign('a', 'standard-14').catch((e: Error) => e.message)).toBe(
      'no unassigned laptop of model "standard-14" in stock (stock is empty)',
    );
  });
});

describe('SimulatedFleet.uninstallSoftware', () => {
  it('removes by catalog id, idempotently; an unknown device is an error', async () => {
    const endpoints = await fleet();
    expect(await endpoints.uninstallSoftware('LT-0042', 'office-365')).toEqual({ wasInstalled: true });
    expect(await endpoints.uninstallSoftware('LT-0042', 'office-365')).toEqual({ wasInstalled: false });
    expect((await endpoints.device('LT-0042'))?.installed).toEqual([]);
    expect(endpoints.uninstalls.map((u) => [u.deviceId, u.softwareId])).toEqual([['LT-0042', 'office-365']]);
    await expect(endpoints.uninstallSoftware('LT-9999', 'x')).rejects.toThrow('no device LT-9999');
    expect(() => endpoints.returnToStock('LT-9999')).toThrow('no device LT-9999');
  });
});

describe('a fleet file that is not an object', () => {
  it('is a validation error, never a crash', () => {
    for (const value of [null, undefined, 42, 'devices']) expect(FleetFile.safeParse(value).success).toBe(false);
  });
});
