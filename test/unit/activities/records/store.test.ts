import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteEngineStore } from '../../../../src/activities/records/sqliteStore.js';
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
  it('chains each entry to the one before it', async () => {
    const store = new SqliteEngineStore(':memory:');
    const a = await store.appendAudit(entry('jira:A-1'));
    const b = await store.appendAudit(entry('jira:A-2'));
    expect(a).toMatchObject({ seq: 1, hash: chainHash(GENESIS_HASH, 1, canonicalJson({ ...entry('jira:A-1'), details: {} })) });
    expect(b.hash).toBe(chainHash(a.hash, 2, canonicalJson({ ...entry('jira:A-2'), details: {} })));
    expect((await store.auditEntries({ subject: 'jira:A-2' })).map((e) => e.seq)).toEqual([2]);
    expect(await store.auditEntries({ kind: 'webhook.accepted' })).toEqual([]);
  });

  it('writes an entry once per idempotency key, however often an activity is retried', async () => {
    const store = new SqliteEngineStore(':memory:');
    const first = await store.appendAudit(entry('jira:A-1'), 'wf/run/3');
    const again = await store.appendAudit({ ...entry('jira:A-1'), reason: 'retried' }, 'wf/run/3');
    expect(again).toEqual(first);
    expect(await store.auditEntries()).toHaveLength(1);
  });

  it('refuses updates and deletes at the database level', async () => {
    const store = new SqliteEngineStore(':memory:');
    await store.appendAudit(entry('jira:A-1'));
    expect(() => store.db.prepare("UPDATE audit SET entry = '{}'").run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
  });

  it('rejects an entry that is not well formed', async () => {
    const store = new SqliteEngineStore(':memory:');
    await expect(store.appendAudit({ ...entry('x'), kind: 'gossip' as never })).rejects.toThrow();
  });

  it('hashes the same entry the same way whatever the key order', async () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }], skip: undefined })).toBe('{"a":[{"c":"x","d":null}],"b":1}');
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('cursors', () => {
  it('remember the last position per name', async () => {
    const store = new SqliteEngineStore(':memory:');
    expect(await store.cursor('reconcile:jira')).toBeNull();
    await store.setCursor('reconcile:jira', '2026-11-26T10:00:00.000Z');
    await store.setCursor('reconcile:jira', '2026-11-26T11:00:00.000Z');
    expect(await store.cursor('reconcile:jira')).toBe('2026-11-26T11:00:00.000Z');
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

  it('removes a source’s letters older than the cut-off and all but its newest N, leaving other sources alone', async () => {
    const store = new SqliteEngineStore(':memory:');
    const old = await store.addDeadLetter(letter('jira', '2026-10-01T00:00:00Z'));
    const ids: number[] = [];
    for (const d of ['01', '02', '03', '04']) ids.push(await store.addDeadLetter(letter('jira', `2026-11-${d}T00:00:00Z`)));
    const other = await store.addDeadLetter(letter('zendesk', '2026-09-01T00:00:00Z'));
    expect(await store.pruneDeadLetters('jira', new Date('2026-10-31T00:00:00Z'), 2)).toBe(3);
    expect((await store.deadLetters()).map((d) => d.id)).toEqual([ids[2], ids[3], other]);
    expect(await store.deadLetter(old)).toBeNull();
  });

  it('removes nothing while a source has fewer letters than it may keep and none is too old', async () => {
    const store = new SqliteEngineStore(':memory:');
    await store.addDeadLetter(letter('jira', '2026-11-01T00:00:00Z'));
    expect(await store.pruneDeadLetters('jira', new Date('2026-10-01T00:00:00Z'), 5)).toBe(0);
    expect(await store.deadLetters()).toHaveLength(1);
  });
});

describe('self-service claims', () => {
  const at = new Date('2026-12-07T10:00:00Z');
  const later = (ms: number) => new Date(at.getTime() + ms);

  it('lets one request at a time hold a caller’s automation, across connections to one database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'itse-claims-'));
    const a = new SqliteEngineStore(join(dir, 'engine.db'));
    const b = new SqliteEngineStore(join(dir, 'engine.db'));
    const first = await a.claimSelfService('jdoe', 'disk-cleanup', at, 30_000);
    expect(first).toEqual(expect.any(String));
    expect(await b.claimSelfService('jdoe', 'disk-cleanup', later(10), 30_000)).toBeNull();
    // Another automation, or another caller, is not held.
    expect(await b.claimSelfService('jdoe', 'unlock-account', later(10), 30_000)).toEqual(expect.any(String));
    expect(await b.claimSelfService('asmith', 'disk-cleanup', later(10), 30_000)).toEqual(expect.any(String));
    // Only the holder's token gives it back.
    await b.releaseSelfService('jdoe', 'disk-cleanup', 'not-the-token');
    expect(await b.claimSelfService('jdoe', 'disk-cleanup', later(20), 30_000)).toBeNull();
    await a.releaseSelfService('jdoe', 'disk-cleanup', first!);
    expect(await b.claimSelfService('jdoe', 'disk-cleanup', later(30), 30_000)).toEqual(expect.any(String));
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes over a claim older than the stale limit (its process died holding it), and the old token no longer releases it', async () => {
    const store = new SqliteEngineStore(':memory:');
    const dead = (await store.claimSelfService('jdoe', 'disk-cleanup', at, 30_000))!;
    expect(await store.claimSelfService('jdoe', 'disk-cleanup', later(29_999), 30_000)).toBeNull();
    const next = await store.claimSelfService('jdoe', 'disk-cleanup', later(30_001), 30_000);
    expect(next).toEqual(expect.any(String));
    await store.releaseSelfService('jdoe', 'disk-cleanup', dead);
    expect(await store.claimSelfService('jdoe', 'disk-cleanup', later(30_002), 30_000)).toBeNull();
  });
});
