import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';

/**
 * The SQLite connection the engine's records use. libsql, because its native binary ships inside
 * npm packages (@libsql/<platform>): `npm ci` needs no compiler, no Node headers and no host other
 * than the registry. This file hides the few places where libsql differs from better-sqlite3, whose
 * API it otherwise keeps: rows carry an enumerable `_metadata` timing field, `all` and `iterate`
 * return BLOBs as ArrayBuffer where `get` returns a Buffer, and a lone object argument (a Buffer
 * too) is taken as named parameters.
 */
export type SqlValue = string | number | bigint | Buffer | null;
export type NamedParams = Record<string, SqlValue>;
export type Row = Record<string, unknown>;

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export class Statement {
  constructor(private readonly stmt: Database.Statement) {}

  run(...params: SqlValue[] | [NamedParams]): RunResult {
    return this.stmt.run(bind(params)) as RunResult;
  }

  get<T = Row>(...params: SqlValue[] | [NamedParams]): T | undefined {
    const row = this.stmt.get(bind(params)) as Row | undefined;
    return row === undefined ? undefined : (plain(row) as T);
  }

  all<T = Row>(...params: SqlValue[] | [NamedParams]): T[] {
    return (this.stmt.all(bind(params)) as Row[]).map((row) => plain(row) as T);
  }

  *iterate<T = Row>(...params: SqlValue[] | [NamedParams]): IterableIterator<T> {
    for (const row of this.stmt.iterate(bind(params)) as IterableIterator<Row>) yield plain(row) as T;
  }
}

export class SqliteDb {
  private readonly raw: Database.Database;
  private readonly statements = new Map<string, Statement>();

  /**
   * WAL so the API and worker processes of one host share the file; synchronous NORMAL is what the
   * engine always ran with (better-sqlite3's build default), now stated: in WAL it loses at most the
   * last commits on power loss, never the file, and is four times faster than FULL per append.
   */
  constructor(file: string) {
    if (file !== ':memory:') createPrivately(file);
    this.raw = new Database(file);
    this.raw.exec('PRAGMA journal_mode = WAL');
    this.raw.exec('PRAGMA synchronous = NORMAL');
    this.raw.exec('PRAGMA busy_timeout = 5000');
  }

  /** A prepared statement, compiled once per connection and SQL text. */
  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = new Statement(this.raw.prepare(sql));
      this.statements.set(sql, statement);
    }
    return statement;
  }

  exec(sql: string): void {
    this.raw.exec(sql);
  }

  /** Runs `fn` in a BEGIN IMMEDIATE transaction: writers queue at the start, not at the first write. */
  immediate<T>(fn: () => T): T {
    return this.raw.transaction(fn).immediate();
  }

  close(): void {
    this.statements.clear();
    this.raw.close();
  }
}

/** The records hold personal data: folder 0700, file 0600 (SQLite gives its -wal and -shm files the file's mode). */
function createPrivately(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
}

function bind(params: SqlValue[] | [NamedParams]): SqlValue[] | NamedParams {
  const [first] = params;
  const named = params.length === 1 && first !== null && typeof first === 'object' && !Buffer.isBuffer(first);
  return named ? (first as NamedParams) : (params as SqlValue[]);
}

function plain(row: Row): Row {
  const out: Row = {};
  for (const [column, value] of Object.entries(row)) {
    if (column === '_metadata') continue;
    out[column] = value instanceof ArrayBuffer ? Buffer.from(value) : value;
  }
  return out;
}
