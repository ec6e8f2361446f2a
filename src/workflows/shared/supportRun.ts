import { ActivityFailure, CancellationScope, isCancellation, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { UserLookup } from '../../domain/permissions/directory.js';
import { DEFAULT_DIRECTORY_OUTAGE, shouldRecheck, type DirectoryOutagePolicy } from '../../domain/permissions/outage.js';
import type { SupportActivities } from '../../activities/contracts.js';
import { finished, newRecord, withAction, withCompensation, withDecision, type Outcome, type ResolutionRecord } from '../../domain/records/resolution.js';
import type { PermissionDecision } from '../../domain/permissions/permission.js';
import type { WorkflowTicket } from '../../domain/tickets/ticket.js';
import type { TicketUpdate } from '../../domain/tickets/ticketUpdate.js';
import { takeLastScheduled } from '../interceptors.js';
import { progressQuery, ticketEventSignal, type Progress } from '../messages.js';

const EVENT_TYPES: readonly string[] = ['created', 'updated', 'commented', 'deleted'];
/** The shape intake sends; anything else reaching the signal is not a ticket update. */
function isTicketUpdate(u: unknown): u is TicketUpdate {
  if (u === null || typeof u !== 'object') return false;
  const x = u as Record<string, unknown>;
  return (
    typeof x.deliveryId === 'string' &&
    EVENT_TYPES.includes(x.eventType as string) &&
    typeof x.occurredAt === 'string' &&
    (typeof x.status === 'string' || x.status === null) &&
    typeof x.closed === 'boolean'
  );
}

const activityOf = (s: { activityType: string; activityId: string } | null) => (s ? { activity: s.activityType, activityId: s.activityId } : {});

export const acts = proxyActivities<SupportActivities>({
  startToCloseTimeout: '30 seconds',
  // Bad input does not get better by retrying.
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['ValidationError', 'DirectoryRefusedError'],
  },
});

/** Workflow clock: deterministic, replay-safe. */
export const now = () => new Date().toISOString();

/**
 * Shared bookkeeping of a support workflow triggered by a ticket: live progress (query) and the
 * resolution record, both updated as each step runs.
 */
export class SupportRun {
  record: ResolutionRecord;
  readonly progress: Progress = { current: null, steps: [], waitingFor: null };
  /** The ticket the run works for; null for runs started by hand (e.g. a troubleshooting session). */
  readonly ticket: { source: WorkflowTicket['source']; id: string; key: string } | null;
  /** Set when people closed or deleted the ticket while the run was going on. */
  closedBy: TicketUpdate | null = null;
  private readonly seenDeliveries = new Set<string>();

  constructor(ticket: WorkflowTicket | null, startedBy?: { requesterId: string | null; receivedAt: string }) {
    const info = workflowInfo();
    this.ticket = ticket ? { source: ticket.source, id: ticket.id, key: ticket.key } : null;
    this.record = newRecord({
      ticket: ticket ? { source: ticket.source, id: ticket.id, key: ticket.key, summary: ticket.summary } : null,
      trigger: ticket
        ? { kind: 'ticket', event: ticket.eventType, receivedAt: ticket.occurredAt, ...(ticket.via ? { via: ticket.via } : {}) }
        : { kind: 'api', event: 'started by staff', receivedAt: startedBy?.receivedAt ?? now() },
      workflow: { type: info.workflowType, workflowId: info.workflowId, runId: info.runId, namespace: info.namespace, taskQueue: info.taskQueue },
      requester: { externalId: ticket?.requesterExternalId ?? null, userId: startedBy?.requesterId ?? null },
      startedAt: now(),
    });
    // Registered once the record exists: signals that arrived before the workflow's first task
    // are delivered as soon as the handler is set.
    setHandler(progressQuery, () => this.progress);
    setHandler(ticketEventSignal, (update) => {
      // Only intake sends these; anything else is ignored rather than allowed to fail the workflow task.
      if (!isTicketUpdate(update)) return;
      // Help desks redeliver; each delivery counts once.
      if (this.seenDeliveries.has(update.deliveryId)) return;
      this.seenDeliveries.add(update.deliveryId);
      const { eventType, occurredAt, status, closed } = update;
      this.record = { ...this.record, ticketUpdates: [...this.record.ticketUpdates, { eventType, occurredAt, status, closed }] };
      if (closed && !this.closedBy) this.closedBy = update;
    });
  }

  /** Runs one activity as a named step, recording its outcome either way. */
  step<T>(name: string, target: string | null, run: () => Promise<T>, describe: (result: T) => string): Promise<T> {
    return this.track('actions', name, target, run, describe);
  }

  /** Runs an undo step (compensation), recorded among the record's compensations. */
  undo<T>(name: string, target: string | null, run: () => Promise<T>, describe: (result: T) => string): Promise<T> {
    return this.track('compensations', name, target, run, describe);
  }

  /** Records a step that ran no activity (skipped, an approval that came in, an undo that was not possible). */
  note(
    list: 'actions' | 'compensations',
    entry: { name: string; target: string | null; status: 'succeeded' | 'failed' | 'skipped'; detail: string; startedAt: string },
  ): void {
    const recorded = { ...entry, finishedAt: now() };
    this.record = list === 'actions' ? withAction(this.record, recorded) : withCompensation(this.record, recorded);
    this.progress.steps.push({ name: entry.name, status: entry.status === 'succeeded' ? 'done' : entry.status, at: recorded.finishedAt, detail: entry.detail });
  }

  private async track<T>(
    list: 'actions' | 'compensations',
    name: string,
    target: string | null,
    run: () => Promise<T>,
    describe: (result: T) => string,
  ): Promise<T> {
    const add = list === 'actions' ? withAction : withCompensation;
    const startedAt = now();
    this.progress.current = name;
    this.progress.running = [...(this.progress.running ?? []), name];
    const entry = { name, status: 'running' as Progress['steps'][number]['status'], at: startedAt, detail: undefined as string | undefined };
    this.progress.steps.push(entry);
    let scheduled: ReturnType<typeof takeLastScheduled> = null;
    try {
      const pending = run();
      // Set by the outbound interceptor while run() scheduled its activity, in this same turn.
      scheduled = takeLastScheduled();
      const result = await pending;
      const detail = describe(result);
      this.record = add(this.record, { name, target, status: 'succeeded', detail, startedAt, finishedAt: now(), ...activityOf(scheduled) });
      Object.assign(entry, { status: 'done', detail, at: now() });
      return result;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.record = add(this.record, { name, target, status: 'failed', detail, startedAt, finishedAt: now(), ...activityOf(scheduled) });
      Object.assign(entry, { status: 'failed', detail, at: now() });
      throw err;
    } finally {
      this.progress.running = (this.progress.running ?? []).filter((n, i, all) => n !== name || all.indexOf(name) !== i);
      this.progress.current = this.progress.running.at(-1) ?? null;
    }
  }

  decided(decision: PermissionDecision): void {
    this.record = withDecision(this.record, { ...decision, at: now() });
  }

  /**
   * The permission check before a change, with the grant the change needs. While the directory is
   * unreachable the workflow waits durably and checks again, then gives up as its policy says.
   */
  async checkPermission(
    action: string,
    requester: UserLookup,
    target: UserLookup,
    params: Record<string, unknown>,
    outage: DirectoryOutagePolicy = DEFAULT_DIRECTORY_OUTAGE,
  ) {
    const started = Date.now();
    for (;;) {
      const targetName = 'id' in target ? target.id : null;
      const check = await this.step(
        'check permission',
        targetName,
        () => acts.checkPermission({ action, requester, target, params }),
        (r) => `${r.decision.allowed ? 'allowed' : 'denied'} by ${r.decision.rule}`,
      );
      this.decided(check.decision);
      if (!shouldRecheck(check.decision.rule, Date.now() - started, outage)) return check;
      await sleep(outage.recheckEveryMs);
    }
  }

  /** The ticket, for workflows that always have one. */
  get ticketRef(): { source: WorkflowTicket['source']; id: string; key: string } {
    if (!this.ticket) throw new Error('this run has no ticket');
    return this.ticket;
  }

  /** Tells the requester why automation stopped and hands the ticket to people (nothing to do without a ticket). */
  async handOff(comment: string, queue: string, reason: string): Promise<void> {
    const ticket = this.ticket;
    if (!ticket) return;
    await this.step(
      'comment on ticket',
      ticket.key,
      () => acts.commentOnTicket({ ticket, body: comment, visibility: 'public' }),
      () => 'told the requester what happens next',
    );
    await this.step(
      'route to queue',
      ticket.key,
      () => acts.routeTicketToQueue({ ticket, queue, reason }),
      () => `queue ${queue} (${reason})`,
    );
  }

  /** Ends the run without changing anything more, because people closed the ticket. */
  cancelledByTicket(): Promise<ResolutionRecord> {
    const by = this.closedBy!;
    return this.finish(
      'cancelled',
      `Stopped before making changes: the ticket was ${by.eventType === 'deleted' ? 'deleted' : `moved to ${by.status}`} at ${by.occurredAt}.`,
    );
  }

  /** Lets a workflow add its own part to the record (e.g. the troubleshooting path) before filing. */
  beforeFinish: (() => void) | null = null;

  /**
   * Completes the record and files it: the resolution documents are rendered, stored and posted to
   * the ticket as an internal work note, even when the run was cancelled (non-cancellable scope).
   * A filing that keeps failing does not hide the outcome: the record is returned either way.
   */
  async finish(outcome: Outcome, summary: string): Promise<ResolutionRecord> {
    this.beforeFinish?.();
    this.record = finished(this.record, outcome, summary, now());
    const record = this.record;
    try {
      await CancellationScope.nonCancellable(() => acts.fileResolution({ record }));
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
    }
    return this.record;
  }

  /**
   * Runs a workflow body so that a failure or a cancellation still produces a filed record that
   * says so; the error is then rethrown, so Temporal shows the run as failed or cancelled.
   */
  async guard(body: () => Promise<ResolutionRecord>): Promise<ResolutionRecord> {
    try {
      return await body();
    } catch (err) {
      if (isCancellation(err)) await this.finish('cancelled', 'The run was cancelled before it finished; the steps above are all that happened.');
      else await this.finish('failed', `The run failed: ${err instanceof Error ? err.message : String(err)}. The steps above are all that happened.`);
      throw err;
    }
  }
}
