import type { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { approvalUpdate, type ApprovalResult } from '../workflows/messages.js';

/** An approval answer as staff tools send it. Unknown keys are refused. */
export const ApprovalBody = z.strictObject({
  approver: z.string().min(1).max(256),
  approve: z.boolean(),
  comment: z.string().max(2000).optional(),
  approverGroups: z.array(z.string()).optional(),
});
export type ApprovalBody = z.infer<typeof ApprovalBody>;

/**
 * Sends an approval answer to a waiting workflow as a Temporal Update. The workflow's validator
 * decides who may answer (never the requester); a refused answer never reaches its history.
 */
export function submitApproval(client: Client, workflowId: string, answer: ApprovalBody): Promise<ApprovalResult> {
  return client.workflow.getHandle(workflowId).executeUpdate(approvalUpdate, { args: [answer] });
}

/** The validator's reason, without the SDK's wrapping. */
export function updateFailureMessage(e: WorkflowUpdateFailedError): string {
  return e.cause?.message ?? e.message;
}
