import { denialOutcome } from '../permissions/permission.js';
import type { Outcome } from '../records/resolution.js';
// Pure helpers of the definition interpreter (src/workflows/definitionRun.ts).

/** What a monitoring alert tells a run (Alertmanager's alert: labels, annotations, times, fingerprint). */
export interface AlertFacts {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
}

/** A later notification for the same alert (e.g. `resolved`), signalled to its run. */
export interface AlertUpdate {
  status: 'firing' | 'resolved';
  endsAt: string | null;
}

/** What the `definitionProgress` query reports: "step n of m", what runs now, what is done. */
export interface DefinitionProgress {
  definition: string;
  version: string;
  title: string;
  status: 'running' | 'compensating' | 'resolved' | 'refused' | 'escalated' | 'failed' | 'cancelled';
  /** Steps in the definition: each top-level step (a parallel group counts once) and each step of a group. */
  total: number;
  /** Steps finished (succeeded, failed or skipped). */
  done: number;
  running: string[];
  completed: Array<{ id: string; name: string; status: 'succeeded' | 'failed' | 'skipped' }>;
  waitingFor: { kind: string; approvers?: string[]; since: string } | null;
}

/** One line for the record from an activity's result: `key=value` pairs, cut at 200 characters. */
export function describeResult(result: unknown): string {
  let text: string;
  if (result === undefined || result === null) text = 'done';
  else if (typeof result === 'object' && !Array.isArray(result)) {
    const pairs = Object.entries(result as Record<string, unknown>).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    text = pairs.length > 0 ? pairs.join(', ') : 'done';
  } else text = typeof result === 'string' ? result : JSON.stringify(result);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/**
 * How a definition run that stopped before its end is recorded: the outcome (people closing the
 * ticket or a client's cancel: cancelled; a policy refusal: refused, or escalated when nothing could
 * be decided; anything else: failed) and the summary, which says what was undone and what a person
 * must undo by hand.
 */
export function stoppedRun(stop: {
  title: string;
  stop: 'ticket_closed' | 'cancelled' | 'refused' | 'failed';
  reason: string;
  denialRule: string | null;
  undone: number;
  notUndone: readonly string[];
}): { outcome: Outcome; summary: string } {
  const outcome: Outcome =
    stop.stop === 'ticket_closed' || stop.stop === 'cancelled' ? 'cancelled' : stop.stop === 'refused' ? denialOutcome(stop.denialRule ?? '') : 'failed';
  const why = stop.stop === 'ticket_closed' ? `Stopped: ${stop.reason}` : stop.stop === 'cancelled' ? 'The run was cancelled' : stop.reason;
  const rolledBack =
    stop.notUndone.length > 0
      ? ` ${stop.undone} step(s) were undone; NOT undone, needs a person: ${stop.notUndone.join(', ')}.`
      : stop.undone > 0
        ? ` All ${stop.undone} completed step(s) were undone.`
        : ' Nothing had to be undone.';
  return { outcome, summary: `${stop.title}: ${why}.${rolledBack}` };
}
