import { AuditEntry, type AuditRecord } from '../../domain/records/audit.js';
import type { ExecutionFacts } from '../../domain/records/resolution.js';
import type { AuditFilter, EngineStore } from './port.js';

export type { AuditFilter } from './port.js';

export interface AuditMatch {
  seq: number;
  entry: AuditRecord;
  hash: string;
}

/** Entries matching `filter`, in seq order. */
export async function queryAudit(store: EngineStore, filter: AuditFilter = {}): Promise<AuditMatch[]> {
  const found: AuditMatch[] = [];
  for await (const match of matches(store, filter)) found.push(match);
  return found;
}

/**
 * Streams the matching entries as JSON lines, `{"seq":…,"hash":…,…entry}` (no trailing newline:
 * `write` adds its own), and returns how many were written.
 */
export async function exportJsonLines(store: EngineStore, filter: AuditFilter, write: (line: string) => void): Promise<number> {
  let count = 0;
  for await (const { seq, hash, entry } of matches(store, filter)) {
    write(JSON.stringify({ seq, hash, ...entry }));
    count++;
  }
  return count;
}

/**
 * What the activity audit entries of one run say about its executions (see auditInterceptors):
 * attempts and redacted arguments by activity id. Both store adapters select the entries; this
 * reads them.
 */
export function executionFacts(entries: string[]): ExecutionFacts[] {
  return entries.flatMap((text) => {
    const details = (JSON.parse(text) as AuditRecord).details as { activityId?: unknown; attempts?: unknown; parameters?: unknown };
    if (typeof details.activityId !== 'string' || typeof details.attempts !== 'number') return [];
    const parameters =
      details.parameters && typeof details.parameters === 'object' && !Array.isArray(details.parameters)
        ? (details.parameters as Record<string, unknown>)
        : { value: details.parameters };
    return [{ activityId: details.activityId, attempts: details.attempts, parameters }];
  });
}

/**
 * The filters run in the database on the stored JSON; the limit is applied here, while iterating,
 * because a row that is not a valid entry (possible only through tampering, and reported by
 * `verifyChain`) is skipped and must not count.
 */
async function* matches(store: EngineStore, filter: AuditFilter): AsyncGenerator<AuditMatch> {
  const { limit, ...where } = filter;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  if (where.from !== undefined) where.from = isoInstant(where.from, 'from');
  if (where.to !== undefined) where.to = isoInstant(where.to, 'to');
  if (limit === 0) return;
  let yielded = 0;
  for await (const row of store.auditMatches(where)) {
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
