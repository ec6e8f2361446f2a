import { defineQuery } from '@temporalio/workflow';
import type { Progress } from '../domain/progress.js';

export type { Progress, ProgressStep } from '../domain/progress.js';

/** Every support workflow answers this query, so the demo, CLI and API can show live progress. */
export const progressQuery = defineQuery<Progress>('progress');
