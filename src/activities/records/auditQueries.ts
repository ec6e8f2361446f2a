import { AuditEntry, type AuditRecord } from '../../domain/records/audit.js';
import type { AuditRow } from '../../domain/records/auditVerify.js';
import type { EngineStore } from './store.js';

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

export interface AuditMatch {
  seq: number;
  entry: AuditRecord;
  hash: string;
}

/** Every row of the audit log exactly as stored, in seq order: the input of `verifyChain`. */
export function readAuditRows(store: EngineStore): AuditRow[] {
  return store.db.prepare('SELECT seq, entry, hash FROM audit ORDER BY seq').all() as AuditRow[];
}

/** Entries matching `filter`, in seq order. */
export function queryAudit(store: EngineStore, filter: AuditFilter = {}): AuditMatch[] {
  return [...matches(store, filter)];
}

/**
 * Streams the matching entries as JSON lines, `{"seq":…,"hash":…,…entry}` (no trailing newline:
 * `write` adds its own), and returns how many were written. The database connection is busy while
 * this runs, so `write` must not use the same store.
 */
export function exportJsonLines(store: EngineStore, filter: AuditFilter, write: (line: string) => void): number {
  let count = 0;
  for (const { seq, hash, entry } of matches(store, filter)) {
    write(JSON.stringify({ seq, hash, ...entry }));
    count++;
  }
  return count;
}

/** A field of the entry, or NULL for a row that is not JSON (json_extract would abort the whole query). */
const field = (path: string) => `(CASE WHEN json_valid(entry) THEN json_extract(entry, '${path}') END)`;
/** Normalises an ISO instant to `YYYY-MM-DDTHH:MM:SS.SSSZ`, so `…:00Z` and `…:00.000Z` compare equal. */
const instant = (sql: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${sql})`;

/**
 * The filters run in SQL on the stored JSON; the limit is applied here, while iterating, because a
 * row that is not a valid entry (possible only through tampering, and reported by `verifyChain`)
 * is skipped and must not count.
 */
function* matches(store: EngineStore, filter: AuditFilter): Generator<AuditMatch> {
  const { limit } = filter;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  if (limit === 0) return;
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
    params.from = isoInstant(filter.from, 'from');
  }
  if (filter.to !== undefined) {
    where.push(`${instant(field('$.at'))} < @to`);
    params.to = isoInstant(filter.to, 'to');
  }
  const sql = `SELECT seq, entry, hash FROM audit${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
  let yielded = 0;
  for (const row of store.db.prepare(sql).iterate(params) as IterableIterator<AuditRow>) {
    const entry = parseEntry(row.entry);
    if (!entry) continue;
    yield { seq: row.seq, entry, hash: row.hash };
    if (++yielded === limit) return;
  }
}

function isoInstant(value: string, name: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new RangeError(`${name} is not a date or date-time: ${value}`);
  return new Date(time).toISOString();
}

function parseEntry(text: string): AuditRecord | null {
  try {
    const parsed = AuditEntry.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
