import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDb } from '../../../../src/activities/records/sqlite.js';

let dir: string;
let db: SqliteDb;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'itse-sqlite-'));
  db = new SqliteDb(join(dir, 'x.db'));
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, body BLOB)');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteDb', () => {
  it('opens the file in WAL with synchronous NORMAL and a busy timeout', () => {
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 });
    expect(db.prepare('PRAGMA busy_timeout').get()).toEqual({ timeout: 5000 });
  });

  it('creates its folder and files readable by the engine alone', () => {
    const nested = join(dir, 'data', 'engine.db');
    const other = new SqliteDb(nested);
    try {
      other.exec('CREATE TABLE x (a)');
      expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
      for (const f of [nested, `${nested}-wal`, `${nested}-shm`]) expect(statSync(f).mode & 0o777, f).toBe(0o600);
    } finally {
      other.close();
    }
  });

  it('returns rows with only their columns, BLOBs as Buffers from get, all and iterate alike', () => {
    db.prepare('INSERT INTO t (name, body) VALUES (?, ?)').run('a', Buffer.from('bytes'));
    const one = db.prepare('SELECT name, body FROM t').get<{ name: string; body: Buffer }>();
    const all = db.prepare('SELECT name, body FROM t').all<{ name: string; body: Buffer }>();
    const iterated = [...db.prepare('SELECT name, body FROM t').iterate<{ name: string; body: Buffer }>()];
    for (const row of [one, all[0], iterated[0]]) {
      expect(Object.keys(row!)).toEqual(['name', 'body']);
      expect(Buffer.isBuffer(row!.body)).toBe(true);
      expect(row!.body.toString()).toBe('bytes');
    }
  });

  it('takes a lone Buffer as a positional value and a plain object as named parameters', () => {
    db.exec('CREATE TABLE b (body BLOB)');
    db.prepare('INSERT INTO b (body) VALUES (?)').run(Buffer.from([1, 2, 3]));
    expect(db.prepare('SELECT length(body) AS n FROM b').get()).toEqual({ n: 3 });
    db.prepare('INSERT INTO t (name) VALUES (@name)').run({ name: 'named' });
    expect(db.prepare('SELECT name FROM t WHERE name = @name').all({ name: 'named' })).toEqual([{ name: 'named' }]);
    expect(db.prepare('SELECT name FROM t WHERE name = ?').get('nobody')).toBeUndefined();
  });

  it('reports changes and the new row id', () => {
    const info = db.prepare('INSERT INTO t (name) VALUES (?)').run('x');
    expect(info.changes).toBe(1);
    expect(Number(info.lastInsertRowid)).toBe(1);
  });

  it('commits an immediate transaction, and rolls it back whole when it throws', () => {
    expect(db.immediate(() => db.prepare('INSERT INTO t (name) VALUES (?)').run('kept').changes)).toBe(1);
    expect(() =>
      db.immediate(() => {
        db.prepare('INSERT INTO t (name) VALUES (?)').run('lost');
        throw new Error('midway');
      }),
    ).toThrow('midway');
    expect(db.prepare('SELECT name FROM t ORDER BY id').all()).toEqual([{ name: 'kept' }]);
  });

  it('prepares a statement once per SQL text', () => {
    expect(db.prepare('SELECT 1 AS one')).toBe(db.prepare('SELECT 1 AS one'));
    expect(db.prepare('SELECT 1 AS one')).not.toBe(db.prepare('SELECT 2 AS two'));
  });
});
