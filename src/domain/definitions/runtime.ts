import type { ActionStep, Compensation, Definition, NotifyStep, ParallelChild, Step } from './schema.js';
import { parseDuration } from './schema.js';

// Pure helpers for the interpreter workflow.

/** Every step of a definition in order, parallel children right after their group. */
export function allSteps(def: Definition): Array<{ step: Step; path: string; group: string | null }> {
  return def.steps.flatMap((step, i) => [
    { step, path: `steps[${i}]`, group: null },
    ...('parallel' in step
      ? step.parallel.map((child: ParallelChild, j) => ({ step: child as Step, path: `steps[${i}].parallel[${j}]`, group: step.id }))
      : []),
  ]);
}

/** The m of "step n of m": top-level steps (a parallel group counts as one) plus the steps inside groups. */
export function stepCount(def: Definition): number {
  return allSteps(def).length;
}

/** How progress reports name a step. */
export function stepName(step: Step): string {
  return step.name ?? step.id;
}

export interface RetryPolicy {
  maximumAttempts: number;
  /** Milliseconds. */
  initialInterval: number;
  backoffCoefficient: number;
  /** Milliseconds. */
  maximumInterval: number;
}

export const DEFAULT_RETRY = { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

/** A step's retry policy with the defaults filled in (3 attempts, 1 s, doubling, at most 30 s apart). */
export function retryPolicy(step: ActionStep | NotifyStep): RetryPolicy {
  const r = step.retry ?? {};
  return {
    maximumAttempts: r.maximumAttempts ?? DEFAULT_RETRY.maximumAttempts,
    initialInterval: parseDuration(r.initialInterval ?? DEFAULT_RETRY.initialInterval),
    backoffCoefficient: r.backoffCoefficient ?? DEFAULT_RETRY.backoffCoefficient,
    maximumInterval: parseDuration(r.maximumInterval ?? DEFAULT_RETRY.maximumInterval),
  };
}

/** A step's start-to-close timeout in milliseconds (default 1 minute). */
export function stepTimeout(step: ActionStep | NotifyStep): number {
  return parseDuration(step.timeout ?? '1m');
}

/**
 * The compensations to run after a failure or a cancellation: the completed steps in reverse
 * order of completion, leaving out those without `compensate`. Works on steps or on any record
 * that carries one's `compensate`.
 */
export function compensationOrder<T extends { compensate?: Compensation | undefined }>(completed: readonly T[]): T[] {
  return completed.filter((s) => s.compensate !== undefined).reverse();
}
