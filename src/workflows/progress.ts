import { defineQuery } from '@temporalio/workflow';

export interface ProgressStep {
  name: string;
  status: 'running' | 'done' | 'failed' | 'skipped';
  at: string;
  detail?: string;
}

export interface Progress {
  current: string | null;
  steps: ProgressStep[];
}

/** Every support workflow answers this query, so the demo, CLI and API can show live progress. */
export const progressQuery = defineQuery<Progress>('progress');
