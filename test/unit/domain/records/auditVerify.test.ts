import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportJsonLines, queryAudit } from '../../../../src/activities/records/auditQueries.js';
import { SqliteEngineStore } from '../../../../src/activities/records/sqliteStore.js';
import { canonicalJson, chainHash, GENESIS_HASH, type AuditEntryInput } from '../../../../src/domain/records/audit.js';
import { anchor, verifyAgainstAnchor, verifyChain, type AuditRow } from '../../../../src/domain/records/auditVerify.js';

// ---------------------------------------------------------------------------------------------
// Pure chains built in memory, one per kind of break.

const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 10, minute)).toISOString();
const text = (n: number, over: Partial<AuditEntryInput> = {}) =>
  canonicalJson({ at: at(n), kind: 'action', actor: 'engine', subject: `jira:ITSM-${n}`, outcome: 'succeeded', details: {}, ...over });
const link = (previousHash: string, seq: number, entry: string): AuditRow => ({ seq, entry, hash: chainHash(previousHash, seq, entry) });

/** A genuine chain of `n` entries. */
function genuine(n: number): AuditRow[] {
  const rows: AuditRow[] = [];
  for (let seq = 1; seq <= n; seq++) rows.push(link(rows.at(-1)?.hash ?? GENESIS_HASH, seq, text(seq)));
  return rows;
}
/** The same rows with their seq values rewritten to 1..n (what an attacker does to hide a change in count). */
const renumber = (rows: AuditRow[]) => rows.map((r, i) => ({ ...r, seq: i + 1 }));
const edit = (row: AuditRow): AuditRow => ({ ...row, entry: row.entry.replace('"succeeded"', '"failed"') });
const forged = (seq: number): AuditRow => ({ seq, entry: text(90, { actor: 'mallory' }), hash: 'f'.repeat(64) });
const bad = (rows: AuditRow[]) => {
  const result = verifyChain(rows);
  if (result.ok) throw new Error('expected the chain to break');
  return result.firstBad;
};

describe('verifyChain', () => {
  it('accepts an intact chain, and an empty log', async () => {
    const rows = genuine(5);
    expect(verifyChain(rows)).toEqual({ ok: true, entries: 5, lastHash: rows[4]!.hash });
    expect(verifyChain([])).toEqual({ ok: true, entries: 0, lastHash: GENESIS_HASH });
  });

  it('reports rows that cannot even be checked as malformed', async () => {
    const [o1, o2] = genuine(2) as [AuditRow, AuditRow];
    expect(bad([o1, { ...o2, seq: 0 }])).toEqual({
      seq: 2,
      problem: 'malformed',
      message: expect.stringContaining('position 2 has an invalid sequence number (0)'),
    });
    expect(bad([{ ...o1, seq: 'one' as never }])).toMatchObject({ seq: 1, problem: 'malformed' });
    expect(bad([o1, { ...o2, hash: 'not-a-hash' }])).toEqual({
      seq: 2,
      problem: 'malformed',
      message: 'entry 2 has an invalid hash: it was not written by the engine',
    });
    expect(bad([o1, { ...o2, entry: '{"at":' }])).toEqual({
      seq: 2,
      problem: 'malformed',
      message: 'entry 2 is unreadable (not valid JSON): it was damaged or overwritten',
    });
    expect(bad([o1, { ...o2, entry: 'null' }]).message).toBe('entry 2 is not a valid audit entry (invalid: the whole entry): it was damaged or overwritten');
    expect(bad([o1, { ...o2, entry: text(2, { kind: 'gossip' as never, actor: '' }) }]).message).toContain('(invalid: kind, actor)');
  });

  it('reports an entry edited in place as altered, naming it', async () => {
    const rows = genuine(5);
    rows[2] = edit(rows[2]!);
    expect(bad(rows)).toEqual({
      seq: 3,
      problem: 'altered',
      message:
        'entry 3 was changed after it was written: its content no longer matches its hash (or entry 2 was changed and given a recomputed hash to hide it)',
    });
    const first = genuine(3);
    first[0] = edit(first[0]!);
    expect(bad(first)).toEqual({ seq: 1, problem: 'altered', message: 'entry 1 was changed after it was written: its content no longer matches its hash' });
  });

  it('says what it cannot tell apart: the last entry, and several neighbouring changes', async () => {
    const last = genuine(3);
    last[2] = edit(last[2]!);
    expect(bad(last)).toEqual({ seq: 3, problem: 'altered', message: expect.stringContaining('entry 3, the last one, does not match its hash') });
    const two = genuine(4);
    two[1] = edit(two[1]!);
    two[2] = edit(two[2]!);
    expect(bad(two)).toEqual({ seq: 2, problem: 'altered', message: expect.stringContaining('the entry after it does not follow on from it either') });
  });

  it('reports a missing sequence number as deleted, naming what is missing', async () => {
    const [o1, , o3, o4] = genuine(4) as AuditRow[];
    expect(bad([o1!, o3!, o4!])).toEqual({ seq: 2, problem: 'deleted', message: 'entry 2 is missing: it was deleted from the log' });
    expect(bad([o1!, o4!])).toEqual({ seq: 2, problem: 'deleted', message: 'entries 2 to 3 are missing: they were deleted from the log' });
    expect(bad([o4!])).toMatchObject({ seq: 1, problem: 'deleted' });
  });

  it('reports deletions hidden by renumbering the later entries as deleted', async () => {
    const [o1, , o3, o4, o5] = genuine(5) as AuditRow[];
    expect(bad(renumber([o1!, o3!, o4!, o5!]))).toEqual({
      seq: 2,
      problem: 'deleted',
      message: 'entry 2 was deleted from the log, and the later entries were renumbered to hide the gap',
    });
    expect(bad(renumber([o1!, o4!, o5!]))).toEqual({
      seq: 2,
      problem: 'deleted',
      message: 'entries 2 to 3 were deleted from the log, and the later entries were renumbered to hide the gap',
    });
  });

  it('reports a repeated sequence number as inserted', async () => {
    const [o1, o2, o3] = genuine(3) as AuditRow[];
    expect(bad([o1!, o2!, forged(2), o3!])).toEqual({ seq: 2, problem: 'inserted', message: expect.stringContaining('entry 2 appears twice') });
  });

  it('reports forged rows slipped in (later rows renumbered) as inserted, whether or not their hash chains', async () => {
    const [o1, o2, o3] = genuine(3) as AuditRow[];
    // A made-up hash, followed by more genuine rows.
    expect(bad(renumber([o1!, forged(0), o2!, o3!]))).toEqual({
      seq: 2,
      problem: 'inserted',
      message: 'entry 2 was not written by the engine: it was inserted, and the genuine entries from there on were renumbered',
    });
    expect(bad(renumber([o1!, forged(0), forged(0), o2!, o3!]))).toEqual({
      seq: 2,
      problem: 'inserted',
      message: expect.stringContaining('entries 2 to 3 were not written by the engine'),
    });
    // ... before the last genuine row.
    expect(bad(renumber([o1!, forged(0), o2!]))).toMatchObject({ seq: 2, problem: 'inserted' });
    // A plausible hash: correctly chained to its predecessor, so only the genuine row after it breaks.
    const f1 = link(GENESIS_HASH, 1, text(91));
    expect(bad([f1, { ...o1!, seq: 2 }, { ...o2!, seq: 3 }])).toEqual({
      seq: 1,
      problem: 'inserted',
      message: 'entry 1 was not written by the engine: it was inserted, and the genuine entries from there on were renumbered',
    });
    const f2 = link(o1!.hash, 2, text(92));
    const f3 = link(f2.hash, 3, text(93));
    expect(bad([o1!, f2, f3, { ...o2!, seq: 4 }, { ...o3!, seq: 5 }])).toEqual({
      seq: 2,
      problem: 'inserted',
      message: expect.stringContaining('entries 2 to 3 were not written by the engine'),
    });
  });

  it('reports rows that swapped places or were moved as reordered', async () => {
    const [o1, o2, o3, o4, o5] = genuine(5) as AuditRow[];
    // Out of seq order as given.
    expect(bad([o1!, o3!, o2!, o4!])).toEqual({ seq: 3, problem: 'reordered', message: 'entry 3 is out of order: it comes before entry 2' });
    // Seq values exchanged (read back in seq order): neighbours, far apart, at the end.
    expect(bad(renumber([o1!, o3!, o2!, o4!]))).toEqual({
      seq: 2,
      problem: 'reordered',
      message: 'entries were moved: the entry originally written as number 2 is now number 3',
    });
    expect(bad(renumber([o1!, o4!, o3!, o2!, o5!]))).toEqual({
      seq: 2,
      problem: 'reordered',
      message: 'entries were moved: the entry originally written as number 2 is now number 4',
    });
    expect(bad(renumber([o1!, o2!, o4!, o3!]))).toMatchObject({ seq: 3, problem: 'reordered' });
    // One row moved down, or up, and the rows in between renumbered.
    expect(bad(renumber([o1!, o3!, o4!, o2!, o5!]))).toMatchObject({ seq: 2, problem: 'reordered', message: expect.stringContaining('is now number 4') });
    expect(bad(renumber([o1!, o5!, o2!, o3!, o4!]))).toMatchObject({ seq: 2, problem: 'reordered', message: expect.stringContaining('is now number 3') });
  });
});

describe('anchors', () => {
  it('are small, validated objects to publish elsewhere', async () => {
    const rows = genuine(3);
    expect(anchor(rows[2]!.hash, 3, new Date('2026-11-26T12:00:00.000Z'))).toEqual({ entries: 3, lastHash: rows[2]!.hash, at: '2026-11-26T12:00:00.000Z' });
    expect(() => anchor('nope', 3, '2026-11-26T12:00:00.000Z')).toThrow();
    expect(() => verifyAgainstAnchor(rows, { entries: 0, lastHash: GENESIS_HASH, at: 'now' })).toThrow();
  });

  it('catch a rewrite of the whole chain and entries removed from the end', async () => {
    const rows = genuine(6);
    const published = anchor(rows[3]!.hash, 4, '2026-11-26T12:00:00.000Z');
    expect(verifyAgainstAnchor(rows, published)).toEqual({ ok: true, entries: 6, lastHash: rows[5]!.hash });
    // Rewrite from entry 2 on, every hash recomputed: the chain alone cannot tell.
    const rewritten = rows.slice(0, 1);
    for (const r of rows.slice(1)) rewritten.push(link(rewritten.at(-1)!.hash, r.seq, r.seq === 2 ? edit(r).entry : r.entry));
    expect(verifyChain(rewritten).ok).toBe(true);
    expect(verifyAgainstAnchor(rewritten, published)).toEqual({
      ok: false,
      entries: 6,
      firstBad: { seq: 4, problem: 'altered', message: expect.stringContaining('the log was rewritten') },
    });
    // The tail cut off.
    expect(verifyAgainstAnchor(rows.slice(0, 3), published)).toEqual({
      ok: false,
      entries: 3,
      firstBad: { seq: 4, problem: 'deleted', message: expect.stringContaining('entry 4 was deleted from the end of the log: it had 4 entries') },
    });
    expect(verifyAgainstAnchor(rows.slice(0, 1), published)).toMatchObject({
      ok: false,
      firstBad: { seq: 2, problem: 'deleted', message: expect.stringContaining('entries 2 to 4 were deleted') },
    });
    // A chain that is broken anyway reports that first.
    expect(verifyAgainstAnchor([rows[0]!, rows[2]!], published)).toMatchObject({ ok: false, firstBad: { seq: 2, problem: 'deleted' } });
  });
});

// ---------------------------------------------------------------------------------------------
// The real store on a temp file, tampered with through raw SQLite as someone with file access could.

const dirs: string[] = [];
const stores: SqliteEngineStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openStore(): SqliteEngineStore {
  const dir = mkdtempSync(join(tmpdir(), 'audit-verify-'));
  dirs.push(dir);
  const store = new SqliteEngineStore(join(dir, 'engine.db'));
  stores.push(store);
  return store;
}

const seed: AuditEntryInput[] = [
  { at: at(0), kind: 'webhook.accepted', actor: 'jira', subject: 'jira:ITSM-42', outcome: 'accepted', details: { deliveryId: 'd-1' } },
  {
    at: at(1),
    kind: 'permission.decision',
    actor: 'u-alice',
    subject: 'wf-ITSM-42',
    outcome: 'allowed',
    reason: 'manager_of_target',
    details: { action: 'account.unlock', ticket: 'jira:ITSM-42' },
  },
  { at: at(2), kind: 'action', actor: 'engine', subject: 'wf-ITSM-42', outcome: 'succeeded', details: { action: 'account.unlock', ticket: 'jira:ITSM-42' } },
  { at: at(3), kind: 'webhook.accepted', actor: 'jira', subject: 'jira:ITSM-43', outcome: 'accepted' },
  {
    at: at(4),
    kind: 'permission.decision',
    actor: 'u-bob',
    subject: 'wf-ITSM-43',
    outcome: 'denied',
    reason: 'not_related',
    details: { action: 'disk.cleanup', ticket: 'jira:ITSM-43' },
  },
  // Written without milliseconds: time filters must compare instants, not strings.
  {
    at: '2026-11-26T10:05:00Z',
    kind: 'security',
    actor: 'engine',
    subject: 'wf-ITSM-43',
    outcome: 'rejected',
    reason: 'grant_missing',
    details: { action: 'disk.cleanup' },
  },
  { at: at(6), kind: 'webhook.rejected', actor: 'servicenow', subject: 'servicenow:INC0012', outcome: 'rejected', reason: 'bad_signature' },
  { at: at(7), kind: 'selfservice.request', actor: 'u-alice', subject: 'self-service:disk-cleanup', outcome: 'accepted', details: { action: 'disk.cleanup' } },
];

async function seeded(): Promise<SqliteEngineStore> {
  const store = openStore();
  for (const e of seed) await store.appendAudit(e);
  return store;
}
/** What an attacker with write access to the file does first. */
function dropTriggers(store: SqliteEngineStore): void {
  store.db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
}
/** Shifts every row from `seq` on up by one (via negative values: seq is the primary key). */
function makeRoomAt(store: SqliteEngineStore, seq: number): void {
  store.db.prepare('UPDATE audit SET seq = -seq - 1 WHERE seq >= ?').run(seq);
  store.db.exec('UPDATE audit SET seq = -seq WHERE seq < 0');
}
const hashOf = (store: SqliteEngineStore, seq: number) => (store.db.prepare('SELECT hash FROM audit WHERE seq = ?').get(seq) as { hash: string }).hash;
const verifyStore = async (store: SqliteEngineStore) => verifyChain(await store.auditRows());

describe('verify on a real store', () => {
  it('accepts the log the engine wrote', async () => {
    const store = await seeded();
    const last = await store.appendAudit({ at: at(8), kind: 'action', actor: 'engine', subject: 'wf-ITSM-44', outcome: 'failed' });
    expect(await verifyStore(store)).toEqual({ ok: true, entries: 9, lastHash: last.hash });
    expect((await store.auditRows())[0]).toEqual({ seq: 1, entry: canonicalJson({ ...seed[0] }), hash: hashOf(store, 1) });
  });

  it('detects an entry edited in the file', async () => {
    const store = await seeded();
    dropTriggers(store);
    store.db.exec(`UPDATE audit SET entry = replace(entry, '"outcome":"denied"', '"outcome":"allowed"') WHERE seq = 5`);
    expect(await verifyStore(store)).toMatchObject({
      ok: false,
      entries: 8,
      firstBad: {
        seq: 5,
        problem: 'altered',
        message: expect.stringMatching(/^entry 5 was changed after it was written: its content no longer matches its hash/),
      },
    });
  });

  it('detects a deleted row, with or without renumbering', async () => {
    const store = await seeded();
    dropTriggers(store);
    store.db.exec('DELETE FROM audit WHERE seq = 4');
    expect(await verifyStore(store)).toMatchObject({
      ok: false,
      entries: 7,
      firstBad: { seq: 4, problem: 'deleted', message: 'entry 4 is missing: it was deleted from the log' },
    });
    store.db.exec('UPDATE audit SET seq = seq - 1 WHERE seq > 4');
    expect(await verifyStore(store)).toMatchObject({
      ok: false,
      firstBad: { seq: 4, problem: 'deleted', message: expect.stringContaining('renumbered to hide the gap') },
    });
  });

  it('detects a forged row inserted with a plausible hash', async () => {
    const store = await seeded();
    dropTriggers(store);
    makeRoomAt(store, 3);
    const forgery = canonicalJson({
      at: at(2),
      kind: 'permission.decision',
      actor: 'u-mallory',
      subject: 'wf-ITSM-42',
      outcome: 'allowed',
      reason: 'admin',
      details: {},
    });
    store.db.prepare('INSERT INTO audit (seq, entry, hash) VALUES (?, ?, ?)').run(3, forgery, chainHash(hashOf(store, 2), 3, forgery));
    expect(await verifyStore(store)).toMatchObject({
      ok: false,
      entries: 9,
      firstBad: {
        seq: 3,
        problem: 'inserted',
        message: 'entry 3 was not written by the engine: it was inserted, and the genuine entries from there on were renumbered',
      },
    });
  });

  it('detects a forged row inserted with a made-up hash', async () => {
    const store = await seeded();
    dropTriggers(store);
    makeRoomAt(store, 6);
    store.db.prepare('INSERT INTO audit (seq, entry, hash) VALUES (?, ?, ?)').run(6, text(6, { actor: 'u-mallory' }), 'a'.repeat(64));
    expect(await verifyStore(store)).toMatchObject({ ok: false, firstBad: { seq: 6, problem: 'inserted' } });
  });

  it('detects two rows whose seq values were swapped', async () => {
    const store = await seeded();
    dropTriggers(store);
    store.db.exec('UPDATE audit SET seq = -1 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 6; UPDATE audit SET seq = 6 WHERE seq = -1;');
    expect(await verifyStore(store)).toMatchObject({
      ok: false,
      firstBad: { seq: 3, problem: 'reordered', message: 'entries were moved: the entry originally written as number 3 is now number 6' },
    });
  });

  it('detects garbage in place of an entry', async () => {
    const store = await seeded();
    dropTriggers(store);
    store.db.exec(`UPDATE audit SET entry = 'lorem ipsum' WHERE seq = 7`);
    expect(await verifyStore(store)).toMatchObject({
      ok: false,
      firstBad: { seq: 7, problem: 'malformed', message: expect.stringContaining('entry 7 is unreadable') },
    });
  });

  it('catches a full rewrite only with an anchor published beforehand', async () => {
    const store = await seeded();
    const before = await verifyStore(store);
    if (!before.ok) throw new Error('expected an intact log');
    const published = anchor(before.lastHash, before.entries, '2026-11-26T11:00:00.000Z');
    await store.appendAudit({ at: at(9), kind: 'action', actor: 'engine', subject: 'wf-ITSM-44', outcome: 'succeeded' });
    expect(verifyAgainstAnchor(await store.auditRows(), published)).toMatchObject({ ok: true, entries: 9 });

    dropTriggers(store);
    // Rewrite entry 5 (a denial becomes an approval) and recompute every hash from there on.
    let previous = hashOf(store, 4);
    for (const row of (await store.auditRows()).filter((r) => r.seq >= 5)) {
      const entry = row.seq === 5 ? row.entry.replace('"outcome":"denied"', '"outcome":"allowed"') : row.entry;
      previous = chainHash(previous, row.seq, entry);
      store.db.prepare('UPDATE audit SET entry = ?, hash = ? WHERE seq = ?').run(entry, previous, row.seq);
    }
    expect(await verifyStore(store)).toMatchObject({ ok: true, entries: 9 });
    expect(verifyAgainstAnchor(await store.auditRows(), published)).toMatchObject({
      ok: false,
      firstBad: { seq: 8, problem: 'altered', message: expect.stringContaining('the log was rewritten') },
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('queries and export', () => {
  const seqs = async (store: SqliteEngineStore, filter: Parameters<typeof queryAudit>[1]) => (await queryAudit(store, filter)).map((m) => m.seq);

  it('filter by ticket (subject or details.ticket), user, action (kind or details.action) and time', async () => {
    const store = await seeded();
    expect(await seqs(store, { ticket: 'jira:ITSM-42' })).toEqual([1, 2, 3]);
    expect(await seqs(store, { ticket: 'jira:ITSM-43' })).toEqual([4, 5]);
    expect(await seqs(store, { user: 'u-alice' })).toEqual([2, 8]);
    expect(await seqs(store, { action: 'permission.decision' })).toEqual([2, 5]);
    expect(await seqs(store, { action: 'disk.cleanup' })).toEqual([5, 6, 8]);
    expect(await seqs(store, { from: at(2), to: at(5) })).toEqual([3, 4, 5]);
    // Instants, not strings: 10:05:00Z is before 10:05:00.500Z and equal to 11:05+01:00.
    expect(await seqs(store, { from: at(4), to: '2026-11-26T10:05:00.500Z' })).toEqual([5, 6]);
    expect(await seqs(store, { from: '2026-11-26T11:05:00+01:00', to: at(6) })).toEqual([6]);
    expect(await seqs(store, { user: 'u-alice', action: 'disk.cleanup', from: at(0) })).toEqual([8]);
    expect(await seqs(store, { ticket: 'jira:ITSM-99' })).toEqual([]);
    expect(await queryAudit(store, { user: 'u-bob' })).toEqual([{ seq: 5, entry: seed[4], hash: hashOf(store, 5) }]);
  });

  it('limit to the oldest matches', async () => {
    const store = await seeded();
    expect(await seqs(store, { limit: 2 })).toEqual([1, 2]);
    expect(await seqs(store, { action: 'disk.cleanup', limit: 2 })).toEqual([5, 6]);
    expect(await seqs(store, { limit: 0 })).toEqual([]);
    expect(await queryAudit(store)).toHaveLength(8);
    await expect(queryAudit(store, { limit: -1 })).rejects.toThrow(RangeError);
    await expect(queryAudit(store, { limit: 1.5 })).rejects.toThrow(RangeError);
    await expect(queryAudit(store, { from: 'yesterday' })).rejects.toThrow(/from is not a date/);
  });

  it('skip rows that are not valid entries (verify reports them) without failing the query or counting them', async () => {
    const store = await seeded();
    dropTriggers(store);
    store.db.exec(`UPDATE audit SET entry = '{"kind":"webhook.accepted"}' WHERE seq = 1; UPDATE audit SET entry = 'lorem ipsum' WHERE seq = 2`);
    expect(await seqs(store, {})).toEqual([3, 4, 5, 6, 7, 8]);
    expect(await seqs(store, { action: 'webhook.accepted', limit: 1 })).toEqual([4]);
    expect(await seqs(store, { ticket: 'jira:ITSM-42' })).toEqual([3]);
  });

  it('export JSON lines that parse back to the entries, streaming', async () => {
    const store = await seeded();
    const lines: string[] = [];
    expect(await exportJsonLines(store, {}, (line) => lines.push(line))).toBe(8);
    const parsed = lines.map((l) => JSON.parse(l) as { seq: number; hash: string } & Record<string, unknown>);
    expect(parsed.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parsed[1]).toEqual({ seq: 2, hash: hashOf(store, 2), ...seed[1] });
    // Every exported line can be checked against the chain on its own.
    const rows = parsed.map(({ seq, hash, ...entry }) => ({ seq, hash, entry: canonicalJson(entry) }));
    expect(verifyChain(rows)).toMatchObject({ ok: true, entries: 8 });

    const some: string[] = [];
    expect(await exportJsonLines(store, { ticket: 'jira:ITSM-43', limit: 1 }, (line) => some.push(line))).toBe(1);
    expect(JSON.parse(some[0]!)).toMatchObject({ seq: 4, subject: 'jira:ITSM-43', kind: 'webhook.accepted' });
  });
});

// Fixed known answers, computed apart from the code under test (Python 3: json.dumps with
// sort_keys=True, separators=(',', ':'), ensure_ascii=False, then hashlib.sha256 of
// f"{previous}\n{seq}\n{json}" as UTF-8, starting from 64 zeros). Anchors already published hold
// these hashes: a change of canonical form or chaining that alters them breaks every such anchor,
// so it must be a deliberate, versioned migration, never a side effect.
describe('audit chain known answers', () => {
  const KNOWN: Array<{ input: AuditEntryInput; json: string; hash: string }> = [
    {
      input: {
        at: '2026-11-26T10:00:00.000Z',
        kind: 'webhook.accepted',
        actor: 'jira',
        subject: 'jira:ITSM-42',
        outcome: 'accepted',
        details: { rule: 'password-reset', deliveryId: 'd-1' },
      },
      json: '{"actor":"jira","at":"2026-11-26T10:00:00.000Z","details":{"deliveryId":"d-1","rule":"password-reset"},"kind":"webhook.accepted","outcome":"accepted","subject":"jira:ITSM-42"}',
      hash: 'aee85d38ab041a69df9818b2192fe9e3230c11e04efdbef0e34658792163d14c',
    },
    {
      input: {
        at: '2026-11-26T10:00:01.250Z',
        kind: 'permission.decision',
        actor: 'u-alice',
        subject: 'ticket-jira-ITSM-42',
        outcome: 'allowed',
        reason: 'manager_of_target',
        details: { target: 'jdoe', action: 'password.reset', groups: ['it-staff', 'managers'] },
      },
      json: '{"actor":"u-alice","at":"2026-11-26T10:00:01.250Z","details":{"action":"password.reset","groups":["it-staff","managers"],"target":"jdoe"},"kind":"permission.decision","outcome":"allowed","reason":"manager_of_target","subject":"ticket-jira-ITSM-42"}',
      hash: '5fc4ffd9b2a157f25a667e6d28fc93179222957659fdf261290214964171d620',
    },
    {
      input: {
        at: '2026-11-26T10:00:02.000Z',
        kind: 'action',
        actor: 'engine',
        subject: 'ticket-jira-ITSM-42',
        outcome: 'succeeded',
        details: { ok: true, none: null, note: 'Réinitialisé — “done”', attempt: 1, action: 'ticket.comment' },
      },
      json: '{"actor":"engine","at":"2026-11-26T10:00:02.000Z","details":{"action":"ticket.comment","attempt":1,"none":null,"note":"Réinitialisé — “done”","ok":true},"kind":"action","outcome":"succeeded","subject":"ticket-jira-ITSM-42"}',
      hash: 'f25a11496acd50110e9c8817e93c7a6c172326f57add30b46845341bebe46760',
    },
    {
      // No details given: stored with the default {}.
      input: {
        at: '2026-11-26T10:00:03.000Z',
        kind: 'webhook.rejected',
        actor: 'servicenow',
        subject: 'servicenow:INC0012',
        outcome: 'rejected',
        reason: 'bad_signature',
      },
      json: '{"actor":"servicenow","at":"2026-11-26T10:00:03.000Z","details":{},"kind":"webhook.rejected","outcome":"rejected","reason":"bad_signature","subject":"servicenow:INC0012"}',
      hash: '2bda677749713de7de1f6acb5d37275f2892798f82e16f9b4cdbfc0f12b52b0f',
    },
  ];

  it('the store writes exactly these rows, and a log holding them verifies against the anchor published for them', async () => {
    const store = openStore();
    for (const k of KNOWN) await store.appendAudit(k.input);
    expect(await store.auditRows()).toEqual(KNOWN.map((k, i) => ({ seq: i + 1, entry: k.json, hash: k.hash })));
    const published = { entries: 4, lastHash: '2bda677749713de7de1f6acb5d37275f2892798f82e16f9b4cdbfc0f12b52b0f', at: '2026-11-26T11:00:00.000Z' };
    const rows: AuditRow[] = KNOWN.map((k, i) => ({ seq: i + 1, entry: k.json, hash: k.hash }));
    expect(verifyAgainstAnchor(rows, published)).toEqual({ ok: true, entries: 4, lastHash: published.lastHash });
  });

  it('each hash follows from the previous one as documented', async () => {
    let previous = GENESIS_HASH;
    KNOWN.forEach((k, i) => {
      expect(chainHash(previous, i + 1, k.json)).toBe(k.hash);
      previous = k.hash;
    });
  });
});
