import { Context } from '@temporalio/activity';
import { CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetSlotActivities, type TargetSlotActivities } from '../../src/activities/targetSlots.js';
import { slotsWorkflowId } from '../../src/domain/endpoints/targetSlots.js';
import { slotsStateQuery, targetSlots, type SlotsView } from '../../src/workflows/targetSlots.js';
import { startTestServer } from '../helpers/temporal.js';
import { slotEventsQuery, slotRun, slotUser, slotWaitsQuery, type SlotUserInput } from './fixtures/slotWorkflows.js';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  env = await startTestServer();
  bundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./fixtures/slotWorkflows.ts', import.meta.url)),
    logger: new DefaultLogger('WARN'),
  });
});
afterAll(async () => {
  await env?.teardown();
});

/** Records, per target key, how many pieces of work run at once. Work waits on a gate or briefly. */
class Recorder {
  readonly inside = new Map<string, number>();
  readonly peak = new Map<string, number>();
  peakAcrossKeys = 0;
  readonly done: string[] = [];
  private readonly gates = new Map<string, { promise: Promise<void>; open: () => void }>();

  gate(label: string): () => void {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.gates.set(label, { promise, open });
    return open;
  }

  total(): number {
    return [...this.inside.values()].reduce((a, b) => a + b, 0);
  }

  async work({ key, label }: { key: string; label: string }): Promise<void> {
    const now = (this.inside.get(key) ?? 0) + 1;
    this.inside.set(key, now);
    this.peak.set(key, Math.max(this.peak.get(key) ?? 0, now));
    this.peakAcrossKeys = Math.max(this.peakAcrossKeys, this.total());
    try {
      await (this.gates.get(label)?.promise ?? new Promise((r) => setTimeout(r, 150)));
    } finally {
      this.inside.set(key, (this.inside.get(key) ?? 1) - 1);
      this.done.push(label);
    }
  }
}

async function withSlotWorker<T>(
  recorder: Recorder,
  fn: (taskQueue: string) => Promise<T>,
  wrap: (a: TargetSlotActivities) => TargetSlotActivities = (a) => a,
): Promise<T> {
  const taskQueue = `slots-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: bundle,
    activities: { ...wrap(createTargetSlotActivities()), slotWork: (i: { key: string; label: string }) => recorder.work(i) },
  });
  return worker.runUntil(fn(taskQueue));
}

const deviceKey = () => `device:T-${randomUUID().slice(0, 8)}`;

function start(taskQueue: string, input: SlotUserInput): Promise<WorkflowHandle<typeof slotUser>> {
  return env.client.workflow.start(slotUser, { taskQueue, workflowId: `slot-user-${input.label}-${randomUUID()}`, args: [input] });
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if (await check()) return;
    } catch {
      // not there yet (e.g. the lock workflow is not started)
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const lockState = (key: string): Promise<SlotsView> => env.client.workflow.getHandle(slotsWorkflowId(key)).query(slotsStateQuery);

describe('per-target concurrency slots', () => {
  it('four automations on one device with limit 1 never overlap, and all complete', async () => {
    const recorder = new Recorder();
    const key = deviceKey();
    const { results, state } = await withSlotWorker(recorder, async (taskQueue) => {
      const handles = await Promise.all(['a', 'b', 'c', 'd'].map((label) => start(taskQueue, { key, limit: 1, label })));
      return { results: await Promise.all(handles.map((h) => h.result())), state: await lockState(key) };
    });
    expect(results).toEqual(['a', 'b', 'c', 'd']);
    expect(recorder.peak.get(key)).toBe(1);
    expect(state).toMatchObject({ holders: [], queue: [], totals: { granted: 4, released: 4, withdrawn: 0, reclaimed: 0 } });
  });

  it('limit 2 lets two in at once and queues the rest, which show that they wait for the device', async () => {
    const recorder = new Recorder();
    const key = deviceKey();
    const openA = recorder.gate('a');
    const openB = recorder.gate('b');
    const { results, waits, events } = await withSlotWorker(recorder, async (taskQueue) => {
      const first = await Promise.all(['a', 'b'].map((label) => start(taskQueue, { key, limit: 2, label })));
      await waitFor('two holders inside', () => recorder.inside.get(key) === 2);
      const later = await Promise.all(['c', 'd'].map((label) => start(taskQueue, { key, limit: 2, label })));
      await waitFor('two waiters queued', async () => (await lockState(key)).queue.length === 2);
      const waits = await later[0]!.query(slotWaitsQuery);
      const events = await later[0]!.query(slotEventsQuery);
      expect(recorder.inside.get(key)).toBe(2);
      openA();
      openB();
      return { results: await Promise.all([...first, ...later].map((h) => h.result())), waits, events };
    });
    expect(waits).toEqual([expect.objectContaining({ key, limit: 2, granted: false })]);
    expect(events).toEqual([{ key, phase: 'waiting' }]);
    expect(results).toEqual(['a', 'b', 'c', 'd']);
    expect(recorder.peak.get(key)).toBe(2);
    expect(recorder.done.slice(0, 2).sort()).toEqual(['a', 'b']);
  });

  it("one automation's parallel steps on a device share its slot: they run together, and another automation waits for all of them", async () => {
    const recorder = new Recorder();
    const key = deviceKey();
    const open = ['a1', 'a2', 'a3'].map((label) => recorder.gate(label));
    const { results, single, state } = await withSlotWorker(recorder, async (taskQueue) => {
      const run = await env.client.workflow.start(slotRun, {
        taskQueue,
        workflowId: `slot-run-${randomUUID()}`,
        args: [{ key, limit: 1, parts: ['a1', 'a2', 'a3'] }],
      });
      await waitFor('the three steps inside at once', () => recorder.inside.get(key) === 3);
      const other = await start(taskQueue, { key, limit: 1, label: 'b' });
      await waitFor('the other automation queued', async () => (await lockState(key)).queue.length === 1);
      expect((await lockState(key)).holders).toHaveLength(1);
      open[0]!();
      open[1]!();
      await waitFor('two steps done', () => recorder.done.length === 2);
      // One step of the first automation still runs: the device is still its.
      expect((await lockState(key)).queue).toHaveLength(1);
      expect(recorder.done).not.toContain('b');
      open[2]!();
      return { results: await run.result(), single: await other.result(), state: await lockState(key) };
    });
    expect(results).toEqual(['a1', 'a2', 'a3']);
    expect(single).toBe('b');
    expect(recorder.peak.get(key)).toBe(3);
    expect(recorder.done.at(-1)).toBe('b');
    // One request per automation, however many steps.
    expect(state.totals).toMatchObject({ granted: 2, released: 2, withdrawn: 0, reclaimed: 0 });
  });

  it('a step that takes the slot of its device again inside its own does not wait for itself', async () => {
    const recorder = new Recorder();
    const key = deviceKey();
    const { results, state } = await withSlotWorker(recorder, async (taskQueue) => {
      const run = await env.client.workflow.start(slotRun, {
        taskQueue,
        workflowId: `slot-nested-${randomUUID()}`,
        args: [{ key, limit: 1, parts: ['n1', 'n2'], nested: true }],
      });
      return { results: await run.result(), state: await lockState(key) };
    });
    expect(results).toEqual(['n1', 'n2']);
    expect(state.totals).toMatchObject({ granted: 1, released: 1, withdrawn: 0, reclaimed: 0 });
  });

  it('two devices with limit 1 each run at the same time', async () => {
    const recorder = new Recorder();
    const [keyA, keyB] = [deviceKey(), deviceKey()];
    const open = [recorder.gate('on-a'), recorder.gate('on-b')];
    const results = await withSlotWorker(recorder, async (taskQueue) => {
      const handles = [await start(taskQueue, { key: keyA, limit: 1, label: 'on-a' }), await start(taskQueue, { key: keyB, limit: 1, label: 'on-b' })];
      await waitFor('both devices busy', () => recorder.total() === 2);
      open.forEach((o) => o());
      return Promise.all(handles.map((h) => h.result()));
    });
    expect(results).toEqual(['on-a', 'on-b']);
    expect(recorder.peakAcrossKeys).toBe(2);
    expect([recorder.peak.get(keyA), recorder.peak.get(keyB)]).toEqual([1, 1]);
  });

  it('cancelling a waiting automation withdraws it; the others still complete', async () => {
    const recorder = new Recorder();
    const key = deviceKey();
    const openHolder = recorder.gate('holder');
    const { cancelled, others, state } = await withSlotWorker(recorder, async (taskQueue) => {
      const holder = await start(taskQueue, { key, limit: 1, label: 'holder' });
      await waitFor('holder inside', () => recorder.inside.get(key) === 1);
      const quitter = await start(taskQueue, { key, limit: 1, label: 'quitter' });
      await waitFor('quitter queued', async () => (await lockState(key)).queue.length === 1);
      const patient = await start(taskQueue, { key, limit: 1, label: 'patient' });
      await waitFor('patient queued', async () => (await lockState(key)).queue.length === 2);
      await quitter.cancel();
      const cancelled = await quitter.result().catch((e: unknown) => e);
      await waitFor('quitter withdrawn', async () => (await lockState(key)).queue.length === 1);
      openHolder();
      const others = await Promise.all([holder.result(), patient.result()]);
      return { cancelled, others, state: await lockState(key) };
    });
    expect(cancelled).toBeInstanceOf(WorkflowFailedError);
    expect((cancelled as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(others).toEqual(['holder', 'patient']);
    expect(recorder.done).toEqual(['holder', 'patient']);
    expect(state).toMatchObject({ holders: [], queue: [], totals: { granted: 2, released: 2, withdrawn: 1 } });
  });

  it('a waiter that was terminated (no chance to withdraw) does not block the device', async () => {
    const recorder = new Recorder();
    const key = deviceKey();
    const openHolder = recorder.gate('holder');
    const others = await withSlotWorker(recorder, async (taskQueue) => {
      const holder = await start(taskQueue, { key, limit: 1, label: 'holder' });
      await waitFor('holder inside', () => recorder.inside.get(key) === 1);
      const gone = await start(taskQueue, { key, limit: 1, label: 'gone' });
      await waitFor('gone queued', async () => (await lockState(key)).queue.length === 1);
      const next = await start(taskQueue, { key, limit: 1, label: 'next' });
      await waitFor('next queued', async () => (await lockState(key)).queue.length === 2);
      await gone.terminate('operator stopped it');
      openHolder();
      return Promise.all([holder.result(), next.result()]);
    });
    expect(others).toEqual(['holder', 'next']);
    expect(recorder.done).toEqual(['holder', 'next']);
  });

  it('a retried request activity does not take two slots', async () => {
    const recorder = new Recorder();
    const key = deviceKey();
    const attempts: number[] = [];
    const { results, state } = await withSlotWorker(
      recorder,
      async (taskQueue) => {
        const first = await start(taskQueue, { key, limit: 1, label: 'retried' });
        const second = await start(taskQueue, { key, limit: 1, label: 'second' });
        return { results: await Promise.all([first.result(), second.result()]), state: await lockState(key) };
      },
      (a) => ({
        async requestTargetSlot(input) {
          const info = Context.current().info;
          if (!info.workflowExecution?.workflowId.includes('-retried-')) return a.requestTargetSlot(input);
          attempts.push(info.attempt);
          await a.requestTargetSlot(input);
          // The request reached the lock, but the answer is lost: Temporal retries the activity.
          if (info.attempt === 1) throw new Error('connection reset after the signal was sent');
        },
      }),
    );
    expect(attempts).toEqual([1, 2]);
    expect(results).toEqual(['retried', 'second']);
    expect(recorder.peak.get(key)).toBe(1);
    expect(state).toMatchObject({ holders: [], queue: [], totals: { granted: 2, released: 2, duplicates: 1 } });
  });

  it('the lease of a holder that never releases ends, and the slot goes to the next in line', async () => {
    const recorder = new Recorder();
    const key = deviceKey();
    const { result, stuckId, state, afterCancel } = await withSlotWorker(recorder, async (taskQueue) => {
      const stuck = await start(taskQueue, { key, limit: 1, label: 'stuck', stuck: true, leaseMs: 1500 });
      await waitFor('stuck holds the slot', async () => (await stuck.query(slotEventsQuery)).some((e) => e.phase === 'granted'));
      const next = await start(taskQueue, { key, limit: 1, label: 'next' });
      const result = await next.result();
      const state = await lockState(key);
      expect((await stuck.describe()).status.name).toBe('RUNNING');
      // The stuck step ends later; its release is for a slot it no longer has and changes nothing.
      await stuck.cancel();
      await stuck.result().catch(() => undefined);
      return { result, stuckId: stuck.workflowId, state, afterCancel: await lockState(key) };
    });
    expect(result).toBe('next');
    expect(state.reclaimed).toEqual([expect.objectContaining({ workflowId: stuckId })]);
    expect(state.totals).toMatchObject({ granted: 2, released: 1, reclaimed: 1 });
    expect(afterCancel).toMatchObject({ holders: [], queue: [], totals: { granted: 2, released: 1, reclaimed: 1 } });
    expect(recorder.done).toEqual(['next']);
  });

  it('the lock continues as new with its state, completes when idle, and starts again on the next request', async () => {
    const recorder = new Recorder();
    const key = deviceKey();
    const { summary, again, state } = await withSlotWorker(recorder, async (taskQueue) => {
      await env.client.workflow.start(targetSlots, { taskQueue, workflowId: slotsWorkflowId(key), args: [{ key, limit: 1, maxHistory: 40, idleMs: 1000 }] });
      const handles = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((label) => start(taskQueue, { key, limit: 1, label })));
      await Promise.all(handles.map((h) => h.result()));
      const summary = await env.client.workflow.getHandle<typeof targetSlots>(slotsWorkflowId(key)).result();
      const again = await (await start(taskQueue, { key, limit: 1, label: 'f' })).result();
      return { summary, again, state: await lockState(key) };
    });
    expect(summary.runs).toBeGreaterThan(1);
    expect(summary.totals).toMatchObject({ granted: 5, released: 5 });
    expect(again).toBe('f');
    expect(recorder.peak.get(key)).toBe(1);
    expect(state).toMatchObject({ run: 1, totals: { granted: 1, released: 1 } });
  });
});
