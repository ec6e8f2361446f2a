import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ContentError, parseContent } from '../../../../src/domain/content.js';
import { issueMessage } from '../../../../src/domain/errors.js';
import type { UserFacts } from '../../../../src/domain/permissions/directory.js';
import { ADMIN_GROUPS_DEFAULT, SelfServiceCatalog } from '../../../../src/domain/selfService/catalog.js';
import { type AvailabilityWindow, describeWindow, inWindow } from '../../../../src/domain/selfService/availability.js';
import { ELEVATION_ATTEMPTS, REFUSAL_STATUS } from '../../../../src/domain/selfService/refusals.js';
import type { RequestHistory } from '../../../../src/domain/selfService/limits.js';
import { type CallerContext, checkRequest, visibleAutomations } from '../../../../src/domain/selfService/request.js';

const shipped = parseContent(readFileSync('content/selfservice.yaml', 'utf8'), SelfServiceCatalog, 'content/selfservice.yaml');

const user = (groups: string[] = ['staff'], extra: Partial<UserFacts> = {}): UserFacts => ({
  id: 'jdoe',
  enabled: true,
  locked: false,
  groups,
  manager: 'asmith',
  hasEmail: true,
  ...extra,
});
const caller = (extra: Partial<CallerContext> = {}): CallerContext => ({ user: user(), devices: ['LT-100', 'LT-101'], ...extra });
const admin = (): CallerContext => caller({ user: user(['staff', 'it-staff']) });
const fresh: RequestHistory = { startsLast24h: [], lastFinishedAt: null };
/** Monday 2 March 2026, 10:00 in London (GMT). */
const MON_10 = new Date('2026-03-02T10:00:00Z');

type Request = Parameters<typeof checkRequest>[1];
const check = (request: Request, c: CallerContext = caller(), history: RequestHistory = fresh, now: Date = MON_10, catalog = shipped) =>
  checkRequest(catalog, request, c, history, now);

/** A catalog for the field types and target kinds the shipped one does not use. */
const testCatalog = SelfServiceCatalog.parse({
  automations: [
    {
      id: 'share-access',
      version: 2,
      title: 'Share access',
      description: 'Gives you access to a team share.',
      published: true,
      workflow: 'diskCleanup',
      inputs: {
        resource: { type: 'string', title: 'Share' },
        reason: { type: 'string', title: 'Why', required: false, maxLength: 10, pattern: '[a-z ]+' },
        code: { type: 'string', title: 'Code', required: false, pattern: '[A-Z]{3}' },
        days: { type: 'integer', title: 'For how many days', minimum: 1, maximum: 30 },
        count: { type: 'integer', title: 'Count', required: false },
        notify: { type: 'boolean', title: 'Notify me', required: true },
        spare: { type: 'device', title: 'Spare device', required: false },
        constructor: { type: 'string', title: 'A name Object.prototype also has', required: false },
        level: { type: 'integer', title: 'Level', required: false, adminOnly: true },
        note: { type: 'string', title: 'Admin note', required: false, adminOnly: true },
      },
      audience: ['staff'],
      target: { kind: 'named', resources: ['finance-share', 'hr-share'] },
      approval: { kind: 'group', group: 'share-owners' },
      availability: [
        { days: ['fri'], from: '22:00', to: '06:00', timeZone: 'Europe/London' },
        { days: ['sat', 'sun'], from: '09:00', to: '24:00', timeZone: 'America/New_York' },
      ],
    },
    {
      id: 'whoami',
      version: 1,
      title: 'Who am I',
      description: 'Tells you about your account.',
      published: true,
      workflow: 'unlockAccount',
      inputs: { device: { type: 'device', title: 'Optional device', required: false } },
      audience: ['staff'],
      target: { kind: 'self' },
      approval: { kind: 'none' },
      limits: { perUserPerDay: 2, cooldownMinutes: 0 },
    },
  ],
});
const shareInputs = { resource: 'finance-share', days: 7, notify: false };
/** Friday 6 March 2026, 23:00 in London: inside the overnight window. */
const FRI_23 = new Date('2026-03-06T23:00:00Z');
const share = (inputs: unknown, c: CallerContext = caller(), target?: unknown) =>
  check({ automation: 'share-access', inputs, ...(target === undefined ? {} : { target }) }, c, fresh, FRI_23, testCatalog);

describe('the shipped catalog', () => {
  it('parses, with the defaults applied', () => {
    expect(shipped.automations.map((a) => [a.id, a.published, a.workflow])).toEqual([
      ['disk-cleanup', true, 'diskCleanup'],
      ['unlock-account', true, 'unlockAccount'],
      ['reinstall-software', true, 'softwareReinstall'],
      ['reset-mfa', false, 'unlockAccount'],
    ]);
    const [disk, unlock, reinstall] = shipped.automations;
    expect(disk?.inputs).toEqual({
      device: { type: 'device', title: 'Device (asset tag)', required: true },
      includeDownloads: { type: 'boolean', title: 'Also empty my Downloads folder', required: false, default: false },
      aggressive: { type: 'boolean', title: 'Aggressive cleanup (old updates, installer caches)', required: false, default: false, adminOnly: true },
    });
    expect(disk?.limits).toEqual({ perUserPerDay: 3, cooldownMinutes: 60 });
    expect(unlock?.limits).toEqual({ perUserPerDay: 5, cooldownMinutes: 0 });
    expect(reinstall?.limits).toEqual({ perUserPerDay: 5, cooldownMinutes: 0 });
    expect(reinstall?.inputs.software).toEqual({ type: 'string', title: 'Application', required: true, maxLength: 200, enum: ['vscode', 'acrobat-pro'] });
    expect(reinstall?.availability?.map(describeWindow)).toEqual(['Mon–Fri 07:00–19:00 Europe/London']);
  });

  it('defaults inputs and limits when an entry leaves them out', () => {
    const entry = { ...shipped.automations[1], inputs: undefined, limits: undefined };
    const parsed = SelfServiceCatalog.parse({ automations: [entry] });
    expect(parsed.automations[0]).toMatchObject({ inputs: {}, limits: { perUserPerDay: 5, cooldownMinutes: 0 } });
  });
});

describe('catalog validation', () => {
  const base = {
    id: 'x',
    version: 1,
    title: 'X',
    description: 'X.',
    published: true,
    workflow: 'unlockAccount',
    inputs: {},
    audience: ['staff'],
    target: { kind: 'self' },
    approval: { kind: 'none' },
  };
  const problems = (...automations: unknown[]) => {
    const r = SelfServiceCatalog.safeParse({ automations });
    return r.error?.issues.map((i) => [i.path.join('.'), issueMessage(i)]);
  };

  it('accepts a minimal entry', () => {
    expect(problems(base)).toBeUndefined();
  });

  it('reports duplicate ids by path', () => {
    expect(problems(base, { ...base, title: 'Y' })).toEqual([['automations.1.id', 'duplicate automation id "x" (first at automations[0])']]);
  });

  it('still reports duplicate ids when an entry is otherwise invalid', () => {
    expect(problems(base, { ...base, version: 0 })).toEqual([
      ['automations.1.version', 'Too small: expected number to be >0'],
      ['automations.1.id', 'duplicate automation id "x" (first at automations[0])'],
    ]);
  });

  it.each([
    ['a bad id', { id: 'Disk_Cleanup' }, 'automations.0.id', 'use lower-case letters, digits and dashes'],
    ['an unknown workflow', { workflow: 'formatDisk' }, 'automations.0.workflow', expect.stringContaining('Invalid option')],
    ['an empty audience', { audience: [] }, 'automations.0.audience', expect.stringContaining('Too small')],
    ['an unknown key', { owner: 'me' }, 'automations.0', 'Unrecognized key: "owner"'],
    [
      'a non-camelCase input name',
      { inputs: { 'bad-name': { type: 'boolean', title: 'B' } } },
      'automations.0.inputs.bad-name',
      expect.stringContaining('camelCase'),
    ],
    ['an unknown input type', { inputs: { when: { type: 'date', title: 'D' } } }, 'automations.0.inputs.when.type', expect.any(String)],
    [
      'an invalid regular expression',
      { inputs: { name: { type: 'string', title: 'N', pattern: '([a-z]' } } },
      'automations.0.inputs.name.pattern',
      expect.stringMatching(/^not a valid regular expression \(.*\)$/),
    ],
    [
      'a maximum below the minimum',
      { inputs: { n: { type: 'integer', title: 'N', minimum: 5, maximum: 4 } } },
      'automations.0.inputs.n.maximum',
      'maximum is below minimum',
    ],
    [
      'a device input that is admin-only',
      { inputs: { d: { type: 'device', title: 'D', adminOnly: true } } },
      'automations.0.inputs.d',
      'Unrecognized key: "adminOnly"',
    ],
    [
      'a required admin-only string',
      { inputs: { s: { type: 'string', title: 'S', adminOnly: true } } },
      'automations.0.inputs.s.required',
      expect.stringContaining('admin-only input cannot be required'),
    ],
    [
      'a required admin-only integer',
      { inputs: { n: { type: 'integer', title: 'N', adminOnly: true } } },
      'automations.0.inputs.n.required',
      expect.stringContaining('admin-only input cannot be required'),
    ],
    [
      'a required admin-only boolean without default',
      { inputs: { b: { type: 'boolean', title: 'B', required: true, adminOnly: true } } },
      'automations.0.inputs.b.required',
      expect.stringContaining('admin-only input cannot be required'),
    ],
    [
      'a named target without resources',
      { target: { kind: 'named' }, inputs: { resource: { type: 'string', title: 'R' } } },
      'automations.0.target.resources',
      expect.any(String),
    ],
    [
      'a named target with no resource',
      { target: { kind: 'named', resources: [] }, inputs: { resource: { type: 'string', title: 'R' } } },
      'automations.0.target.resources',
      expect.stringContaining('Too small'),
    ],
    [
      'a named target without a resource input',
      { target: { kind: 'named', resources: ['a'] } },
      'automations.0.inputs.resource',
      'a named target needs a required string input named "resource"',
    ],
    [
      'a named target with an optional resource input',
      { target: { kind: 'named', resources: ['a'] }, inputs: { resource: { type: 'string', title: 'R', required: false } } },
      'automations.0.inputs.resource',
      'a named target needs a required string input named "resource"',
    ],
    [
      'an own-device target without a device input',
      { target: { kind: 'own-device' } },
      'automations.0.inputs.device',
      'a own-device target needs a required device input named "device"',
    ],
    [
      'an own-device target whose device input is a string',
      { target: { kind: 'own-device' }, inputs: { device: { type: 'string', title: 'D' } } },
      'automations.0.inputs.device',
      'a own-device target needs a required device input named "device"',
    ],
    ['a group approval without group', { approval: { kind: 'group' } }, 'automations.0.approval.group', expect.any(String)],
    ['an unknown approval kind', { approval: { kind: 'ceo' } }, 'automations.0.approval.kind', expect.any(String)],
    [
      'limits below their minimums',
      { limits: { perUserPerDay: 0, cooldownMinutes: 0 } },
      'automations.0.limits.perUserPerDay',
      expect.stringContaining('Too small'),
    ],
    ['an empty availability', { availability: [] }, 'automations.0.availability', expect.stringContaining('Too small')],
    [
      'an unknown time zone',
      { availability: [{ days: ['mon'], from: '07:00', to: '19:00', timeZone: 'Mars/Olympus' }] },
      'automations.0.availability.0.timeZone',
      'unknown time zone "Mars/Olympus" (use an IANA name such as Europe/London)',
    ],
    [
      'an unknown day',
      { availability: [{ days: ['monday'], from: '07:00', to: '19:00', timeZone: 'UTC' }] },
      'automations.0.availability.0.days.0',
      expect.any(String),
    ],
    [
      'a window without days',
      { availability: [{ days: [], from: '07:00', to: '19:00', timeZone: 'UTC' }] },
      'automations.0.availability.0.days',
      expect.stringContaining('Too small'),
    ],
    [
      'a bad from',
      { availability: [{ days: ['mon'], from: '24:00', to: '19:00', timeZone: 'UTC' }] },
      'automations.0.availability.0.from',
      'use HH:MM (00:00 to 23:59)',
    ],
    [
      'a bad to',
      { availability: [{ days: ['mon'], from: '07:00', to: '7pm', timeZone: 'UTC' }] },
      'automations.0.availability.0.to',
      'use HH:MM (00:00 to 24:00)',
    ],
    [
      'an empty window',
      { availability: [{ days: ['mon'], from: '07:00', to: '07:00', timeZone: 'UTC' }] },
      'automations.0.availability.0.to',
      'from and to are equal; a whole day is 00:00 to 24:00',
    ],
  ])('reports %s with its path', (_what, change, path, message) => {
    expect(problems({ ...base, ...change })).toEqual([[path, message]]);
  });

  it('reports problems with line and column through parseContent', () => {
    const yaml = [
      'automations:',
      '  - id: x',
      '    version: 1',
      '    title: X',
      '    description: X.',
      '    published: true',
      '    workflow: unlockAccount',
      '    audience: [staff]',
      '    target: { kind: self }',
      '    approval: { kind: group }',
      '',
    ].join('\n');
    expect(() => parseContent(yaml, SelfServiceCatalog, 'selfservice.yaml')).toThrow(ContentError);
    try {
      parseContent(yaml, SelfServiceCatalog, 'selfservice.yaml');
    } catch (e) {
      expect((e as ContentError).issues).toEqual([expect.objectContaining({ file: 'selfservice.yaml', line: 10, path: 'automations[0].approval.group' })]);
    }
  });
});

describe('visibleAutomations', () => {
  it('shows staff the published automations of their audience, without workflow names or admin-only inputs', () => {
    const seen = visibleAutomations(shipped, caller());
    expect(seen.map((a) => a.id)).toEqual(['disk-cleanup', 'unlock-account', 'reinstall-software']);
    expect(seen[0]).toEqual({
      id: 'disk-cleanup',
      version: 1,
      title: 'Clean up my disk',
      description: expect.any(String),
      inputs: {
        device: { type: 'device', title: 'Device (asset tag)', required: true },
        includeDownloads: { type: 'boolean', title: 'Also empty my Downloads folder', required: false, default: false },
      },
      approval: 'none',
      target: 'own-device',
    });
    expect(seen[2]).toMatchObject({ approval: 'manager', target: 'own-device' });
    expect(seen[1]).toMatchObject({ approval: 'none', target: 'self', inputs: {} });
    expect(JSON.stringify(seen)).not.toContain('workflow');
  });

  it('shows admin-only inputs to admins', () => {
    expect(Object.keys(visibleAutomations(shipped, admin())[0]?.inputs ?? {})).toEqual(['device', 'includeDownloads', 'aggressive']);
    // A caller-supplied admin group list replaces the default.
    const custom = caller({ user: user(['staff', 'desk']), adminGroups: ['desk'] });
    expect(Object.keys(visibleAutomations(shipped, custom)[0]?.inputs ?? {})).toContain('aggressive');
    expect(Object.keys(visibleAutomations(shipped, { ...admin(), adminGroups: ['desk'] })[0]?.inputs ?? {})).not.toContain('aggressive');
    expect(ADMIN_GROUPS_DEFAULT).toEqual(['it-staff']);
  });

  it('never lists unpublished entries, not even to their audience', () => {
    expect(visibleAutomations(shipped, caller({ user: user(['it-staff']) }))).toEqual([]);
  });

  it('lists nothing to unknown or disabled callers', () => {
    expect(visibleAutomations(shipped, caller({ user: null }))).toEqual([]);
    expect(visibleAutomations(shipped, caller({ user: user(['staff'], { enabled: false }) }))).toEqual([]);
  });

  it('shows group approvals and named targets by kind only', () => {
    expect(visibleAutomations(testCatalog, caller())[0]).toMatchObject({ approval: 'group', target: 'named' });
    expect(JSON.stringify(visibleAutomations(testCatalog, caller()))).not.toMatch(/share-owners|finance-share/);
  });
});

describe('checkRequest: who may start what', () => {
  it('plans a request that passes every guardrail, with defaults applied', () => {
    const plan = check({ automation: 'disk-cleanup', inputs: { device: 'LT-100' } });
    expect(plan).toEqual({
      ok: true,
      entry: shipped.automations[0],
      inputs: { device: 'LT-100', includeDownloads: false, aggressive: false },
      target: { kind: 'device', id: 'LT-100' },
      approval: { kind: 'none' },
    });
  });

  it('answers an unknown automation with 404', () => {
    expect(check({ automation: 'format-disk', inputs: {} })).toEqual({ ok: false, status: 404, reason: 'unknown_automation', message: 'no such automation' });
  });

  it('answers an unpublished automation exactly like an unknown one, whoever asks, keeping the reason for the audit log', () => {
    for (const c of [caller(), caller({ user: user(['it-staff']) }), caller({ user: null }), caller({ user: user(['it-staff'], { enabled: false }) })]) {
      expect(check({ automation: 'reset-mfa', inputs: {} }, c)).toEqual({ ok: false, status: 404, reason: 'not_published', message: 'no such automation' });
    }
  });

  it('refuses unknown and disabled callers', () => {
    expect(check({ automation: 'unlock-account', inputs: {} }, caller({ user: null }))).toEqual({
      ok: false,
      status: 403,
      reason: 'caller_unknown',
      message: 'Your identity does not match any account in the directory.',
    });
    expect(check({ automation: 'unlock-account', inputs: {} }, caller({ user: user(['staff'], { enabled: false }) }))).toEqual({
      ok: false,
      status: 403,
      reason: 'caller_disabled',
      message: 'Your account jdoe is disabled.',
    });
  });

  it('lets a locked caller unlock their own account', () => {
    expect(check({ automation: 'unlock-account', inputs: {} }, caller({ user: user(['staff'], { locked: true }) }))).toMatchObject({
      ok: true,
      target: { kind: 'account', id: 'jdoe' },
    });
  });

  it('refuses callers outside the audience, before looking at their inputs', () => {
    expect(check({ automation: 'disk-cleanup', inputs: 'junk' }, caller({ user: user(['contractors']) }))).toEqual({
      ok: false,
      status: 403,
      reason: 'not_in_audience',
      message: 'Clean up my disk is available to members of staff only.',
    });
  });

  it('has a status for every reason, and marks elevation attempts', () => {
    expect(Object.keys(REFUSAL_STATUS)).toHaveLength(13);
    expect([...ELEVATION_ATTEMPTS].sort()).toEqual([
      'admin_only_input',
      'caller_disabled',
      'caller_unknown',
      'not_in_audience',
      'not_published',
      'not_your_account',
      'not_your_device',
    ]);
  });
});

describe('checkRequest: inputs', () => {
  it('treats absent inputs as an empty object', () => {
    expect(check({ automation: 'unlock-account', inputs: undefined })).toMatchObject({ ok: true, inputs: {} });
  });

  it.each([
    ['null', null],
    ['an array', ['LT-100']],
    ['a string', 'LT-100'],
    ['a class instance', new Date()],
  ])('refuses %s as inputs', (_what, inputs) => {
    expect(check({ automation: 'disk-cleanup', inputs })).toEqual({
      ok: false,
      status: 400,
      reason: 'invalid_input',
      message: 'The inputs must be an object of named values.',
      issues: [{ path: 'inputs', message: 'expected an object' }],
    });
  });

  it('accepts an object without prototype', () => {
    const inputs = Object.assign(Object.create(null) as object, { device: 'LT-100' });
    expect(check({ automation: 'disk-cleanup', inputs })).toMatchObject({ ok: true });
  });

  it('names every unknown key, together with the other problems', () => {
    expect(check({ automation: 'disk-cleanup', inputs: { device: 'LT-100', force: true, path: '/' } })).toEqual({
      ok: false,
      status: 400,
      reason: 'invalid_input',
      message: 'The inputs are invalid: inputs.force: unknown input; inputs.path: unknown input.',
      issues: [
        { path: 'inputs.force', message: 'unknown input' },
        { path: 'inputs.path', message: 'unknown input' },
      ],
    });
    expect(check({ automation: 'unlock-account', inputs: { user: 'asmith' } })).toMatchObject({
      status: 400,
      issues: [{ path: 'inputs.user', message: 'unknown input' }],
    });
  });

  it('does not mistake Object.prototype members for inputs', () => {
    // "toString" is not an input of this entry, though every object has one.
    expect(check({ automation: 'disk-cleanup', inputs: { device: 'LT-100', toString: 'x' } })).toMatchObject({
      reason: 'invalid_input',
      issues: [{ path: 'inputs.toString', message: 'unknown input' }],
    });
    // "constructor" is an optional input of this entry; absent, it must stay absent.
    expect(share(shareInputs)).toMatchObject({ ok: true, inputs: shareInputs });
    expect(share({ ...shareInputs, constructor: 'c' })).toMatchObject({ ok: true, inputs: { ...shareInputs, constructor: 'c' } });
    expect(share(JSON.parse('{"resource":"finance-share","days":7,"notify":false,"__proto__":{"x":1}}'))).toMatchObject({
      issues: [{ path: 'inputs.__proto__', message: 'unknown input' }],
    });
  });

  it('reports missing required inputs', () => {
    expect(check({ automation: 'disk-cleanup', inputs: {} })).toMatchObject({
      status: 400,
      reason: 'invalid_input',
      issues: [{ path: 'inputs.device', message: 'required' }],
    });
    expect(share({})).toMatchObject({
      issues: [
        { path: 'inputs.resource', message: 'required' },
        { path: 'inputs.days', message: 'required' },
        { path: 'inputs.notify', message: 'required' },
      ],
    });
  });

  it('refuses admin-only inputs from non-admins as an elevation attempt, before any other input problem', () => {
    const r = check({ automation: 'disk-cleanup', inputs: { device: 'LT-999', aggressive: false, junk: 1 } });
    expect(r).toEqual({
      ok: false,
      status: 403,
      reason: 'admin_only_input',
      message: 'Only IT staff may set "aggressive".',
      issues: [{ path: 'inputs.aggressive', message: 'admin-only input' }],
    });
    expect(share({ ...shareInputs, level: 2, note: 'n' })).toMatchObject({ reason: 'admin_only_input', message: 'Only IT staff may set "level", "note".' });
  });

  it('accepts admin-only inputs from admins', () => {
    expect(check({ automation: 'disk-cleanup', inputs: { device: 'LT-100', aggressive: true, includeDownloads: true } }, admin())).toMatchObject({
      ok: true,
      inputs: { device: 'LT-100', includeDownloads: true, aggressive: true },
    });
    expect(share({ ...shareInputs, level: 3, note: 'ok' }, admin())).toMatchObject({ ok: true, inputs: { level: 3, note: 'ok' } });
  });

  it.each([
    // string
    [{ resource: 7 }, 'inputs.resource', 'expected a string'],
    [{ resource: '' }, 'inputs.resource', 'required'],
    [{ reason: 'much too long' }, 'inputs.reason', 'must be at most 10 characters'],
    [{ reason: 'Upper' }, 'inputs.reason', 'must match [a-z ]+'],
    [{ code: 'ABCD' }, 'inputs.code', 'must match [A-Z]{3}'], // anchored: a longer value does not match
    [{ code: '' }, 'inputs.code', 'must match [A-Z]{3}'], // optional, but an empty value is still checked
    // boolean
    [{ notify: 'true' }, 'inputs.notify', 'expected true or false'],
    // integer
    [{ days: '7' }, 'inputs.days', 'expected a whole number'],
    [{ days: 1.5 }, 'inputs.days', 'expected a whole number'],
    [{ days: 2 ** 53 }, 'inputs.days', 'expected a whole number'],
    [{ days: 0 }, 'inputs.days', 'must be at least 1'],
    [{ days: 31 }, 'inputs.days', 'must be at most 30'],
    [{ count: -1e6 }, null, null], // no range: any whole number
    // device
    [{ spare: 42 }, 'inputs.spare', 'expected an asset tag'],
    [{ spare: '' }, 'inputs.spare', 'expected an asset tag'],
    [{ spare: 'L'.repeat(201) }, 'inputs.spare', 'must be at most 200 characters'],
  ])('checks %j', (change, path, message) => {
    const r = share({ ...shareInputs, ...change });
    if (path === null) expect(r).toMatchObject({ ok: true });
    else expect(r).toMatchObject({ ok: false, status: 400, reason: 'invalid_input', issues: [{ path, message }] });
  });

  it('checks a string enum', () => {
    const ask = (software: unknown) => check({ automation: 'reinstall-software', inputs: { device: 'LT-100', software } });
    expect(ask('vscode')).toMatchObject({ ok: true, inputs: { device: 'LT-100', software: 'vscode' }, approval: { kind: 'manager' } });
    expect(ask('wireshark')).toMatchObject({ status: 400, issues: [{ path: 'inputs.software', message: 'must be one of vscode, acrobat-pro' }] });
    expect(ask('x'.repeat(201))).toMatchObject({ issues: [{ path: 'inputs.software', message: 'must be at most 200 characters' }] });
  });

  it('keeps valid optional values and leaves absent ones out', () => {
    expect(share({ ...shareInputs, reason: 'audit prep', code: 'ABC', count: 0, spare: 'LT-101' })).toMatchObject({
      ok: true,
      inputs: { ...shareInputs, reason: 'audit prep', code: 'ABC', count: 0, spare: 'LT-101' },
    });
  });
});

describe('checkRequest: targets', () => {
  it('self: the caller’s own account, named or not', () => {
    expect(check({ automation: 'unlock-account', inputs: {} })).toMatchObject({ ok: true, target: { kind: 'account', id: 'jdoe' } });
    expect(check({ automation: 'unlock-account', inputs: {}, target: 'jdoe' })).toMatchObject({ ok: true, target: { kind: 'account', id: 'jdoe' } });
  });

  it('self: another user’s account is an elevation attempt', () => {
    expect(check({ automation: 'unlock-account', inputs: {}, target: 'asmith' })).toEqual({
      ok: false,
      status: 403,
      reason: 'not_your_account',
      message: 'Unlock my account works on your own account only, not on asmith.',
      issues: [{ path: 'target', message: 'not your account' }],
    });
  });

  it('refuses a target that is not a string', () => {
    expect(check({ automation: 'unlock-account', inputs: {}, target: { id: 'jdoe' } })).toEqual({
      ok: false,
      status: 400,
      reason: 'invalid_input',
      message: 'The target must be a string.',
      issues: [{ path: 'target', message: 'expected a string' }],
    });
  });

  it('own-device: the device input must be the caller’s', () => {
    expect(check({ automation: 'disk-cleanup', inputs: { device: 'LT-200' } })).toEqual({
      ok: false,
      status: 403,
      reason: 'not_your_device',
      message: 'Device LT-200 is not one of your devices.',
      issues: [{ path: 'inputs.device', message: 'not one of your devices' }],
    });
    expect(check({ automation: 'disk-cleanup', inputs: { device: 'LT-100' } }, caller({ devices: [] }))).toMatchObject({ reason: 'not_your_device' });
  });

  it('own-device: a request target must be the caller’s device and the device input', () => {
    expect(check({ automation: 'disk-cleanup', inputs: { device: 'LT-100' }, target: 'LT-100' })).toMatchObject({
      ok: true,
      target: { kind: 'device', id: 'LT-100' },
    });
    expect(check({ automation: 'disk-cleanup', inputs: { device: 'LT-100' }, target: 'LT-200' })).toEqual({
      ok: false,
      status: 403,
      reason: 'not_your_device',
      message: 'Device LT-200 is not one of your devices.',
      issues: [{ path: 'target', message: 'not one of your devices' }],
    });
    expect(check({ automation: 'disk-cleanup', inputs: { device: 'LT-100' }, target: 'LT-101' })).toEqual({
      ok: false,
      status: 400,
      reason: 'invalid_input',
      message: 'The target LT-101 differs from inputs.device (LT-100).',
      issues: [{ path: 'target', message: 'must be absent or equal inputs.device' }],
    });
  });

  it('checks every device input, whatever the target kind', () => {
    const whoami = (inputs: unknown) => check({ automation: 'whoami', inputs }, caller(), fresh, MON_10, testCatalog);
    expect(whoami({})).toMatchObject({ ok: true, target: { kind: 'account', id: 'jdoe' } });
    expect(whoami({ device: 'LT-101' })).toMatchObject({ ok: true });
    expect(whoami({ device: 'LT-999' })).toMatchObject({ status: 403, reason: 'not_your_device', issues: [{ path: 'inputs.device' }] });
    expect(share({ ...shareInputs, spare: 'LT-999' })).toMatchObject({ status: 403, reason: 'not_your_device', issues: [{ path: 'inputs.spare' }] });
  });

  it('named: the resource input must be one of the resources', () => {
    expect(share(shareInputs)).toMatchObject({
      ok: true,
      target: { kind: 'resource', id: 'finance-share' },
      approval: { kind: 'group', group: 'share-owners' },
    });
    expect(share(shareInputs, caller(), 'finance-share')).toMatchObject({ ok: true });
    expect(share({ ...shareInputs, resource: 'ceo-share' })).toEqual({
      ok: false,
      status: 400,
      reason: 'unknown_resource',
      message: 'Share access works on finance-share, hr-share only, not on ceo-share.',
      issues: [{ path: 'inputs.resource', message: 'unknown resource' }],
    });
    expect(share(shareInputs, caller(), 'hr-share')).toMatchObject({
      status: 400,
      reason: 'invalid_input',
      issues: [{ path: 'target', message: 'must be absent or equal inputs.resource' }],
    });
  });
});

describe('availability windows', () => {
  const london: AvailabilityWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '19:00', timeZone: 'Europe/London' };
  const overnight: AvailabilityWindow = { days: ['fri'], from: '22:00', to: '06:00', timeZone: 'Europe/London' };

  it('are always open when there are none, and never when the list is empty', () => {
    expect(inWindow(undefined, MON_10)).toBe(true);
    expect(inWindow([], MON_10)).toBe(false);
  });

  it.each([
    ['2026-03-02T06:59:00Z', false], // Mon 06:59 GMT
    ['2026-03-02T07:00:00Z', true], // Mon 07:00 GMT: from is inclusive
    ['2026-03-02T18:59:59Z', true],
    ['2026-03-02T19:00:00Z', false], // to is exclusive
    ['2026-03-07T10:00:00Z', false], // Saturday
    ['2026-07-06T06:30:00Z', true], // Mon 07:30 BST: summer time is honoured
    ['2026-07-06T18:30:00Z', false], // Mon 19:30 BST
  ])('Mon–Fri 07:00–19:00 Europe/London at %s: %s', (iso, open) => {
    expect(inWindow([london], new Date(iso))).toBe(open);
  });

  it('read the day in the window’s own time zone', () => {
    const tokyo: AvailabilityWindow = { days: ['mon'], from: '00:00', to: '24:00', timeZone: 'Asia/Tokyo' };
    expect(inWindow([tokyo], new Date('2026-03-01T15:00:00Z'))).toBe(true); // Sunday in UTC, Monday 00:00 in Tokyo
    expect(inWindow([tokyo], new Date('2026-03-02T14:59:00Z'))).toBe(true); // Mon 23:59 in Tokyo
    expect(inWindow([tokyo], new Date('2026-03-02T15:00:00Z'))).toBe(false); // Tue 00:00 in Tokyo
    const ny: AvailabilityWindow = { days: ['sun'], from: '20:00', to: '21:00', timeZone: 'America/New_York' };
    expect(inWindow([ny], new Date('2026-03-02T01:30:00Z'))).toBe(true); // Monday in UTC, Sun 20:30 EST
  });

  it.each([
    ['2026-03-06T21:59:00Z', false], // Fri 21:59
    ['2026-03-06T22:00:00Z', true], // Fri 22:00: opens
    ['2026-03-07T05:59:00Z', true], // Sat 05:59: still open, opened on Friday
    ['2026-03-07T06:00:00Z', false], // Sat 06:00: closed
    ['2026-03-07T22:30:00Z', false], // Sat 22:30: Saturday is not an opening day
    ['2026-03-06T05:00:00Z', false], // Fri 05:00: Thursday night is not a window
  ])('cross midnight (Fri 22:00–06:00) at %s: %s', (iso, open) => {
    expect(inWindow([overnight], new Date(iso))).toBe(open);
  });

  it('are open when any window is', () => {
    expect(inWindow([london, overnight], new Date('2026-03-06T23:00:00Z'))).toBe(true);
    expect(inWindow([london, overnight], new Date('2026-03-07T10:00:00Z'))).toBe(false);
  });

  it('are described in words', () => {
    expect(describeWindow(london)).toBe('Mon–Fri 07:00–19:00 Europe/London');
    expect(describeWindow(overnight)).toBe('Fri 22:00–06:00 (next day) Europe/London');
    expect(describeWindow({ ...london, days: ['wed', 'mon'] })).toBe('Mon, Wed 07:00–19:00 Europe/London');
    expect(describeWindow({ ...london, days: ['sun', 'sat', 'sat'] })).toBe('Sat, Sun 07:00–19:00 Europe/London');
    expect(describeWindow({ ...london, days: ['mon', 'tue', 'wed', 'fri', 'sat', 'sun'] })).toBe('Mon–Wed, Fri–Sun 07:00–19:00 Europe/London');
  });

  it('refuse a request outside every window, saying when it is available and when it next opens', () => {
    const ask = (iso: string) => check({ automation: 'reinstall-software', inputs: { device: 'LT-100', software: 'vscode' } }, caller(), fresh, new Date(iso));
    expect(ask('2026-03-07T10:00:00Z')).toEqual({
      ok: false,
      status: 403,
      reason: 'outside_window',
      message: 'Reinstall software is available Mon–Fri 07:00–19:00 Europe/London only; it next opens Mon 07:00 Europe/London.',
    });
    expect(ask('2026-03-03T06:00:00Z')).toMatchObject({ message: expect.stringMatching(/next opens Tue 07:00 Europe\/London\.$/) }); // before opening, same day
    expect(ask('2026-03-03T20:00:00Z')).toMatchObject({ message: expect.stringMatching(/next opens Wed 07:00 Europe\/London\.$/) }); // after closing
    expect(ask('2026-03-06T20:00:00Z')).toMatchObject({ message: expect.stringMatching(/next opens Mon 07:00 Europe\/London\.$/) }); // Friday evening
    expect(ask('2026-03-03T10:00:00Z')).toMatchObject({ ok: true });
  });

  it('name the soonest opening across several windows and time zones', () => {
    // Saturday 7 March, 10:00 in London = 05:00 in New York: the New York weekend window opens at 09:00 there.
    const r = check({ automation: 'share-access', inputs: shareInputs }, caller(), fresh, new Date('2026-03-07T10:00:00Z'), testCatalog);
    expect(r).toEqual({
      ok: false,
      status: 403,
      reason: 'outside_window',
      message:
        'Share access is available Fri 22:00–06:00 (next day) Europe/London or Sat, Sun 09:00–24:00 America/New_York only; it next opens Sat 09:00 America/New_York.',
    });
    // Sunday 8 March 2026 after closing: Friday in London comes before next Saturday in New York.
    expect(check({ automation: 'share-access', inputs: shareInputs }, caller(), fresh, new Date('2026-03-09T05:00:00Z'), testCatalog)).toMatchObject({
      message: expect.stringMatching(/next opens Fri 22:00 Europe\/London\.$/),
    });
  });
});

describe('limits', () => {
  const disk = (history: RequestHistory, now: Date = MON_10) => check({ automation: 'disk-cleanup', inputs: { device: 'LT-100' } }, caller(), history, now);
  const ago = (minutes: number) => new Date(MON_10.getTime() - minutes * 60_000).toISOString();

  it('allow starts below the daily limit, ignoring starts 24 hours old or older', () => {
    expect(disk({ startsLast24h: [ago(10), ago(20)], lastFinishedAt: null })).toMatchObject({ ok: true });
    expect(disk({ startsLast24h: [ago(24 * 60), ago(25 * 60), ago(10), ago(20)], lastFinishedAt: null })).toMatchObject({ ok: true });
  });

  it('refuse the start over the limit until the oldest counted start leaves the 24 hours', () => {
    // Limit 3; starts 23 h 30 min, 5 h and 10 min ago: the oldest leaves in 30 minutes.
    const history = { startsLast24h: [ago(10), ago(23 * 60 + 30), ago(300), ago(30 * 60)], lastFinishedAt: null };
    expect(disk(history)).toEqual({
      ok: false,
      status: 429,
      reason: 'rate_limited',
      message: 'You have started Clean up my disk 3 times in the last 24 hours (the limit is 3); you can start it again at 2026-03-02T10:30:00.000Z.',
      retryAfterSeconds: 1800,
    });
    // Fractions of a second round up, so a retry at the advertised time succeeds.
    expect(disk(history, new Date(MON_10.getTime() + 500))).toMatchObject({ retryAfterSeconds: 1800 });
    expect(disk(history, new Date(MON_10.getTime() + 1800 * 1000))).toMatchObject({ ok: true });
  });

  it('when over the limit (it was lowered), wait for enough starts to leave, not just the oldest', () => {
    // Limit 2 (whoami); starts 23 h, 22 h and 1 h ago: the count drops below 2 when the 22 h one leaves.
    const r = check(
      { automation: 'whoami', inputs: {} },
      caller(),
      { startsLast24h: [ago(60), ago(23 * 60), ago(22 * 60)], lastFinishedAt: null },
      MON_10,
      testCatalog,
    );
    expect(r).toMatchObject({ status: 429, reason: 'rate_limited', retryAfterSeconds: 2 * 3600 });
  });

  it('count starts from the future (clock skew) too', () => {
    expect(disk({ startsLast24h: [ago(-5), ago(-5), ago(-5)], lastFinishedAt: null })).toMatchObject({
      reason: 'rate_limited',
      retryAfterSeconds: 24 * 3600 + 300,
    });
  });

  it('refuse a start during the cool-down after the last run', () => {
    expect(disk({ startsLast24h: [ago(20)], lastFinishedAt: ago(15) })).toEqual({
      ok: false,
      status: 429,
      reason: 'cooling_down',
      message: 'Clean up my disk has a cool-down of 60 minutes after each run; you can start it again at 2026-03-02T10:45:00.000Z.',
      retryAfterSeconds: 2700,
    });
    expect(disk({ startsLast24h: [ago(20)], lastFinishedAt: ago(60) })).toMatchObject({ ok: true });
  });

  it('have no cool-down when it is zero', () => {
    expect(check({ automation: 'unlock-account', inputs: {} }, caller(), { startsLast24h: [], lastFinishedAt: ago(0) })).toMatchObject({ ok: true });
  });

  it('fail closed on history that does not parse', () => {
    expect(() => disk({ startsLast24h: [ago(1), 'yesterday'], lastFinishedAt: null })).toThrow('history.startsLast24h[1] is not a valid time: "yesterday"');
    expect(() => disk({ startsLast24h: [], lastFinishedAt: 'soon' })).toThrow('history.lastFinishedAt is not a valid time: "soon"');
  });
});

describe('a catalog that is not an object', () => {
  it('is a validation error, never a crash', () => {
    for (const value of [null, undefined, 42, 'automations']) expect(SelfServiceCatalog.safeParse(value).success).toBe(false);
  });
});
