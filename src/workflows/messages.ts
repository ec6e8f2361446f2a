// Message definitions shared by workflows and their clients (API, CLI, intake): queries and signals.
// No workflow code here, so clients can import it without pulling in workflow modules.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApprovalAnswer } from '../domain/software.js';
import type { Progress } from '../domain/progress.js';
import type { TicketUpdate } from '../domain/ticketUpdate.js';

export type { Progress, ProgressStep } from '../domain/progress.js';

/** Every support workflow answers this query, so the demo, CLI and API can show live progress. */
export const progressQuery = defineQuery<Progress>('progress');

/** Later help-desk events on the ticket: the intake signals the ticket's running workflow. */
export const ticketEventSignal = defineSignal<[TicketUpdate]>('ticketEvent');

export interface ApprovalResult {
  accepted: true;
  decision: 'approved' | 'rejected';
}

/** An approver answers a pending approval. The validator rejects wrong approvers before history. */
export const approvalUpdate = defineUpdate<ApprovalResult, [ApprovalAnswer]>('approve');
