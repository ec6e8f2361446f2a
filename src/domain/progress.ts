import type { ResolutionRecord } from './records/resolution.js';

export interface ProgressStep {
  name: string;
  status: 'running' | 'done' | 'failed' | 'skipped';
  at: string;
  detail?: string;
}

export interface Progress {
  current: string | null;
  /** Every step running now (steps of a parallel group run at once); `current` is the latest. */
  running?: string[];
  steps: ProgressStep[];
  /** What the run is waiting for, when it waits for people (e.g. an approval). */
  waitingFor?: { kind: 'approval'; approvers: string[]; since: string } | null;
}

/** A finished run's progress, read from its record: no worker is needed to answer. */
export function progressFromRecord(record: ResolutionRecord): Progress {
  return {
    current: null,
    steps: record.actions.map((a) => ({ name: a.name, status: a.status === 'succeeded' ? 'done' : a.status, at: a.finishedAt, detail: a.detail })),
  };
}
