// The raw Temporal limit: workflows of the same shape as the engine's, doing nothing but what
// Temporal itself must do (no-op activities, a bare Update handler), run by a plain worker on the
// bench's own server. What ours costs beyond these is the engine's own work.
import { condition, defineQuery, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

/** `activities` no-op activities one after the other, like a support run's steps. */
export async function rawSteps(activities: number): Promise<number> {
  for (let i = 0; i < activities; i++) await noop();
  return activities;
}

export const rawAnswer = defineUpdate<number, [number]>('rawAnswer');
export const rawState = defineQuery<number>('rawState');
export const rawDone = defineUpdate<void>('rawDone');

/** A session waiting for answers: each Update returns the new state, a query reads it. */
export async function rawSession(): Promise<number> {
  let answers = 0;
  let done = false;
  setHandler(rawAnswer, (n) => (answers += n));
  setHandler(rawState, () => answers);
  setHandler(rawDone, () => {
    done = true;
  });
  await condition(() => done);
  return answers;
}
