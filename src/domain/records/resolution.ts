import { z } from 'zod';
import { TicketSource } from '../tickets/ticket.js';

export const Outcome = z.enum(['resolved', 'refused', 'escalated', 'failed', 'cancelled']);
export type Outcome = z.infer<typeof Outcome>;

export const RecordedDecision = z.object({
  action: z.string(),
  allowed: z.boolean(),
  rule: z.string(),
  reason: z.string(),
  facts: z.record(z.string(), z.unknown()),
  at: z.iso.datetime(),
});

export const RecordedAction = z.object({
  name: z.string(),
  target: z.string().nullable(),
  status: z.enum(['succeeded', 'failed', 'skipped']),
  detail: z.string(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  /** The Temporal activity the step ran and its id in the run (links the step to its audit entry). */
  activity: z.string().optional(),
  activityId: z.string().optional(),
  /** From the activity's audit entry when the record is filed: attempts Temporal made, and the redacted arguments. */
  attempts: z.number().int().min(1).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});
export type RecordedAction = z.infer<typeof RecordedAction>;

/** What one automated run did, for the ticket, the auditors and the knowledge base. */
export const ResolutionRecord = z.object({
  schemaVersion: z.literal(1),
  ticket: z.object({ source: TicketSource, id: z.string(), key: z.string(), summary: z.string() }).nullable(),
  trigger: z.object({
    kind: z.enum(['ticket', 'api', 'schedule', 'alert']),
    event: z.string(),
    receivedAt: z.iso.datetime(),
    via: z.enum(['webhook', 'reconciliation']).optional(),
  }),
  workflow: z.object({ type: z.string(), workflowId: z.string(), runId: z.string(), namespace: z.string(), taskQueue: z.string() }),
  requester: z.object({ externalId: z.string().nullable(), userId: z.string().nullable() }),
  target: z.string().nullable(),
  decisions: z.array(RecordedDecision),
  actions: z.array(RecordedAction),
  /** Undo steps run to roll back completed actions after a failure or a cancellation, in the order they ran. */
  compensations: z.array(RecordedAction),
  /** For runs of a support workflow definition: its id and the content hash the run pinned at start. */
  definition: z.object({ id: z.string(), version: z.string() }).nullable(),
  /** Approvals asked for and given (who, what, when). */
  approvals: z.array(z.object({ approver: z.string(), decision: z.enum(['approved', 'rejected']), comment: z.string().nullable(), at: z.iso.datetime() })),
  /** For guided troubleshooting: the tree and version walked, and every step (who answered what, when). */
  troubleshooting: z
    .object({
      tree: z.string(),
      version: z.string(),
      kb: z.string().nullable(),
      path: z.array(
        z.object({
          tree: z.string(),
          node: z.string(),
          kind: z.string(),
          prompt: z.string().optional(),
          choice: z.string().optional(),
          label: z.string().optional(),
          by: z.string().optional(),
          result: z.record(z.string(), z.unknown()).optional(),
          outcome: z.string().optional(),
          detail: z.string().optional(),
          at: z.iso.datetime(),
        }),
      ),
    })
    .nullable(),
  /** Later events on the ticket that reached the run (edits, comments, closing). */
  ticketUpdates: z.array(z.object({ eventType: z.string(), occurredAt: z.iso.datetime(), status: z.string().nullable(), closed: z.boolean() })),
  outcome: Outcome.nullable(),
  summary: z.string(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});
export type ResolutionRecord = z.infer<typeof ResolutionRecord>;
type Decision = z.infer<typeof RecordedDecision>;

export function newRecord(init: Pick<ResolutionRecord, 'ticket' | 'trigger' | 'workflow' | 'requester' | 'startedAt'>): ResolutionRecord {
  return {
    schemaVersion: 1,
    ...init,
    target: null,
    decisions: [],
    actions: [],
    compensations: [],
    definition: null,
    approvals: [],
    troubleshooting: null,
    ticketUpdates: [],
    outcome: null,
    summary: '',
    finishedAt: null,
  };
}

export function withDecision(record: ResolutionRecord, decision: Decision): ResolutionRecord {
  return { ...record, decisions: [...record.decisions, decision] };
}

export function withAction(record: ResolutionRecord, action: RecordedAction): ResolutionRecord {
  return { ...record, actions: [...record.actions, action] };
}

export function withCompensation(record: ResolutionRecord, action: RecordedAction): ResolutionRecord {
  return { ...record, compensations: [...record.compensations, action] };
}

/** What the activity audit log knows about one activity execution of the run. */
export interface ExecutionFacts {
  activityId: string;
  attempts: number;
  parameters: Record<string, unknown>;
}

/**
 * Adds what only the worker knows (attempts, redacted arguments) to the steps the workflow recorded,
 * matched by activity id. Steps without an audit entry are left as they are (completeness says so).
 */
export function withExecutions<R extends { actions?: unknown; compensations?: unknown }>(record: R, executions: ReadonlyArray<ExecutionFacts>): R {
  const byId = new Map(executions.map((e) => [e.activityId, e]));
  const enrich = (list: unknown) =>
    Array.isArray(list)
      ? list.map((a: { activityId?: unknown }) => {
          const e = a && typeof a.activityId === 'string' ? byId.get(a.activityId) : undefined;
          return e ? { ...a, attempts: e.attempts, parameters: e.parameters } : a;
        })
      : list;
  return { ...record, actions: enrich(record.actions), compensations: enrich(record.compensations) };
}

export function finished(record: ResolutionRecord, outcome: Outcome, summary: string, at: string): ResolutionRecord {
  return { ...record, outcome, summary, finishedAt: at };
}
