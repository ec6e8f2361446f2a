import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapters, EngineActivities } from '../../src/app/adapters.js';
import { startDefinitionRun } from '../../src/client/definitions.js';
import type { Content } from '../../src/stack/content.js';
import { defineWorkflow } from '../../src/domain/definitions/builder.js';
import { ref } from '../../src/domain/definitions/templates.js';
import type { ResolutionRecord } from '../../src/domain/records/resolution.js';
import { approvalUpdate, definitionProgressQuery, ticketEventSignal } from '../../src/workflows/index.js';
import { normaliseJira } from '../../src/domain/sources/jira.js';
import { toWorkflowTicket } from '../../src/domain/tickets/ticket.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';
import { demoAdapters, demoContent, historyText, startTestServer, withWorker } from '../helpers/temporal.js';

// The interpreter runs definitions on a real Temporal server against the in-memory directory,
// mailboxes, asset stock and fleet, and a failure anywhere leaves them as they were.

const ADMIN = 'kim.admin';

let env: TestWorkflowEnvironment;
let content: Content;
beforeAll(async () => {
  env = await startTestServer();
  content = await demoContent();
});
afterAll(async () => {
  await env?.teardown();
});

const NEW_HIRE = { employeeId: 'maria.lopez', displayName: 'Maria Lopez', role: 'engineer', extraGroups: ['finance'], laptopModel: 'standard-14' };

/** What the systems hold for the new hire: directory, mailbox, laptop and its software. */
async function stateOf(adapters: Adapters, userId: string) {
  const user = await adapters.directory.findUser({ by: 'id', id: userId });
  const devices = adapters.endpoints.all().filter((d) => d.owner === userId);
  return {
    account: user ? { enabled: user.enabled, groups: (await adapters.directory.groupsOf(user)).sort() } : null,
    mailbox: await adapters.mailboxes.mailbox(userId),
    laptops: devices.map((d) => ({ id: d.id, software: d.installed.map((s) => s.id).sort() })),
  };
}
const stock = (adapters: Adapters) => adapters.endpoints.all().map((d) => ({ id: d.id, owner: d.owner, software: d.installed.map((s) => s.id).sort() }));

/** Counts every activity call by name, and can make one fail for good. */
function counting(calls: string[], failing?: string) {
  return (acts: EngineActivities): EngineActivities =>
    Object.fromEntries(
      Object.entries(acts).map(([name, fn]) => [
        name,
        async (...args: unknown[]) => {
          calls.push(name);
          if (name === failing) throw ApplicationFailure.nonRetryable(`injected failure of ${name}`, 'Injected');
          return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        },
      ]),
    ) as unknown as EngineActivities;
}

async function runOnboarding(adapters: Adapters, wrap: (a: EngineActivities) => EngineActivities, inputs: Record<string, unknown> = NEW_HIRE) {
  return withWorker(
    env,
    adapters,
    async (taskQueue) => {
      const started = await startDefinitionRun({
        client: env.client,
        taskQueue,
        content,
        definition: 'onboarding',
        inputs,
        requester: { by: 'id', id: ADMIN },
        vault: adapters.store,
      });
      const handle = env.client.workflow.getHandle(started.workflowId);
      const record = (await handle.result()) as ResolutionRecord;
      return { started, record, progress: await handle.query(definitionProgressQuery) };
    },
    wrap,
  );
}

describe('onboarding definition', () => {
  it('creates the account with the groups of the role, the mailbox and a laptop with the baseline software, and welcomes them', async () => {
    const adapters = await demoAdapters();
    const calls: string[] = [];
    const { started, record, progress } = await runOnboarding(adapters, counting(calls));

    expect(record).toMatchObject({
      outcome: 'resolved',
      definition: { id: 'onboarding', version: started.version },
      workflow: { type: 'definitionRun' },
      requester: { userId: ADMIN },
      compensations: [],
    });
    expect(started.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    const state = await stateOf(adapters, 'maria.lopez');
    expect(state.account).toEqual({ enabled: true, groups: ['engineering', 'finance', 'staff'] });
    expect(state.mailbox).toMatchObject({ quotaGb: 50 });
    expect(state.laptops).toHaveLength(1);
    expect(state.laptops[0]!.software).toEqual(expect.arrayContaining(['acrobat-pro', 'vscode']));
    // The welcome went to the new account's own address, looked up inside the activity.
    expect(adapters.outbox.messages.map((m) => m.to)).toEqual(['maria.lopez@example.com']);
    expect(adapters.chatOutbox.to('it-onboarding')).toHaveLength(1);
    // Each change was checked just before it ran.
    expect(record.decisions.map((d) => [d.action, d.allowed])).toEqual([
      ['account.create', true],
      ['group.add', true],
      ['group.add', true],
      ['mailbox.create', true],
      ['asset.assign', true],
      ['software.install', true],
      ['software.install', true],
    ]);
    expect(calls.filter((c) => c === 'checkPermission')).toHaveLength(7);
    expect(progress).toMatchObject({ status: 'resolved', total: 9, done: 9, running: [] });
    expect(progress.completed.map((s) => s.status)).toEqual(expect.arrayContaining(['succeeded']));
    // The name is a sensitive input: the directory and the welcome have it, the run's history and
    // record hold only a token, and the engine forgot it when the record was filed.
    expect((await adapters.directory.findUser({ by: 'id', id: 'maria.lopez' }))?.displayName).toBe('Maria Lopez');
    expect(adapters.outbox.messages[0]!.text).toContain('Hello Maria Lopez');
    const history = historyText(await env.client.workflow.getHandle(started.workflowId).fetchHistory());
    expect(history).not.toContain('maria.lopez@example.com');
    expect(history).not.toContain('Maria Lopez');
    expect(history).toMatch(/sensitive:[0-9a-f-]{36}/);
    expect(JSON.stringify(record)).not.toContain('Maria Lopez');
    expect(await adapters.store.sensitiveCount()).toBe(0);
    const [doc] = await adapters.store.documents(started.workflowId);
    expect(doc!.workNote).toContain('displayName=[sensitive input]');
    expect(JSON.stringify(await adapters.store.auditEntries())).not.toContain('Maria Lopez');
  });

  it('skips the steps whose conditions do not hold', async () => {
    const adapters = await demoAdapters();
    const { record, progress } = await runOnboarding(adapters, (a) => a, { ...NEW_HIRE, employeeId: 'sam.new', extraGroups: [], laptop: false });
    expect(record.outcome).toBe('resolved');
    expect(record.actions.filter((a) => a.status === 'skipped').map((a) => a.name)).toEqual([
      'Add the extra groups',
      'Hand out a laptop from stock',
      'Install the baseline software',
    ]);
    expect((await stateOf(adapters, 'sam.new')).laptops).toEqual([]);
    expect(progress).toMatchObject({ total: 9, done: 9 });
  });

  // A failure at each change: everything done before it is undone, newest first, once each.
  it.each([
    ['createAccount', []],
    ['addToGroups', ['deleteAccount']],
    ['createMailbox', ['removeFromGroups', 'removeFromGroups', 'deleteAccount']],
    ['assignAsset', ['deleteMailbox', 'removeFromGroups', 'removeFromGroups', 'deleteAccount']],
    ['installSoftware', ['unassignAsset', 'deleteMailbox', 'removeFromGroups', 'removeFromGroups', 'deleteAccount']],
  ])('rolls back completely when %s fails', async (failing, undone) => {
    const adapters = await demoAdapters();
    const before = stock(adapters);
    const calls: string[] = [];
    const { record, progress } = await runOnboarding(adapters, counting(calls, failing));

    expect(record.outcome).toBe('failed');
    expect(record.summary).toContain(`injected failure of ${failing}`);
    const undoCalls = calls.filter((c) => ['deleteAccount', 'removeFromGroups', 'deleteMailbox', 'unassignAsset', 'uninstallSoftware'].includes(c));
    // installSoftware runs twice in parallel: when both fail nothing was installed, so nothing is uninstalled.
    expect(undoCalls).toEqual(undone);
    expect(record.compensations.map((c) => [c.activity, c.status])).toEqual(undone.map((a) => [a, 'succeeded']));
    expect(await stateOf(adapters, 'maria.lopez')).toEqual({ account: null, mailbox: null, laptops: [] });
    expect(stock(adapters)).toEqual(before);
    expect(progress.status).toBe('failed');
  });

  it('undoes the install that succeeded when its parallel sibling fails', async () => {
    const adapters = await demoAdapters();
    const before = stock(adapters);
    const calls: string[] = [];
    const acrobatFails = (acts: EngineActivities): EngineActivities => {
      const counted = counting(calls)(acts);
      return {
        ...counted,
        async installSoftware(input) {
          if (input.software.id === 'acrobat-pro') throw ApplicationFailure.nonRetryable('licence server refused the seat', 'Injected');
          return counted.installSoftware(input);
        },
      };
    };
    const { record } = await runOnboarding(adapters, acrobatFails);
    expect(record.outcome).toBe('failed');
    expect(record.compensations.map((c) => c.activity)).toEqual([
      'uninstallSoftware',
      'unassignAsset',
      'deleteMailbox',
      'removeFromGroups',
      'removeFromGroups',
      'deleteAccount',
    ]);
    expect(calls.filter((c) => c === 'uninstallSoftware')).toHaveLength(1);
    expect(await stateOf(adapters, 'maria.lopez')).toEqual({ account: null, mailbox: null, laptops: [] });
    expect(stock(adapters)).toEqual(before);
  });

  it('goes on where it stopped when its worker goes away and another one takes over', async () => {
    const adapters = await demoAdapters();
    const content2 = content;
    const taskQueue = `handover-${Date.now()}`;
    // The first worker starts the run and stops while the run waits for the approval.
    const gatedOnboarding = {
      ...content2.definitions.onboarding!,
      id: 'gated-onboarding',
      steps: [
        content2.definitions.onboarding!.steps[0]!,
        { id: 'ok', approval: { approvers: ['asmith'], timeout: '1h', onTimeout: 'fail' as const } },
        ...content2.definitions.onboarding!.steps.slice(1),
      ],
    };
    const withGate = { ...content2, definitions: { ...content2.definitions, [gatedOnboarding.id]: gatedOnboarding } } as Content;
    const workflowId = await withWorker(
      env,
      adapters,
      async () => {
        const started = await startDefinitionRun({
          client: env.client,
          taskQueue,
          content: withGate,
          definition: gatedOnboarding.id,
          inputs: NEW_HIRE,
          requester: { by: 'id', id: ADMIN },
          vault: adapters.store,
        });
        while (!(await env.client.workflow.getHandle(started.workflowId).query(definitionProgressQuery)).waitingFor)
          await new Promise((r) => setTimeout(r, 50));
        return started.workflowId;
      },
      (a) => a,
      taskQueue,
    );
    expect(await adapters.directory.findUser({ by: 'id', id: 'maria.lopez' })).not.toBeNull();
    // A second worker (same adapters: the systems outside) picks it up from its history.
    const record = await withWorker(
      env,
      adapters,
      async () => {
        const handle = env.client.workflow.getHandle(workflowId);
        await handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: true }] });
        return (await handle.result()) as ResolutionRecord;
      },
      (a) => a,
      taskQueue,
    );
    expect(record.outcome).toBe('resolved');
    expect(adapters.mailboxes.calls.createMailbox).toBe(1);
    expect(record.actions.filter((a) => a.name === 'Create the directory account')).toHaveLength(1);
  });

  it('stops and rolls back when the requester loses the right in the middle (checked before every change)', async () => {
    const adapters = await demoAdapters();
    const disableAdmin = (acts: EngineActivities): EngineActivities => ({
      ...acts,
      async createMailbox(input) {
        const result = await acts.createMailbox(input);
        adapters.demoDirectory.update(ADMIN, { enabled: false });
        return result;
      },
    });
    const { record } = await runOnboarding(adapters, disableAdmin);
    expect(record.outcome).toBe('refused');
    expect(record.decisions.at(-1)).toMatchObject({ action: 'asset.assign', allowed: false, rule: 'requester_disabled' });
    expect(adapters.assets.calls.assign).toBe(0);
    // What was done is undone on the grants of the changes themselves (still valid), with no new decision.
    expect(record.compensations.map((c) => [c.activity, c.status])).toEqual([
      ['deleteMailbox', 'succeeded'],
      ['removeFromGroups', 'succeeded'],
      ['removeFromGroups', 'succeeded'],
      ['deleteAccount', 'succeeded'],
    ]);
    expect(record.summary).toContain('All 4 completed step(s) were undone.');
    expect(await stateOf(adapters, 'maria.lopez')).toEqual({ account: null, mailbox: null, laptops: [] });
  });

  it('refuses bad inputs before anything starts, naming each one', async () => {
    await expect(
      startDefinitionRun({
        client: env.client,
        taskQueue: 'unused',
        content,
        definition: 'onboarding',
        inputs: { employeeId: 'Bad Id', role: 'pilot', colour: 'red' },
        requester: { by: 'id', id: ADMIN },
      }),
    ).rejects.toThrow(/inputs\.colour: unknown input.*inputs\.employeeId.*inputs\.displayName: required.*inputs\.role/s);
    await expect(
      startDefinitionRun({ client: env.client, taskQueue: 'unused', content, definition: 'onboarding', inputs: NEW_HIRE, requester: { by: 'id', id: ADMIN } }),
    ).rejects.toThrow(/inputs\.displayName: is sensitive, and this start has no engine database to keep it in/);
    await expect(
      startDefinitionRun({ client: env.client, taskQueue: 'unused', content, definition: 'offboarding', inputs: {}, requester: { by: 'id', id: ADMIN } }),
    ).rejects.toThrow(/no definition "offboarding" \(known: .*onboarding/);
  });
});

describe('approvals, cancellation and the TypeScript API', () => {
  // Built with the typed builder: the same model as the YAML files.
  const gated = defineWorkflow({ id: 'gated-mailbox', title: 'Mailbox after approval' })
    .input('userId', { type: 'string' })
    .action('create-mailbox', 'createMailbox', {
      args: { userId: ref('inputs.userId'), quotaGb: 10 },
      requires: 'mailbox.create',
      compensate: { activity: 'deleteMailbox', args: { userId: ref('inputs.userId') } },
    })
    .approval('manager-ok', { approvers: ['asmith'], timeout: '1h', onTimeout: 'fail' })
    .action('add-groups', 'addToGroups', {
      args: { userId: ref('inputs.userId'), groups: ['finance'] },
      requires: 'group.add',
      compensate: { activity: 'removeFromGroups', args: { userId: ref('inputs.userId'), groups: ['finance'] } },
    })
    .build();
  const withGated = () => ({ ...content, definitions: { ...content.definitions, [gated.id]: gated } }) as Content;

  async function startGated(_adapters: Adapters, taskQueue: string) {
    const started = await startDefinitionRun({
      client: env.client,
      taskQueue,
      content: withGated(),
      definition: gated.id,
      inputs: { userId: 'jdoe' },
      requester: { by: 'id', id: ADMIN },
    });
    const handle = env.client.workflow.getHandle(started.workflowId);
    for (;;) {
      const p = await handle.query(definitionProgressQuery);
      if (p.waitingFor) return { handle, progress: p };
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('waits for the approver, then goes on', async () => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (taskQueue) => {
      const { handle, progress } = await startGated(adapters, taskQueue);
      expect(progress).toMatchObject({ status: 'running', done: 1, total: 3, waitingFor: { kind: 'approval', approvers: ['asmith'] } });
      // Not the requester, not someone else: only the approver.
      await expect(handle.executeUpdate(approvalUpdate, { args: [{ approver: 'sam.helper', approve: true }] })).rejects.toThrow();
      await handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: true, comment: 'fine' }] });
      return (await handle.result()) as ResolutionRecord;
    });
    expect(record).toMatchObject({ outcome: 'resolved', approvals: [{ approver: 'asmith', decision: 'approved', comment: 'fine' }] });
    expect(await adapters.mailboxes.mailbox('jdoe')).not.toBeNull();
  });

  it('rolls back when the approver says no', async () => {
    const adapters = await demoAdapters();
    const record = await withWorker(env, adapters, async (taskQueue) => {
      const { handle } = await startGated(adapters, taskQueue);
      await handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: false, comment: 'not needed' }] });
      return (await handle.result()) as ResolutionRecord;
    });
    expect(record).toMatchObject({ outcome: 'failed', summary: expect.stringContaining('rejected by asmith') });
    expect(record.compensations.map((c) => c.activity)).toEqual(['deleteMailbox']);
    expect(await adapters.mailboxes.mailbox('jdoe')).toBeNull();
  });

  it('rolls back when nobody answers in time', async () => {
    const adapters = await demoAdapters();
    const quick = { ...gated, steps: gated.steps.map((s) => ('approval' in s ? { ...s, approval: { ...s.approval, timeout: '1s' } } : s)) };
    const record = await withWorker(env, adapters, async (taskQueue) => {
      const started = await startDefinitionRun({
        client: env.client,
        taskQueue,
        content: { ...withGated(), definitions: { [quick.id]: quick } } as Content,
        definition: quick.id,
        inputs: { userId: 'jdoe' },
        requester: { by: 'id', id: ADMIN },
      });
      return (await env.client.workflow.getHandle(started.workflowId).result()) as ResolutionRecord;
    });
    expect(record).toMatchObject({ outcome: 'failed', summary: expect.stringContaining('nobody answered within 1s') });
    expect(await adapters.mailboxes.mailbox('jdoe')).toBeNull();
  });

  it('stops and undoes what was done when people close the ticket while it waits', async () => {
    const adapters = await demoAdapters();
    const ticket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ reporter: JIRA.jdoe, summary: 'Need a mailbox' })));
    const record = await withWorker(env, adapters, async (taskQueue) => {
      const started = await startDefinitionRun({
        client: env.client,
        taskQueue,
        content: withGated(),
        definition: gated.id,
        inputs: { userId: 'jdoe' },
        requester: { by: 'id', id: ADMIN },
        ticket,
      });
      const handle = env.client.workflow.getHandle(started.workflowId);
      while (!(await handle.query(definitionProgressQuery)).waitingFor) await new Promise((r) => setTimeout(r, 50));
      await handle.signal(ticketEventSignal, {
        deliveryId: 'd-close',
        eventType: 'updated',
        occurredAt: '2026-11-26T12:00:00.000Z',
        status: 'Done',
        closed: true,
      });
      return (await handle.result()) as ResolutionRecord;
    });
    expect(record).toMatchObject({
      outcome: 'cancelled',
      summary: expect.stringContaining('the ticket was closed while waiting for approval'),
      ticketUpdates: [{ status: 'Done', closed: true }],
    });
    expect(record.compensations.map((c) => c.activity)).toEqual(['deleteMailbox']);
    expect(await adapters.mailboxes.mailbox('jdoe')).toBeNull();
    // Nothing is posted to a ticket people closed, except the internal work note.
    expect(adapters.helpdesk.get(ticket.key)?.comments.map((c) => c.visibility) ?? []).toEqual(['internal']);
  });

  it('undoes what was done when a client cancels the run, and shows it as cancelled', async () => {
    const adapters = await demoAdapters();
    const outcome = await withWorker(env, adapters, async (taskQueue) => {
      const { handle } = await startGated(adapters, taskQueue);
      expect(await adapters.mailboxes.mailbox('jdoe')).not.toBeNull();
      await handle.cancel();
      const error = await handle.result().catch((e: unknown) => e);
      return { error, description: await handle.describe() };
    });
    expect(outcome.error).toBeInstanceOf(WorkflowFailedError);
    expect(outcome.description.status.name).toBe('CANCELLED');
    expect(await adapters.mailboxes.mailbox('jdoe')).toBeNull();
    const [doc] = await adapters.store.documents(outcome.description.workflowId);
    expect(doc).toMatchObject({ outcome: 'cancelled' });
    expect((doc!.json.compensations as Array<{ activity: string; attempts: number }>).map((c) => [c.activity, c.attempts])).toEqual([['deleteMailbox', 1]]);
  });
});
