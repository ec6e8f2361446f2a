import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { routeTicket, type RoutingConfig } from '../domain/tickets/routing.js';
import { ticketWorkflowId, toWorkflowTicket, type TicketEvent } from '../domain/tickets/ticket.js';
import { toTicketUpdate } from '../domain/tickets/ticketUpdate.js';
import { treeSetFor, type DecisionTree } from '../domain/trees/tree.js';
import { ticketEventSignal } from '../workflows/messages.js';
import type { Content } from '../stack/content.js';
import type { TaskQueues } from '../config/index.js';
import { ValidationError } from '../domain/errors.js';
import type { IntakeResult, IntakeVia } from '../domain/tickets/intake.js';
import { definitionRunInput, type SensitiveVault } from './definitions.js';

export type { IntakeResult } from '../domain/tickets/intake.js';

export interface IntakeOptions {
  client: Client;
  taskQueue: string;
  routing: RoutingConfig;
  /** How long to wait for Temporal to accept a start or signal before answering 503 (help desks retry). */
  startTimeoutMs?: number;
  /** Passed to every started workflow: how it waits out a directory outage. */
  directoryOutage?: { recheckEveryMs: number; giveUpAfterMs: number };
  /** Troubleshooting trees; a routing rule starting troubleshootSession names one with `tree`. */
  trees?: Readonly<Record<string, DecisionTree>>;
  /** Support workflow definitions a routing rule may start with `definition:`. */
  definitions?: Content['definitions'];
  /** Keeps sensitive inputs of definitions out of workflow history (the engine database). */
  vault?: SensitiveVault;
  /** Task queues of the capabilities that are not ticket workflows (default `taskQueue`). */
  queues?: Partial<Pick<TaskQueues, 'troubleshooting' | 'definitions'>>;
}

const deadline = (options: IntakeOptions) => Date.now() + (options.startTimeoutMs ?? 5000);

/**
 * Takes one normalised ticket event. A later event on a ticket whose automation is running is
 * signalled to that workflow (which ignores a delivery it has seen). Otherwise the event is routed;
 * a start uses the ticket's workflow id, and Temporal's id policies make a retried delivery a
 * no-op: a running workflow is reused, a finished one is not started again.
 */
export async function intakeTicket(options: IntakeOptions, event: TicketEvent, deliveryId: string, via: IntakeVia = 'webhook'): Promise<IntakeResult> {
  const workflowId = ticketWorkflowId(event.source, event.ticket.key);
  const { client } = options;
  if (event.eventType !== 'created') {
    try {
      const handle = client.workflow.getHandle(workflowId);
      await client.connection.withDeadline(deadline(options), () => handle.signal(ticketEventSignal, toTicketUpdate(event, deliveryId)));
      return { status: 'signalled', workflowId, rule: null };
    } catch (e) {
      // No running automation for this ticket: route the event like any other.
      if (!(e instanceof WorkflowNotFoundError)) throw e;
    }
  }

  const decision = routeTicket(options.routing, event);
  const ticket = { ...toWorkflowTicket(event), via };
  let workflowType: string;
  let args: unknown[];
  let rule: string | null;
  switch (decision.kind) {
    case 'ignore':
      return { status: 'ignored', rule: decision.rule?.id ?? null };
    case 'start':
      workflowType = decision.workflow;
      args = [
        { ticket, ...decision.input, humanQueue: options.routing.unmatched.queue, directoryOutage: options.directoryOutage, ...treeInput(options, decision) },
      ];
      rule = decision.rule.id;
      break;
    case 'definition': {
      rule = decision.rule.id;
      const requesterId = ticket.requesterExternalId;
      const problem = (why: string) => [
        {
          ticket,
          queue: options.routing.unmatched.queue,
          comment: `Automation "${decision.rule.id}" cannot start: ${why}. A member of the service desk will pick this up.`,
          reason: why,
        },
      ];
      workflowType = 'ticketHandOff';
      if (!requesterId) {
        args = problem('the ticket names no requester');
        break;
      }
      try {
        args = [
          await definitionRunInput(
            { definitions: options.definitions ?? {}, trees: options.trees ?? {} },
            {
              definition: decision.definition,
              inputs: decision.input,
              requester: { by: 'externalId', system: event.source, externalId: requesterId },
              ticket,
              humanQueue: options.routing.unmatched.queue,
              directoryOutage: options.directoryOutage,
            },
            { vault: options.vault, workflowId },
          ),
        ];
        workflowType = 'definitionRun';
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        args = problem(e.issues.map((i) => `${i.path} ${i.message}`).join('; '));
      }
      break;
    }
    case 'unmatched':
      workflowType = 'ticketHandOff';
      args = [{ ticket, queue: decision.queue, comment: decision.comment, reason: 'no automation matches this ticket' }];
      rule = null;
      break;
    case 'incomplete':
      workflowType = 'ticketHandOff';
      args = [
        {
          ticket,
          queue: decision.queue,
          comment: `Automation "${decision.rule.id}" needs more information (${decision.missing.join(', ')}). A member of the service desk will pick this up.`,
          reason: `missing ${decision.missing.join(', ')}`,
        },
      ];
      rule = decision.rule.id;
      break;
  }
  try {
    await client.connection.withDeadline(deadline(options), () =>
      client.workflow.start(workflowType, {
        workflowId,
        taskQueue:
          workflowType === 'troubleshootSession'
            ? (options.queues?.troubleshooting ?? options.taskQueue)
            : workflowType === 'definitionRun'
              ? (options.queues?.definitions ?? options.taskQueue)
              : options.taskQueue,
        args,
        // A run of this ticket, running or closed, makes this start fail: that is how a repeat is
        // told apart from a start (USE_EXISTING would answer a running one as if just started).
        // The SDK's own retries of this call reuse its request id, which Temporal deduplicates.
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { ticket: `${event.source}:${event.ticket.key}`, rule },
      }),
    );
    return { status: 'started', workflowId, workflowType, rule };
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    return { status: 'duplicate', workflowId, ...(await runningRun(options, workflowId)) };
  }
}

/** What the ticket's existing run is: its type, and the rule that started it (from its memo). */
async function runningRun(options: IntakeOptions, workflowId: string): Promise<{ workflowType: string; rule: string | null }> {
  const run = await options.client.connection.withDeadline(deadline(options), () => options.client.workflow.getHandle(workflowId).describe());
  const rule = run.memo?.rule;
  return { workflowType: run.type, rule: typeof rule === 'string' ? rule : null };
}

/** A troubleshooting session gets its trees pinned in its input (the version it started with). */
function treeInput(options: IntakeOptions, decision: { workflow: string; input: Record<string, unknown>; rule: { id: string } }) {
  if (decision.workflow !== 'troubleshootSession') return {};
  const root = String(decision.input.tree ?? '');
  const set = treeSetFor(options.trees ?? {}, root);
  // Content validation guarantees the tree exists; reaching this means content changed underneath.
  if (!set) throw new Error(`routing rule ${decision.rule.id} names no loaded troubleshooting tree "${root}"`);
  return { root, trees: set.trees, version: set.version };
}
