import { randomUUID } from 'node:crypto';
import { actionAuditPrefix } from '../../domain/actions/identity.js';
import { AuditEntry, canonicalJson, chainHash, GENESIS_HASH, type AuditEntryInput, type AuditRecord } from '../../domain/records/audit.js';
import type { AuditRow } from '../../domain/records/auditVerify.js';
import type { ExecutionFacts } from '../../domain/records/resolution.js';
import { executionFacts } from './auditQueries.js';
import { type DeadLetterRow, deadLetterOf, documentsOf } from './rows.js';
import { migrateSqlite } from './migrations/sqlite/index.js';
import {
  type AuditFilter,
  type DeadLetter,
  type DeadLetterStatus,
  type EngineStore,
  type NewDeadLetter,
  SENSITIVE_PREFIX,
  type StoredAuditEntry,
  type StoredDocuments,
} from './port.js';
import { SqliteDb } from './sqlite.js';

/**
 * The engine store in one host's SQLite file (see sqlite.ts), the embedded default. WAL mode, so
 * the API and the worker processes of that host can share the file; BEGIN IMMEDIATE orders the
 * audit chain's writers. Several hosts need the PostgreSQL store (postgresStore.ts).
 */
export class SqliteEngineStore implements EngineStore {
  readonly backend = 'sqlite';
  readonly db: SqliteDb;

  constructor(file: string) {
    this.db = new SqliteDb(file);
    // Versioned migrations (migrations/sqlite/), applied synchronously so the constructor stays the
    // way to open a store; see migrateSqlite for why this is not umzug, which the PostgreSQL store uses.
    migrateSqlite(this.db);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async appendAudit(input: AuditEntryInput, idempotencyKey?: string): Promise<StoredAuditEntry> {
    const entry = AuditEntry.parse(input);
    return this.db.immediate((): StoredAuditEntry => {
      if (idempotencyKey) {
        const existing = this.db.prepare('SELECT seq, entry, hash FROM audit WHERE idempotency_key = ?').get(idempotencyKey) as AuditRow | undefined;
        if (existing) return { seq: existing.seq, entry: JSON.parse(existing.entry), hash: existing.hash };
      }
      const last = this.db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const json = canonicalJson(entry);
      const hash = chainHash(last?.hash ?? GENESIS_HASH, seq, json);
      this.db.prepare('INSERT INTO audit (seq, entry, hash, idempotency_key) VALUES (?, ?, ?, ?)').run(seq, json, hash, idempotencyKey ?? null);
      return { seq, entry, hash };
    });
  }

  async auditEntries(filter: { subject?: string; kind?: string } = {}): Promise<StoredAuditEntry[]> {
    return (await this.auditRows())
      .map((r) => ({ seq: r.seq, entry: JSON.parse(r.entry) as AuditRecord, hash: r.hash }))
      .filter((r) => (!filter.subject || r.entry.subject === filter.subject) && (!filter.kind || r.entry.kind === filter.kind));
  }

  async auditRows(): Promise<AuditRow[]> {
    return this.db.prepare('SELECT seq, entry, hash FROM audit ORDER BY seq').all() as AuditRow[];
  }

  async *auditMatches(filter: Omit<AuditFilter, 'limit'>): AsyncIterable<AuditRow> {
    const where: string[] = [];
    const params: Record<string, string> = {};
    if (filter.ticket !== undefined) {
      where.push(`(${field('$.subject')} = @ticket OR ${field('$.details.ticket')} = @ticket)`);
      params.ticket = filter.ticket;
    }
    if (filter.user !== undefined) {
      where.push(`${field('$.actor')} = @user`);
      params.user = filter.user;
    }
    if (filter.action !== undefined) {
      where.push(`(${field('$.kind')} = @action OR ${field('$.details.action')} = @action)`);
      params.action = filter.action;
    }
    if (filter.from !== undefined) {
      where.push(`${instant(field('$.at'))} >= @from`);
      params.from = filter.from;
    }
    if (filter.to !== undefined) {
      where.push(`${instant(field('$.at'))} < @to`);
      params.to = filter.to;
    }
    const sql = `SELECT seq, entry, hash FROM audit${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
    // Read in full: a generator that yields while the statement iterates would hold the
    // connection across the caller's awaits.
    yield* this.db.prepare(sql).all(params) as AuditRow[];
  }

  async actionExecutions(workflowId: string, runId: string): Promise<ExecutionFacts[]> {
    const prefix = actionAuditPrefix(workflowId, runId);
    const rows = this.db
      .prepare('SELECT entry FROM audit WHERE idempotency_key >= ? AND idempotency_key < ? ORDER BY seq')
      .all(prefix, `${prefix}\uffff`) as Array<{ entry: string }>;
    return executionFacts(rows.map((row) => row.entry));
  }

  async effectResult<T>(key: string): Promise<T | null> {
    const row = this.db.prepare('SELECT result FROM effects WHERE key = ?').get(key) as { result: string } | undefined;
    return row ? (JSON.parse(row.result) as T) : null;
  }

  async recordEffect(key: string, result: unknown): Promise<void> {
    this.db.prepare('INSERT OR IGNORE INTO effects (key, result, at) VALUES (?, ?, ?)').run(key, JSON.stringify(result), new Date().toISOString());
  }

  async keepSensitive(workflowId: string, value: string): Promise<string> {
    const token = `${SENSITIVE_PREFIX}${randomUUID()}`;
    this.db
      .prepare('INSERT INTO sensitive_values (token, workflow_id, value, created_at) VALUES (?, ?, ?, ?)')
      .run(token, workflowId, value, new Date().toISOString());
    return token;
  }

  async sensitiveValue(token: string): Promise<string | null> {
    return (this.db.prepare('SELECT value FROM sensitive_values WHERE token = ?').get(token) as { value: string } | undefined)?.value ?? null;
  }

  async forgetSensitive(workflowId: string): Promise<number> {
    return this.db.prepare('DELETE FROM sensitive_values WHERE workflow_id = ?').run(workflowId).changes;
  }

  async sensitiveCount(workflowId?: string): Promise<number> {
    const row = (
      workflowId === undefined
        ? this.db.prepare('SELECT count(*) AS n FROM sensitive_values').get()
        : this.db.prepare('SELECT count(*) AS n FROM sensitive_values WHERE workflow_id = ?').get(workflowId)
    ) as { n: number };
    return row.n;
  }

  async addDeadLetter(d: NewDeadLetter): Promise<number> {
    const info = this.db
      .prepare('INSERT INTO dead_letters (received_at, source, reason, issues, headers, body) VALUES (?, ?, ?, ?, ?, ?)')
      .run(d.receivedAt.toISOString(), d.source, d.reason, JSON.stringify(d.issues), JSON.stringify(d.headers), d.body);
    return Number(info.lastInsertRowid);
  }

  async pruneDeadLetters(source: string, olderThan: Date, keep: number): Promise<number> {
    // The id at position `keep` from the newest: it and everything older goes (none when fewer).
    const info = this.db
      .prepare(
        'DELETE FROM dead_letters WHERE source = ? AND (received_at < ? OR id <= (SELECT id FROM dead_letters WHERE source = ? ORDER BY id DESC LIMIT 1 OFFSET ?))',
      )
      .run(source, olderThan.toISOString(), source, keep);
    return Number(info.changes);
  }

  async deadLetters(status?: DeadLetterStatus): Promise<DeadLetter[]> {
    const rows = (
      status
        ? this.db.prepare('SELECT * FROM dead_letters WHERE status = ? ORDER BY id').all(status)
        : this.db.prepare('SELECT * FROM dead_letters ORDER BY id').all()
    ) as DeadLetterRow[];
    return rows.map(deadLetterOf);
  }

  async deadLetter(id: number): Promise<DeadLetter | null> {
    const row = this.db.prepare('SELECT * FROM dead_letters WHERE id = ?').get(id) as DeadLetterRow | undefined;
    return row ? deadLetterOf(row) : null;
  }

  async setDeadLetterStatus(id: number, status: Exclude<DeadLetterStatus, 'open'>, result: string, at: Date): Promise<void> {
    this.db.prepare('UPDATE dead_letters SET status = ?, replayed_at = ?, replay_result = ? WHERE id = ?').run(status, at.toISOString(), result, id);
  }

  async saveDocuments(d: StoredDocuments): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO documents (workflow_id, run_id, ticket, created_at, outcome, work_note, kb_draft, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(d.workflowId, d.runId, d.ticket, d.createdAt, d.outcome, d.workNote, d.kbDraft, JSON.stringify(d.json));
  }

  async documents(ticketOrWorkflow: string): Promise<StoredDocuments[]> {
    const rows = this.db
      .prepare('SELECT * FROM documents WHERE ticket = ? OR workflow_id = ? ORDER BY created_at DESC')
      .all(ticketOrWorkflow, ticketOrWorkflow) as Array<Record<string, string | null>>;
    return rows.map(documentsOf);
  }

  async recordSelfServiceStart(caller: string, automation: string, at: Date, workflowId: string): Promise<void> {
    this.db
      .prepare('INSERT INTO self_service_starts (caller, automation, at, workflow_id) VALUES (?, ?, ?, ?)')
      .run(caller, automation, at.toISOString(), workflowId);
  }

  async claimSelfService(caller: string, automation: string, at: Date, staleAfterMs: number): Promise<string | null> {
    const token = randomUUID();
    const info = this.db
      .prepare(
        'INSERT INTO self_service_claims (caller, automation, token, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT (caller, automation) DO UPDATE SET token = excluded.token, claimed_at = excluded.claimed_at WHERE claimed_at < ?',
      )
      .run(caller, automation, token, at.toISOString(), new Date(at.getTime() - staleAfterMs).toISOString());
    return Number(info.changes) === 1 ? token : null;
  }

  async releaseSelfService(caller: string, automation: string, token: string): Promise<void> {
    this.db.prepare('DELETE FROM self_service_claims WHERE caller = ? AND automation = ? AND token = ?').run(caller, automation, token);
  }

  async selfServiceStarts(caller: string, automation: string, since: Date): Promise<string[]> {
    const rows = this.db
      .prepare('SELECT at FROM self_service_starts WHERE caller = ? AND automation = ? AND at >= ? ORDER BY at')
      .all(caller, automation, since.toISOString()) as Array<{ at: string }>;
    return rows.map((r) => r.at);
  }

  async cursor(name: string): Promise<string | null> {
    const row = this.db.prepare('SELECT value FROM cursors WHERE name = ?').get(name) as { value: string } | undefined;
    return row?.value ?? null;
  }

  async setCursor(name: string, value: string): Promise<void> {
    this.db.prepare('INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run(name, value);
  }
}

/** A field of the entry, or NULL for a row that is not JSON (json_extract would abort the whole query). */
const field = (path: string) => `(CASE WHEN json_valid(entry) THEN json_extract(entry, '${path}') END)`;
/** Normalises an ISO instant to `YYYY-MM-DDTHH:MM:SS.SSSZ`, so `…:00Z` and `…:00.000Z` compare equal. */
const instant = (sql: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${sql})`;
