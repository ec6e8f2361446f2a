// Message definitions shared by workflows and their clients (API, CLI, intake): queries and signals.
// No workflow code here, so clients can import it without pulling in workflow modules.
import type { AlertUpdate, DefinitionProgress } from '../domain/definitions/run.js';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApprovalAnswer } from '../domain/endpoints/software.js';
import type { Progress } from '../domain/progress.js';
import type { TicketUpdate } from '../domain/tickets/ticketUpdate.js';

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

/** A staff member, as the staff API or CLI identified them (id and directory groups). */
export interface Responder {
  id: string;
  groups: string[];
}

/** An answer to the current question, or `confirm` / `skip` for an action awaiting confirmation. */
export interface SessionAnswer {
  node: string;
  choice: string;
  responder: Responder;
}

export interface SessionView {
  workflowId: string;
  tree: string;
  version: string;
  status: 'waiting' | 'working' | 'done';
  node: string;
  kind: string;
  prompt?: string;
  help?: string;
  choices?: Array<{ id: string; label: string }>;
  title?: string;
  done: { outcome: string; text: string; kb?: string; queue?: string } | null;
  path: Array<{ tree: string; node: string; kind: string; choice?: string; label?: string; by?: string; outcome?: string; detail?: string; at: string }>;
}

/** The current node, its prompt and choices, and the path so far. */
export const sessionQuery = defineQuery<SessionView>('session');
/** Answers the current question (or confirms/skips an action). Validated before it touches history. */
export const answerUpdate = defineUpdate<SessionView, [SessionAnswer]>('answer');
/** Undoes the last answer. */
export const backUpdate = defineUpdate<SessionView, [{ responder: Responder }]>('back');

/** A support workflow definition's run: step n of m, what runs now, what is done. */
export const definitionProgressQuery = defineQuery<DefinitionProgress>('definitionProgress');
/** A later Alertmanager notification (e.g. resolved) for the alert a run was started by. */
export const alertUpdateSignal = defineSignal<[AlertUpdate]>('alertUpdate');
