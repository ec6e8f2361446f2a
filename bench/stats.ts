// Timing helpers shared by the bench modules.

/** The p-th percentile (nearest rank) of samples. */
export function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export const p50 = (xs: readonly number[]) => pct(xs, 50);
export const p99 = (xs: readonly number[]) => pct(xs, 99);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs fn n times in a row; the duration of each, in ms. */
export async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

/** Runs fn n times with `concurrency` calls in flight; calls per second. */
export async function throughput(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return n / ((performance.now() - t) / 1000);
}

/** Maps with at most `concurrency` calls in flight, keeping the order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** Polls until fn returns a value (not undefined/null/false); throws naming `what` after timeoutMs. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  options: { everyMs?: number; timeoutMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out after ${options.timeoutMs ?? 60_000} ms waiting for ${what}`);
    await sleep(options.everyMs ?? 10);
  }
}

/**
 * Runs `a` and `b` n times each, alternating which goes first (a b, b a, a b, ...), so neither
 * side always meets the server, the caches or the machine in the state the other left. The
 * duration of each, in ms.
 */
export async function timedPairs(n: number, a: (i: number) => Promise<unknown>, b: (i: number) => Promise<unknown>): Promise<[number[], number[]]> {
  const as: number[] = [];
  const bs: number[] = [];
  const one = async (fn: (i: number) => Promise<unknown>, into: number[], i: number) => {
    const t = performance.now();
    await fn(i);
    into.push(performance.now() - t);
  };
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      await one(a, as, i);
      await one(b, bs, i);
    } else {
      await one(b, bs, i);
      await one(a, as, i);
    }
  }
  return [as, bs];
}
