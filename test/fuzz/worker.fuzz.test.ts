import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionTree, treeSetFor } from '../../src/domain/trees/tree.js';
import {
  answerUpdate,
  approvalUpdate,
  backUpdate,
  progressQuery,
  sessionQuery,
  softwareReinstall,
  ticketEventSignal,
  troubleshootSession,
} from '../../src/workflows/index.js';
import type { SelfServiceInput } from '../../src/workflows/selfService.js';
import { demoAdapters, startTestServer, withWorker } from '../helpers/temporal.js';
import { hostileValue, jsonValue, nastyString, rec } from './arbitraries.js';

// The worker under fuzzing, on a real dev server: random Update payloads to a troubleshooting
// session waiting for an answer and to a run waiting for an approval. Every invalid one is refused
// by the validator before it touches history, the workflow stays running with no failed workflow
// task, and a valid answer afterwards still works. Modest runs: each case is a real round trip.

const RUNS = 40;

const MINI = DecisionTree.parse(
  parse(`
id: mini
title: Mini network check
start: ask
nodes:
  - { id: ask, kind: question, prompt: Is it only this device?, choices: [{ id: one, label: Only this device, next: ip }, { id: many, label: Several people, next: outage }] }
  - id: ip
    kind: check
    check: network.ipConfig
    title: IP configuration
    branches: [{ when: { field: apipa, equals: true }, next: fixed }, { when: { field: apipa, equals: false }, next: fixed }]
  - { id: fixed, kind: resolve, outcome: resolved, text: Fixed. }
  - { id: outage, kind: resolve, outcome: handoff, text: Several people are affected; the network team takes over., queue: network-team }
`),
);
const SET = treeSetFor({ mini: MINI }, 'mini')!;
const SAM = { id: 'sam.helper', groups: ['helpdesk', 'it-staff', 'staff'] };

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
});

/** Anything in a field: the right kind of value, a near miss, random JSON, or a value that cannot become a string. */
const field = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: good }, { weight: 2, arbitrary: nastyString }, { weight: 2, arbitrary: jsonValue }, { weight: 1, arbitrary: hostileValue });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the session's validator must accept while it waits at `ask`. */
function validAnswer(a: unknown): boolean {
  if (!isObject(a) || !isObject(a.responder)) return false;
  const r = a.responder;
  return (
    a.node === 'ask' && (a.choice === 'one' || a.choice === 'many') && typeof r.id === 'string' && Array.isArray(r.groups) && r.groups.includes('helpdesk')
  );
}

const answers = fc
  .oneof(
    { weight: 1, arbitrary: jsonValue },
    {
      weight: 4,
      arbitrary: rec(
        {
          node: field(fc.constantFrom('ask', 'ip', 'fixed', 'outage', 'ASK', ' ask')),
          choice: field(fc.constantFrom('one', 'many', 'confirm', 'skip', 'One')),
          responder: field(
            rec(
              {
                id: field(fc.constantFrom('sam.helper', 'jdoe', '')),
                groups: field(fc.array(fc.constantFrom('helpdesk', 'staff', 'it-staff', 'Helpdesk'), { maxLength: 3 })),
              },
              { requiredKeys: [] },
            ),
          ),
          extra: jsonValue,
        },
        { requiredKeys: [] },
      ),
    },
  )
  .filter((a) => !validAnswer(a));

async function expectHealthy(handle: WorkflowHandle): Promise<void> {
  expect((await handle.describe()).status.name).toBe('RUNNING');
  const events = (await handle.fetchHistory()).events ?? [];
  expect(
    events.filter((e) => e.workflowTaskFailedEventAttributes),
    'a workflow task failed',
  ).toEqual([]);
  expect(
    events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateCompletedEventAttributes),
    'a refused update reached history',
  ).toEqual([]);
}

async function refused(run: () => Promise<unknown>): Promise<string> {
  const e = await run().then(
    () => null,
    (x: unknown) => x,
  );
  expect(e, 'an invalid payload was accepted').toBeInstanceOf(WorkflowUpdateFailedError);
  return (e as WorkflowUpdateFailedError).cause?.message ?? '';
}

describe('the worker under random Update payloads', () => {
  it('a troubleshooting session refuses every invalid answer and back, stays running, and takes a valid answer afterwards', async () => {
    const adapters = await demoAdapters();
    await withWorker(env, adapters, async (taskQueue) => {
      const handle = await env.client.workflow.start(troubleshootSession, {
        taskQueue,
        workflowId: `fuzz-ts-${randomUUID()}`,
        args: [{ trees: SET.trees, root: 'mini', version: SET.version, ticket: null, user: { id: 'jdoe' }, deviceId: 'LT-0042' }],
      });
      for (;;) {
        const v = await handle.query(sessionQuery);
        if (v.status === 'waiting' && v.node === 'ask') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await fc.assert(
        fc.asyncProperty(answers, async (a) => {
          const message = await refused(() => handle.executeUpdate(answerUpdate, { args: [a as never] }));
          expect(message.length).toBeGreaterThan(0);
        }),
        { numRuns: RUNS },
      );
      // Nothing to go back to yet: every back is refused too, whoever asks.
      await fc.assert(
        fc.asyncProperty(fc.oneof(jsonValue, rec({ responder: field(fc.constant(SAM)) }, { requiredKeys: [] })), async (b) => {
          await refused(() => handle.executeUpdate(backUpdate, { args: [b as never] }));
        }),
        { numRuns: 10 },
      );
      await expectHealthy(handle);
      expect((await handle.query(sessionQuery)).path).toEqual([]);

      const view = await handle.executeUpdate(answerUpdate, { args: [{ node: 'ask', choice: 'many', responder: SAM }] });
      expect(view.path.map((p) => [p.node, p.choice ?? null, p.by ?? null])).toEqual([
        ['ask', 'many', 'sam.helper'],
        ['outage', null, null],
      ]);
      expect(await handle.result()).toMatchObject({ outcome: 'escalated', troubleshooting: { tree: 'mini' } });
    });
  });

  it('a run waiting for an approval refuses every answer that is not the approver’s, stays running, and is approved afterwards', async () => {
    const adapters = await demoAdapters();
    const input: SelfServiceInput = {
      automation: { id: 'reinstall-software', version: 1 },
      caller: 'jdoe',
      requestedAt: '2026-11-26T10:00:00.000Z',
      target: { kind: 'device', id: 'LT-0042' },
      inputs: { device: 'LT-0042', software: 'vscode' },
      approval: { kind: 'manager' },
    };
    // asmith is jdoe's manager; only asmith with a true/false answer may approve.
    const approvals = fc
      .oneof(
        { weight: 1, arbitrary: jsonValue },
        {
          weight: 4,
          arbitrary: rec(
            {
              approver: field(fc.constantFrom('asmith', 'jdoe', 'sam.helper', 'ASMITH', 'asmith ')),
              approve: field(fc.boolean()),
              comment: field(nastyString),
              approverGroups: field(fc.array(fc.constantFrom('managers', 'it-staff', 'staff'), { maxLength: 2 })),
            },
            { requiredKeys: [] },
          ),
        },
      )
      .filter((a) => !(isObject(a) && a.approver === 'asmith' && typeof a.approve === 'boolean'));

    await withWorker(env, adapters, async (taskQueue) => {
      const handle = await env.client.workflow.start(softwareReinstall, { taskQueue, workflowId: `fuzz-self-${randomUUID()}`, args: [input] });
      while (!(await handle.query(progressQuery)).waitingFor) await new Promise((r) => setTimeout(r, 50));
      await fc.assert(
        fc.asyncProperty(approvals, async (a) => {
          await refused(() => handle.executeUpdate(approvalUpdate, { args: [a as never] }));
        }),
        { numRuns: RUNS },
      );
      await expectHealthy(handle);
      expect((await handle.query(progressQuery)).waitingFor).toMatchObject({ kind: 'approval', approvers: ['asmith'] });

      expect(await handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: true }] })).toEqual({ accepted: true, decision: 'approved' });
      expect(await handle.result()).toMatchObject({ outcome: 'resolved', approvals: [{ approver: 'asmith', decision: 'approved' }] });
      expect(adapters.endpoints.installs).toEqual([expect.objectContaining({ deviceId: 'LT-0042', softwareId: 'vscode' })]);
    });
  });
});

describe('bugs fuzzing found (fixed; kept as regression tests)', () => {
  it('an approval from the right approver whose comment is not text is refused, like the HTTP API refuses it', async () => {
    const adapters = await demoAdapters();
    await withWorker(env, adapters, async (taskQueue) => {
      const handle = await env.client.workflow.start(softwareReinstall, {
        taskQueue,
        workflowId: `fuzz-self-${randomUUID()}`,
        args: [
          {
            automation: { id: 'reinstall-software', version: 1 },
            caller: 'jdoe',
            requestedAt: '2026-11-26T10:00:00.000Z',
            target: { kind: 'device', id: 'LT-0042' },
            inputs: { device: 'LT-0042', software: 'vscode' },
            approval: { kind: 'manager' },
          },
        ],
      });
      try {
        while (!(await handle.query(progressQuery)).waitingFor) await new Promise((r) => setTimeout(r, 50));
        const comment = fc.oneof(jsonValue, hostileValue).filter((c) => typeof c !== 'string' && c !== null);
        await fc.assert(
          fc.asyncProperty(comment, fc.boolean(), async (c, approve) => {
            await refused(() => handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve, comment: c } as never] }));
          }),
          { numRuns: 10, endOnFailure: true },
        );
      } finally {
        await handle.terminate('fuzz test done').catch(() => undefined);
      }
    });
  });

  it('a ticketEvent signal that is not a ticket update is ignored: no failed workflow task, the run goes on', async () => {
    const adapters = await demoAdapters();
    await withWorker(env, adapters, async (taskQueue) => {
      const handle = await env.client.workflow.start(troubleshootSession, {
        taskQueue,
        workflowId: `fuzz-ts-${randomUUID()}`,
        args: [{ trees: SET.trees, root: 'mini', version: SET.version, ticket: null, user: { id: 'jdoe' }, deviceId: 'LT-0042' }],
      });
      try {
        const malformed = fc
          .oneof(
            jsonValue,
            rec(
              {
                deliveryId: field(fc.uuid()),
                eventType: field(fc.constantFrom('updated', 'deleted', 'commented')),
                occurredAt: field(fc.constant('2026-11-26T10:00:00Z')),
                status: field(fc.constantFrom('Open', 'Done')),
                closed: field(fc.boolean()),
              },
              { requiredKeys: [] },
            ),
          )
          .filter(
            (u) =>
              !(
                isObject(u) &&
                typeof u.deliveryId === 'string' &&
                ['updated', 'deleted', 'commented', 'created'].includes(u.eventType as string) &&
                typeof u.occurredAt === 'string' &&
                (typeof u.status === 'string' || u.status === null) &&
                typeof u.closed === 'boolean'
              ),
          );
        await fc.assert(
          fc.asyncProperty(malformed, async (u) => {
            const before = (await handle.fetchHistory()).events?.length ?? 0;
            await handle.signal(ticketEventSignal, u as never);
            // Wait until the worker has taken the workflow task that delivers the signal.
            let events = (await handle.fetchHistory()).events ?? [];
            for (let i = 0; i < 50 && !events.slice(before).some((e) => e.workflowTaskCompletedEventAttributes || e.workflowTaskFailedEventAttributes); i++) {
              await new Promise((r) => setTimeout(r, 50));
              events = (await handle.fetchHistory()).events ?? [];
            }
            expect(events.filter((e) => e.workflowTaskFailedEventAttributes).map((e) => e.workflowTaskFailedEventAttributes?.failure?.message)).toEqual([]);
            expect((await handle.describe()).status.name).toBe('RUNNING');
          }),
          { numRuns: 15, endOnFailure: true, examples: [[null]] },
        );
      } finally {
        await handle.terminate('fuzz test done').catch(() => undefined);
      }
    });
  });
});
