/**
 * Failures queued for the in-memory adapters (demo, tests): the next call of an operation fails,
 * before its effect or after it ("applied, then the answer was lost").
 */
export class InjectedFailures<Op extends string> {
  private readonly queue: Array<{ op: Op; error: Error; afterEffect: boolean }> = [];

  constructor(private readonly system: string) {}

  add(op: Op, options: { error?: Error; afterEffect?: boolean } = {}): void {
    this.queue.push({
      op,
      error: options.error ?? new Error(`${this.system} unavailable (injected failure of ${op})`),
      afterEffect: options.afterEffect ?? false,
    });
  }

  /** Runs `effect` as operation `op`, failing as queued. */
  run<T>(op: Op, effect: () => T): T {
    const i = this.queue.findIndex((f) => f.op === op);
    const failure = i >= 0 ? this.queue.splice(i, 1)[0] : undefined;
    if (failure && !failure.afterEffect) throw failure.error;
    const result = effect();
    if (failure) throw failure.error;
    return result;
  }
}
