import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadContent } from '../../../../src/stack/content.js';
import { ValidationError } from '../../../../src/domain/errors.js';
import { defineWorkflow, ref } from '../../../../src/domain/definitions/builder.js';
import { evaluateCondition, type Scope, type StepState } from '../../../../src/domain/definitions/expressions.js';
import { parseDefinition } from '../../../../src/domain/definitions/files.js';
import { definitionHash } from '../../../../src/domain/definitions/hash.js';
import { ACTIVITIES, activitySpec, prepareArgs, type ActivitySpec } from '../../../../src/domain/definitions/registry.js';
import { allSteps, compensationOrder, DEFAULT_RETRY, retryPolicy, stepCount, stepName, stepTimeout } from '../../../../src/domain/definitions/runtime.js';
import { Definition, definitionJsonSchema, parseDuration, stepKind, type ActionStep, type Step } from '../../../../src/domain/definitions/schema.js';
import { renderArgs } from '../../../../src/domain/definitions/templates.js';
import { validateInputs } from '../../../../src/domain/definitions/validation.js';
import * as model from '../../../../src/domain/definitions/index.js';

const content = await loadContent('content');
const onboarding = content.definitions.onboarding as Definition;
const incident = content.definitions['incident-network'] as Definition;

/** The onboarding definition written with the TypeScript builder. */
function onboardingInTypeScript(): Definition {
  const employee = ref('inputs.employeeId');
  const device = ref('steps.assign-laptop.result.deviceId');
  const roleGroups = ref('constants.groupsByRole[inputs.role]');
  const install = { timeout: '10m', retry: { maximumAttempts: 3, initialInterval: '5s' } };
  return defineWorkflow({
    id: 'onboarding',
    title: 'New employee onboarding',
    description:
      'Creates the account, adds the groups of the role, creates the mailbox, hands out a laptop with the baseline software and welcomes the new employee.',
  })
    .input('employeeId', { type: 'string', pattern: '^[a-z][a-z0-9.]{1,30}$', description: 'Directory id of the new account, e.g. maria.lopez' })
    .input('displayName', { type: 'string', sensitive: true, description: 'The name shown in the directory' })
    .input('role', { type: 'string', enum: ['engineer', 'sales', 'finance'], description: 'Decides the directory groups (constants.groupsByRole)' })
    .input('department', { type: 'string', required: false })
    .input('title', { type: 'string', required: false, description: 'Job title' })
    .input('manager', { type: 'string', required: false, description: 'Directory id of the manager' })
    .input('extraGroups', { type: 'string-list', default: [], description: 'Directory groups beyond those of the role' })
    .input('quotaGb', { type: 'number', minimum: 1, maximum: 100, default: 50, description: 'Mailbox size' })
    .input('laptop', { type: 'boolean', default: true, description: 'Hand out a laptop from stock' })
    .input('laptopModel', {
      type: 'string',
      enum: ['standard-14', 'developer-16'],
      default: 'standard-14',
      description: 'standard-14 laptops run Windows; developer-16 run macOS or Linux',
    })
    .constant('groupsByRole', { engineer: ['staff', 'engineering'], sales: ['staff', 'sales'], finance: ['staff', 'finance'] })
    .action('create-account', 'createAccount', {
      name: 'Create the directory account',
      args: {
        userId: employee,
        displayName: ref('inputs.displayName'),
        department: ref('inputs.department'),
        title: ref('inputs.title'),
        manager: ref('inputs.manager'),
      },
      requires: 'account.create',
      compensate: { activity: 'deleteAccount', args: { userId: employee } },
    })
    .action('add-role-groups', 'addToGroups', {
      name: 'Add the groups of the role',
      args: { userId: employee, groups: roleGroups },
      requires: 'group.add',
      compensate: { activity: 'removeFromGroups', args: { userId: employee, groups: roleGroups } },
    })
    .action('add-extra-groups', 'addToGroups', {
      name: 'Add the extra groups',
      when: 'len(inputs.extraGroups) > 0',
      args: { userId: employee, groups: ref('inputs.extraGroups') },
      requires: 'group.add',
      compensate: { activity: 'removeFromGroups', args: { userId: employee, groups: ref('inputs.extraGroups') } },
    })
    .action('create-mailbox', 'createMailbox', {
      name: 'Create the mailbox',
      args: { userId: employee, quotaGb: ref('inputs.quotaGb') },
      requires: 'mailbox.create',
      compensate: { activity: 'deleteMailbox', args: { userId: employee } },
    })
    .action('assign-laptop', 'assignAsset', {
      name: 'Hand out a laptop from stock',
      when: 'inputs.laptop',
      args: { userId: employee, model: ref('inputs.laptopModel') },
      requires: 'asset.assign',
      compensate: { activity: 'unassignAsset', args: { assetId: ref('steps.assign-laptop.result.assetId'), userId: employee } },
    })
    .parallel(
      'baseline-software',
      (p) =>
        p
          .action('install-vscode', 'installSoftware', {
            name: 'Install Visual Studio Code',
            args: { deviceId: device, software: { id: 'vscode', version: '1.95.3' }, targetId: employee },
            requires: 'software.install',
            compensate: { activity: 'uninstallSoftware', args: { deviceId: device, softwareId: 'vscode', targetId: employee } },
            ...install,
          })
          .action('install-acrobat', 'installSoftware', {
            name: 'Install Adobe Acrobat Pro',
            when: "inputs.laptopModel == 'standard-14'",
            args: { deviceId: device, software: { id: 'acrobat-pro', version: '2024.005' }, targetId: employee },
            requires: 'software.install',
            compensate: { activity: 'uninstallSoftware', args: { deviceId: device, softwareId: 'acrobat-pro', targetId: employee } },
            ...install,
          }),
      { name: 'Install the baseline software', when: 'inputs.laptop' },
    )
    .notify(
      'welcome',
      {
        email: {
          toUser: employee,
          subject: 'Welcome aboard',
          text: `Hello ${ref('inputs.displayName')},\n\nwelcome aboard! Your account ${employee} and your mailbox are ready.\nThe service desk will help you sign in on your first day.`,
        },
        chat: {
          channel: 'it-onboarding',
          text: `Onboarded ${employee} as ${ref('inputs.role')}: groups ${ref('join(constants.groupsByRole[inputs.role], ", ")')}; laptop ${ref('coalesce(steps.assign-laptop.result.deviceId, "none")')}.`,
        },
      },
      { name: 'Welcome the new employee', continueOnError: true },
    )
    .build();
}

/**
 * Walks a definition the way the interpreter does, without effects: conditions decide what runs,
 * arguments are rendered and checked against the registry, and `results` stand in for activities.
 */
function dryRun(def: Definition, inputs: unknown, world: { ticket?: Scope['ticket']; results: (activity: string, args: Record<string, unknown>) => unknown }) {
  const checked = validateInputs(def, inputs);
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  const scope: Scope = {
    inputs: checked.values,
    constants: def.constants,
    steps: {},
    ticket: world.ticket ?? null,
    alert: null,
    run: { requester: 'dana.admin' },
  };
  const calls: Array<{ step: string; activity: string; args: Record<string, unknown> }> = [];
  const run = (step: Step): StepState => {
    if (step.when !== undefined && !evaluateCondition(step.when, scope)) return { status: 'skipped', result: null };
    if ('parallel' in step) {
      const states = step.parallel.map((child) => [child.id, run(child)] as const);
      for (const [id, state] of states) scope.steps[id] = state;
      return { status: 'succeeded', result: null };
    }
    const activity = 'activity' in step ? step.activity : 'notify' in step ? 'sendNotification' : stepKind(step);
    const raw = 'activity' in step ? step.args : 'notify' in step ? step.notify : {};
    const prepared = prepareArgs(activity, renderArgs(raw, scope));
    if (!prepared.ok) throw new Error(`${step.id}: ${JSON.stringify(prepared.issues)}`);
    calls.push({ step: step.id, activity, args: prepared.args });
    return { status: 'succeeded', result: world.results(activity, prepared.args) };
  };
  for (const step of def.steps) scope.steps[step.id] = run(step);
  return { calls, scope };
}

describe('shipped definitions', () => {
  it('load with the content, checked against policy, trees, channels and the catalog', () => {
    expect(Object.keys(content.definitions).sort()).toEqual(['incident-network', 'onboarding', 'password-reset']);
    for (const def of Object.values(content.definitions)) {
      for (const { step } of allSteps(def)) {
        if ('activity' in step && step.requires) expect(Object.keys(content.policy.actions)).toContain(step.requires);
      }
    }
  });

  it('onboarding: every change names its permission, and every change that can be undone has its undo', () => {
    const changes = allSteps(onboarding)
      .map(({ step }) => step)
      .filter((s): s is ActionStep => 'activity' in s && activitySpec(s.activity)?.effect === 'change');
    expect(changes.map((s) => s.id)).toEqual([
      'create-account',
      'add-role-groups',
      'add-extra-groups',
      'create-mailbox',
      'assign-laptop',
      'install-vscode',
      'install-acrobat',
    ]);
    for (const step of changes) {
      expect(step.requires, step.id).toBe(activitySpec(step.activity)?.action);
      expect(step.compensate?.activity, step.id).toBe(activitySpec(step.activity)?.undo);
    }
  });

  it('onboarding installs only catalog software that runs on the stock laptops of its model', () => {
    const stock = content.fleet.devices.filter((d) => d.owner === null);
    for (const { step } of allSteps(onboarding)) {
      if (!('activity' in step) || step.activity !== 'installSoftware') continue;
      const software = (step.args as { software: { id: string; version: string } }).software;
      const item = content.software.software.find((s) => s.id === software.id);
      expect(item?.version).toBe(software.version);
      const models = step.when?.includes("'standard-14'") ? ['standard-14'] : ['standard-14', 'developer-16'];
      for (const device of stock.filter((d) => models.includes(d.model as string)))
        expect(item?.platforms, `${software.id} on ${device.id}`).toContain(device.platform);
    }
  });

  it('onboarding renders arguments the activities accept, with the groups of the role and the laptop it was given', () => {
    const { calls } = dryRun(
      onboarding,
      { employeeId: 'maria.lopez', displayName: 'Maria Lopez', role: 'engineer', manager: 'asmith', extraGroups: ['vpn-users'] },
      {
        results: (activity) => (activity === 'assignAsset' ? { assetId: 'AS-201', deviceId: 'LT-0201' } : { ok: true }),
      },
    );
    expect(calls.map((c) => c.step)).toEqual([
      'create-account',
      'add-role-groups',
      'add-extra-groups',
      'create-mailbox',
      'assign-laptop',
      'install-vscode',
      'install-acrobat',
      'welcome',
    ]);
    expect(calls[0]?.args).toEqual({ userId: 'maria.lopez', displayName: 'Maria Lopez', manager: 'asmith' });
    expect(calls[1]?.args).toEqual({ userId: 'maria.lopez', groups: ['staff', 'engineering'] });
    expect(calls[2]?.args).toEqual({ userId: 'maria.lopez', groups: ['vpn-users'] });
    expect(calls[3]?.args).toEqual({ userId: 'maria.lopez', quotaGb: 50 });
    expect(calls[5]?.args).toEqual({ deviceId: 'LT-0201', software: { id: 'vscode', version: '1.95.3' }, targetId: 'maria.lopez' });
    expect(calls[7]?.args).toEqual({
      email: { toUser: 'maria.lopez', subject: 'Welcome aboard', text: expect.stringContaining('Hello Maria Lopez,') },
      chat: { channel: 'it-onboarding', text: 'Onboarded maria.lopez as engineer: groups staff, engineering; laptop LT-0201.' },
    });
    const noLaptop = dryRun(onboarding, { employeeId: 'sam.sales', displayName: 'Sam', role: 'sales', laptop: false }, { results: () => ({}) });
    expect(noLaptop.calls.map((c) => c.step)).toEqual(['create-account', 'add-role-groups', 'create-mailbox', 'welcome']);
    expect(noLaptop.calls[3]?.args.chat).toEqual({ channel: 'it-onboarding', text: 'Onboarded sam.sales as sales: groups staff, sales; laptop none.' });
  });

  it('onboarding undoes what was done in reverse order, the laptop with the asset it handed out', () => {
    const done = allSteps(onboarding)
      .map(({ step }) => step)
      .filter((s): s is ActionStep => 'activity' in s)
      .slice(0, 5);
    expect(compensationOrder(done).map((s) => s.compensate?.activity)).toEqual([
      'unassignAsset',
      'deleteMailbox',
      'removeFromGroups',
      'removeFromGroups',
      'deleteAccount',
    ]);
  });

  it('incident: runs the remediations the diagnosis calls for, verifies, and resolves or escalates the ticket', () => {
    const faults: Record<string, Record<string, unknown>> = {
      'network.link': { up: false },
      'network.ipConfig': { hasAddress: true, apipa: true, address: '169.254.12.7' },
      'network.dns': { resolves: false },
      'network.internet': { httpOk: false },
    };
    let fixed = false;
    const world = {
      ticket: { source: 'jira', key: 'ITSM-9' },
      results: (activity: string, args: Record<string, unknown>) => {
        if (activity === 'deviceOf') return { userId: args.id, deviceId: 'LT-0042', platform: 'windows' };
        if (activity === 'runRemediation') {
          fixed ||= args.action === 'network.renewDhcp';
          return { ok: true, detail: 'done' };
        }
        if (activity === 'runDiagnostic') return fixed && args.check === 'network.internet' ? { httpOk: true } : faults[args.check as string];
        return null;
      },
    };
    const { calls } = dryRun(incident, { userId: 'jdoe' }, world);
    expect(calls.map((c) => `${c.step}:${c.activity}`)).toEqual([
      'find-device:deviceOf',
      'check-link:runDiagnostic',
      'check-address:runDiagnostic',
      'check-dns:runDiagnostic',
      'check-internet:runDiagnostic',
      'note-findings:commentOnTicket',
      'restart-adapter:runRemediation',
      'renew-dhcp:runRemediation',
      'verify:runDiagnostic',
      'resolve:resolveTicket',
      'tell-team:sendNotification',
    ]);
    expect(calls.find((c) => c.step === 'restart-adapter')?.args).toEqual({
      deviceId: 'LT-0042',
      action: 'network.restartAdapter',
      args: {},
      targetId: 'jdoe',
    });
    expect(calls.find((c) => c.step === 'note-findings')?.args.body).toBe(
      'Diagnosis of LT-0042: link up false; address 169.254.12.7 (self-assigned: true); DNS resolves false; internet reachable false.',
    );
    expect(calls.find((c) => c.step === 'resolve')?.args.note).toBe(
      'Your device LT-0042 is back online. Adapter restart: succeeded; DHCP renewal: succeeded; DNS flush: skipped.',
    );

    // A DNS fault alone: only the flush runs; it does not help, so the ticket goes to people.
    fixed = false;
    Object.assign(faults, { 'network.link': { up: true }, 'network.ipConfig': { hasAddress: true, apipa: false } });
    const dnsOnly = dryRun(incident, { userId: 'jdoe', deviceId: 'LT-0042', escalationQueue: 'network-team' }, world);
    expect(dnsOnly.calls.map((c) => c.step)).toEqual([
      'check-link',
      'check-address',
      'check-dns',
      'check-internet',
      'note-findings',
      'flush-dns',
      'verify',
      'escalate',
      'tell-team',
    ]);
    expect(dnsOnly.calls.find((c) => c.step === 'escalate')?.args.queue).toBe('network-team');

    // Started by an alert (no ticket): no ticket updates, the channel is told.
    const alert = dryRun(incident, { userId: 'jdoe', deviceId: 'LT-0042' }, { ...world, ticket: null });
    expect(alert.calls.map((c) => c.activity)).not.toContain('commentOnTicket');
    expect(alert.calls.at(-1)?.step).toBe('tell-team');
  });

  it('the example in content/definitions/README.md is a valid definition', () => {
    const readme = readFileSync('content/definitions/README.md', 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] as string;
    const result = parseDefinition(example, { file: 'content/definitions/onboarding.yaml', policyActions: Object.keys(content.policy.actions) });
    expect(result.issues).toEqual([]);
    expect(result.definition?.steps.map((s) => s.id)).toEqual(['create-account', 'add-role-groups']);
  });

  it('password reset: one change behind password.reset, then the ticket is told', () => {
    const def = content.definitions['password-reset'] as Definition;
    const { calls } = dryRun(def, { userId: 'jdoe' }, { ticket: { key: 'ITSM-1' }, results: () => ({ delivery: 'registered-email' }) });
    expect(calls.map((c) => c.activity)).toEqual(['resetPasswordAndNotify', 'commentOnTicket', 'resolveTicket']);
    expect(JSON.stringify(calls)).not.toMatch(/@/);
  });
});

describe('the TypeScript builder', () => {
  it('writes the same onboarding as the YAML file: the two forms are one model', () => {
    const built = onboardingInTypeScript();
    expect(built).toEqual(onboarding);
    expect(definitionHash(built)).toBe(definitionHash(onboarding));
  });

  it('builds parallel groups, approvals, troubleshooting, limits and notifications', () => {
    const def = defineWorkflow({ id: 'laptop-swap', title: 'Laptop swap' })
      .input('userId', { type: 'string' })
      .limits({ perEndpoint: 2 })
      .approval('manager-ok', { approvers: [ref('inputs.userId')], approverGroup: 'it-managers', timeout: '2d' }, { name: 'Manager approves' })
      .troubleshoot('guided', { tree: 'network-connectivity', subject: ref('inputs.userId') }, { when: "steps.manager-ok.status == 'succeeded'" })
      .parallel('checks', (p) =>
        p.action('disk', 'measureDisk', { args: { deviceId: 'LT-0042' } }).notify('tell', { chat: { channel: 'it-incidents', text: 'checking' } }),
      )
      .build();
    expect(def.limits).toEqual({ perEndpoint: 2 });
    expect(def.constants).toEqual({});
    expect(def.steps.map(stepKind)).toEqual(['approval', 'troubleshoot', 'parallel']);
    expect(def.steps[0]).toEqual({
      id: 'manager-ok',
      name: 'Manager approves',
      approval: { approvers: ['${{ inputs.userId }}'], approverGroup: 'it-managers', timeout: '2d', onTimeout: 'fail' },
    });
    expect(stepCount(def)).toBe(5);
  });

  it('types activity names, arguments, requires and compensate from the registry (checked by tsc), and build() refuses them too', () => {
    const w = defineWorkflow({ id: 'typed', title: 'Typed' }).input('x', { type: 'string' });
    // @ts-expect-error not an activity of the registry
    w.action('a', 'formatDisk', { args: {} });
    // @ts-expect-error createAccount needs displayName
    w.action('b', 'createAccount', { args: { userId: 'x' }, requires: 'account.create' });
    // @ts-expect-error the permission action of createAccount is account.create
    w.action('c', 'createAccount', { args: { userId: 'x', displayName: 'y' }, requires: 'password.reset' });
    w.action('d', 'createAccount', {
      args: { userId: 'x', displayName: 'y' },
      requires: 'account.create',
      // @ts-expect-error createAccount is undone by deleteAccount
      compensate: { activity: 'unlockAccount', args: { userId: 'x' } },
    });
    // @ts-expect-error lookupUser cannot be undone
    w.action('e', 'lookupUser', { args: { by: 'id', id: 'x' }, compensate: { activity: 'deleteAccount', args: { userId: 'x' } } });
    // @ts-expect-error a number argument takes a number or a template, not other text
    w.action('f', 'createMailbox', { args: { userId: 'x', quotaGb: 'fifty' }, requires: 'mailbox.create' });
    w.action('g', 'createMailbox', { args: { userId: ref('inputs.x'), quotaGb: ref('inputs.x') }, requires: 'mailbox.create' });
    const problems = (() => {
      try {
        w.build();
      } catch (e) {
        return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
      }
      return [];
    })();
    expect(problems).toEqual([
      expect.stringMatching(/^steps\[0\]\.activity: step a: unknown activity "formatDisk"/),
      'steps[1].args.displayName: step b: createAccount needs the argument "displayName"',
      'steps[2].requires: step c: createAccount needs the permission action account.create, not password.reset',
      'steps[3].compensate.activity: step d: createAccount is undone by deleteAccount, not unlockAccount',
      'steps[4].compensate.activity: step e: lookupUser cannot be undone; remove `compensate:`',
      'steps[5].args.quotaGb: step f: Invalid input: expected number, received string',
    ]);
  });

  it('refuses what the schema or the rules refuse, naming every problem', () => {
    const bad = () =>
      defineWorkflow({ id: 'Bad', title: '' })
        .action('a', 'lookupUser', { args: { by: 'id', id: 'x' } })
        .build();
    expect(bad).toThrow(ValidationError);
    expect(bad).toThrow(
      'workflow definition Bad is invalid: id: use lower-case letters, digits and dashes; title: Too small: expected string to have >=1 characters',
    );
    const rules = () =>
      defineWorkflow({ id: 'x', title: 'X' })
        .action('a', 'lookupUser', { args: { by: 'id', id: ref('inputs.who') } })
        .build();
    expect(rules).toThrow('workflow definition x is invalid: steps[0].args.id: step a: inputs.who is not declared under inputs: (declared: none) (column 5)');
  });
});

describe('definition version', () => {
  it('is a sha-256 of the canonical form: key order does not matter, any change does', () => {
    const hash = definitionHash(onboarding);
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverseKeys)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reverseKeys(x)]),
            )
          : v;
    const reordered = reverseKeys(onboarding) as Definition;
    expect(Object.keys(reordered)[0]).toBe('steps');
    expect(definitionHash(reordered)).toBe(hash);
    const yaml = Definition.parse(parseYaml(readFileSync('content/definitions/onboarding.yaml', 'utf8')));
    expect(definitionHash(yaml)).toBe(hash);
    const changed = Definition.parse({ ...onboarding, title: 'Onboarding v2' });
    expect(definitionHash(changed)).not.toBe(hash);
    expect(definitionHash(incident)).not.toBe(hash);
  });
});

describe('JSON Schema of the definition format', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(definitionJsonSchema());

  it('is committed as docs/definition.schema.json, in step with the zod schema', () => {
    // Regenerate: npx tsx -e "import('../../src/domain/definitions/schema.ts').then(m => console.log(JSON.stringify(m.definitionJsonSchema(), null, 2)))" > docs/definition.schema.json
    const committed = JSON.parse(readFileSync('docs/definition.schema.json', 'utf8'));
    expect(committed).toEqual(definitionJsonSchema());
    const stepShapes = committed.properties.steps.items.anyOf ?? committed.properties.steps.items.oneOf;
    expect(stepShapes).toHaveLength(5);
  });

  it('accepts the shipped files and refuses what the zod schema refuses', () => {
    for (const file of ['onboarding', 'incident-network', 'password-reset']) {
      const raw = parseYaml(readFileSync(`content/definitions/${file}.yaml`, 'utf8'));
      expect(validate(raw), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const broken = [
      { id: 'x', title: 'X', steps: [{ id: 'a', activity: 'lookupUser', colour: 'red' }] },
      {
        id: 'x',
        title: 'X',
        steps: [
          {
            id: 'a',
            parallel: [
              { id: 'b', approval: { approverGroup: 'g', timeout: '1d' } },
              { id: 'c', activity: 'x' },
            ],
          },
        ],
      },
      { id: 'x', title: 'X', steps: [{ id: 'a', activity: 'x', timeout: 'soon' }] },
      { id: 'x', title: 'X', inputs: { a: { type: 'text' } }, steps: [{ id: 'a', activity: 'x' }] },
      { id: 'x', title: 'X', steps: [] },
    ];
    for (const raw of broken) {
      expect(validate(raw), JSON.stringify(raw)).toBe(false);
      expect(Definition.safeParse(raw).success).toBe(false);
    }
  });
});

describe('activity registry', () => {
  const entries = Object.entries(ACTIVITIES) as Array<[string, ActivitySpec]>;

  it('gives every change a permission action and a target argument, and every undo is a change of the same action', () => {
    for (const [name, spec] of entries) {
      const keys = Object.keys((spec.args as unknown as { shape: Record<string, unknown> }).shape);
      if (spec.effect === 'change') {
        expect(spec.action, name).toMatch(/^[a-z]+\.[a-z-]+$/);
        expect(keys, name).toContain(spec.targetArg);
        expect(spec.grantParams, name).toBeTypeOf('function');
      } else {
        expect(spec.action, name).toBeUndefined();
      }
      if (spec.endpointArg) expect(keys, name).toContain(spec.endpointArg);
      if (spec.undo) {
        const undo = activitySpec(spec.undo);
        expect(undo?.effect, name).toBe('change');
        expect(undo?.action, name).toBe(spec.action);
        expect(undo?.undo, name).toBeUndefined();
      }
    }
    expect(activitySpec('toString')).toBeUndefined();
  });

  it('binds grants to exactly the parameters the activities check', () => {
    const params = (name: string, args: Record<string, unknown>) => {
      const spec = activitySpec(name) as ActivitySpec;
      return spec.grantParams?.(spec.args.parse(args));
    };
    expect(params('runRemediation', { deviceId: 'LT-1', action: 'network.flushDns', targetId: 'jdoe' })).toEqual({
      deviceId: 'LT-1',
      remediation: 'network.flushDns',
    });
    expect(params('installSoftware', { deviceId: 'LT-1', software: { id: 'vscode', version: '1' }, targetId: 'jdoe' })).toEqual({
      softwareId: 'vscode',
      deviceId: 'LT-1',
    });
    expect(params('uninstallSoftware', { deviceId: 'LT-1', softwareId: 'vscode', targetId: 'jdoe' })).toEqual({ softwareId: 'vscode', deviceId: 'LT-1' });
    expect(params('cleanDisk', { deviceId: 'LT-1', includeDownloads: true, aggressive: false, targetId: 'jdoe' })).toEqual({
      deviceId: 'LT-1',
      includeDownloads: true,
      aggressive: false,
    });
    for (const name of ['resetPasswordAndNotify', 'unlockAccount', 'deleteAccount', 'deleteMailbox']) expect(params(name, { userId: 'x' }), name).toEqual({});
    expect(params('createAccount', { userId: 'x', displayName: 'X' })).toEqual({});
    expect(params('addToGroups', { userId: 'x', groups: ['a'] })).toEqual({});
    expect(params('removeFromGroups', { userId: 'x', groups: ['a'] })).toEqual({});
    expect(params('createMailbox', { userId: 'x' })).toEqual({});
    expect(params('assignAsset', { userId: 'x', model: 'm' })).toEqual({});
    expect(params('unassignAsset', { userId: 'x', assetId: 'a' })).toEqual({});
  });

  it('prepares rendered arguments: optional nulls left out, defaults filled, anything else refused', () => {
    expect(prepareArgs('createAccount', { userId: 'x', displayName: 'X', department: null, manager: 'asmith' })).toEqual({
      ok: true,
      args: { userId: 'x', displayName: 'X', manager: 'asmith' },
    });
    expect(prepareArgs('runDiagnostic', { deviceId: 'LT-1', check: 'network.dns', args: null })).toEqual({
      ok: true,
      args: { deviceId: 'LT-1', check: 'network.dns', args: {} },
    });
    expect(prepareArgs('addToGroups', { userId: 'x', groups: null })).toEqual({
      ok: false,
      issues: [{ path: 'groups', message: 'Invalid input: expected array, received null' }],
    });
    expect(prepareArgs('addToGroups', { userId: 'x', groups: ['a'], grant: {} })).toEqual({
      ok: false,
      issues: [{ path: '(args)', message: 'Unrecognized key: "grant"' }],
    });
    expect(prepareArgs('sendNotification', {})).toEqual({ ok: false, issues: [{ path: '(args)', message: 'needs email, chat or both' }] });
    expect(prepareArgs('lookupUser', 'x')).toEqual({ ok: false, issues: [{ path: '(args)', message: 'Invalid input: expected object, received string' }] });
    expect(prepareArgs('formatDisk', {})).toEqual({ ok: false, issues: [{ path: '(activity)', message: 'unknown activity "formatDisk"' }] });
  });
});

describe('interpreter helpers', () => {
  it('count steps for "step n of m": top-level steps, groups included, and the steps inside groups', () => {
    expect(stepCount(onboarding)).toBe(9);
    expect(
      allSteps(onboarding)
        .map((s) => `${s.path}${s.group ? ` in ${s.group}` : ''}`)
        .slice(5, 8),
    ).toEqual(['steps[5]', 'steps[5].parallel[0] in baseline-software', 'steps[5].parallel[1] in baseline-software']);
    expect(stepName(onboarding.steps[0] as Step)).toBe('Create the directory account');
    expect(stepName({ id: 'plain', activity: 'lookupUser', args: {} })).toBe('plain');
  });

  it('turn durations into milliseconds', () => {
    expect([parseDuration('250ms'), parseDuration('30s'), parseDuration('5m'), parseDuration('2h'), parseDuration('2d')]).toEqual([
      250, 30_000, 300_000, 7_200_000, 172_800_000,
    ]);
    expect(() => parseDuration('2 days')).toThrow('"2 days" is not a duration (use e.g. 500ms, 30s, 5m, 2h or 1d)');
  });

  it('give retry policies and timeouts with defaults', () => {
    const plain: ActionStep = { id: 'a', activity: 'lookupUser', args: {} };
    expect(retryPolicy(plain)).toEqual({ maximumAttempts: 3, initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 30_000 });
    expect(DEFAULT_RETRY.maximumAttempts).toBe(3);
    expect(retryPolicy({ ...plain, retry: { maximumAttempts: 5, initialInterval: '10s', backoffCoefficient: 1.5, maximumInterval: '1m' } })).toEqual({
      maximumAttempts: 5,
      initialInterval: 10_000,
      backoffCoefficient: 1.5,
      maximumInterval: 60_000,
    });
    expect(stepTimeout(plain)).toBe(60_000);
    expect(stepTimeout({ ...plain, timeout: '10m' })).toBe(600_000);
  });

  it('order compensations newest first, leaving out steps without one', () => {
    const step = (id: string, undo?: string): ActionStep => ({ id, activity: 'x', args: {}, ...(undo ? { compensate: { activity: undo, args: {} } } : {}) });
    expect(compensationOrder([step('a', 'ua'), step('b'), step('c', 'uc')]).map((s) => s.id)).toEqual(['c', 'a']);
    expect(compensationOrder([])).toEqual([]);
  });

  it('are all reachable from the folder index, without node:crypto', () => {
    expect(model.parseExpression).toBeTypeOf('function');
    expect(model.defineWorkflow).toBeTypeOf('function');
    expect('definitionHash' in model).toBe(false);
    const sources = ['schema', 'expressions', 'templates', 'registry', 'validation', 'runtime', 'builder', 'index'].map((f) =>
      readFileSync(`src/domain/definitions/${f}.ts`, 'utf8'),
    );
    for (const source of sources) expect(source).not.toMatch(/from 'node:|from '\.\.\/audit\.js'|from '\.\/hash\.js'|from '\.\/files\.js'/);
  });
});
