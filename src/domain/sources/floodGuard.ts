// How much of the traffic no sender proved can fill the engine's store. Anyone who can reach a
// webhook can post to it; a refusal is kept whole (dead letter + audit row) so staff can fix its
// cause and replay it, but only up to a rate and a size per source. Past that a refusal is still
// answered as usual and counted, and each source's flood is summarised by one audit entry per
// window instead of one row per request. Deliveries whose signature checked out never come here.
// Pure: the caller passes the time.

export interface FloodPolicy {
  /** Refusals per source kept whole per minute (the token bucket's rate and its burst). */
  keepPerMinute: number;
  /** Larger unauthenticated bodies are counted, never stored. */
  keepMaxBytes: number;
}

export type NotKeptWhy = 'rate' | 'size';

export type FloodDecision =
  | { keep: true }
  | { keep: false; why: NotKeptWhy /** The first refusal not kept of this source's current window: log it once. */; floodStarted: boolean };

/** What a window of one source's flood amounts to: the audit log's summary of it. */
export interface FloodSummary {
  source: string;
  from: number;
  to: number;
  notKept: number;
  overRate: number;
  overSize: number;
  bytes: number;
}

const MINUTE = 60_000;

export class FloodGuard {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #windows = new Map<string, FloodSummary>();

  constructor(
    readonly policy: FloodPolicy,
    readonly windowMs = MINUTE,
  ) {}

  /** Whether an unauthenticated refusal of `bytes` from `source` at `nowMs` is kept whole. */
  admit(source: string, nowMs: number, bytes: number): FloodDecision {
    const why = bytes > this.policy.keepMaxBytes ? 'size' : this.#take(source, nowMs) ? null : 'rate';
    if (why === null) return { keep: true };
    let window = this.#windows.get(source);
    const floodStarted = window === undefined;
    if (!window) {
      window = { source, from: nowMs, to: nowMs, notKept: 0, overRate: 0, overSize: 0, bytes: 0 };
      this.#windows.set(source, window);
    }
    window.to = nowMs;
    window.notKept += 1;
    window.bytes += bytes;
    if (why === 'rate') window.overRate += 1;
    else window.overSize += 1;
    return { keep: false, why, floodStarted };
  }

  /** The windows that have run their length by `nowMs` (all of them when `all`), removed: audit each once. */
  drain(nowMs: number, all = false): FloodSummary[] {
    const out: FloodSummary[] = [];
    for (const [source, window] of this.#windows) {
      if (all || nowMs - window.from >= this.windowMs) {
        out.push(window);
        this.#windows.delete(source);
      }
    }
    return out;
  }

  #take(source: string, nowMs: number): boolean {
    const rate = this.policy.keepPerMinute / MINUTE;
    const bucket = this.#buckets.get(source) ?? { tokens: this.policy.keepPerMinute, at: nowMs };
    bucket.tokens = Math.min(this.policy.keepPerMinute, bucket.tokens + Math.max(0, nowMs - bucket.at) * rate);
    bucket.at = nowMs;
    this.#buckets.set(source, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
