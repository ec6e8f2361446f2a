import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { routeTicket, type RoutingConfig } from '../domain/routing.js';
import { ticketWorkflowId, toWorkflowTicket, type TicketEvent } from '../domain/ticket.js';

export type IntakeResult =
  | { status: 'started'; workflowId: string; workflowType: string; rule: string | null }
  | { status: 'duplicate'; workflowId: string; workflowType: string; rule: string | null }
  | { status: 'ignored'; rule: string | null };

export interface IntakeOptions {
  client: Client;
  taskQueue: string;
  routing: RoutingConfig;
  /** How long to wait for Temporal to accept a start before answering 503 (help desks retry). */
  startTimeoutMs?: number;
}

/**
 * Routes a normalised ticket event and starts its workflow. The workflow id is derived from the
 * ticket, and Temporal's id policies make a retried delivery a no-op: a running workflow is reused,
 * a finished one is not started again.
 */
export async function intakeTicket(options: IntakeOptions, event: TicketEvent): Promise<IntakeResult> {
  const decision = routeTicket(options.routing, event);
  const ticket = toWorkflowTicket(event);
  let workflowType: string;
  let args: unknown[];
  let rule: string | null;
  switch (decision.kind) {
    case 'ignore':
      return { status: 'ignored', rule: decision.rule?.id ?? null };
    case 'start':
      workflowType = decision.workflow;
      args = [{ ticket, ...decision.input, humanQueue: options.routing.unmatched.queue }];
      rule = decision.rule.id;
      break;
    case 'unmatched':
      workflowType = 'ticketHandOff';
      args = [{ ticket, queue: decision.queue, comment: decision.comment, reason: 'no automation matches this ticket' }];
      rule = null;
      break;
    case 'incomplete':
      workflowType = 'ticketHandOff';
      args = [{
        ticket,
        queue: decision.queue,
        comment: `Automation "${decision.rule.id}" needs more information (${decision.missing.join(', ')}). A member of the service desk will pick this up.`,
        reason: `missing ${decision.missing.join(', ')}`,
      }];
      rule = decision.rule.id;
      break;
  }
  const workflowId = ticketWorkflowId(event.source, event.ticket.key, workflowType);
  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 5000);
    await options.client.connection.withDeadline(deadline, () =>
      options.client.workflow.start(workflowType, {
        workflowId,
        taskQueue: options.taskQueue,
        args,
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { ticket: `${event.source}:${event.ticket.key}` },
      }),
    );
    return { status: 'started', workflowId, workflowType, rule };
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return { status: 'duplicate', workflowId, workflowType, rule };
    throw e;
  }
}
