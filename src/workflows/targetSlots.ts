// Per-target concurrency limit. `targetSlots` is the lock workflow (one per target, id
// `slots:<key>`); `withTargetSlot` is what a workflow step calls to run while holding a slot.
// The decisions (FIFO, limits, duplicates, leases) live in src/domain/endpoints/targetSlots.ts.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { TargetSlotActivities } from '../activities/contracts.js';
import {
  applyExpiry,
  applyRelease,
  applyRequest,
  applyWithdraw,
  DEFAULT_LEASE_MS,
  emptySlots,
  isIdle,
  nextExpiry,
  SLOT_SIGNALS,
  slotRequestProblem,
  SLOTS_QUERY,
  slotsWorkflowId,
  type SlotChange,
  type SlotRequest,
  type SlotState,
  type SlotTotals,
  type ReclaimedSlot,
} from '../domain/endpoints/targetSlots.js';

export type { SlotRequest, SlotState } from '../domain/endpoints/targetSlots.js';

export interface SlotGrant {
  key: string;
  requestId: string;
}

export const requestSlotSignal = defineSignal<[SlotRequest]>(SLOT_SIGNALS.request);
export const releaseSlotSignal = defineSignal<[{ requestId: string }]>(SLOT_SIGNALS.release);
export const withdrawSlotSignal = defineSignal<[{ requestId: string }]>(SLOT_SIGNALS.withdraw);
/** Sent by the lock workflow to the workflow whose request is granted. */
export const slotGrantedSignal = defineSignal<[SlotGrant]>(SLOT_SIGNALS.granted);

export interface SlotsView extends SlotState {
  /** The run of the lock workflow (1 + continue-as-new count). */
  run: number;
}
export const slotsStateQuery = defineQuery<SlotsView>(SLOTS_QUERY);

export interface TargetSlotsInput {
  key: string;
  /** Informational: each request carries its own limit (see the domain rules). */
  limit: number;
  /** Lease for requests that do not give one. Default 1 hour. */
  leaseMs?: number;
  /** Completes after this long without holders or waiters. Default 60 s. */
  idleMs?: number;
  /** Continues as new once the history has this many events. Default 500. */
  maxHistory?: number;
  /** Carried over by continue-as-new. */
  state?: SlotState;
  run?: number;
}

export interface TargetSlotsSummary {
  key: string;
  runs: number;
  totals: SlotTotals;
  reclaimed: ReclaimedSlot[];
}

export const DEFAULT_IDLE_MS = 60_000;
export const DEFAULT_MAX_HISTORY = 500;

/**
 * The lock workflow of one target: grants up to `limit` slots in request order, reclaims leases
 * that ran out, continues as new after ~500 events and completes when idle. Started (or signalled)
 * by the `requestTargetSlot` activity with signal-with-start.
 */
export async function targetSlots(input: TargetSlotsInput): Promise<TargetSlotsSummary> {
  const defaultLeaseMs = input.leaseMs ?? DEFAULT_LEASE_MS;
  const idleMs = input.idleMs ?? DEFAULT_IDLE_MS;
  const maxHistory = input.maxHistory ?? DEFAULT_MAX_HISTORY;
  const run = input.run ?? 1;
  let state = input.state ?? emptySlots(input.key);
  let changes = 0;
  const outbox: string[] = [];
  const apply = (change: SlotChange) => {
    state = change.state;
    outbox.push(...change.grants);
    changes += 1;
  };

  setHandler(requestSlotSignal, (request) => apply(applyRequest(state, { ...request, leaseMs: request.leaseMs ?? defaultLeaseMs }, Date.now())));
  setHandler(releaseSlotSignal, ({ requestId }) => apply(applyRelease(state, requestId, Date.now())));
  setHandler(withdrawSlotSignal, ({ requestId }) => apply(applyWithdraw(state, requestId, Date.now())));
  setHandler(slotsStateQuery, () => ({ ...state, run }));

  for (;;) {
    // Deliver grants. A grant that cannot be delivered (the requester has closed) frees the slot.
    for (let requestId = outbox.shift(); requestId !== undefined; requestId = outbox.shift()) {
      const holder = state.holders.find((h) => h.requestId === requestId);
      if (!holder) continue;
      try {
        await getExternalWorkflowHandle(holder.workflowId).signal(slotGrantedSignal, { key: state.key, requestId });
      } catch (err) {
        log.warn('slot grant not delivered; the slot is freed', { key: state.key, workflowId: holder.workflowId, error: String(err) });
        apply(applyWithdraw(state, requestId, Date.now()));
      }
    }
    apply(applyExpiry(state, Date.now()));
    if (outbox.length > 0) continue;

    const info = workflowInfo();
    if (info.historyLength >= maxHistory || info.continueAsNewSuggested) {
      await continueAsNew<typeof targetSlots>({ ...input, state, run: run + 1 });
    }

    // Sleep until something changes, the next lease ends, or (idle) the idle time has passed.
    const seen = changes;
    const changed = () => changes !== seen;
    if (isIdle(state)) {
      if (!(await condition(changed, idleMs))) return { key: state.key, runs: run, totals: state.totals, reclaimed: state.reclaimed };
    } else {
      const expiry = nextExpiry(state);
      await (expiry === undefined ? condition(changed) : condition(changed, Math.max(expiry - Date.now(), 1)));
    }
  }
}

// ---- workflow side: the helper a step uses ----

const { requestTargetSlot } = proxyActivities<TargetSlotActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** A slot request of this workflow that has not finished yet. */
export interface SlotWait {
  key: string;
  requestId: string;
  limit: number;
  /** Workflow time (epoch ms) of the request. */
  since: number;
  granted: boolean;
}

export interface SlotEvent {
  key: string;
  phase: 'waiting' | 'granted' | 'released';
}

export interface TargetSlotOptions {
  /** How long the slot may be held before the lock reclaims it. Default: the lock's (1 hour). */
  leaseMs?: number;
  /** Called when the step starts waiting, is granted its slot, and gives it back. */
  onSlot?: (event: SlotEvent) => void;
}

// Module state is per workflow execution in the Temporal sandbox.
const pending = new Map<string, SlotWait>();
let grantHandlerSet = false;

function ensureGrantHandler(): void {
  if (grantHandlerSet) return;
  grantHandlerSet = true;
  setHandler(slotGrantedSignal, ({ key, requestId }) => {
    const wait = pending.get(requestId);
    if (wait) {
      wait.granted = true;
      return;
    }
    // A grant nobody waits for (a late duplicate of a finished request): give it straight back.
    void giveBack(key, releaseSlotSignal, requestId);
  });
}

async function giveBack(key: string, signal: typeof releaseSlotSignal, requestId: string): Promise<void> {
  try {
    await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(slotsWorkflowId(key)).signal(signal, { requestId }));
  } catch (err) {
    // The lock has closed (it completes only when idle): nothing is held there.
    log.warn('could not give a slot back', { key, requestId, signal: signal.name, error: String(err) });
  }
}

/** This workflow's slot requests that are waiting or held, for progress ("waiting for a slot on device:X"). */
export function slotWaits(): SlotWait[] {
  return [...pending.values()].map((w) => ({ ...w }));
}

/**
 * The slot this workflow holds (or is waiting for) on a key, shared by its steps on that key: the
 * limit counts automations, so a run's parallel steps on one device run together under one slot.
 */
interface SharedSlot {
  wait: SlotWait;
  /** Steps of this workflow using (or waiting for) the slot. */
  users: number;
  /** Set when the request failed or was cancelled: the joined steps fail with it. */
  failure?: unknown;
}
const shared = new Map<string, SharedSlot>();

/** Marks histories made once a workflow's steps share its slot on a key (older runs replay as before). */
export const SHARED_SLOT_PATCH = 'target-slot-shared-per-workflow';

/**
 * Runs `fn` while holding one of the `limit` slots of the target `key` (e.g. `device:LT-0042`).
 * Waits in FIFO order; when cancelled while waiting, withdraws the request; always gives the slot
 * back when the last step of this workflow using it ends, also on failure or cancellation. Steps
 * of one workflow on the same key share its slot (one request, held while any of them runs), so
 * parallel steps on one device run at once and nesting does not wait for itself.
 */
export async function withTargetSlot<T>(key: string, limit: number, fn: () => Promise<T>, options: TargetSlotOptions = {}): Promise<T> {
  const problem = slotRequestProblem(key, limit);
  if (problem) throw ApplicationFailure.nonRetryable(`Cannot take a concurrency slot: ${problem}.`, 'InvalidSlotRequest');
  ensureGrantHandler();
  if (!patched(SHARED_SLOT_PATCH)) return withOwnSlot(key, limit, fn, options);

  const joined = shared.get(key);
  const slot: SharedSlot = joined ?? { wait: { key, requestId: uuid4(), limit, since: Date.now(), granted: false }, users: 0 };
  slot.users += 1;
  options.onSlot?.({ key, phase: 'waiting' });
  try {
    if (joined) {
      await condition(() => slot.wait.granted || slot.failure !== undefined);
      if (slot.failure !== undefined) throw slot.failure;
    } else {
      shared.set(key, slot);
      pending.set(slot.wait.requestId, slot.wait);
      try {
        await requestTargetSlot({ key, limit, requestId: slot.wait.requestId, leaseMs: options.leaseMs });
        await condition(() => slot.wait.granted);
      } catch (err) {
        slot.failure = err;
        shared.delete(key);
        pending.delete(slot.wait.requestId);
        await giveBack(key, withdrawSlotSignal, slot.wait.requestId);
        throw err;
      }
    }
  } catch (err) {
    slot.users -= 1;
    throw err;
  }
  options.onSlot?.({ key, phase: 'granted' });
  try {
    return await fn();
  } finally {
    slot.users -= 1;
    if (slot.users === 0) {
      shared.delete(key);
      pending.delete(slot.wait.requestId);
      await giveBack(key, releaseSlotSignal, slot.wait.requestId);
    }
    options.onSlot?.({ key, phase: 'released' });
  }
}

/** Before SHARED_SLOT_PATCH: each step takes a slot of its own (kept for histories made then). */
async function withOwnSlot<T>(key: string, limit: number, fn: () => Promise<T>, options: TargetSlotOptions): Promise<T> {
  const requestId = uuid4();
  const wait: SlotWait = { key, requestId, limit, since: Date.now(), granted: false };
  pending.set(requestId, wait);
  options.onSlot?.({ key, phase: 'waiting' });
  try {
    await requestTargetSlot({ key, limit, requestId, leaseMs: options.leaseMs });
    await condition(() => wait.granted);
  } catch (err) {
    pending.delete(requestId);
    await giveBack(key, withdrawSlotSignal, requestId);
    throw err;
  }
  options.onSlot?.({ key, phase: 'granted' });
  try {
    return await fn();
  } finally {
    pending.delete(requestId);
    await giveBack(key, releaseSlotSignal, requestId);
    options.onSlot?.({ key, phase: 'released' });
  }
}
