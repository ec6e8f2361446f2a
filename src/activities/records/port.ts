import type { AuditEntryInput, AuditRecord } from '../../domain/records/audit.js';
import type { AuditRow } from '../../domain/records/auditVerify.js';
import type { ExecutionFacts } from '../../domain/records/resolution.js';
import type { TicketSource } from '../../domain/tickets/ticket.js';

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

export interface NewDeadLetter {
  source: TicketSource;
  reason: string;
  issues: DeadLetter['issues'];
  headers: Record<string, string>;
  body: Buffer;
  receivedAt: Date;
}

/** Filters for `queryAudit` and `exportJsonLines`; all given ones must match. */
export interface AuditFilter {
  /** e.g. `jira:ITSM-42`: matches the entry's `subject` or `details.ticket`. */
  ticket?: string;
  /** Matches the entry's `actor` (a directory id, a help desk, `engine`). */
  user?: string;
  /** Matches the entry's `kind` (`permission.decision`, `security`, ...) or `details.action` (`account.unlock`, ...). */
  action?: string;
  /** Entries at or after this instant (any ISO 8601 date or date-time; compared as instants, not strings). */
  from?: string;
  /** Entries strictly before this instant, so consecutive ranges do not overlap. */
  to?: string;
  /** At most this many entries (the oldest matching ones, in seq order). */
  limit?: number;
}

/**
 * The engine's own state, which every host of a deployment must see alike: the hash-chained audit
 * log (one chain, whatever the number of writers), resolution documents, dead letters of refused
 * webhook deliveries, reconciliation cursors, the effects that must happen once (a reset mail),
 * the vault of sensitive inputs, and self-service claims and starts. Two adapters: SQLite (one
 * host, the embedded default) and PostgreSQL (shared by every host of a cluster). The same
 * contract tests run against both (test/integration/store/).
 */
export interface EngineStore {
  /** `sqlite` is one host's file; `postgres` may be shared by any number of hosts. */
  readonly backend: 'sqlite' | 'postgres';

  /**
   * Appends an entry chained to the last one, in one order for all writers. With an idempotency
   * key (an activity's, stable across retries), a second append of the same key is a no-op that
   * returns the first.
   */
  appendAudit(input: AuditEntryInput, idempotencyKey?: string): Promise<StoredAuditEntry>;
  auditEntries(filter?: { subject?: string; kind?: string }): Promise<StoredAuditEntry[]>;
  /** Every row of the audit log exactly as stored, in seq order: the input of `verifyChain`. */
  auditRows(): Promise<AuditRow[]>;
  /**
   * The rows matching `filter` in seq order, as stored (`entry` is the stored text). Rows that are
   * not valid entries are the caller's to skip (see auditQueries.ts), so `filter.limit` is not
   * applied here.
   */
  auditMatches(filter: Omit<AuditFilter, 'limit'>): AsyncIterable<AuditRow>;
  /** Attempts and redacted arguments of a run's activity executions, by activity id (see auditInterceptors). */
  actionExecutions(workflowId: string, runId: string): Promise<ExecutionFacts[]>;

  /**
   * Effects that must not happen twice (a password reset and its mail), by the activity's
   * idempotency key: a retry after the effect, on any host, finds its result and does nothing again.
   */
  effectResult<T>(key: string): Promise<T | null>;
  /** Keeps the first result of `key`; a second record of the same key changes nothing. */
  recordEffect(key: string, result: unknown): Promise<void>;

  /**
   * Keeps a sensitive input of a run (personal data such as a name) out of workflow history: the
   * run gets the returned token, which the worker resolves inside activities (sensitiveInterceptors).
   */
  keepSensitive(workflowId: string, value: string): Promise<string>;
  sensitiveValue(token: string): Promise<string | null>;
  /** Forgets a run's sensitive inputs (when its record is filed); returns how many there were. */
  forgetSensitive(workflowId: string): Promise<number>;
  /** How many sensitive values are kept, for all runs or for one. */
  sensitiveCount(workflowId?: string): Promise<number>;

  addDeadLetter(d: NewDeadLetter): Promise<number>;
  /** Removes `source`'s dead letters received before `olderThan`, and all but its newest `keep`. */
  pruneDeadLetters(source: string, olderThan: Date, keep: number): Promise<number>;
  deadLetters(status?: DeadLetterStatus): Promise<DeadLetter[]>;
  deadLetter(id: number): Promise<DeadLetter | null>;
  setDeadLetterStatus(id: number, status: Exclude<DeadLetterStatus, 'open'>, result: string, at: Date): Promise<void>;

  /** Files a run's resolution documents; filing the same run again (a retried activity) replaces them. */
  saveDocuments(d: StoredDocuments): Promise<void>;
  /** Documents of a ticket (`jira:ITSM-42`) or of a workflow id, newest first. */
  documents(ticketOrWorkflow: string): Promise<StoredDocuments[]>;

  /**
   * Takes the one-request-at-a-time claim on `caller`'s `automation`: a token to release it with, or
   * null while another request (on any host sharing this store) holds it. A claim older than
   * `staleAfterMs` is one whose process died and is taken over.
   */
  claimSelfService(caller: string, automation: string, at: Date, staleAfterMs: number): Promise<string | null>;
  /** Gives the claim back, if `token` still holds it. */
  releaseSelfService(caller: string, automation: string, token: string): Promise<void>;
  /** A self-service run was started (for per-user rate limits). */
  recordSelfServiceStart(caller: string, automation: string, at: Date, workflowId: string): Promise<void>;
  /** Start times of `caller`'s runs of `automation` since `since`, oldest first. */
  selfServiceStarts(caller: string, automation: string, since: Date): Promise<string[]>;

  cursor(name: string): Promise<string | null>;
  setCursor(name: string, value: string): Promise<void>;

  close(): Promise<void>;
}
