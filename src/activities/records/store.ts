import { randomUUID } from 'node:crypto';
import { actionAuditPrefix } from '../../domain/actions/identity.js';
import { AuditEntry, canonicalJson, chainHash, GENESIS_HASH, type AuditEntryInput, type AuditRecord } from '../../domain/records/audit.js';
import type { ExecutionFacts } from '../../domain/records/resolution.js';
import type { TicketSource } from '../../domain/tickets/ticket.js';
import { SqliteDb } from './sqlite.js';

/** How a token for a sensitive input starts; the rest is a UUID. */
export const SENSITIVE_PREFIX = 'sensitive:';
export const SENSITIVE_TOKEN = /sensitive:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

export interface StoredAuditEntry {
  seq: number;
  entry: AuditRecord;
  hash: string;
}

export interface StoredDocuments {
  workflowId: string;
  runId: string;
  ticket: string | null;
  createdAt: string;
  outcome: string | null;
  workNote: string;
  kbDraft: string | null;
  json: Record<string, unknown>;
}

export type DeadLetterStatus = 'open' | 'replayed' | 'discarded';

export interface DeadLetter {
  id: number;
  receivedAt: string;
  source: TicketSource;
  reason: string;
  issues: Array<{ path: string; message: string }>;
  /** Only the headers a replay needs (signature, timestamp, delivery id, content type). */
  headers: Record<string, string>;
  body: Buffer;
  status: DeadLetterStatus;
  replayedAt: string | null;
  replayResult: string | null;
}

/**
 * The engine's own SQLite database (see sqlite.ts): the hash-chained audit log, the dead-letter
 * store of rejected webhook deliveries, and reconciliation cursors. WAL mode, so the API and the
 * worker processes on one host can share the file.
 */
export class EngineStore {
  readonly db: SqliteDb;

  constructor(file: string) {
    this.db = new SqliteDb(file);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS audit (
        seq INTEGER PRIMARY KEY,
        entry TEXT NOT NULL,
        hash TEXT NOT NULL,
        idempotency_key TEXT UNIQUE
      );
      CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
      CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
      CREATE TABLE IF NOT EXISTS dead_letters (
        id INTEGER PRIMARY KEY,
        received_at TEXT NOT NULL,
        source TEXT NOT NULL,
        reason TEXT NOT NULL,
        issues TEXT NOT NULL,
        headers TEXT NOT NULL,
        body BLOB NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        replayed_at TEXT,
        replay_result TEXT
      );
      CREATE INDEX IF NOT EXISTS dead_letters_by_source ON dead_letters (source, id);
      CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS documents (
        workflow_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        ticket TEXT,
        created_at TEXT NOT NULL,
        outcome TEXT,
        work_note TEXT NOT NULL,
        kb_draft TEXT,
        json TEXT NOT NULL,
        PRIMARY KEY (workflow_id, run_id)
      );
      CREATE INDEX IF NOT EXISTS documents_by_ticket ON documents (ticket);
      CREATE TABLE IF NOT EXISTS self_service_starts (caller TEXT NOT NULL, automation TEXT NOT NULL, at TEXT NOT NULL, workflow_id TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS self_service_starts_by_caller ON self_service_starts (caller, automation, at);
      CREATE TABLE IF NOT EXISTS self_service_claims (caller TEXT NOT NULL, automation TEXT NOT NULL, token TEXT NOT NULL, claimed_at TEXT NOT NULL, PRIMARY KEY (caller, automation));
      CREATE TABLE IF NOT EXISTS effects (key TEXT PRIMARY KEY, result TEXT NOT NULL, at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sensitive_values (token TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, value TEXT NOT NULL, created_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS sensitive_values_by_workflow ON sensitive_values (workflow_id);
    `);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Appends an entry chained to the last one. With an idempotency key (an activity's, stable
   * across retries), a second append of the same key is a no-op that returns the first.
   */
  appendAudit(input: AuditEntryInput, idempotencyKey?: string): StoredAuditEntry {
    const entry = AuditEntry.parse(input);
    return this.db.immediate((): StoredAuditEntry => {
      if (idempotencyKey) {
        const existing = this.db.prepare('SELECT seq, entry, hash FROM audit WHERE idempotency_key = ?').get(idempotencyKey) as
          | { seq: number; entry: string; hash: string }
          | undefined;
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

  auditEntries(filter: { subject?: string; kind?: string } = {}): StoredAuditEntry[] {
    const rows = this.db.prepare('SELECT seq, entry, hash FROM audit ORDER BY seq').all() as Array<{ seq: number; entry: string; hash: string }>;
    return rows
      .map((r) => ({ seq: r.seq, entry: JSON.parse(r.entry) as AuditRecord, hash: r.hash }))
      .filter((r) => (!filter.subject || r.entry.subject === filter.subject) && (!filter.kind || r.entry.kind === filter.kind));
  }

  /**
   * Effects that must not happen twice (a password reset and its mail), by the activity's
   * idempotency key: a retry after the effect finds its result here and does nothing again.
   */
  effectResult<T>(key: string): T | null {
    const row = this.db.prepare('SELECT result FROM effects WHERE key = ?').get(key) as { result: string } | undefined;
    return row ? (JSON.parse(row.result) as T) : null;
  }

  recordEffect(key: string, result: unknown): void {
    this.db.prepare('INSERT OR IGNORE INTO effects (key, result, at) VALUES (?, ?, ?)').run(key, JSON.stringify(result), new Date().toISOString());
  }

  /**
   * Keeps a sensitive input of a run (personal data such as a name) out of workflow history: the
   * run gets the returned token, which the worker resolves inside activities (sensitiveInterceptors).
   */
  keepSensitive(workflowId: string, value: string): string {
    const token = `${SENSITIVE_PREFIX}${randomUUID()}`;
    this.db
      .prepare('INSERT INTO sensitive_values (token, workflow_id, value, created_at) VALUES (?, ?, ?, ?)')
      .run(token, workflowId, value, new Date().toISOString());
    return token;
  }

  sensitiveValue(token: string): string | null {
    return (this.db.prepare('SELECT value FROM sensitive_values WHERE token = ?').get(token) as { value: string } | undefined)?.value ?? null;
  }

  /** Forgets a run's sensitive inputs (when its record is filed); returns how many there were. */
  forgetSensitive(workflowId: string): number {
    return this.db.prepare('DELETE FROM sensitive_values WHERE workflow_id = ?').run(workflowId).changes;
  }

  /**
   * What the activity audit log holds about the activity executions of one workflow run (see
   * auditInterceptors): attempts and redacted arguments by activity id.
   */
  actionExecutions(workflowId: string, runId: string): ExecutionFacts[] {
    const prefix = actionAuditPrefix(workflowId, runId);
    const rows = this.db
      .prepare('SELECT entry FROM audit WHERE idempotency_key >= ? AND idempotency_key < ? ORDER BY seq')
      .all(prefix, `${prefix}\uffff`) as Array<{ entry: string }>;
    return rows.flatMap((row) => {
      const details = (JSON.parse(row.entry) as AuditRecord).details as { activityId?: unknown; attempts?: unknown; parameters?: unknown };
      if (typeof details.activityId !== 'string' || typeof details.attempts !== 'number') return [];
      const parameters =
        details.parameters && typeof details.parameters === 'object' && !Array.isArray(details.parameters)
          ? (details.parameters as Record<string, unknown>)
          : { value: details.parameters };
      return [{ activityId: details.activityId, attempts: details.attempts, parameters }];
    });
  }

  addDeadLetter(d: {
    source: TicketSource;
    reason: string;
    issues: DeadLetter['issues'];
    headers: Record<string, string>;
    body: Buffer;
    receivedAt: Date;
  }): number {
    const info = this.db
      .prepare('INSERT INTO dead_letters (received_at, source, reason, issues, headers, body) VALUES (?, ?, ?, ?, ?, ?)')
      .run(d.receivedAt.toISOString(), d.source, d.reason, JSON.stringify(d.issues), JSON.stringify(d.headers), d.body);
    return Number(info.lastInsertRowid);
  }

  /** Removes `source`'s dead letters received before `olderThan`, and all but its newest `keep`. */
  pruneDeadLetters(source: string, olderThan: Date, keep: number): number {
    // The id at position `keep` from the newest: it and everything older goes (none when fewer).
    const info = this.db
      .prepare(
        'DELETE FROM dead_letters WHERE source = ? AND (received_at < ? OR id <= (SELECT id FROM dead_letters WHERE source = ? ORDER BY id DESC LIMIT 1 OFFSET ?))',
      )
      .run(source, olderThan.toISOString(), source, keep);
    return Number(info.changes);
  }

  deadLetters(status?: DeadLetterStatus): DeadLetter[] {
    const rows = (
      status
        ? this.db.prepare('SELECT * FROM dead_letters WHERE status = ? ORDER BY id').all(status)
        : this.db.prepare('SELECT * FROM dead_letters ORDER BY id').all()
    ) as DeadLetterRow[];
    return rows.map(fromRow);
  }

  deadLetter(id: number): DeadLetter | null {
    const row = this.db.prepare('SELECT * FROM dead_letters WHERE id = ?').get(id) as DeadLetterRow | undefined;
    return row ? fromRow(row) : null;
  }

  setDeadLetterStatus(id: number, status: Exclude<DeadLetterStatus, 'open'>, result: string, at: Date): void {
    this.db.prepare('UPDATE dead_letters SET status = ?, replayed_at = ?, replay_result = ? WHERE id = ?').run(status, at.toISOString(), result, id);
  }

  /** Files a run's resolution documents; filing the same run again (a retried activity) replaces them. */
  saveDocuments(d: StoredDocuments): void {
    this.db
      .prepare('INSERT OR REPLACE INTO documents (workflow_id, run_id, ticket, created_at, outcome, work_note, kb_draft, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(d.workflowId, d.runId, d.ticket, d.createdAt, d.outcome, d.workNote, d.kbDraft, JSON.stringify(d.json));
  }

  /** Documents of a ticket (`jira:ITSM-42`) or of a workflow id, newest first. */
  documents(ticketOrWorkflow: string): StoredDocuments[] {
    const rows = this.db
      .prepare('SELECT * FROM documents WHERE ticket = ? OR workflow_id = ? ORDER BY created_at DESC')
      .all(ticketOrWorkflow, ticketOrWorkflow) as Array<Record<string, string | null>>;
    return rows.map((r) => ({
      workflowId: r.workflow_id as string,
      runId: r.run_id as string,
      ticket: r.ticket ?? null,
      createdAt: r.created_at as string,
      outcome: r.outcome ?? null,
      workNote: r.work_note as string,
      kbDraft: r.kb_draft ?? null,
      json: JSON.parse(r.json as string) as Record<string, unknown>,
    }));
  }

  /** A self-service run was started (for per-user rate limits). */
  recordSelfServiceStart(caller: string, automation: string, at: Date, workflowId: string): void {
    this.db
      .prepare('INSERT INTO self_service_starts (caller, automation, at, workflow_id) VALUES (?, ?, ?, ?)')
      .run(caller, automation, at.toISOString(), workflowId);
  }

  /**
   * Takes the one-request-at-a-time claim on `caller`'s `automation`: a token to release it with, or
   * null while another request (in any process on this database) holds it. A claim older than
   * `staleAfterMs` is one whose process died and is taken over.
   */
  claimSelfService(caller: string, automation: string, at: Date, staleAfterMs: number): string | null {
    const token = randomUUID();
    const info = this.db
      .prepare(
        'INSERT INTO self_service_claims (caller, automation, token, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT (caller, automation) DO UPDATE SET token = excluded.token, claimed_at = excluded.claimed_at WHERE claimed_at < ?',
      )
      .run(caller, automation, token, at.toISOString(), new Date(at.getTime() - staleAfterMs).toISOString());
    return Number(info.changes) === 1 ? token : null;
  }

  /** Gives the claim back, if `token` still holds it. */
  releaseSelfService(caller: string, automation: string, token: string): void {
    this.db.prepare('DELETE FROM self_service_claims WHERE caller = ? AND automation = ? AND token = ?').run(caller, automation, token);
  }

  /** Start times of `caller`'s runs of `automation` since `since`, oldest first. */
  selfServiceStarts(caller: string, automation: string, since: Date): string[] {
    const rows = this.db
      .prepare('SELECT at FROM self_service_starts WHERE caller = ? AND automation = ? AND at >= ? ORDER BY at')
      .all(caller, automation, since.toISOString()) as Array<{ at: string }>;
    return rows.map((r) => r.at);
  }

  cursor(name: string): string | null {
    const row = this.db.prepare('SELECT value FROM cursors WHERE name = ?').get(name) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setCursor(name: string, value: string): void {
    this.db.prepare('INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run(name, value);
  }
}

interface DeadLetterRow {
  id: number;
  received_at: string;
  source: TicketSource;
  reason: string;
  issues: string;
  headers: string;
  body: Buffer;
  status: DeadLetterStatus;
  replayed_at: string | null;
  replay_result: string | null;
}

function fromRow(r: DeadLetterRow): DeadLetter {
  return {
    id: r.id,
    receivedAt: r.received_at,
    source: r.source,
    reason: r.reason,
    issues: JSON.parse(r.issues),
    headers: JSON.parse(r.headers),
    body: r.body,
    status: r.status,
    replayedAt: r.replayed_at,
    replayResult: r.replay_result,
  };
}
