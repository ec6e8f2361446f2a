import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { actionAuditPrefix } from '../../domain/actions/identity.js';
import { AuditEntry, canonicalJson, chainHash, GENESIS_HASH, type AuditEntryInput, type AuditRecord } from '../../domain/records/audit.js';
import type { AuditRow } from '../../domain/records/auditVerify.js';
import type { ExecutionFacts } from '../../domain/records/resolution.js';
import { executionFacts } from './auditQueries.js';
import { type DeadLetterRow, deadLetterOf, documentsOf } from './rows.js';
import { migratePostgres } from './migrations/postgres/index.js';
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

/**
 * The transaction advisory lock every audit append takes, on every host: it orders the writers of
 * the one chain ('itse' + 'audt' in ASCII; the migration lock is another constant).
 */
export const AUDIT_LOCK = 0x69747365_61756474n;

/** Rows per page when streaming audit matches: bounded memory, and no connection held between pages. */
const MATCH_PAGE = 1000;
/** At most this many queued appends go into one transaction. */
const MAX_BATCH = 500;

export interface PostgresStoreOptions {
  /** Connections this process keeps to the database. */
  poolSize: number;
  /**
   * Appends that arrive while one is being written go together into the next transaction (one
   * lock, one round of queries, one commit), each with its own seq, hash and idempotency check, in
   * arrival order. On by default; off, every append is its own transaction (kept to measure).
   */
  batchAppends?: boolean;
}

interface PendingAppend {
  entry: AuditRecord;
  json: string;
  key: string | null;
  resolve(stored: StoredAuditEntry): void;
  reject(error: unknown): void;
}

/**
 * The engine store in PostgreSQL, shared by every host of a deployment. One audit chain whatever
 * the number of writers: an append takes AUDIT_LOCK (pg_advisory_xact_lock), reads the head, and
 * inserts the next seq with `chainHash` computed here exactly as the SQLite store does, so
 * `verifyChain` covers every writer. The idempotency key is looked up under the same lock (and is
 * UNIQUE), so a retried append on any host returns the first. The schema and its triggers are in
 * migrations/postgres/, applied by `open`.
 */
export class PostgresEngineStore implements EngineStore {
  readonly backend = 'postgres';
  private readonly pending: PendingAppend[] = [];
  private draining: Promise<void> | null = null;

  private constructor(
    readonly pool: pg.Pool,
    private readonly batchAppends: boolean,
  ) {}

  /** Connects, applies the pending schema migrations (one host at a time), and returns the ready store. */
  static async open(url: string, options: PostgresStoreOptions): Promise<PostgresEngineStore> {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize });
    // An idle connection the server drops emits 'error' on the pool; unhandled, that would end the
    // process. The next query reports the outage to its caller instead.
    pool.on('error', () => undefined);
    try {
      await migratePostgres(pool);
    } catch (e) {
      await pool.end();
      throw e;
    }
    return new PostgresEngineStore(pool, options.batchAppends ?? true);
  }

  async close(): Promise<void> {
    await this.draining;
    await this.pool.end();
  }

  async appendAudit(input: AuditEntryInput, idempotencyKey?: string): Promise<StoredAuditEntry> {
    const entry = AuditEntry.parse(input);
    const append = (resolve: PendingAppend['resolve'], reject: PendingAppend['reject']): PendingAppend => ({
      entry,
      json: canonicalJson(entry),
      key: idempotencyKey ?? null,
      resolve,
      reject,
    });
    if (!this.batchAppends) {
      return new Promise((resolve, reject) => {
        const one = append(resolve, reject);
        this.appendBatch([one]).then(([stored]) => resolve(stored!), reject);
      });
    }
    return new Promise((resolve, reject) => {
      this.pending.push(append(resolve, reject));
      this.draining ??= this.drain();
    });
  }

  /** Writes the queued appends, a batch per transaction, until none is left. */
  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        try {
          const stored = await this.appendBatch(batch);
          batch.forEach((p, i) => p.resolve(stored[i]!));
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          // One bad entry must not fail the others: each again on its own.
          for (const p of batch) {
            try {
              p.resolve((await this.appendBatch([p]))[0]!);
            } catch (own) {
              p.reject(own);
            }
          }
        }
      }
    } finally {
      this.draining = null;
    }
  }

  /**
   * One transaction under AUDIT_LOCK: the batch's entries in order, each chained to the one before.
   * Two round trips, the lock held for little more than one: (1) begin, lock, read the head and the
   * batch's keys already written; (2) insert and commit. Both are simple-protocol multi-statement
   * queries (which take no parameters), so the values are quoted with pg's escapeLiteral.
   */
  private async appendBatch(batch: PendingAppend[]): Promise<StoredAuditEntry[]> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const keys = [...new Set(batch.flatMap((p) => (p.key === null ? [] : [p.key])))];
      const read = [`BEGIN; SELECT pg_advisory_xact_lock(${AUDIT_LOCK}); SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`];
      if (keys.length > 0) read.push(`SELECT seq, entry, hash, idempotency_key FROM audit WHERE idempotency_key IN (${keys.map(pg.escapeLiteral).join(', ')})`);
      const results = (await client.query(read.join('; '))) as unknown as Array<pg.QueryResult<Record<string, string>>>;
      const head = results[2]?.rows[0];
      const byKey = new Map<string, StoredAuditEntry>();
      for (const r of results[3]?.rows ?? []) {
        byKey.set(r.idempotency_key!, { seq: Number(r.seq), entry: JSON.parse(r.entry!) as AuditRecord, hash: r.hash! });
      }
      let seq = head ? Number(head.seq) : 0;
      let previous = head?.hash ?? GENESIS_HASH;
      const stored: StoredAuditEntry[] = [];
      const values: string[] = [];
      for (const p of batch) {
        const first = p.key === null ? undefined : byKey.get(p.key);
        if (first) {
          stored.push(first);
          continue;
        }
        seq += 1;
        previous = chainHash(previous, seq, p.json);
        const written = { seq, entry: p.entry, hash: previous };
        stored.push(written);
        if (p.key !== null) byKey.set(p.key, written);
        values.push(`(${seq}, ${pg.escapeLiteral(p.json)}, '${previous}', ${p.key === null ? 'NULL' : pg.escapeLiteral(p.key)})`);
      }
      await client.query(values.length > 0 ? `INSERT INTO audit (seq, entry, hash, idempotency_key) VALUES ${values.join(', ')}; COMMIT` : 'COMMIT');
      return stored;
    } catch (error) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async auditEntries(filter: { subject?: string; kind?: string } = {}): Promise<StoredAuditEntry[]> {
    const { rows } = await this.pool.query<{ seq: string; entry: string; hash: string }>(
      `SELECT seq, entry, hash FROM audit WHERE ($1::text IS NULL OR doc->>'subject' = $1) AND ($2::text IS NULL OR doc->>'kind' = $2) ORDER BY seq`,
      [filter.subject || null, filter.kind || null],
    );
    return rows.map((r) => ({ seq: Number(r.seq), entry: JSON.parse(r.entry) as AuditRecord, hash: r.hash }));
  }

  async auditRows(): Promise<AuditRow[]> {
    const { rows } = await this.pool.query<{ seq: string; entry: string; hash: string }>('SELECT seq, entry, hash FROM audit ORDER BY seq');
    return rows.map(auditRow);
  }

  async *auditMatches(filter: Omit<AuditFilter, 'limit'>): AsyncIterable<AuditRow> {
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    // The same filters as the SQLite store's, on `doc` (NULL for a row that is not JSON, so such a
    // row matches no filter and aborts nothing).
    const where: string[] = [];
    if (filter.ticket !== undefined) {
      const p = param(filter.ticket);
      where.push(`(doc->>'subject' = ${p} OR doc->'details'->>'ticket' = ${p})`);
    }
    if (filter.user !== undefined) where.push(`doc->>'actor' = ${param(filter.user)}`);
    if (filter.action !== undefined) {
      const p = param(filter.action);
      where.push(`(doc->>'kind' = ${p} OR doc->'details'->>'action' = ${p})`);
    }
    if (filter.from !== undefined) where.push(`engine_try_instant(doc->>'at') >= ${param(filter.from)}::timestamptz`);
    if (filter.to !== undefined) where.push(`engine_try_instant(doc->>'at') < ${param(filter.to)}::timestamptz`);
    const after = `$${values.length + 1}`;
    const sql = `SELECT seq, entry, hash FROM audit WHERE seq > ${after}${where.map((w) => ` AND ${w}`).join('')} ORDER BY seq LIMIT ${MATCH_PAGE}`;
    // Keyset pages: each a query of its own, so no connection waits on the caller between pages.
    let last = 0;
    for (;;) {
      const { rows } = await this.pool.query<{ seq: string; entry: string; hash: string }>(sql, [...values, last]);
      for (const row of rows) yield auditRow(row);
      if (rows.length < MATCH_PAGE) return;
      last = Number(rows.at(-1)!.seq);
    }
  }

  async actionExecutions(workflowId: string, runId: string): Promise<ExecutionFacts[]> {
    const prefix = actionAuditPrefix(workflowId, runId);
    // idempotency_key is COLLATE "C": the run's keys are one bytewise range, as in SQLite.
    const { rows } = await this.pool.query<{ entry: string }>('SELECT entry FROM audit WHERE idempotency_key >= $1 AND idempotency_key < $2 ORDER BY seq', [
      prefix,
      `${prefix}\uffff`,
    ]);
    return executionFacts(rows.map((r) => r.entry));
  }

  async effectResult<T>(key: string): Promise<T | null> {
    const { rows } = await this.pool.query<{ result: string }>('SELECT result FROM effects WHERE key = $1', [key]);
    return rows[0] ? (JSON.parse(rows[0].result) as T) : null;
  }

  async recordEffect(key: string, result: unknown): Promise<void> {
    await this.pool.query('INSERT INTO effects (key, result, at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING', [
      key,
      JSON.stringify(result),
      new Date().toISOString(),
    ]);
  }

  async keepSensitive(workflowId: string, value: string): Promise<string> {
    const token = `${SENSITIVE_PREFIX}${randomUUID()}`;
    await this.pool.query('INSERT INTO sensitive_values (token, workflow_id, value, created_at) VALUES ($1, $2, $3, $4)', [
      token,
      workflowId,
      value,
      new Date().toISOString(),
    ]);
    return token;
  }

  async sensitiveValue(token: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM sensitive_values WHERE token = $1', [token]);
    return rows[0]?.value ?? null;
  }

  async forgetSensitive(workflowId: string): Promise<number> {
    return (await this.pool.query('DELETE FROM sensitive_values WHERE workflow_id = $1', [workflowId])).rowCount ?? 0;
  }

  async sensitiveCount(workflowId?: string): Promise<number> {
    const { rows } =
      workflowId === undefined
        ? await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM sensitive_values')
        : await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM sensitive_values WHERE workflow_id = $1', [workflowId]);
    return Number(rows[0]!.n);
  }

  async addDeadLetter(d: NewDeadLetter): Promise<number> {
    const { rows } = await this.pool.query<{ id: string }>(
      'INSERT INTO dead_letters (received_at, source, reason, issues, headers, body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
      [d.receivedAt.toISOString(), d.source, d.reason, JSON.stringify(d.issues), JSON.stringify(d.headers), d.body],
    );
    return Number(rows[0]!.id);
  }

  async pruneDeadLetters(source: string, olderThan: Date, keep: number): Promise<number> {
    // The id at position `keep` from the newest: it and everything older goes (none when fewer).
    const result = await this.pool.query(
      'DELETE FROM dead_letters WHERE source = $1 AND (received_at < $2 OR id <= (SELECT id FROM dead_letters WHERE source = $1 ORDER BY id DESC LIMIT 1 OFFSET $3))',
      [source, olderThan.toISOString(), keep],
    );
    return result.rowCount ?? 0;
  }

  async deadLetters(status?: DeadLetterStatus): Promise<DeadLetter[]> {
    const { rows } = status
      ? await this.pool.query<DeadLetterRow>('SELECT * FROM dead_letters WHERE status = $1 ORDER BY id', [status])
      : await this.pool.query<DeadLetterRow>('SELECT * FROM dead_letters ORDER BY id');
    return rows.map(deadLetterOf);
  }

  async deadLetter(id: number): Promise<DeadLetter | null> {
    const { rows } = await this.pool.query<DeadLetterRow>('SELECT * FROM dead_letters WHERE id = $1', [id]);
    return rows[0] ? deadLetterOf(rows[0]) : null;
  }

  async setDeadLetterStatus(id: number, status: Exclude<DeadLetterStatus, 'open'>, result: string, at: Date): Promise<void> {
    await this.pool.query('UPDATE dead_letters SET status = $1, replayed_at = $2, replay_result = $3 WHERE id = $4', [status, at.toISOString(), result, id]);
  }

  async saveDocuments(d: StoredDocuments): Promise<void> {
    await this.pool.query(
      `INSERT INTO documents (workflow_id, run_id, ticket, created_at, outcome, work_note, kb_draft, json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (workflow_id, run_id) DO UPDATE SET ticket = excluded.ticket, created_at = excluded.created_at, outcome = excluded.outcome,
         work_note = excluded.work_note, kb_draft = excluded.kb_draft, json = excluded.json`,
      [d.workflowId, d.runId, d.ticket, d.createdAt, d.outcome, d.workNote, d.kbDraft, JSON.stringify(d.json)],
    );
  }

  async documents(ticketOrWorkflow: string): Promise<StoredDocuments[]> {
    const { rows } = await this.pool.query<Record<string, string | null>>(
      'SELECT * FROM documents WHERE ticket = $1 OR workflow_id = $1 ORDER BY created_at DESC',
      [ticketOrWorkflow],
    );
    return rows.map(documentsOf);
  }

  async recordSelfServiceStart(caller: string, automation: string, at: Date, workflowId: string): Promise<void> {
    await this.pool.query('INSERT INTO self_service_starts (caller, automation, at, workflow_id) VALUES ($1, $2, $3, $4)', [
      caller,
      automation,
      at.toISOString(),
      workflowId,
    ]);
  }

  async claimSelfService(caller: string, automation: string, at: Date, staleAfterMs: number): Promise<string | null> {
    const token = randomUUID();
    // A concurrent claim of the same pair waits on the primary key, then sees the winner's fresh
    // claim in the WHERE and changes nothing: exactly one of them gets a row.
    const result = await this.pool.query(
      `INSERT INTO self_service_claims (caller, automation, token, claimed_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (caller, automation) DO UPDATE SET token = excluded.token, claimed_at = excluded.claimed_at WHERE self_service_claims.claimed_at < $5`,
      [caller, automation, token, at.toISOString(), new Date(at.getTime() - staleAfterMs).toISOString()],
    );
    return result.rowCount === 1 ? token : null;
  }

  async releaseSelfService(caller: string, automation: string, token: string): Promise<void> {
    await this.pool.query('DELETE FROM self_service_claims WHERE caller = $1 AND automation = $2 AND token = $3', [caller, automation, token]);
  }

  async selfServiceStarts(caller: string, automation: string, since: Date): Promise<string[]> {
    const { rows } = await this.pool.query<{ at: string }>(
      'SELECT at FROM self_service_starts WHERE caller = $1 AND automation = $2 AND at >= $3 ORDER BY at',
      [caller, automation, since.toISOString()],
    );
    return rows.map((r) => r.at);
  }

  async cursor(name: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM cursors WHERE name = $1', [name]);
    return rows[0]?.value ?? null;
  }

  async setCursor(name: string, value: string): Promise<void> {
    await this.pool.query('INSERT INTO cursors (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [name, value]);
  }
}

const auditRow = (r: { seq: string; entry: string; hash: string }): AuditRow => ({ seq: Number(r.seq), entry: r.entry, hash: r.hash });
