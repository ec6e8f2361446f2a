// Per-target concurrency slots: the decisions of the `targetSlots` lock workflow, one per target
// (workflow id `slots:<key>`, key like `device:LT-0042`). Pure and deterministic: every function
// takes the state and the workflow's clock (`now`, epoch ms) and returns a new state plus the
// request ids to grant now. The workflow only delivers grants and sleeps until the next lease ends.
//
// Rules:
// - Grants are FIFO. The head of the queue is granted while the number of holders is below the
//   smallest limit among itself and the current holders: a holder that asked for "at most 1"
//   is never joined, whatever later requests say. A head that cannot be granted blocks the queue.
// - A request whose id is held, queued or recently finished is a duplicate (an activity retry, or
//   a request that arrives after its withdrawal) and changes nothing.
// - A release or withdrawal of an unknown id changes nothing. A withdrawal is remembered, so a
//   request that arrives after it (a cancelled request activity that still delivered) is ignored.
// - A holder that has not released when its lease ends is reclaimed, and that fact is kept.

/** Workflow type of the lock workflow, and the signal names (shared by activity and workflow). */
export const SLOTS_WORKFLOW_TYPE = 'targetSlots';
export const SLOT_SIGNALS = { request: 'requestSlot', release: 'releaseSlot', withdraw: 'withdrawSlot', granted: 'slotGranted' } as const;
export const SLOTS_QUERY = 'slotsState';

export const DEFAULT_LEASE_MS = 60 * 60 * 1000;
export const MAX_SLOT_KEY_LENGTH = 200;
/** How many finished request ids are remembered to recognise late duplicates. */
export const FINISHED_MEMORY = 200;
/** How many reclaimed leases are kept in the state for the query. */
export const RECLAIMED_MEMORY = 50;

export function slotsWorkflowId(key: string): string {
  return `slots:${key}`;
}

/** Why a key or limit cannot be used, in words a definition author can act on; undefined when fine. */
export function slotRequestProblem(key: string, limit: number): string | undefined {
  if (typeof key !== 'string' || key.trim() === '') return 'the target key is empty: give the target as "<kind>:<id>", e.g. "device:LT-0042"';
  if (key.length > MAX_SLOT_KEY_LENGTH)
    return `the target key "${key.slice(0, 40)}…" is ${key.length} characters long; at most ${MAX_SLOT_KEY_LENGTH} are allowed`;
  if (!Number.isInteger(limit) || limit < 1) return `the concurrency limit for ${key} is ${String(limit)}; it must be a whole number of at least 1`;
  return undefined;
}

/** A request as the lock workflow receives it (signal `requestSlot`). */
export interface SlotRequest {
  requestId: string;
  /** The workflow that is granted the slot (signalled `slotGranted`). */
  workflowId: string;
  limit: number;
  /** How long the slot may be held before it is reclaimed. */
  leaseMs?: number;
}

export interface SlotWaiter {
  requestId: string;
  workflowId: string;
  limit: number;
  leaseMs: number;
  requestedAt: number;
}

export interface SlotHolder extends SlotWaiter {
  grantedAt: number;
  expiresAt: number;
}

export interface ReclaimedSlot {
  requestId: string;
  workflowId: string;
  grantedAt: number;
  reclaimedAt: number;
}

export interface SlotTotals {
  granted: number;
  released: number;
  withdrawn: number;
  reclaimed: number;
  duplicates: number;
}

export interface SlotState {
  key: string;
  holders: SlotHolder[];
  queue: SlotWaiter[];
  /** The latest reclaimed leases, oldest first (at most RECLAIMED_MEMORY). */
  reclaimed: ReclaimedSlot[];
  /** Ids released, withdrawn or reclaimed lately, oldest first (at most FINISHED_MEMORY). */
  finished: string[];
  totals: SlotTotals;
}

export interface SlotChange {
  state: SlotState;
  /** Request ids granted by this change, in grant order. */
  grants: string[];
}

export function emptySlots(key: string): SlotState {
  return { key, holders: [], queue: [], reclaimed: [], finished: [], totals: { granted: 0, released: 0, withdrawn: 0, reclaimed: 0, duplicates: 0 } };
}

export function isIdle(state: SlotState): boolean {
  return state.holders.length === 0 && state.queue.length === 0;
}

/** When the earliest lease ends (epoch ms), or undefined without holders. */
export function nextExpiry(state: SlotState): number | undefined {
  return state.holders.length === 0 ? undefined : Math.min(...state.holders.map((h) => h.expiresAt));
}

function known(state: SlotState, requestId: string): boolean {
  return state.holders.some((h) => h.requestId === requestId) || state.queue.some((w) => w.requestId === requestId) || state.finished.includes(requestId);
}

function remember(finished: string[], ids: string[]): string[] {
  return [...finished, ...ids].slice(-FINISHED_MEMORY);
}

/** Grants queued requests, in order, while the limits allow. */
function fill(state: SlotState, now: number): SlotChange {
  const holders = [...state.holders];
  const queue = [...state.queue];
  const grants: string[] = [];
  for (let head = queue[0]; head !== undefined; head = queue[0]) {
    const cap = Math.min(head.limit, ...holders.map((h) => h.limit));
    if (holders.length >= cap) break;
    queue.shift();
    holders.push({ ...head, grantedAt: now, expiresAt: now + head.leaseMs });
    grants.push(head.requestId);
  }
  return { state: { ...state, holders, queue, totals: { ...state.totals, granted: state.totals.granted + grants.length } }, grants };
}

export function applyRequest(state: SlotState, request: SlotRequest, now: number): SlotChange {
  if (known(state, request.requestId)) return { state: { ...state, totals: { ...state.totals, duplicates: state.totals.duplicates + 1 } }, grants: [] };
  const limit = Number.isInteger(request.limit) && request.limit >= 1 ? request.limit : 1;
  const leaseMs = request.leaseMs !== undefined && request.leaseMs > 0 ? request.leaseMs : DEFAULT_LEASE_MS;
  const waiter: SlotWaiter = { requestId: request.requestId, workflowId: request.workflowId, limit, leaseMs, requestedAt: now };
  return fill({ ...state, queue: [...state.queue, waiter] }, now);
}

export function applyRelease(state: SlotState, requestId: string, now: number): SlotChange {
  if (!state.holders.some((h) => h.requestId === requestId)) return { state, grants: [] };
  return fill(
    {
      ...state,
      holders: state.holders.filter((h) => h.requestId !== requestId),
      finished: remember(state.finished, [requestId]),
      totals: { ...state.totals, released: state.totals.released + 1 },
    },
    now,
  );
}

/**
 * The requester gave up (cancelled while waiting, or the grant could not be delivered): it leaves
 * the queue, or gives its slot back if it was granted meanwhile. An unknown id is remembered.
 */
export function applyWithdraw(state: SlotState, requestId: string, now: number): SlotChange {
  if (state.finished.includes(requestId)) return { state, grants: [] };
  const present = state.holders.some((h) => h.requestId === requestId) || state.queue.some((w) => w.requestId === requestId);
  return fill(
    {
      ...state,
      holders: state.holders.filter((h) => h.requestId !== requestId),
      queue: state.queue.filter((w) => w.requestId !== requestId),
      finished: remember(state.finished, [requestId]),
      totals: { ...state.totals, withdrawn: state.totals.withdrawn + (present ? 1 : 0) },
    },
    now,
  );
}

/** Reclaims every holder whose lease ended at or before `now`, then grants the freed slots. */
export function applyExpiry(state: SlotState, now: number): SlotChange {
  const expired = state.holders.filter((h) => h.expiresAt <= now);
  if (expired.length === 0) return { state, grants: [] };
  const reclaimed = expired.map((h) => ({ requestId: h.requestId, workflowId: h.workflowId, grantedAt: h.grantedAt, reclaimedAt: now }));
  return fill(
    {
      ...state,
      holders: state.holders.filter((h) => h.expiresAt > now),
      reclaimed: [...state.reclaimed, ...reclaimed].slice(-RECLAIMED_MEMORY),
      finished: remember(
        state.finished,
        expired.map((h) => h.requestId),
      ),
      totals: { ...state.totals, reclaimed: state.totals.reclaimed + expired.length },
    },
    now,
  );
}
