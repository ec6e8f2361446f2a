import type { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import type { ApprovalAnswer } from '../domain/software.js';
import { approvalUpdate, type ApprovalResult } from '../workflows/messages.js';

/**
 * An approval answer as staff tools send it. Unknown keys are refused: in particular nobody can
 * claim group memberships in a body; the self-service API looks them up in the directory.
 */
export const ApprovalBody = z.strictObject({
  approver: z.string().min(1).max(256),
  approve: z.boolean(),
  comment: z.string().max(2000).optional(),
});
export type ApprovalBody = z.infer<typeof ApprovalBody>;

/**
 * Sends an approval answer to a waiting workflow as a Temporal Update. The workflow's validator
 * decides who may answer (never the requester); a refused answer never reaches its history.
 */
export function submitApproval(client: Client, workflowId: string, answer: ApprovalAnswer): Promise<ApprovalResult> {
  return client.workflow.getHandle(workflowId).executeUpdate(approvalUpdate, { args: [answer] });
}

/** The validator's reason, without the SDK's wrapping. */
export function updateFailureMessage(e: WorkflowUpdateFailedError): string {
  return e.cause?.message ?? e.message;
}
