import { afterEach, describe, expect, it } from 'vitest';
import { exportJsonLines, queryAudit } from '../../../src/activities/records/auditQueries.js';
import { type EngineStore, type NewDeadLetter, SENSITIVE_TOKEN, type StoredDocuments } from '../../../src/activities/records/port.js';
import { actionAuditKey } from '../../../src/domain/actions/identity.js';
import { type AuditEntryInput, canonicalJson, chainHash, GENESIS_HASH } from '../../../src/domain/records/audit.js';
import { verifyChain } from '../../../src/domain/records/auditVerify.js';

export interface ContractOptions {
  /**
   * Replaces the stored text of audit entry `seq` behind the store's back (what tampering does),
   * for the tests that queries skip rows that are not entries. Without it those tests are left out.
   */
  corruptAuditEntry?(store: EngineStore, seq: number, text: string): Promise<void>;
}

const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 10, minute)).toISOString();

/** The entries of the audit query tests (test/unit/domain/records/auditVerify.test.ts). */
const SEED: AuditEntryInput[] = [
  { at: at(0), kind: 'webhook.accepted', actor: 'jira', subject: 'jira:ITSM-42', outcome: 'accepted', details: { rule: 'password-reset' } },
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

/** Known answers computed apart from the code (see auditVerify.test.ts): both adapters must write exactly these rows. */
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

const rejected = (subject: string): AuditEntryInput => ({
  at: '2026-11-26T10:00:00.000Z',
  kind: 'webhook.rejected',
  actor: 'jira',
  subject,
  outcome: 'rejected',
  reason: 'bad_signature',
});

const letter = (source: 'jira' | 'zendesk', receivedAt: string, over: Partial<NewDeadLetter> = {}): NewDeadLetter => ({
  source,
  reason: 'bad_signature',
  issues: [],
  headers: {},
  body: Buffer.from('{}'),
  receivedAt: new Date(receivedAt),
  ...over,
});

const documents = (workflowId: string, runId: string, createdAt: string, over: Partial<StoredDocuments> = {}): StoredDocuments => ({
  workflowId,
  runId,
  ticket: 'jira:ITSM-42',
  createdAt,
  outcome: 'resolved',
  workNote: `note of ${workflowId}/${runId}`,
  kbDraft: null,
  json: { workflowId, runId, steps: [{ n: 1, ok: true }] },
  ...over,
});

/**
 * The EngineStore contract (src/activities/records/port.ts), the same for every adapter: each test
 * gets a store of its own from `open` (an empty one) and hands it to `teardown` afterwards.
 */
export function describeEngineStore(
  name: string,
  open: () => Promise<EngineStore>,
  teardown: (store: EngineStore) => Promise<void>,
  options: ContractOptions = {},
): void {
  describe(`EngineStore contract: ${name}`, () => {
    const opened: EngineStore[] = [];
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };
    const seeded = async () => {
      const store = await fresh();
      for (const e of SEED) await store.appendAudit(e);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await teardown(store);
    });

    describe('audit log', () => {
      it('chains each entry to the one before it, from seq 1 and the genesis hash', async () => {
        const store = await fresh();
        const a = await store.appendAudit(rejected('jira:A-1'));
        const b = await store.appendAudit(rejected('jira:A-2'));
        expect(a).toEqual({
          seq: 1,
          entry: { ...rejected('jira:A-1'), details: {} },
          hash: chainHash(GENESIS_HASH, 1, canonicalJson({ ...rejected('jira:A-1'), details: {} })),
        });
        expect(b.hash).toBe(chainHash(a.hash, 2, canonicalJson({ ...rejected('jira:A-2'), details: {} })));
        expect(verifyChain(await store.auditRows())).toEqual({ ok: true, entries: 2, lastHash: b.hash });
      });

      it('writes exactly the known rows (canonical JSON, documented hashes)', async () => {
        const store = await fresh();
        for (const k of KNOWN) await store.appendAudit(k.input);
        expect(await store.auditRows()).toEqual(KNOWN.map((k, i) => ({ seq: i + 1, entry: k.json, hash: k.hash })));
      });

      it('stores any text of an entry and key byte for byte (quotes, backslashes, control characters, emoji)', async () => {
        const store = await fresh();
        const odd = { ...rejected("jira:O'Brien-1"), details: { note: "it's a \\ back\\\\slash, 'quoted', E'x', \u0001\n\t, $$ ; COMMIT; 🚀", n: -0.5 } };
        const key = "wf/run/it's\\1";
        const first = await store.appendAudit(odd, key);
        expect(await store.appendAudit(rejected('other'), key)).toEqual(first);
        expect(first.entry).toEqual({ ...odd });
        const rows = await store.auditRows();
        expect(rows).toEqual([{ seq: 1, entry: canonicalJson(odd), hash: chainHash(GENESIS_HASH, 1, canonicalJson(odd)) }]);
        expect((await queryAudit(store, { ticket: "jira:O'Brien-1" })).map((m) => m.seq)).toEqual([1]);
      });

      it('gives concurrent appends one gapless order that verifies', async () => {
        const store = await fresh();
        const written = await Promise.all(
          Array.from({ length: 60 }, (_, i) => store.appendAudit(rejected(`jira:C-${i}`), i % 3 === 0 ? `key/${i}` : undefined)),
        );
        expect(written.map((w) => w.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
        const rows = await store.auditRows();
        expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
        expect(verifyChain(rows)).toMatchObject({ ok: true, entries: 60 });
      });

      it('writes an entry once per idempotency key, however often it is appended, and returns the first', async () => {
        const store = await fresh();
        const first = await store.appendAudit(rejected('jira:A-1'), 'wf/run/3');
        const again = await store.appendAudit({ ...rejected('jira:A-1'), reason: 'retried' }, 'wf/run/3');
        expect(again).toEqual(first);
        const both = await Promise.all([
          store.appendAudit(rejected('jira:A-2'), 'wf/run/4'),
          store.appendAudit({ ...rejected('jira:A-2'), reason: 'retried' }, 'wf/run/4'),
        ]);
        expect(both[1]).toEqual(both[0]);
        expect(both[0].entry.reason).toBe('bad_signature');
        expect((await store.auditEntries()).map((e) => e.seq)).toEqual([1, 2]);
      });

      it('rejects an entry that is not well formed, writing nothing', async () => {
        const store = await fresh();
        await expect(store.appendAudit({ ...rejected('x'), kind: 'gossip' as never })).rejects.toThrow();
        await expect(store.appendAudit({ ...rejected('x'), at: 'yesterday' })).rejects.toThrow();
        expect(await store.auditRows()).toEqual([]);
      });

      it('lists entries, by subject or kind', async () => {
        const store = await seeded();
        expect((await store.auditEntries()).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect((await store.auditEntries({ subject: 'wf-ITSM-43' })).map((e) => e.seq)).toEqual([5, 6]);
        expect((await store.auditEntries({ kind: 'webhook.accepted' })).map((e) => e.seq)).toEqual([1, 4]);
        expect((await store.auditEntries({ subject: 'wf-ITSM-43', kind: 'security' })).map((e) => e.entry.reason)).toEqual(['grant_missing']);
        expect(await store.auditEntries({ kind: 'ticket.reconciled' })).toEqual([]);
        expect((await store.auditEntries({ subject: 'jira:ITSM-43' }))[0]).toEqual({ seq: 4, entry: { ...SEED[3], details: {} }, hash: expect.any(String) });
      });

      it('returns every row exactly as stored, in seq order, and an empty log verifies', async () => {
        const empty = await fresh();
        expect(await empty.auditRows()).toEqual([]);
        expect(verifyChain(await empty.auditRows())).toMatchObject({ ok: true, entries: 0 });
        const store = await seeded();
        const rows = await store.auditRows();
        expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(rows[0]!.entry).toBe(canonicalJson({ ...SEED[0] }));
        expect(verifyChain(rows)).toMatchObject({ ok: true, entries: 8 });
      });
    });

    describe('audit queries', () => {
      const seqs = async (store: EngineStore, filter: Parameters<typeof queryAudit>[1]) => (await queryAudit(store, filter)).map((m) => m.seq);
      const matched = async (store: EngineStore, filter: Parameters<EngineStore['auditMatches']>[0]) => {
        const out: number[] = [];
        for await (const row of store.auditMatches(filter)) out.push(row.seq);
        return out;
      };

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
        const bob = await queryAudit(store, { user: 'u-bob' });
        expect(bob).toEqual([{ seq: 5, entry: SEED[4], hash: (await store.auditRows())[4]!.hash }]);
      });

      it('auditMatches yields the stored rows (text as stored) for normalised instants, every filter at once', async () => {
        const store = await seeded();
        expect(await matched(store, {})).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(await matched(store, { from: '2026-11-26T10:05:00.000Z', to: '2026-11-26T10:06:00.000Z' })).toEqual([6]);
        expect(await matched(store, { ticket: 'wf-ITSM-43', user: 'engine', action: 'disk.cleanup', from: at(0), to: at(8) })).toEqual([6]);
        const rows: unknown[] = [];
        for await (const row of store.auditMatches({ user: 'u-bob' })) rows.push(row);
        expect(rows).toEqual([(await store.auditRows())[4]]);
      });

      it('limit to the oldest matches, and refuse bad limits and dates', async () => {
        const store = await seeded();
        expect(await seqs(store, { limit: 2 })).toEqual([1, 2]);
        expect(await seqs(store, { action: 'disk.cleanup', limit: 2 })).toEqual([5, 6]);
        expect(await seqs(store, { limit: 0 })).toEqual([]);
        expect(await queryAudit(store)).toHaveLength(8);
        await expect(queryAudit(store, { limit: -1 })).rejects.toThrow(RangeError);
        await expect(queryAudit(store, { from: 'yesterday' })).rejects.toThrow(/from is not a date/);
      });

      it('stream a log larger than one page in seq order', async () => {
        const store = await fresh();
        const n = 1_500;
        await Promise.all(Array.from({ length: n }, (_, i) => store.appendAudit({ ...rejected(i % 2 ? 'jira:ODD' : 'jira:EVEN'), at: at(i % 50) })));
        const all = await matched(store, {});
        expect(all).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        const odd = await matched(store, { ticket: 'jira:ODD' });
        expect(odd).toHaveLength(Math.floor(n / 2));
        expect(odd).toEqual([...odd].sort((x, y) => x - y));
      });

      it('export JSON lines that parse back to the entries and verify', async () => {
        const store = await seeded();
        const lines: string[] = [];
        expect(await exportJsonLines(store, {}, (line) => lines.push(line))).toBe(8);
        const rows = lines.map((l) => {
          const { seq, hash, ...entry } = JSON.parse(l) as { seq: number; hash: string } & Record<string, unknown>;
          return { seq, hash, entry: canonicalJson(entry) };
        });
        expect(verifyChain(rows)).toMatchObject({ ok: true, entries: 8 });
      });

      it.runIf(options.corruptAuditEntry)('skip rows that are not entries (verify reports them) without failing the query or counting them', async () => {
        const store = await seeded();
        await options.corruptAuditEntry!(store, 1, '{"kind":"webhook.accepted"}');
        await options.corruptAuditEntry!(store, 2, 'lorem ipsum');
        await options.corruptAuditEntry!(store, 3, '{"at":"not a time","kind":"action","actor":"engine","subject":"wf-ITSM-42","details":"x"}');
        expect(await seqs(store, {})).toEqual([4, 5, 6, 7, 8]);
        expect(await seqs(store, { action: 'webhook.accepted', limit: 1 })).toEqual([4]);
        expect(await seqs(store, { ticket: 'jira:ITSM-42' })).toEqual([]);
        expect(await seqs(store, { from: at(0) })).toEqual([4, 5, 6, 7, 8]);
        expect(await matched(store, { ticket: 'wf-ITSM-42', from: at(0) })).toEqual([]);
        expect(verifyChain(await store.auditRows())).toMatchObject({ ok: false, firstBad: { seq: 1 } });
      });

      it("reads one run's activity executions from its action keys, and nothing of other runs", async () => {
        const store = await fresh();
        const action = (activityId: string, attempts: number, parameters: unknown): AuditEntryInput => ({
          at: at(1),
          kind: 'action',
          actor: 'engine',
          subject: 'wf-1',
          outcome: 'succeeded',
          details: { activityId, attempts, parameters },
        });
        await store.appendAudit(action('1', 1, { target: 'jdoe' }), actionAuditKey('wf-1', 'run-a', '1'));
        await store.appendAudit(action('9', 1, {}), actionAuditKey('wf-1', 'run-b', '9'));
        await store.appendAudit(action('2', 3, ['LT-0042', true]), actionAuditKey('wf-1', 'run-a', '2'));
        await store.appendAudit(action('3', 1, {}), 'other/wf-1/run-a/3');
        await store.appendAudit({ ...action('4', 1, {}), details: { note: 'no activity id' } }, actionAuditKey('wf-1', 'run-a', '4'));
        expect(await store.actionExecutions('wf-1', 'run-a')).toEqual([
          { activityId: '1', attempts: 1, parameters: { target: 'jdoe' } },
          { activityId: '2', attempts: 3, parameters: { value: ['LT-0042', true] } },
        ]);
        expect(await store.actionExecutions('wf-1', 'run-b')).toEqual([{ activityId: '9', attempts: 1, parameters: {} }]);
        expect(await store.actionExecutions('wf-1', 'run')).toEqual([]);
        expect(await store.actionExecutions('wf-2', 'run-a')).toEqual([]);
      });
    });

    describe('effects', () => {
      it('keep the first result of a key; a second record changes nothing', async () => {
        const store = await fresh();
        expect(await store.effectResult('reset:wf/run/1')).toBeNull();
        await store.recordEffect('reset:wf/run/1', { mailed: true, messageId: 'm-1', n: 1 });
        await store.recordEffect('reset:wf/run/1', { mailed: true, messageId: 'm-2' });
        expect(await store.effectResult('reset:wf/run/1')).toEqual({ mailed: true, messageId: 'm-1', n: 1 });
        await Promise.all([store.recordEffect('k2', 'a'), store.recordEffect('k2', 'a')]);
        expect(await store.effectResult<string>('k2')).toBe('a');
        await store.recordEffect('k3', null);
        expect(await store.effectResult('k3')).toBeNull();
      });
    });

    describe('vault of sensitive inputs', () => {
      it('keeps values behind tokens, counts them, and forgets a run’s values only', async () => {
        const store = await fresh();
        const a = await store.keepSensitive('wf-1', 'Jane Doe');
        const b = await store.keepSensitive('wf-1', 'jane@example.com');
        const c = await store.keepSensitive('wf-2', 'John Roe');
        for (const token of [a, b, c]) expect(token).toMatch(new RegExp(`^${SENSITIVE_TOKEN.source}$`));
        expect(new Set([a, b, c]).size).toBe(3);
        expect(await store.sensitiveValue(a)).toBe('Jane Doe');
        expect(await store.sensitiveValue('sensitive:00000000-0000-0000-0000-000000000000')).toBeNull();
        expect(await store.sensitiveCount()).toBe(3);
        expect(await store.sensitiveCount('wf-1')).toBe(2);
        expect(await store.sensitiveCount('wf-3')).toBe(0);
        expect(await store.forgetSensitive('wf-1')).toBe(2);
        expect(await store.forgetSensitive('wf-1')).toBe(0);
        expect(await store.sensitiveValue(a)).toBeNull();
        expect(await store.sensitiveValue(c)).toBe('John Roe');
        expect(await store.sensitiveCount()).toBe(1);
      });
    });

    describe('dead letters', () => {
      it('keep a refused delivery whole (body bytes, headers, issues), list it by status and record its replay', async () => {
        const store = await fresh();
        const body = Buffer.from([0x7b, 0x00, 0xff, 0x10, 0x7d]);
        const first = await store.addDeadLetter(
          letter('jira', '2026-11-26T10:00:00.000Z', {
            body,
            headers: { 'x-hub-signature': 'sha256=ab', 'content-type': 'application/json' },
            issues: [{ path: 'issue.key', message: 'Required' }],
            reason: 'invalid_payload',
          }),
        );
        const second = await store.addDeadLetter(letter('zendesk', '2026-11-26T10:01:00Z'));
        expect(second).toBeGreaterThan(first);
        const stored = await store.deadLetter(first);
        expect(stored).toEqual({
          id: first,
          receivedAt: '2026-11-26T10:00:00.000Z',
          source: 'jira',
          reason: 'invalid_payload',
          issues: [{ path: 'issue.key', message: 'Required' }],
          headers: { 'x-hub-signature': 'sha256=ab', 'content-type': 'application/json' },
          body: expect.any(Buffer),
          status: 'open',
          replayedAt: null,
          replayResult: null,
        });
        expect(Buffer.compare(stored!.body, body)).toBe(0);
        expect(await store.deadLetter(second + 1000)).toBeNull();
        expect((await store.deadLetters()).map((d) => d.id)).toEqual([first, second]);
        await store.setDeadLetterStatus(first, 'replayed', 'accepted: 202', new Date('2026-11-26T11:00:00Z'));
        await store.setDeadLetterStatus(second, 'discarded', 'by u-alice', new Date('2026-11-26T11:01:00Z'));
        expect(await store.deadLetter(first)).toMatchObject({ status: 'replayed', replayedAt: '2026-11-26T11:00:00.000Z', replayResult: 'accepted: 202' });
        expect((await store.deadLetters('open')).map((d) => d.id)).toEqual([]);
        expect((await store.deadLetters('replayed')).map((d) => d.id)).toEqual([first]);
        expect((await store.deadLetters('discarded')).map((d) => d.id)).toEqual([second]);
      });

      it('prune a source’s letters older than the cut-off and all but its newest N, leaving other sources alone', async () => {
        const store = await fresh();
        const old = await store.addDeadLetter(letter('jira', '2026-10-01T00:00:00Z'));
        const ids: number[] = [];
        for (const d of ['01', '02', '03', '04']) ids.push(await store.addDeadLetter(letter('jira', `2026-11-${d}T00:00:00Z`)));
        const other = await store.addDeadLetter(letter('zendesk', '2026-09-01T00:00:00Z'));
        expect(await store.pruneDeadLetters('jira', new Date('2026-10-31T00:00:00Z'), 2)).toBe(3);
        expect((await store.deadLetters()).map((d) => d.id)).toEqual([ids[2], ids[3], other]);
        expect(await store.deadLetter(old)).toBeNull();
        expect(await store.pruneDeadLetters('jira', new Date('2026-10-31T00:00:00Z'), 0)).toBe(2);
        expect((await store.deadLetters()).map((d) => d.id)).toEqual([other]);
      });

      it('prune nothing while a source has fewer letters than it may keep and none is too old', async () => {
        const store = await fresh();
        await store.addDeadLetter(letter('jira', '2026-11-01T00:00:00Z'));
        expect(await store.pruneDeadLetters('jira', new Date('2026-10-01T00:00:00Z'), 5)).toBe(0);
        expect(await store.pruneDeadLetters('servicenow', new Date('2026-12-01T00:00:00Z'), 0)).toBe(0);
        expect(await store.deadLetters()).toHaveLength(1);
      });
    });

    describe('resolution documents', () => {
      it('files a run’s documents, finds them by ticket or workflow newest first, and a second filing replaces them', async () => {
        const store = await fresh();
        await store.saveDocuments(documents('wf-1', 'run-a', '2026-11-26T10:00:00.000Z'));
        await store.saveDocuments(documents('wf-2', 'run-b', '2026-11-26T12:00:00.000Z', { kbDraft: '# KB', outcome: null }));
        await store.saveDocuments(documents('wf-3', 'run-c', '2026-11-26T11:00:00.000Z', { ticket: null }));
        expect((await store.documents('jira:ITSM-42')).map((d) => d.workflowId)).toEqual(['wf-2', 'wf-1']);
        expect(await store.documents('wf-3')).toEqual([documents('wf-3', 'run-c', '2026-11-26T11:00:00.000Z', { ticket: null })]);
        expect((await store.documents('wf-2'))[0]).toEqual(documents('wf-2', 'run-b', '2026-11-26T12:00:00.000Z', { kbDraft: '# KB', outcome: null }));
        await store.saveDocuments(documents('wf-1', 'run-a', '2026-11-26T13:00:00.000Z', { workNote: 'filed again' }));
        const again = await store.documents('wf-1');
        expect(again).toHaveLength(1);
        expect(again[0]).toMatchObject({ workNote: 'filed again', createdAt: '2026-11-26T13:00:00.000Z' });
        expect((await store.documents('jira:ITSM-42')).map((d) => d.workflowId)).toEqual(['wf-1', 'wf-2']);
        expect(await store.documents('jira:ITSM-404')).toEqual([]);
      });
    });

    describe('self-service claims and starts', () => {
      const t0 = new Date('2026-12-07T10:00:00Z');
      const later = (ms: number) => new Date(t0.getTime() + ms);

      it('lets one request at a time hold a caller’s automation; only the holder’s token releases it', async () => {
        const store = await fresh();
        const first = await store.claimSelfService('jdoe', 'disk-cleanup', t0, 30_000);
        expect(first).toEqual(expect.any(String));
        expect(await store.claimSelfService('jdoe', 'disk-cleanup', later(10), 30_000)).toBeNull();
        expect(await store.claimSelfService('jdoe', 'unlock-account', later(10), 30_000)).toEqual(expect.any(String));
        expect(await store.claimSelfService('asmith', 'disk-cleanup', later(10), 30_000)).toEqual(expect.any(String));
        await store.releaseSelfService('jdoe', 'disk-cleanup', 'not-the-token');
        expect(await store.claimSelfService('jdoe', 'disk-cleanup', later(20), 30_000)).toBeNull();
        await store.releaseSelfService('jdoe', 'disk-cleanup', first!);
        expect(await store.claimSelfService('jdoe', 'disk-cleanup', later(30), 30_000)).toEqual(expect.any(String));
      });

      it('gives exactly one of concurrent claims the hold', async () => {
        const store = await fresh();
        const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimSelfService('jdoe', 'disk-cleanup', t0, 30_000)));
        expect(claims.filter((c) => c !== null)).toHaveLength(1);
      });

      it('takes over a claim older than the stale limit, and the old token no longer releases it', async () => {
        const store = await fresh();
        const dead = (await store.claimSelfService('jdoe', 'disk-cleanup', t0, 30_000))!;
        expect(await store.claimSelfService('jdoe', 'disk-cleanup', later(29_999), 30_000)).toBeNull();
        expect(await store.claimSelfService('jdoe', 'disk-cleanup', later(30_001), 30_000)).toEqual(expect.any(String));
        await store.releaseSelfService('jdoe', 'disk-cleanup', dead);
        expect(await store.claimSelfService('jdoe', 'disk-cleanup', later(30_002), 30_000)).toBeNull();
      });

      it('lists a caller’s starts of one automation since a time, oldest first', async () => {
        const store = await fresh();
        await store.recordSelfServiceStart('jdoe', 'disk-cleanup', later(3_000), 'wf-3');
        await store.recordSelfServiceStart('jdoe', 'disk-cleanup', later(1_000), 'wf-1');
        await store.recordSelfServiceStart('jdoe', 'disk-cleanup', t0, 'wf-0');
        await store.recordSelfServiceStart('jdoe', 'unlock-account', later(2_000), 'wf-x');
        await store.recordSelfServiceStart('asmith', 'disk-cleanup', later(2_000), 'wf-y');
        expect(await store.selfServiceStarts('jdoe', 'disk-cleanup', later(1_000))).toEqual([later(1_000).toISOString(), later(3_000).toISOString()]);
        expect(await store.selfServiceStarts('jdoe', 'disk-cleanup', t0)).toHaveLength(3);
        expect(await store.selfServiceStarts('jdoe', 'disk-cleanup', later(4_000))).toEqual([]);
        expect(await store.selfServiceStarts('nobody', 'disk-cleanup', t0)).toEqual([]);
      });
    });

    describe('cursors', () => {
      it('remember the last position per name', async () => {
        const store = await fresh();
        expect(await store.cursor('reconcile:jira')).toBeNull();
        await store.setCursor('reconcile:jira', '2026-11-26T10:00:00.000Z');
        await store.setCursor('reconcile:jira', '2026-11-26T11:00:00.000Z');
        await store.setCursor('reconcile:zendesk', 'page-7');
        expect(await store.cursor('reconcile:jira')).toBe('2026-11-26T11:00:00.000Z');
        expect(await store.cursor('reconcile:zendesk')).toBe('page-7');
      });
    });
  });
}
