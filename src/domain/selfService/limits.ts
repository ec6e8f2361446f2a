// Per-user limits of a self-service automation: starts per 24 hours and the cool-down after a run.
import type { CatalogEntry } from './catalog.js';
import { refuse, type RequestRefusal } from './refusals.js';

export interface RequestHistory {
  /** ISO times of this caller's starts of this automation (older ones may be included; they are ignored). */
  startsLast24h: string[];
  /** When this caller's last run of this automation finished, if ever. */
  lastFinishedAt: string | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** History comes from the engine's own records; a time that does not parse is a bug, and fails closed. */
function timeOf(iso: string, what: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`${what} is not a valid time: ${JSON.stringify(iso)}`);
  return t;
}

export function checkLimits(entry: CatalogEntry, history: RequestHistory, now: Date): RequestRefusal | null {
  const nowMs = now.getTime();
  const { perUserPerDay, cooldownMinutes } = entry.limits;

  // Starts still inside the 24 h window (a start exactly 24 h ago has left it; future ones count).
  const counted = history.startsLast24h
    .map((iso, i) => timeOf(iso, `history.startsLast24h[${i}]`))
    .filter((t) => t > nowMs - DAY_MS)
    .sort((a, b) => a - b);
  if (counted.length >= perUserPerDay) {
    // The count drops below the limit when this start leaves the window (the oldest one when the
    // count equals the limit; later ones when the limit was lowered since).
    const leaves = (counted[counted.length - perUserPerDay] as number) + DAY_MS;
    return refuse(
      'rate_limited',
      `You have started ${entry.title} ${counted.length} times in the last 24 hours (the limit is ${perUserPerDay}); you can start it again at ${new Date(leaves).toISOString()}.`,
      { retryAfterSeconds: Math.ceil((leaves - nowMs) / 1000) },
    );
  }

  if (history.lastFinishedAt !== null && cooldownMinutes > 0) {
    const until = timeOf(history.lastFinishedAt, 'history.lastFinishedAt') + cooldownMinutes * 60_000;
    if (until > nowMs) {
      return refuse(
        'cooling_down',
        `${entry.title} has a cool-down of ${cooldownMinutes} minutes after each run; you can start it again at ${new Date(until).toISOString()}.`,
        { retryAfterSeconds: Math.ceil((until - nowMs) / 1000) },
      );
    }
  }
  return null;
}
