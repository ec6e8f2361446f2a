// The activity behind `withTargetSlot`: asks the target's lock workflow for a slot, starting the
// lock workflow when it is not running (signal-with-start). Retries are safe: the request id is
// the same on every attempt, and the lock workflow ignores a request id it already knows.
import { Context } from '@temporalio/activity';
import { SLOT_SIGNALS, SLOTS_WORKFLOW_TYPE, slotsWorkflowId, type SlotRequest } from '../domain/endpoints/targetSlots.js';

export interface TargetSlotRequest {
  key: string;
  limit: number;
  requestId: string;
  leaseMs?: number;
}

export function createTargetSlotActivities() {
  return {
    async requestTargetSlot({ key, limit, requestId, leaseMs }: TargetSlotRequest): Promise<void> {
      const ctx = Context.current();
      const caller = ctx.info.workflowExecution?.workflowId;
      if (!caller) throw new Error(`requestTargetSlot for ${key} must run as an activity of a workflow (the workflow is the one granted the slot)`);
      const request: SlotRequest = { requestId, workflowId: caller, limit, ...(leaseMs === undefined ? {} : { leaseMs }) };
      // The worker's client (set on activities of a Worker created with a connection).
      await ctx.client.workflow.signalWithStart(SLOTS_WORKFLOW_TYPE, {
        workflowId: slotsWorkflowId(key),
        taskQueue: ctx.info.taskQueue,
        args: [{ key, limit }],
        signal: SLOT_SIGNALS.request,
        signalArgs: [request],
      });
    },
  };
}
export type TargetSlotActivities = ReturnType<typeof createTargetSlotActivities>;
