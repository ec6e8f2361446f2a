import { describe, expect, it } from 'vitest';
import {
  applyExpiry,
  applyRelease,
  applyRequest,
  applyWithdraw,
  DEFAULT_LEASE_MS,
  emptySlots,
  FINISHED_MEMORY,
  isIdle,
  nextExpiry,
  RECLAIMED_MEMORY,
  slotRequestProblem,
  slotsWorkflowId,
  type SlotChange,
  type SlotRequest,
  type SlotState,
} from '../../../../src/domain/endpoints/targetSlots.js';

const KEY = 'device:LT-0042';
const req = (requestId: string, limit = 1, leaseMs?: number): SlotRequest => ({
  requestId,
  workflowId: `wf-${requestId}`,
  limit,
  ...(leaseMs === undefined ? {} : { leaseMs }),
});

/** Applies requests in order at time `at`, collecting every grant. */
function requestAll(state: SlotState, requests: SlotRequest[], at = 0): SlotChange {
  return requests.reduce<SlotChange>(
    (acc, r) => {
      const next = applyRequest(acc.state, r, at);
      return { state: next.state, grants: [...acc.grants, ...next.grants] };
    },
    { state, grants: [] },
  );
}
const holderIds = (s: SlotState) => s.holders.map((h) => h.requestId);
const queueIds = (s: SlotState) => s.queue.map((w) => w.requestId);

describe('target slot keys and limits', () => {
  it('names the lock workflow after the key', () => {
    expect(slotsWorkflowId(KEY)).toBe('slots:device:LT-0042');
  });

  it('accepts a key and a whole limit of at least 1, and says what is wrong otherwise', () => {
    expect(slotRequestProblem(KEY, 2)).toBeUndefined();
    expect(slotRequestProblem('  ', 1)).toBe('the target key is empty: give the target as "<kind>:<id>", e.g. "device:LT-0042"');
    expect(slotRequestProblem(`device:${'x'.repeat(200)}`, 1)).toMatch(/^the target key "device:x{33}…" is 207 characters long; at most 200 are allowed$/);
    expect(slotRequestProblem(KEY, 0)).toBe('the concurrency limit for device:LT-0042 is 0; it must be a whole number of at least 1');
    expect(slotRequestProblem(KEY, 1.5)).toBe('the concurrency limit for device:LT-0042 is 1.5; it must be a whole number of at least 1');
  });
});

describe('granting slots', () => {
  it('grants up to the limit in request order and queues the rest', () => {
    const { state, grants } = requestAll(emptySlots(KEY), [req('a', 2), req('b', 2), req('c', 2)], 1000);
    expect(grants).toEqual(['a', 'b']);
    expect(holderIds(state)).toEqual(['a', 'b']);
    expect(queueIds(state)).toEqual(['c']);
    expect(state.holders[0]).toMatchObject({ workflowId: 'wf-a', grantedAt: 1000, expiresAt: 1000 + DEFAULT_LEASE_MS });
    expect(state.totals.granted).toBe(2);
  });

  it('gives the next in line the slot a holder releases, and ignores a release of an unknown id', () => {
    const start = requestAll(emptySlots(KEY), [req('a'), req('b'), req('c')]).state;
    const released = applyRelease(start, 'a', 50);
    expect(released.grants).toEqual(['b']);
    expect(holderIds(released.state)).toEqual(['b']);
    expect(released.state.holders[0]).toMatchObject({ grantedAt: 50, requestedAt: 0 });
    expect(queueIds(released.state)).toEqual(['c']);
    expect(released.state.totals).toMatchObject({ granted: 2, released: 1 });
    expect(applyRelease(released.state, 'zzz', 60)).toEqual({ state: released.state, grants: [] });
    // A release of a request that is only queued changes nothing either.
    expect(applyRelease(released.state, 'c', 60)).toEqual({ state: released.state, grants: [] });
  });

  it('never lets a request join holders that asked for fewer, and keeps FIFO behind a blocked head', () => {
    let s = requestAll(emptySlots(KEY), [req('solo', 1), req('pair', 2), req('pair2', 2)]).state;
    expect(holderIds(s)).toEqual(['solo']);
    expect(queueIds(s)).toEqual(['pair', 'pair2']);
    const r = applyRelease(s, 'solo', 10);
    expect(r.grants).toEqual(['pair', 'pair2']);
    s = applyRequest(r.state, req('solo2', 1), 11).state;
    s = applyRequest(s, req('late', 3), 12).state;
    // solo2 needs the target to itself: it waits for both pairs, and "late" waits behind it.
    expect(queueIds(s)).toEqual(['solo2', 'late']);
    s = applyRelease(s, 'pair', 13).state;
    expect(queueIds(s)).toEqual(['solo2', 'late']);
    const last = applyRelease(s, 'pair2', 14);
    expect(last.grants).toEqual(['solo2']);
  });

  it('treats a repeated request id as a duplicate: no second slot, no second place in the queue', () => {
    let s = requestAll(emptySlots(KEY), [req('a'), req('b')]).state;
    const dupHolder = applyRequest(s, req('a'), 5);
    const dupWaiter = applyRequest(dupHolder.state, req('b'), 5);
    expect(dupHolder.grants).toEqual([]);
    expect(holderIds(dupWaiter.state)).toEqual(['a']);
    expect(queueIds(dupWaiter.state)).toEqual(['b']);
    expect(dupWaiter.state.totals.duplicates).toBe(2);
    // A late copy of a request that already finished is a duplicate too.
    s = applyRelease(dupWaiter.state, 'a', 6).state;
    const late = applyRequest(s, req('a'), 7);
    expect(late.grants).toEqual([]);
    expect(holderIds(late.state)).toEqual(['b']);
    expect(late.state.queue).toEqual([]);
  });

  it('turns an unusable limit or lease into the safe default', () => {
    const { state } = requestAll(emptySlots(KEY), [req('a', 0, -5), req('b', 3)], 100);
    expect(state.holders[0]).toMatchObject({ limit: 1, leaseMs: DEFAULT_LEASE_MS });
    expect(queueIds(state)).toEqual(['b']);
    const custom = applyRequest(emptySlots(KEY), req('c', 1, 1500), 100).state;
    expect(custom.holders[0]).toMatchObject({ leaseMs: 1500, expiresAt: 1600 });
  });
});

describe('withdrawing', () => {
  it('removes a waiter from the queue', () => {
    const s = requestAll(emptySlots(KEY), [req('a'), req('b'), req('c')]).state;
    const w = applyWithdraw(s, 'b', 5);
    expect(w.grants).toEqual([]);
    expect(queueIds(w.state)).toEqual(['c']);
    expect(w.state.totals.withdrawn).toBe(1);
  });

  it('gives back the slot of a holder that withdraws (granted while it was giving up)', () => {
    const s = requestAll(emptySlots(KEY), [req('a'), req('b')]).state;
    const w = applyWithdraw(s, 'a', 5);
    expect(w.grants).toEqual(['b']);
    expect(holderIds(w.state)).toEqual(['b']);
  });

  it('remembers a withdrawal that arrives before its request, so the late request is ignored', () => {
    const w = applyWithdraw(emptySlots(KEY), 'early', 5);
    expect(w.state.totals.withdrawn).toBe(0);
    const late = applyRequest(w.state, req('early'), 6);
    expect(late.grants).toEqual([]);
    expect(isIdle(late.state)).toBe(true);
    // Withdrawing again changes nothing.
    expect(applyWithdraw(w.state, 'early', 7)).toEqual({ state: w.state, grants: [] });
  });

  it('remembers a bounded number of finished ids', () => {
    let s = emptySlots(KEY);
    for (let i = 0; i < FINISHED_MEMORY + 5; i++) s = applyWithdraw(s, `id-${i}`, i).state;
    expect(s.finished).toHaveLength(FINISHED_MEMORY);
    expect(s.finished[0]).toBe('id-5');
  });
});

describe('leases', () => {
  it('reclaims holders whose lease ended, records it, and grants the freed slots', () => {
    let s = applyRequest(emptySlots(KEY), req('short', 2, 1000), 0).state;
    s = applyRequest(s, req('long', 2, 5000), 100).state;
    s = applyRequest(s, req('next', 2), 200).state;
    expect(nextExpiry(s)).toBe(1000);
    expect(applyExpiry(s, 999)).toEqual({ state: s, grants: [] });
    const e = applyExpiry(s, 1000);
    expect(e.grants).toEqual(['next']);
    expect(holderIds(e.state)).toEqual(['long', 'next']);
    expect(e.state.reclaimed).toEqual([{ requestId: 'short', workflowId: 'wf-short', grantedAt: 0, reclaimedAt: 1000 }]);
    expect(e.state.totals.reclaimed).toBe(1);
    // The reclaimed holder's later release is for a slot it no longer has.
    expect(applyRelease(e.state, 'short', 1200)).toEqual({ state: e.state, grants: [] });
    expect(nextExpiry(e.state)).toBe(5100);
  });

  it('keeps a bounded list of reclaimed leases', () => {
    let s = emptySlots(KEY);
    for (let i = 0; i < RECLAIMED_MEMORY + 3; i++) {
      s = applyRequest(s, req(`r${i}`, 1, 10), i * 100).state;
      s = applyExpiry(s, i * 100 + 10).state;
    }
    expect(s.reclaimed).toHaveLength(RECLAIMED_MEMORY);
    expect(s.reclaimed[0]?.requestId).toBe('r3');
  });
});

describe('idleness', () => {
  it('is idle with no holders and no waiters, and has no expiry then', () => {
    const empty = emptySlots(KEY);
    expect(isIdle(empty)).toBe(true);
    expect(nextExpiry(empty)).toBeUndefined();
    const busy = applyRequest(empty, req('a'), 0).state;
    expect(isIdle(busy)).toBe(false);
    expect(isIdle(applyRelease(busy, 'a', 1).state)).toBe(true);
    const queuedOnly: SlotState = { ...empty, queue: [{ requestId: 'q', workflowId: 'w', limit: 1, leaseMs: 1, requestedAt: 0 }] };
    expect(isIdle(queuedOnly)).toBe(false);
  });
});
