import { z } from 'zod';
import { AuditEntry, chainHash, GENESIS_HASH } from './audit.js';

/**
 * Verification of the hash-chained audit log (pure: no I/O).
 *
 * Every stored row carries `hash = sha256(previousHash \n seq \n canonicalJson(entry))`, the first
 * one chained to GENESIS_HASH with seq 1. `verifyChain` walks the rows in the order given,
 * recomputes each hash and reports the FIRST row where the chain breaks, with a best guess at what
 * happened there, worded for a compliance officer.
 *
 * How a break is classified (all of it from hashes alone, since the original content is gone):
 * - 'malformed': the row is not valid JSON, not a valid audit entry, or its seq/hash are not
 *   well formed.
 * - 'reordered': rows are not in increasing seq order; or the row genuinely written at this number
 *   sits further down and this row is a genuine row from elsewhere: two rows swapped places
 *   (e.g. their seq values were exchanged), or one row was moved up or down and the rows in
 *   between renumbered.
 * - 'inserted': a sequence number repeats; or the row genuinely written at this number sits
 *   further down and this row is not genuine (forged rows slipped in, the rest renumbered); or this
 *   row chains to an EARLIER row with an earlier number (forged rows with correctly computed
 *   hashes slipped in before it, the rest renumbered).
 * - 'deleted': a sequence number is missing; or the next row chains to this one only with a
 *   larger number than it now has (rows were removed and the rest renumbered to hide the gap).
 * - 'altered': the row's content does not match its hash but the next row still chains to the
 *   stored hash, i.e. the content was edited in place. Anything else that cannot be explained is
 *   also reported as 'altered' at the row where the chain breaks, with a message that says so.
 *
 * Detection limits (what a hash chain can and cannot prove):
 * - The position reported is certain (the chain is intact before it and broken at it); the
 *   classification is the most likely explanation of the evidence, not a proof. Rearrangements
 *   more involved than a swap of two rows or a move of one (several rows moved at once, moves
 *   combined with edits) may be reported as 'inserted' or 'altered' at the right position.
 * - Editing entry k AND recomputing its hash looks exactly like editing entry k+1 in place: both
 *   break the chain at k+1, which is where it is reported (the message says so).
 * - The LAST entry has no successor to confirm its stored hash, so editing it in place and
 *   appending a forged entry with a wrong hash look the same ('altered', message says so).
 * - Anyone with write access to the file who recomputes every hash from the point of tampering
 *   onwards (a full rewrite), or who removes entries from the end, or who appends entries with
 *   correctly computed hashes, produces a chain that verifies. Only a value kept OUTSIDE the
 *   database catches that: publish an `anchor` (entry count and last hash) somewhere the attacker
 *   cannot also rewrite (a ticket, a signed file, a mail to compliance) and check the log with
 *   `verifyAgainstAnchor`. Everything up to the most recent anchor is then protected; entries
 *   written after it are protected only by the chain.
 * - Deletions followed by renumbering are recognised up to RENUMBER_SEARCH_LIMIT removed entries;
 *   beyond that they are reported as 'altered' at the first renumbered row.
 */

export interface AuditRow {
  seq: number;
  /** The entry exactly as stored (canonical JSON). */
  entry: string;
  hash: string;
}

export type AuditProblem = 'altered' | 'inserted' | 'deleted' | 'reordered' | 'malformed';

export type VerifyResult =
  | { ok: true; entries: number; lastHash: string }
  | { ok: false; entries: number; firstBad: { seq: number; problem: AuditProblem; message: string } };

/** How many removed-then-renumbered entries `verifyChain` looks for before giving up. */
export const RENUMBER_SEARCH_LIMIT = 10_000;

const HASH = /^[0-9a-f]{64}$/;

/**
 * Walks `rows` in the given order (read them ordered by seq) and reports the first broken one.
 * `entries` is the number of rows given; `lastHash` the hash to publish in an anchor.
 */
export function verifyChain(rows: ReadonlyArray<AuditRow>): VerifyResult {
  const bad = (seq: number, problem: AuditProblem, message: string): VerifyResult => ({ ok: false, entries: rows.length, firstBad: { seq, problem, message } });
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const expected = i + 1;
    const malformed = malformation(row, expected);
    if (malformed) return bad(malformed.seq, 'malformed', malformed.message);
    if (row.seq < expected) {
      return bad(row.seq, 'inserted', `entry ${row.seq} appears twice: one of the two was added to the log by someone other than the engine`);
    }
    if (row.seq > expected) {
      const later = rows.slice(i + 1).find((r) => r.seq >= expected && r.seq < row.seq);
      if (later) return bad(row.seq, 'reordered', `entry ${row.seq} is out of order: it comes before entry ${later.seq}`);
      return bad(
        expected,
        'deleted',
        row.seq - expected === 1
          ? `entry ${expected} is missing: it was deleted from the log`
          : `entries ${expected} to ${row.seq - 1} are missing: they were deleted from the log`,
      );
    }
    if (chainHash(prevHash, row.seq, row.entry) !== row.hash) return explainBreak(rows, i, prevHash, bad);
    prevHash = row.hash;
  }
  return { ok: true, entries: rows.length, lastHash: prevHash };
}

/** Why a row cannot even be checked, or null. `position` is its 1-based place in the walk. */
function malformation(row: AuditRow, position: number): { seq: number; message: string } | null {
  if (!Number.isSafeInteger(row.seq) || row.seq < 1) {
    return {
      seq: position,
      message: `the entry in position ${position} has an invalid sequence number (${String(row.seq)}): it was not written by the engine`,
    };
  }
  const at = (message: string) => ({ seq: row.seq, message: `entry ${row.seq} ${message}` });
  if (!HASH.test(row.hash)) return at('has an invalid hash: it was not written by the engine');
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.entry);
  } catch {
    return at('is unreadable (not valid JSON): it was damaged or overwritten');
  }
  const check = AuditEntry.safeParse(parsed);
  if (!check.success) {
    const fields = [...new Set(check.error.issues.map((issue) => issue.path.join('.') || 'the whole entry'))].join(', ');
    return at(`is not a valid audit entry (invalid: ${fields}): it was damaged or overwritten`);
  }
  return null;
}

/** Row `i` (seq i+1, well formed) does not chain to `prevHash`: work out the most likely cause. */
function explainBreak(
  rows: ReadonlyArray<AuditRow>,
  i: number,
  prevHash: string,
  bad: (seq: number, problem: AuditProblem, message: string) => VerifyResult,
): VerifyResult {
  const row = rows[i]!;
  const seq = row.seq;
  const next = rows[i + 1];
  const chainsAfter = (r: AuditRow, hash: string, asSeq: number): boolean => chainHash(hash, asSeq, r.entry) === r.hash;

  // The next row still chains to this row's stored hash: this row's content was edited in place.
  if (next && chainsAfter(next, row.hash, next.seq)) {
    const orPrevious = seq > 1 ? ` (or entry ${seq - 1} was changed and given a recomputed hash to hide it)` : '';
    return bad(seq, 'altered', `entry ${seq} was changed after it was written: its content no longer matches its hash${orPrevious}`);
  }

  // The row genuinely written as number `seq` sits further down, at j. Either this row is a
  // genuine one that was moved too (reordered), or it, and any up to j, were slipped in (inserted).
  const j = rows.findIndex((r, k) => k > i && chainsAfter(r, prevHash, seq));
  if (j > 0) {
    const genuineAt = rows[j]!;
    const shift = j - i;
    const moved =
      // ... the two rows swapped places;
      chainsAfter(row, j - 1 === i ? genuineAt.hash : rows[j - 1]!.hash, genuineAt.seq) ||
      // ... the genuine row was moved further down (this row is the one that followed it);
      chainsAfter(row, genuineAt.hash, seq + 1) ||
      // ... this row was moved up from further down, the rows in between shifted by `shift`.
      rows.some((r, k) => k > i && chainsAfter(row, r.hash, r.seq + 1 - shift));
    if (moved) return bad(seq, 'reordered', `entries were moved: the entry originally written as number ${seq} is now number ${genuineAt.seq}`);
    const what =
      shift === 1
        ? `entry ${seq} was not written by the engine: it was inserted`
        : `entries ${seq} to ${seq + shift - 1} were not written by the engine: they were inserted`;
    return bad(seq, 'inserted', `${what}, and the genuine entries from there on were renumbered`);
  }

  // This row chains to an earlier point: the rows in between were inserted with well-computed hashes.
  for (let k = 1; k <= i; k++) {
    const before = i - k === 0 ? GENESIS_HASH : rows[i - k - 1]!.hash;
    if (chainsAfter(row, before, seq - k)) {
      const first = seq - k;
      const what =
        k === 1
          ? `entry ${first} was not written by the engine: it was inserted`
          : `entries ${first} to ${seq - 1} were not written by the engine: they were inserted`;
      return bad(first, 'inserted', `${what}, and the genuine entries from there on were renumbered`);
    }
  }

  // The next row chains to this one only with a larger number: entries were removed and the rest renumbered.
  if (next) {
    for (let d = 1; d <= RENUMBER_SEARCH_LIMIT; d++) {
      if (chainsAfter(next, row.hash, next.seq + d)) {
        const what = d === 1 ? `entry ${seq} was deleted` : `entries ${seq} to ${seq + d - 1} were deleted`;
        return bad(seq, 'deleted', `${what} from the log, and the later entries were renumbered to hide the gap`);
      }
    }
    return bad(
      seq,
      'altered',
      `entry ${seq} no longer matches its hash and the entry after it does not follow on from it either: several entries around ${seq} were changed, added or removed`,
    );
  }
  return bad(
    seq,
    'altered',
    `entry ${seq}, the last one, does not match its hash: it was changed after it was written, or added by someone other than the engine`,
  );
}

/**
 * A checkpoint of the log to publish OUTSIDE the database (a ticket comment, a signed file, a mail),
 * so that a rewrite of the whole chain from some entry on, or entries removed from the end, are
 * detectable: see `verifyAgainstAnchor`.
 */
export const AuditAnchor = z.object({
  /** Number of entries the log had (= the seq of its last entry). */
  entries: z.number().int().positive(),
  /** Hash of entry number `entries`. */
  lastHash: z.string().regex(HASH),
  /** When the anchor was taken (ISO 8601). */
  at: z.iso.datetime(),
});
export type AuditAnchor = z.infer<typeof AuditAnchor>;

/** Builds an anchor from a successful `verifyChain` (its `lastHash` and `entries`). */
export function anchor(lastHash: string, entries: number, at: Date | string): AuditAnchor {
  return AuditAnchor.parse({ entries, lastHash, at: typeof at === 'string' ? at : at.toISOString() });
}

/**
 * `verifyChain`, then checks that the log still contains the anchored entry with the anchored
 * hash. Entries written after the anchor are covered by the chain only. Throws if `published`
 * is not a valid anchor.
 */
export function verifyAgainstAnchor(rows: ReadonlyArray<AuditRow>, published: AuditAnchor): VerifyResult {
  const a = AuditAnchor.parse(published);
  const result = verifyChain(rows);
  if (!result.ok) return result;
  if (rows.length < a.entries) {
    const missing = a.entries - rows.length === 1 ? `entry ${a.entries} was` : `entries ${rows.length + 1} to ${a.entries} were`;
    return {
      ok: false,
      entries: rows.length,
      firstBad: {
        seq: rows.length + 1,
        problem: 'deleted',
        message: `${missing} deleted from the end of the log: it had ${a.entries} entries when it was anchored at ${a.at}, it now has ${rows.length}`,
      },
    };
  }
  if (rows[a.entries - 1]!.hash !== a.lastHash) {
    return {
      ok: false,
      entries: rows.length,
      firstBad: {
        seq: a.entries,
        problem: 'altered',
        message: `the log was rewritten: entry ${a.entries} no longer has the hash published in the anchor of ${a.at}, so one or more entries up to ${a.entries} were changed and every later hash recomputed to hide it`,
      },
    };
  }
  return result;
}
