import type { EngineStore } from '../activities/records/port.js';
import type { FloodDecision, FloodGuard } from '../domain/sources/floodGuard.js';

/** The webhooks' bound on what refusals no sender proved may store (src/domain/sources/floodGuard.ts). */
export interface FloodControl {
  guard: FloodGuard;
  /** A refusal answered but not kept: the API counts it (metric) and logs the start of a flood. */
  notKept?(source: string, decision: Extract<FloodDecision, { keep: false }>): void;
}

/** Writes one audit entry per source for each flood window that has ended (every one when `all`). */
export async function auditFloodSummaries(store: EngineStore, flood: FloodControl | undefined, now: Date, all = false): Promise<void> {
  for (const w of flood?.guard.drain(now.getTime(), all) ?? []) {
    await store.appendAudit({
      at: now.toISOString(),
      kind: 'webhook.rejected',
      actor: w.source,
      subject: `${w.source}:flood`,
      outcome: 'rejected',
      reason: 'flood_not_kept',
      details: {
        from: new Date(w.from).toISOString(),
        to: new Date(w.to).toISOString(),
        notKept: w.notKept,
        overRate: w.overRate,
        overSize: w.overSize,
        bytes: w.bytes,
      },
    });
  }
}

/**
 * Whether an unauthenticated refusal of `bytes` is kept whole (dead letter, audit row). Without a
 * flood control everything is kept, as the store's own retention then bounds it.
 */
export async function keepRefusal(store: EngineStore, flood: FloodControl | undefined, source: string, now: Date, bytes: number): Promise<boolean> {
  await auditFloodSummaries(store, flood, now);
  if (!flood) return true;
  const decision = flood.guard.admit(source, now.getTime(), bytes);
  if (decision.keep) return true;
  flood.notKept?.(source, decision);
  return false;
}
