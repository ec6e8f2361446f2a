import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineStore } from '../../../../src/activities/records/store.js';
import { canonicalJson, chainHash, GENESIS_HASH } from '../../../../src/domain/records/audit.js';

const entry = (subject: string) => ({
  at: '2026-11-26T10:00:00.000Z',
  kind: 'webhook.rejected' as const,
  actor: 'jira',
  subject,
  outcome: 'rejected' as const,
  reason: 'bad_signature',
});

describe('audit log', () => {
  it('chains each entry to the one before it', () => {
    const store = new EngineStore(':memory:');
    const a = store.appendAudit(entry('jira:A-1'));
    const b = store.appendAudit(entry('jira:A-2'));
    expect(a).toMatchObject({ seq: 1, hash: chainHash(GENESIS_HASH, 1, canonicalJson({ ...entry('jira:A-1'), details: {} })) });
    expect(b.hash).toBe(chainHash(a.hash, 2, canonicalJson({ ...entry('jira:A-2'), details: {} })));
    expect(store.auditEntries({ subject: 'jira:A-2' }).map((e) => e.seq)).toEqual([2]);
    expect(store.auditEntries({ kind: 'webhook.accepted' })).toEqual([]);
  });

  it('writes an entry once per idempotency key, however often an activity is retried', () => {
    const store = new EngineStore(':memory:');
    const first = store.appendAudit(entry('jira:A-1'), 'wf/run/3');
    const again = store.appendAudit({ ...entry('jira:A-1'), reason: 'retried' }, 'wf/run/3');
    expect(again).toEqual(first);
    expect(store.auditEntries()).toHaveLength(1);
  });

  it('refuses updates and deletes at the database level', () => {
    const store = new EngineStore(':memory:');
    store.appendAudit(entry('jira:A-1'));
    expect(() => store.db.prepare("UPDATE audit SET entry = '{}'").run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
  });

  it('rejects an entry that is not well formed', () => {
    const store = new EngineStore(':memory:');
    expect(() => store.appendAudit({ ...entry('x'), kind: 'gossip' as never })).toThrow();
  });

  it('hashes the same entry the same way whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }], skip: undefined })).toBe('{"a":[{"c":"x","d":null}],"b":1}');
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('cursors', () => {
  it('remember the last position per name', () => {
    const store = new EngineStore(':memory:');
    expect(store.cursor('reconcile:jira')).toBeNull();
    store.setCursor('reconcile:jira', '2026-11-26T10:00:00.000Z');
    store.setCursor('reconcile:jira', '2026-11-26T11:00:00.000Z');
    expect(store.cursor('reconcile:jira')).toBe('2026-11-26T11:00:00.000Z');
  });
});

describe('dead-letter retention', () => {
  const letter = (source: 'jira' | 'zendesk', receivedAt: string) => ({
    source,
    reason: 'bad_signature',
    issues: [],
    headers: {},
    body: Buffer.from('{}'),
    receivedAt: new Date(receivedAt),
  });

  it('removes a source’s letters older than the cut-off and all but its newest N, leaving other sources alone', () => {
    const store = new EngineStore(':memory:');
    const old = store.addDeadLetter(letter('jira', '2026-10-01T00:00:00Z'));
    const ids = ['01', '02', '03', '04'].map((d) => store.addDeadLetter(letter('jira', `2026-11-${d}T00:00:00Z`)));
    const other = store.addDeadLetter(letter('zendesk', '2026-09-01T00:00:00Z'));
    expect(store.pruneDeadLetters('jira', new Date('2026-10-31T00:00:00Z'), 2)).toBe(3);
    expect(store.deadLetters().map((d) => d.id)).toEqual([ids[2], ids[3], other]);
    expect(store.deadLetter(old)).toBeNull();
  });

  it('removes nothing while a source has fewer letters than it may keep and none is too old', () => {
    const store = new EngineStore(':memory:');
    store.addDeadLetter(letter('jira', '2026-11-01T00:00:00Z'));
    expect(store.pruneDeadLetters('jira', new Date('2026-10-01T00:00:00Z'), 5)).toBe(0);
    expect(store.deadLetters()).toHaveLength(1);
  });
});

describe('self-service claims', () => {
  const at = new Date('2026-12-07T10:00:00Z');
  const later = (ms: number) => new Date(at.getTime() + ms);

  it('lets one request at a time hold a caller’s automation, across connections to one database file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'itse-claims-'));
    const a = new EngineStore(join(dir, 'engine.db'));
    const b = new EngineStore(join(dir, 'engine.db'));
    const first = a.claimSelfService('jdoe', 'disk-cleanup', at, 30_000);
    expect(first).toEqual(expect.any(String));
    expect(b.claimSelfService('jdoe', 'disk-cleanup', later(10), 30_000)).toBeNull();
    // Another automation, or another caller, is not held.
    expect(b.claimSelfService('jdoe', 'unlock-account', later(10), 30_000)).toEqual(expect.any(String));
    expect(b.claimSelfService('asmith', 'disk-cleanup', later(10), 30_000)).toEqual(expect.any(String));
    // Only the holder's token gives it back.
    b.releaseSelfService('jdoe', 'disk-cleanup', 'not-the-token');
    expect(b.claimSelfService('jdoe', 'disk-cleanup', later(20), 30_000)).toBeNull();
    a.releaseSelfService('jdoe', 'disk-cleanup', first!);
    expect(b.claimSelfService('jdoe', 'disk-cleanup', later(30), 30_000)).toEqual(expect.any(String));
    a.close();
    b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes over a claim older than the stale limit (its process died holding it), and the old token no longer releases it', () => {
    const store = new EngineStore(':memory:');
    const dead = store.claimSelfService('jdoe', 'disk-cleanup', at, 30_000)!;
    expect(store.claimSelfService('jdoe', 'disk-cleanup', later(29_999), 30_000)).toBeNull();
    const next = store.claimSelfService('jdoe', 'disk-cleanup', later(30_001), 30_000);
    expect(next).toEqual(expect.any(String));
    store.releaseSelfService('jdoe', 'disk-cleanup', dead);
    expect(store.claimSelfService('jdoe', 'disk-cleanup', later(30_002), 30_000)).toBeNull();
  });
});
