import { describe, expect, it } from 'vitest';
import { formatContentIssue } from '../../../../src/domain/content.js';
import { definitionSet, parseDefinition } from '../../../../src/domain/definitions/files.js';
import { Definition } from '../../../../src/domain/definitions/schema.js';
import { validateDefinition, validateInputs, type ValidationContext } from '../../../../src/domain/definitions/validation.js';

const CTX: ValidationContext = {
  file: 'content/definitions/demo.yaml',
  policyActions: ['account.create', 'group.add', 'mailbox.create', 'asset.assign', 'software.install', 'endpoint.remediate'],
  trees: ['network-connectivity', 'printer'],
  chatChannels: ['it-onboarding'],
  diagnostics: ['network.link', 'network.dns'],
  remediations: ['network.renewDhcp'],
  software: ['vscode'],
};

type Raw = Record<string, unknown>;

const base = (steps: unknown[], extra: Raw = {}): Raw => ({
  id: 'demo',
  title: 'Demo',
  inputs: { userId: { type: 'string' }, role: { type: 'string', enum: ['engineer', 'sales'] } },
  constants: { groupsByRole: { engineer: ['staff'] } },
  steps,
  ...extra,
});

const createAccount = (over: Raw = {}): Raw => ({
  id: 'create-account',
  activity: 'createAccount',
  args: { userId: '${{ inputs.userId }}', displayName: 'New person' },
  requires: 'account.create',
  compensate: { activity: 'deleteAccount', args: { userId: '${{ inputs.userId }}' } },
  ...over,
});

const lookup = (id: string, over: Raw = {}): Raw => ({ id, activity: 'lookupUser', args: { by: 'id', id: '${{ inputs.userId }}' }, ...over });

/** `path: message` of every issue. */
const problems = (raw: unknown, ctx: ValidationContext = CTX) => validateDefinition(raw, ctx).map((i) => `${i.path}: ${i.message}`);

describe('definition files: schema errors with file, line, step and field', () => {
  const file = 'content/definitions/demo.yaml';
  const issues = (text: string) => parseDefinition(text, { ...CTX, file }).issues.map(formatContentIssue);

  it('point at the line and column of the offending field', () => {
    const text = [
      'id: demo',
      'title: Demo',
      'steps:',
      '  - id: lookup',
      '    activity: lookupUser',
      '    args: { by: id, id: x }',
      '    retry: { maximumAttempts: many }',
      '    timeout: soon',
      '  - id: both',
      '    notify: { chat: { channel: it-onboarding, text: hi } }',
      '    approval: { timeout: 1d, approverGroup: it-managers }',
      '  - id: group',
      '    parallel:',
      '      - id: a',
      '        troubleshoot: { tree: printer, subject: x }',
      '      - id: b',
      '        notify: {}',
      '  - { id: Bad_Id, activity: lookupUser, extra: 1 }',
      '  - just text',
      '  - id: lonely',
    ].join('\n');
    expect(issues(text)).toEqual([
      `${file}:7:31 steps[0].retry.maximumAttempts: Invalid input: expected number, received string`,
      `${file}:8:14 steps[0].timeout: a duration such as 500ms, 30s, 5m, 2h or 1d`,
      `${file}:9:5 steps[1]: a step needs exactly one of activity, parallel, approval, troubleshoot, notify (found approval and notify)`,
      `${file}:15:23 steps[2].parallel[0].troubleshoot: parallel groups hold only steps with activity or notify, not troubleshoot`,
      `${file}:17:17 steps[2].parallel[1].notify: notify needs \`email:\`, \`chat:\` or both`,
      `${file}:18:11 steps[3].id: a step id: lower-case letters, digits and dashes, e.g. create-account`,
      `${file}:18:5 steps[3]: Unrecognized key: "extra"`,
      `${file}:19:5 steps[4]: a step is an object with an id and one of: activity, parallel, approval, troubleshoot, notify`,
      `${file}:20:5 steps[5]: a step needs exactly one of activity, parallel, approval, troubleshoot, notify (found none)`,
    ]);
  });

  it('report YAML syntax errors and the top-level fields', () => {
    expect(issues('id: demo\nsteps: [\n')[0]).toMatch(new RegExp(`^${file}:\\d+:\\d+ \\(syntax\\): `));
    expect(issues('id: demo\ntitle: T\nsteps: []\ninputs: { bad-name: { type: string }, ok: { type: text } }\nlimits: { perEndpoint: 0 }\n')).toEqual([
      `${file}:4:21 inputs.bad-name: a name of letters, digits and _ that starts with a letter, e.g. employeeId`,
      `${file}:4:51 inputs.ok.type: an input needs \`type:\` string, number, boolean or string-list`,
      `${file}:5:24 limits.perEndpoint: Too small: expected number to be >=1`,
      `${file}:3:8 steps: a definition needs at least one step`,
    ]);
    expect(issues('id: demo\ntitle: T\nsteps:\n  - id: g\n    parallel:\n      - { id: a, notify: { chat: { channel: c, text: t } } }\n')).toEqual([
      `${file}:6:7 steps[0].parallel: a parallel group needs at least two steps`,
    ]);
  });

  it('locate rule violations too, and name the step in the message', () => {
    const text = [
      'id: demo',
      'title: Demo',
      'inputs: { userId: { type: string } }',
      'steps:',
      '  - id: create-account',
      '    activity: createAccount',
      "    args: { userId: '${{ inputs.userId }}', displayName: '${{ inputs.name }}', nickname: x }",
      '    requires: account.create',
      '  - id: mailbox',
      '    activity: createMailbox',
      "    args: { userId: '${{ inputs.userId }}' }",
    ].join('\n');
    const result = parseDefinition(text, { ...CTX, file });
    expect(result.definition).toBeNull();
    expect(result.issues.map(formatContentIssue)).toEqual([
      `${file}:7:58 steps[0].args.displayName: step create-account: inputs.name is not declared under inputs: (declared: userId) (column 5)`,
      `${file}:7:90 steps[0].args.nickname: step create-account: createAccount has no argument "nickname" (it takes userId, displayName, department, title, manager)`,
      `${file}:9:5 steps[1].requires: step mailbox: createMailbox changes something, so it needs \`requires: mailbox.create\``,
    ]);
  });

  it('give the definition when it is valid, and read JSON as well as YAML', () => {
    const json = JSON.stringify(base([lookup('who')]));
    const result = parseDefinition(json, { ...CTX, file: 'content/definitions/demo.json' });
    expect(result.issues).toEqual([]);
    expect(result.definition?.steps[0]).toEqual({ id: 'who', activity: 'lookupUser', args: { by: 'id', id: '${{ inputs.userId }}' } });
    expect(result.definition?.limits).toEqual({ perEndpoint: 1 });
  });

  it('report one id defined by two files, and keep the valid ones of a set', () => {
    const good = JSON.stringify(base([lookup('who')]));
    const set = definitionSet(
      [
        { file: 'd/demo.json', text: good },
        { file: 'd/demo.yaml', text: good },
        { file: 'd/other.yaml', text: 'id: other\n' },
      ],
      CTX,
    );
    expect(Object.keys(set.definitions)).toEqual(['demo']);
    expect(set.issues.map(formatContentIssue)).toEqual([
      'd/demo.yaml id: definition "demo" is defined in d/demo.json already; keep one of the two files',
      'd/other.yaml:1:1 title: Invalid input: expected string, received undefined',
      'd/other.yaml:1:1 steps: Invalid input: expected array, received undefined',
    ]);
  });

  it('checks an object that is not a definition without lines', () => {
    expect(validateDefinition({ id: 'x' }, CTX)).toEqual([
      { file: CTX.file, path: 'title', message: 'Invalid input: expected string, received undefined' },
      { file: CTX.file, path: 'steps', message: 'Invalid input: expected array, received undefined' },
    ]);
  });

  it('report a YAML alias bomb as a problem of the file instead of expanding it', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const result = parseDefinition(lines.join('\n'), { ...CTX, file: 'bomb.yaml' });
    expect(result.definition).toBeNull();
    expect(result.issues).toEqual([{ file: 'bomb.yaml', path: '(syntax)', message: expect.stringMatching(/alias/i) }]);
  });
});

describe('definition rules', () => {
  it('accept a definition that follows them all', () => {
    const ok = base([
      createAccount(),
      {
        id: 'setup',
        when: "steps.create-account.status == 'succeeded'",
        parallel: [
          {
            id: 'mail',
            activity: 'createMailbox',
            args: { userId: '${{ inputs.userId }}', quotaGb: 5 },
            requires: 'mailbox.create',
            compensate: { activity: 'deleteMailbox', args: { userId: '${{ inputs.userId }}' } },
          },
          { id: 'hello', notify: { chat: { channel: 'it-onboarding', text: 'Account ${{ steps.create-account.result.created }}' } } },
        ],
      },
      { id: 'after', notify: { email: { toUser: '${{ inputs.userId }}', subject: 'Hi', text: '${{ steps.mail.status }} ${{ steps.setup.status }}' } } },
      { id: 'ok', approval: { approvers: ['${{ run.requester }}'], timeout: '2d' } },
      { id: 'guided', troubleshoot: { tree: 'printer', subject: '${{ inputs.userId }}', timeout: '1d' } },
      lookup('who', { when: 'steps.ok.result.approved && steps.guided.status != null && ticket.key != alert.fingerprint' }),
    ]);
    expect(problems(ok)).toEqual([]);
  });

  it('the id equals the file name', () => {
    expect(problems(base([lookup('a')]), { ...CTX, file: 'defs/onboarding.yml' })).toEqual([
      'id: the id "demo" must equal the file name "onboarding"; rename one of them',
    ]);
    expect(problems(base([lookup('a')]), { file: 'built in TypeScript' })).toEqual([]);
  });

  it('step ids are unique across the definition, parallel children included', () => {
    const def = base([lookup('a'), { id: 'g', parallel: [lookup('a'), lookup('g')] }, lookup('g')]);
    expect(problems(def)).toEqual([
      'steps[1].parallel[0].id: step a: the id is used twice (first at steps[0]); step ids must be unique in the definition',
      'steps[1].parallel[1].id: step g: the id is used twice (first at steps[1]); step ids must be unique in the definition',
      'steps[2].id: step g: the id is used twice (first at steps[1]); step ids must be unique in the definition',
    ]);
  });

  it('activities come from the registry; notifications go through notify steps', () => {
    expect(problems(base([{ id: 'x', activity: 'formatDisk', args: { all: '${{ inputs.nope }}' } }]))).toEqual([
      'steps[0].args.all: step x: inputs.nope is not declared under inputs: (declared: userId, role) (column 5)',
      expect.stringMatching(/^steps\[0\]\.activity: step x: unknown activity "formatDisk" \(known: lookupUser, deviceOf, .*sendNotification\)$/),
    ]);
    expect(problems(base([{ id: 'x', activity: 'sendNotification', args: { chat: { channel: 'c', text: 't' } } }]))).toEqual([
      'steps[0].activity: step x: use a `notify:` step to send notifications, not activity sendNotification',
    ]);
  });

  it('arguments match the activity: names, required ones and literal types; templated values are checked at run time', () => {
    const step = (args: Raw, activity = 'installSoftware') =>
      base([{ id: 's', activity, args, requires: activity === 'installSoftware' ? 'software.install' : undefined }]);
    expect(problems(step({ deviceId: 'LT-1', software: { id: 'vscode', version: 1 }, targetId: 'x', grant: {}, colour: 'red' }))).toEqual([
      'steps[0].args.software.version: step s: Invalid input: expected string, received number',
      'steps[0].args.grant: step s: the engine adds the grant after the permission check; remove it',
      'steps[0].args.colour: step s: installSoftware has no argument "colour" (it takes deviceId, software, targetId)',
    ]);
    expect(problems(step({ software: '${{ constants.groupsByRole }}', deviceId: '${{ inputs.userId }}' }))).toEqual([
      'steps[0].args.targetId: step s: installSoftware needs the argument "targetId"',
    ]);
    expect(problems(step({ deviceId: 'd', software: { id: '${{ inputs.role }}', version: 'v' }, targetId: 't' }))).toEqual([]);
    expect(problems(step({ body: 'Hi', visibility: 'secret', ticket: 'ITSM-1' }, 'commentOnTicket'))).toEqual([
      'steps[0].args.visibility: step s: Invalid option: expected one of "internal"|"public"',
      "steps[0].args.ticket: step s: the engine adds the run's ticket; remove it",
    ]);
    expect(problems(step({ by: 'id', id: 'x', ticket: 1 }, 'lookupUser'))).toEqual([
      'steps[0].args.ticket: step s: lookupUser has no argument "ticket" (it takes by, id)',
    ]);
  });

  it('written-out diagnostic checks, remediations and software exist', () => {
    const def = base([
      { id: 'd1', activity: 'runDiagnostic', args: { deviceId: 'LT-1', check: 'network.link' } },
      { id: 'd2', activity: 'runDiagnostic', args: { deviceId: 'LT-1', check: 'network.teleport' } },
      { id: 'd3', activity: 'runDiagnostic', args: { deviceId: 'LT-1', check: '${{ inputs.role }}' } },
      { id: 'r1', activity: 'runRemediation', args: { deviceId: 'LT-1', action: 'network.reboot', targetId: 'x' }, requires: 'endpoint.remediate' },
      {
        id: 'i1',
        activity: 'installSoftware',
        args: { deviceId: 'LT-1', software: { id: 'doom', version: '1' }, targetId: 'x' },
        requires: 'software.install',
      },
      { id: 'u1', activity: 'uninstallSoftware', args: { deviceId: 'LT-1', softwareId: 'doom', targetId: 'x' }, requires: 'software.install' },
    ]);
    expect(problems(def)).toEqual([
      'steps[1].args.check: step d2: unknown diagnostic check "network.teleport" (known: network.link, network.dns)',
      'steps[3].args.action: step r1: unknown remediation "network.reboot" (known: network.renewDhcp)',
      'steps[4].args.software.id: step i1: unknown software (content/software.yaml) "doom" (known: vscode)',
      'steps[5].args.softwareId: step u1: unknown software (content/software.yaml) "doom" (known: vscode)',
    ]);
    expect(problems(def, { file: 'x' })).toEqual([]);
    expect(problems(def, { file: 'x', software: [] })).toContain(
      'steps[4].args.software.id: step i1: unknown software (content/software.yaml) "doom" (known: none)',
    );
  });

  it('changes name the permission action of the registry, and the policy has it', () => {
    expect(problems(base([createAccount({ requires: undefined })]))).toEqual([
      'steps[0].requires: step create-account: createAccount changes something, so it needs `requires: account.create`',
    ]);
    expect(problems(base([createAccount({ requires: 'password.reset' })]))).toEqual([
      'steps[0].requires: step create-account: createAccount needs the permission action account.create, not password.reset',
    ]);
    expect(problems(base([createAccount()]), { ...CTX, policyActions: ['group.add'] })).toEqual([
      'steps[0].requires: step create-account: no rule for account.create in content/policy.yaml, so every run would be denied; add the action there',
    ]);
    expect(problems(base([lookup('who', { requires: 'account.create' })]))).toEqual([
      'steps[0].requires: step who: lookupUser changes nothing, so it takes no `requires:`',
    ]);
  });

  it('compensate names the registry undo, with its arguments, and may read the step own result', () => {
    expect(problems(base([createAccount({ compensate: { activity: 'unlockAccount', args: {} } })]))).toEqual([
      'steps[0].compensate.activity: step create-account: createAccount is undone by deleteAccount, not unlockAccount',
    ]);
    const reset = { id: 'r', activity: 'unlockAccount', args: { userId: 'x' }, requires: 'account.unlock', compensate: { activity: 'x', args: {} } };
    expect(problems(base([reset]), { file: 'f' })).toEqual(['steps[0].compensate.activity: step r: unlockAccount cannot be undone; remove `compensate:`']);
    const assign = {
      id: 'assign-laptop',
      activity: 'assignAsset',
      args: { userId: 'x', model: 'standard-14' },
      requires: 'asset.assign',
      compensate: { activity: 'unassignAsset', args: { assetId: '${{ steps.assign-laptop.result.assetId }}', userId: 'x', extra: '${{ steps.nope.result }}' } },
    };
    expect(problems(base([assign]))).toEqual([
      'steps[0].compensate.args.extra: step assign-laptop: unassignAsset has no argument "extra" (it takes assetId, userId)',
      'steps[0].compensate.args.extra: step assign-laptop: steps.nope: there is no step "nope" (column 5)',
    ]);
  });

  it('expressions in when and in templates parse, with the column', () => {
    expect(problems(base([lookup('a', { when: "inputs.role == 'x')" }), lookup('b', { args: { by: 'id', id: 'user ${{ inputs.userId' } })]))).toEqual([
      "steps[0].when: step a: unexpected ')' at column 19",
      "steps[1].args.id: step b: missing '}}' to close the '${{' opened at column 6",
    ]);
  });

  it('references name declared inputs and constants, run.requester, and steps that finished before', () => {
    const def = base([
      lookup('first', { when: 'inputs.nope || constants.nope || run.who || constants.groupsByRole.engineer' }),
      {
        id: 'group',
        parallel: [
          lookup('left', { when: 'steps.right.status == null && steps.first.result != null && steps.group.status == null' }),
          lookup('right', { when: 'steps.right.result == null' }),
        ],
      },
      lookup('last', { when: 'steps.group.result || steps.left.output || steps.later.status || steps.ghost || steps.left.result.x' }),
      lookup('later'),
    ]);
    expect(problems(def)).toEqual([
      'steps[0].when: step first: inputs.nope is not declared under inputs: (declared: userId, role) (column 1)',
      'steps[0].when: step first: constants.nope is not declared under constants: (declared: groupsByRole) (column 16)',
      'steps[0].when: step first: run has only requester, not who (column 34)',
      'steps[1].parallel[0].when: step left: steps.right: step "right" has not finished when this step runs (only earlier steps, outside this step\'s parallel group, can be read) (column 1)',
      'steps[1].parallel[0].when: step left: steps.group: step "group" has not finished when this step runs (only earlier steps, outside this step\'s parallel group, can be read) (column 61)',
      'steps[1].parallel[1].when: step right: steps.right: a step cannot read its own result (only its compensate: can) (column 1)',
      'steps[2].when: step last: steps.group.result: a parallel group has a status but no result; read its steps instead (column 1)',
      'steps[2].when: step last: steps.left.output: a step has only status and result (column 23)',
      'steps[2].when: step last: steps.later: step "later" has not finished when this step runs (only earlier steps, outside this step\'s parallel group, can be read) (column 44)',
      'steps[2].when: step last: steps.ghost: there is no step "ghost" (column 66)',
    ]);
    expect(problems(base([lookup('a', { when: 'constants.x' })], { constants: {} }))).toEqual([
      'steps[0].when: step a: constants.x is not declared under constants: (declared: none) (column 1)',
    ]);
  });

  it('approvals, troubleshooting and notifications: trees and channels exist, templates read what is there', () => {
    const def = base([
      { id: 'ok', approval: { approvers: ['${{ inputs.manager }}'], timeout: '0s' } },
      { id: 'ts', troubleshoot: { tree: 'coffee-machine', subject: '${{ steps.ok.result.approver }}', timeout: '0m' } },
      { id: 'tell', notify: { chat: { channel: 'random', text: 'x' }, email: { toUser: '${{ steps.nope.status }}', subject: 's', text: 't' } } },
      { id: 'tell-2', notify: { chat: { channel: '${{ inputs.role }}', text: 'x' } } },
    ]);
    expect(problems(def)).toEqual([
      'steps[0].approval.approvers[0]: step ok: inputs.manager is not declared under inputs: (declared: userId, role) (column 5)',
      'steps[0].approval.timeout: step ok: a duration must be longer than 0',
      'steps[1].troubleshoot.tree: step ts: no tree "coffee-machine" in content/trees (trees: network-connectivity, printer)',
      'steps[1].troubleshoot.timeout: step ts: a duration must be longer than 0',
      'steps[2].notify.email.toUser: step tell: steps.nope: there is no step "nope" (column 5)',
      'steps[2].notify.chat.channel: step tell: no chat channel "random" in content/notify.yaml (channels: it-onboarding)',
    ]);
    expect(problems(base([{ id: 'ok', approval: { timeout: '1d' } }]))).toEqual([
      'steps[0].approval: an approval needs `approvers:`, `approverGroup:` or both',
    ]);
    expect(problems(base([{ id: 'ok', approval: { approverGroup: 'it-managers', timeout: '1d', onTimeout: 'retry' } }]))).toEqual([
      'steps[0].approval.onTimeout: Invalid option: expected one of "fail"|"continue"',
    ]);
  });

  it('timeouts and retry intervals are durations longer than 0, and the longest interval is not the shorter one', () => {
    const def = base([
      lookup('a', { timeout: '0ms', retry: { initialInterval: '1m', maximumInterval: '30s' } }),
      lookup('b', { retry: { initialInterval: '0s', maximumInterval: '0s', backoffCoefficient: 2, maximumAttempts: 2 } }),
      lookup('c', { retry: { maximumInterval: '1s' } }),
      { id: 'd', notify: { chat: { channel: 'it-onboarding', text: 't' } }, timeout: '5s', retry: { maximumAttempts: 0 } },
    ]);
    expect(problems(def)).toEqual(['steps[3].retry.maximumAttempts: Too small: expected number to be >=1']);
    expect(problems({ ...def, steps: (def.steps as Raw[]).slice(0, 3) })).toEqual([
      'steps[0].timeout: step a: a duration must be longer than 0',
      'steps[0].retry.maximumInterval: step a: maximumInterval 30s is shorter than initialInterval 1m',
      'steps[1].retry.initialInterval: step b: a duration must be longer than 0',
      'steps[1].retry.maximumInterval: step b: a duration must be longer than 0',
    ]);
  });

  it('inputs: a valid pattern, minimum not above maximum, defaults that fit', () => {
    const def = base([lookup('a')], {
      inputs: {
        userId: { type: 'string', pattern: '^[a-z' },
        role: { type: 'string', enum: ['a', 'b'], default: 'c' },
        code: { type: 'string', pattern: '^\\d+$', default: 'x1' },
        quota: { type: 'number', minimum: 10, maximum: 1, default: 5, required: true },
        small: { type: 'number', maximum: 3, default: 4 },
        flag: { type: 'boolean', default: true, required: false },
        list: { type: 'string-list', default: [] },
      },
    });
    expect(problems(def)).toEqual([
      expect.stringMatching(/^inputs\.userId\.pattern: not a valid regular expression: /),
      'inputs.role.default: the default must be one of a, b',
      'inputs.code.default: the default must match ^\\d+$',
      'inputs.quota.minimum: minimum 10 is above maximum 1',
      'inputs.quota.default: the default must be at least 10',
      'inputs.quota.required: an input with a default is never missing; remove `required: true`',
      'inputs.small.default: the default must be at most 3',
    ]);
    expect(problems(base([lookup('a')], { inputs: { userId: { type: 'string' }, constructor: { type: 'string' } } }))).toEqual([
      'inputs.constructor: a name of letters, digits and _ that starts with a letter, e.g. employeeId',
    ]);
  });
});

describe('run inputs', () => {
  const def = Definition.parse(
    base([lookup('a')], {
      inputs: {
        employeeId: { type: 'string', pattern: '^[a-z][a-z0-9.]{1,30}$', description: 'the new account' },
        role: { type: 'string', enum: ['engineer', 'sales'] },
        laptop: { type: 'boolean', default: true },
        quotaGb: { type: 'number', minimum: 1, maximum: 100, default: 50 },
        extraGroups: { type: 'string-list', default: [] },
        manager: { type: 'string', required: false },
        toString: { type: 'string', required: false },
      },
    }),
  );

  it('fill in defaults and leave optional inputs out', () => {
    const result = validateInputs(def, { employeeId: 'maria.lopez', role: 'sales', manager: null });
    expect(result).toEqual({ ok: true, values: { employeeId: 'maria.lopez', role: 'sales', laptop: true, quotaGb: 50, extraGroups: [] } });
    const again = validateInputs(def, { employeeId: 'maria.lopez', role: 'sales' });
    (again as unknown as { values: { extraGroups: string[] } }).values.extraGroups.push('x');
    expect(def.inputs.extraGroups).toEqual({ type: 'string-list', default: [] });
    expect(validateInputs(def, { employeeId: 'ab', role: 'engineer', laptop: false, quotaGb: 1, extraGroups: ['vpn'], manager: 'asmith' })).toEqual({
      ok: true,
      values: { employeeId: 'ab', role: 'engineer', laptop: false, quotaGb: 1, extraGroups: ['vpn'], manager: 'asmith' },
    });
  });

  it('name every input that is missing, of the wrong type, out of range or unknown', () => {
    expect(validateInputs(def, { role: 'boss', laptop: 'yes', quotaGb: 500, extraGroups: [1], colour: 'red', toString: 3 })).toEqual({
      ok: false,
      issues: [
        { path: 'inputs.colour', message: 'unknown input (demo takes: employeeId, role, laptop, quotaGb, extraGroups, manager, toString)' },
        { path: 'inputs.employeeId', message: 'required (the new account)' },
        { path: 'inputs.role', message: 'must be one of engineer, sales' },
        { path: 'inputs.laptop', message: 'must be true or false' },
        { path: 'inputs.quotaGb', message: 'must be at most 100' },
        { path: 'inputs.extraGroups', message: 'must be a list of texts' },
        { path: 'inputs.toString', message: 'must be text' },
      ],
    });
    expect(validateInputs(def, { employeeId: 'maria' })).toEqual({ ok: false, issues: [{ path: 'inputs.role', message: 'required' }] });
    expect(validateInputs(def, { employeeId: 7, role: 'sales', quotaGb: Number.NaN })).toEqual({
      ok: false,
      issues: [
        { path: 'inputs.employeeId', message: 'must be text' },
        { path: 'inputs.quotaGb', message: 'must be a number' },
      ],
    });
    expect(validateInputs(def, { employeeId: 'Maria', role: 'sales' })).toEqual({
      ok: false,
      issues: [{ path: 'inputs.employeeId', message: 'must match ^[a-z][a-z0-9.]{1,30}$' }],
    });
    expect(validateInputs(def, { employeeId: 'maria', role: 'sales', quotaGb: 0 })).toEqual({
      ok: false,
      issues: [{ path: 'inputs.quotaGb', message: 'must be at least 1' }],
    });
  });

  it('take no inputs as an empty object, and refuse anything that is not an object', () => {
    const none = Definition.parse(base([lookup('a')], { inputs: {} }));
    expect(validateInputs(none, undefined)).toEqual({ ok: true, values: {} });
    expect(validateInputs(none, null)).toEqual({ ok: true, values: {} });
    expect(validateInputs(none, { x: 1 })).toEqual({ ok: false, issues: [{ path: 'inputs.x', message: 'unknown input (demo takes: none)' }] });
    expect(validateInputs(none, ['a'])).toEqual({ ok: false, issues: [{ path: 'inputs', message: 'inputs must be an object of name: value' }] });
    expect(validateInputs(none, 'a')).toEqual({ ok: false, issues: [{ path: 'inputs', message: 'inputs must be an object of name: value' }] });
  });
});

describe('sensitive inputs', () => {
  const withName = (steps: unknown[]) =>
    base(steps, { inputs: { userId: { type: 'string' }, name: { type: 'string', sensitive: true }, role: { type: 'string' } } });

  it('may be passed whole to an activity or a message', () => {
    expect(
      problems(
        withName([
          createAccount({ args: { userId: '${{ inputs.userId }}', displayName: '${{ inputs.name }}' } }),
          { id: 'hello', notify: { chat: { channel: 'it-onboarding', text: 'Welcome ${{ inputs.name }}' } } },
        ]),
      ),
    ).toEqual([]);
  });

  it('cannot be read by conditions, functions or operators (the run holds only a token)', () => {
    expect(
      problems(
        withName([
          createAccount({
            when: "inputs.name != '' && inputs.role == 'x'",
            args: { userId: '${{ inputs.userId }}', displayName: '${{ upper(inputs.name) }}' },
          }),
          { id: 'hello', notify: { chat: { channel: 'it-onboarding', text: '${{ coalesce(inputs.role, "r") }} ${{ inputs["name"] }}' } } },
        ]),
      ),
    ).toEqual([
      'steps[0].when: step create-account: inputs.name is sensitive: conditions cannot read it (the run holds only a token for it)',
      'steps[0].args.displayName: step create-account: inputs.name is sensitive: pass it whole as ${{ inputs.name }} (functions and operators cannot read it)',
      'steps[1].notify.chat.text: step hello: inputs.name is sensitive: pass it whole as ${{ inputs.name }} (functions and operators cannot read it)',
    ]);
  });
});
