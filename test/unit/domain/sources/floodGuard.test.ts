import { describe, expect, it } from 'vitest';
import { FloodGuard } from '../../../../src/domain/sources/floodGuard.js';

const T0 = Date.parse('2026-12-07T10:00:00Z');

describe('flood guard: what unauthenticated refusals may store', () => {
  it('keeps a burst of keepPerMinute per source, then counts the rest and says once that a flood started', () => {
    const guard = new FloodGuard({ keepPerMinute: 3, keepMaxBytes: 100 });
    const decisions = Array.from({ length: 6 }, () => guard.admit('jira', T0, 10));
    expect(decisions.map((d) => d.keep)).toEqual([true, true, true, false, false, false]);
    expect(decisions.slice(3)).toEqual([
      { keep: false, why: 'rate', floodStarted: true },
      { keep: false, why: 'rate', floodStarted: false },
      { keep: false, why: 'rate', floodStarted: false },
    ]);
    // Another source has a bucket of its own.
    expect(guard.admit('zendesk', T0, 10)).toEqual({ keep: true });
  });

  it('refills at keepPerMinute: one more is kept every 60 / keepPerMinute seconds, never more than the burst', () => {
    const guard = new FloodGuard({ keepPerMinute: 3, keepMaxBytes: 100 });
    for (let i = 0; i < 3; i++) guard.admit('jira', T0, 10);
    expect(guard.admit('jira', T0 + 19_999, 10).keep).toBe(false);
    expect(guard.admit('jira', T0 + 40_000, 10).keep).toBe(true);
    // An hour of quiet gives back the burst, not sixty of them.
    const later = T0 + 3_600_000;
    expect(Array.from({ length: 4 }, () => guard.admit('jira', later, 10).keep)).toEqual([true, true, true, false]);
  });

  it('never keeps a body over keepMaxBytes, whatever the rate, and does not spend a token on it', () => {
    const guard = new FloodGuard({ keepPerMinute: 1, keepMaxBytes: 100 });
    expect(guard.admit('jira', T0, 101)).toEqual({ keep: false, why: 'size', floodStarted: true });
    expect(guard.admit('jira', T0, 100)).toEqual({ keep: true });
  });

  it("summarises each source's flood once its window has run, with counts by cause", () => {
    const guard = new FloodGuard({ keepPerMinute: 1, keepMaxBytes: 100 }, 60_000);
    guard.admit('jira', T0, 10);
    guard.admit('jira', T0 + 1000, 20);
    guard.admit('jira', T0 + 2000, 500);
    guard.admit('alertmanager', T0 + 3000, 0);
    guard.admit('alertmanager', T0 + 4000, 0);
    expect(guard.drain(T0 + 59_999)).toEqual([]);
    expect(guard.drain(T0 + 61_000)).toEqual([{ source: 'jira', from: T0 + 1000, to: T0 + 2000, notKept: 2, overRate: 1, overSize: 1, bytes: 520 }]);
    expect(guard.drain(T0 + 61_000)).toEqual([]);
    // On close everything left is summarised.
    expect(guard.drain(T0 + 61_000, true)).toEqual([
      { source: 'alertmanager', from: T0 + 4000, to: T0 + 4000, notKept: 1, overRate: 1, overSize: 0, bytes: 0 },
    ]);
    // A minute later one is kept again; the next one not kept opens a new window, announced again.
    expect(guard.admit('jira', T0 + 62_000, 10)).toEqual({ keep: true });
    expect(guard.admit('jira', T0 + 62_000, 10)).toEqual({ keep: false, why: 'rate', floodStarted: true });
  });
});
