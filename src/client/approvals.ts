import type { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import type { ApprovalAnswer } from '../domain/endpoints/software.js';
import type { DirectoryPort } from '../activities/directory/port.js';
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

/**
 * The answer with the approver's group memberships as the directory has them (transitively), so
 * a workflow waiting for "a member of it-managers" can accept it. Looked up here, server-side,
 * never taken from the caller; when the directory cannot answer, the answer goes without groups
 * (and only named approvers can approve).
 */
export async function withDirectoryGroups(directory: DirectoryPort | undefined, answer: ApprovalBody): Promise<ApprovalAnswer> {
  if (!directory) return answer;
  try {
    const user = await directory.findUser({ by: 'id', id: answer.approver });
    return user ? { ...answer, approverGroups: await directory.groupsOf(user) } : answer;
  } catch {
    return answer;
  }
}

/** The validator's reason, without the SDK's wrapping. */
export function updateFailureMessage(e: WorkflowUpdateFailedError): string {
  return e.cause?.message ?? e.message;
}
