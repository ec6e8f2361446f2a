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
