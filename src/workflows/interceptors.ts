import type { ActivityInput, Next, WorkflowInterceptorsFactory, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';

/**
 * The activity a workflow scheduled last, by type and id. `SupportRun.step` reads it right after
 * the step's activity call, in the same synchronous turn, to link the step in the resolution record
 * to the activity's audit entry (the worker's audit interceptor keys entries by activity id).
 */
let lastScheduled: { activityType: string; activityId: string } | null = null;

export function takeLastScheduled(): { activityType: string; activityId: string } | null {
  const scheduled = lastScheduled;
  lastScheduled = null;
  return scheduled;
}

class ScheduledActivityTracker implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    // The SDK names an activity by its sequence number unless the options give an id.
    lastScheduled = { activityType: input.activityType, activityId: input.options.activityId ?? String(input.seq) };
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ outbound: [new ScheduledActivityTracker()] });
