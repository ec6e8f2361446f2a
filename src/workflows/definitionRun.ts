import {
  ActivityCancellationType,
  ActivityFailure,
  CancellationScope,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { UserLookup } from '../domain/permissions/directory.js';
import type { Grant } from '../domain/permissions/grants.js';
import type { DirectoryOutagePolicy } from '../domain/permissions/outage.js';
import type { PermissionDecision } from '../domain/permissions/permission.js';
import type { ResolutionRecord } from '../domain/records/resolution.js';
import type { WorkflowTicket } from '../domain/tickets/ticket.js';
import type { TreeSet } from '../domain/trees/navigation.js';
import { evaluateCondition, type Scope } from '../domain/definitions/expressions.js';
import { activitySpec, prepareArgs, type ActivitySpec } from '../domain/definitions/registry.js';
import {
  parseDuration,
  stepKind,
  type ActionStep,
  type ApprovalStep,
  type Definition,
  type NotifyStep,
  type Step,
  type TroubleshootStep,
} from '../domain/definitions/schema.js';
import { renderArgs, renderTemplate } from '../domain/definitions/templates.js';
import { describeResult, stoppedRun, type AlertFacts, type DefinitionProgress } from '../domain/definitions/run.js';
import { retryPolicy, stepCount, stepTimeout } from '../domain/definitions/runtime.js';
import { alertUpdateSignal, definitionProgressQuery } from './messages.js';
import { ApprovalGate } from './shared/approvalGate.js';
import { acts, now, SupportRun } from './shared/supportRun.js';
import { withTargetSlot } from './targetSlots.js';
import { troubleshootSession } from './troubleshootSession.js';

export interface DefinitionRunInput {
  /** The definition as it was when the run started (pinned; `version` is its content hash). */
  definition: Definition;
  version: string;
  /** Validated against the definition's inputs by whoever started the run. */
  inputs: Record<string, unknown>;
  /** Who asked: checked by the permission policy before every change. */
  requester: UserLookup;
  ticket?: WorkflowTicket | null;
  /** For runs started by a monitoring alert (Prometheus Alertmanager). */
  alert?: AlertFacts | null;
  /** The decision trees its troubleshoot steps use, pinned at start: tree id -> set and version. */
  trees?: Record<string, { trees: TreeSet; version: string }>;
  humanQueue?: string;
  directoryOutage?: DirectoryOutagePolicy;
}

type Call = (args: Record<string, unknown>) => Promise<unknown>;

/** A change the policy did not allow: the run stops and rolls back. */
class Refused extends Error {
  constructor(
    readonly stepName: string,
    readonly decision: PermissionDecision,
  ) {
    super(`${stepName}: not allowed (${decision.rule}): ${decision.reason}`);
  }
}

/** A step that failed for good: the run stops and rolls back. */
class StepFailed extends Error {}

const errorText = (err: unknown): string =>
  err instanceof ActivityFailure || err instanceof ChildWorkflowFailure
    ? (err.cause?.message ?? err.message)
    : err instanceof Error
      ? err.message
      : String(err);

/**
 * Runs a support workflow definition (content/definitions/*.yaml) durably: each step in order,
 * parallel groups at once, `when` conditions, the permission check before every change (so a
 * change of heart in the directory stops the run), approvals, troubleshooting sessions as child
 * workflows, notifications, and a per-device concurrency limit. When a step fails, the policy
 * refuses a change, or the run is cancelled, the completed steps are undone in reverse order in a
 * non-cancellable scope, and the record says what was done and undone.
 */
export async function definitionRun(input: DefinitionRunInput): Promise<ResolutionRecord> {
  const def = input.definition;
  const run = new SupportRun(input.ticket ?? null, {
    requesterId: input.requester.by === 'id' ? input.requester.id : null,
    receivedAt: input.alert?.startsAt ?? now(),
  });
  run.record = {
    ...run.record,
    definition: { id: def.id, version: input.version },
    ...(input.alert
      ? { trigger: { kind: 'alert' as const, event: `${input.alert.labels.alertname ?? 'alert'} ${input.alert.status}`, receivedAt: input.alert.startsAt } }
      : {}),
  };
  const gate = new ApprovalGate(run);
  const queue = input.humanQueue ?? 'service-desk';
  const scope: Scope = {
    inputs: input.inputs,
    constants: def.constants,
    steps: {},
    ticket: input.ticket
      ? { source: input.ticket.source, key: input.ticket.key, id: input.ticket.id, summary: input.ticket.summary, priority: input.ticket.priority ?? null }
      : null,
    alert: input.alert ? { ...input.alert } : null,
    run: { requester: input.requester.by === 'id' ? input.requester.id : null },
  };
  const progress: DefinitionProgress = {
    definition: def.id,
    version: input.version,
    title: def.title,
    status: 'running',
    total: stepCount(def),
    done: 0,
    running: [],
    completed: [],
    waitingFor: null,
  };
  setHandler(definitionProgressQuery, () => ({ ...progress, running: run.progress.running ?? [], waitingFor: run.progress.waitingFor ?? progress.waitingFor }));
  setHandler(alertUpdateSignal, (update) => {
    if (scope.alert) scope.alert = { ...scope.alert, status: update.status, endsAt: update.endsAt ?? null };
  });

  /** Steps whose effect may need undoing, in the order they started. */
  const undoable: Array<{ step: ActionStep; finished: boolean; grant: Grant | null }> = [];
  let requesterId: string | null = scope.run.requester;

  const finishStep = (step: Step, status: 'succeeded' | 'failed' | 'skipped', result: unknown) => {
    scope.steps[step.id] = { status, result };
    progress.done += 1;
    progress.completed.push({ id: step.id, name: step.name ?? step.id, status });
  };
  const skip = (step: Step, why: string) => {
    run.note('actions', { name: step.name ?? step.id, target: null, status: 'skipped', detail: why, startedAt: now() });
    if ('parallel' in step) progress.done += step.parallel.length;
    finishStep(step, 'skipped', null);
  };

  async function identifyRequester(): Promise<void> {
    if (requesterId) return;
    const facts = await run.step(
      'identify the requester',
      null,
      () => acts.lookupUser(input.requester),
      (u) => (u ? u.id : 'not found in the directory'),
    );
    if (!facts) {
      throw new Refused('identify the requester', {
        action: 'definition.run',
        allowed: false,
        rule: 'requester_not_found',
        reason: 'The requester was not found in the directory.',
        facts: { requester: null, target: null, relation: 'none', requesterGroups: [], targetGroups: [], targetEnabled: null },
      });
    }
    requesterId = facts.id;
    scope.run = { requester: facts.id };
    run.record = { ...run.record, requester: { ...run.record.requester, userId: facts.id } };
  }

  async function callActivity(step: ActionStep | NotifyStep): Promise<void> {
    const name = step.name ?? step.id;
    const activity = 'notify' in step ? 'sendNotification' : step.activity;
    const spec = activitySpec(activity) as ActivitySpec;
    const prepared = prepareArgs(activity, renderArgs('notify' in step ? step.notify : step.args, scope));
    if (!prepared.ok)
      throw new StepFailed(`${name}: its arguments do not fit ${activity}: ${prepared.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    let args = prepared.args;
    let target: string | null = spec.targetArg ? String(args[spec.targetArg]) : null;

    if (spec.effect === 'ticket') {
      if (!run.ticket) return skip(step, 'no ticket to update');
      args = { ...args, ticket: run.ticketRef };
      target = run.ticketRef.key;
    }
    if (spec.effect === 'change') {
      // Checked again right before each change: the directory may have changed since the last one.
      const check = await run.checkPermission(spec.action!, input.requester, { by: 'id', id: target! }, spec.grantParams!(args), input.directoryOutage);
      if (!check.decision.allowed) throw new Refused(name, check.decision);
      if (!requesterId && check.requester) {
        requesterId = check.requester.id;
        run.record = { ...run.record, requester: { ...run.record.requester, userId: check.requester.id } };
      }
      args = { ...args, grant: check.grant };
      // The record's target: the account the run's first change was for.
      if (run.record.target === null) run.record = { ...run.record, target };
    }

    const proxy = proxyActivities<Record<string, Call>>({
      startToCloseTimeout: stepTimeout(step),
      retry: retryPolicy(step),
      // A cancelled run waits for a running step to end, so its undo runs after it, never before.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    });
    const entry = 'activity' in step && step.compensate ? { step, finished: false, grant: (args.grant as Grant | undefined) ?? null } : null;
    if (entry) undoable.push(entry);
    const call = () => run.step(name, target, () => proxy[activity]!(args), describeResult);
    const device = spec.endpointArg ? args[spec.endpointArg] : undefined;
    try {
      // One lock per device and task queue: the lock workflow runs on the queue of the workers that use it.
      const result =
        typeof device === 'string' ? await withTargetSlot(`${workflowInfo().taskQueue}:device:${device}`, def.limits.perEndpoint, call) : await call();
      if (entry) entry.finished = true;
      finishStep(step, 'succeeded', result);
    } catch (err) {
      if (isCancellation(err)) throw err;
      if (entry) undoable.splice(undoable.indexOf(entry), 1);
      finishStep(step, 'failed', null);
      if (step.continueOnError) return;
      throw new StepFailed(`${name} failed: ${errorText(err)}`);
    }
  }

  async function approval(step: ApprovalStep): Promise<void> {
    const spec = step.approval;
    const startedAt = now();
    await identifyRequester();
    const approvers = (spec.approvers ?? []).map((a) => String(renderTemplate(a, scope)));
    const answer = await gate.wait({ approvers, approverGroup: spec.approverGroup, requester: requesterId! }, parseDuration(spec.timeout));
    const name = step.name ?? step.id;
    if (answer === null) {
      if (run.closedBy) throw new StepFailed(`${name}: the ticket was closed while waiting for approval`);
      run.note('actions', {
        name,
        target: null,
        status: spec.onTimeout === 'continue' ? 'skipped' : 'failed',
        detail: `no answer within ${spec.timeout}`,
        startedAt,
      });
      finishStep(step, spec.onTimeout === 'continue' ? 'skipped' : 'failed', null);
      if (spec.onTimeout === 'continue') return;
      throw new StepFailed(`${name}: nobody answered within ${spec.timeout}`);
    }
    run.note('actions', {
      name,
      target: answer.approver,
      status: answer.approve ? 'succeeded' : 'failed',
      detail: `${answer.approve ? 'approved' : 'rejected'} by ${answer.approver}`,
      startedAt,
    });
    finishStep(step, answer.approve ? 'succeeded' : 'failed', { approver: answer.approver, approved: answer.approve });
    if (!answer.approve) throw new StepFailed(`${name}: rejected by ${answer.approver}${answer.comment ? ` ("${answer.comment}")` : ''}`);
  }

  async function troubleshoot(step: TroubleshootStep): Promise<void> {
    const spec = step.troubleshoot;
    const name = step.name ?? step.id;
    const set = input.trees?.[spec.tree];
    if (!set) throw new StepFailed(`${name}: the tree ${spec.tree} was not pinned when the run started`);
    const subject = String(renderTemplate(spec.subject, scope));
    const session = await run.step(
      name,
      subject,
      () =>
        executeChild(troubleshootSession, {
          workflowId: `${workflowInfo().workflowId}.${step.id}`,
          args: [
            {
              trees: set.trees,
              root: spec.tree,
              version: set.version,
              ticket: null,
              user: { id: subject },
              humanQueue: queue,
              directoryOutage: input.directoryOutage,
            },
          ],
          ...(spec.timeout ? { workflowExecutionTimeout: parseDuration(spec.timeout) } : {}),
        }),
      (r) => `session ${r.outcome ?? 'ended'}${r.troubleshooting?.kb ? `, ${r.troubleshooting.kb}` : ''}`,
    );
    // The session's outcome is the step's result; later steps branch on it with `when`.
    finishStep(step, session.outcome === 'resolved' ? 'succeeded' : 'failed', {
      outcome: session.outcome,
      kb: session.troubleshooting?.kb ?? null,
      summary: session.summary,
    });
  }

  async function runStep(step: Step): Promise<void> {
    if (run.closedBy) throw new StepFailed(`the ticket was ${run.closedBy.eventType === 'deleted' ? 'deleted' : `moved to ${run.closedBy.status}`}`);
    if (step.when && !evaluateCondition(step.when, scope)) return skip(step, `condition not met: ${step.when}`);
    switch (stepKind(step)) {
      case 'action':
      case 'notify':
        return callActivity(step as ActionStep | NotifyStep);
      case 'approval':
        return approval(step as ApprovalStep);
      case 'troubleshoot':
        return troubleshoot(step as TroubleshootStep);
      case 'parallel': {
        const children = (step as { parallel: Array<ActionStep | NotifyStep> }).parallel;
        const results = await Promise.allSettled(children.map((child) => runStep(child)));
        const failure =
          results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isCancellation(r.reason)) ??
          results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        finishStep(step, failure ? 'failed' : 'succeeded', null);
        if (failure) throw failure.reason;
        return;
      }
    }
  }

  /** Undoes what was done, newest first; each undo is checked, run and recorded, and one that fails does not stop the others. */
  async function compensate(includeUnfinished: boolean): Promise<{ undone: number; notUndone: string[] }> {
    progress.status = 'compensating';
    const notUndone: string[] = [];
    let undone = 0;
    for (const { step, finished, grant } of [...undoable].reverse()) {
      if (!finished && !includeUnfinished) continue;
      const c = step.compensate!;
      const name = `undo: ${step.name ?? step.id}`;
      const spec = activitySpec(c.activity) as ActivitySpec;
      const startedAt = now();
      let prepared: ReturnType<typeof prepareArgs>;
      try {
        prepared = prepareArgs(c.activity, renderArgs(c.args, scope));
      } catch (err) {
        // A template that cannot be evaluated must not stop the other undo steps.
        prepared = { ok: false, issues: [{ path: 'args', message: errorText(err) }] };
      }
      if (!prepared.ok) {
        run.note('compensations', {
          name,
          target: null,
          status: 'skipped',
          detail: `nothing to undo: ${prepared.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          startedAt,
        });
        continue;
      }
      const target = String(prepared.args[spec.targetArg!]);
      try {
        // An undo runs on the grant of the change it undoes while that is valid (a minute to
        // spare); later, e.g. after a long approval wait, the policy is asked again.
        let undoGrant = grant && Date.parse(grant.expiresAt) - Date.now() > 60_000 ? grant : null;
        if (!undoGrant) {
          const check = await run.checkPermission(
            spec.action!,
            input.requester,
            { by: 'id', id: target },
            spec.grantParams!(prepared.args),
            input.directoryOutage,
          );
          if (!check.decision.allowed) {
            run.note('compensations', { name, target, status: 'failed', detail: `not allowed (${check.decision.rule}); undo it by hand`, startedAt });
            notUndone.push(step.name ?? step.id);
            continue;
          }
          undoGrant = check.grant;
        }
        // Undo steps must get through: more attempts than the step itself had.
        const proxy = proxyActivities<Record<string, Call>>({ startToCloseTimeout: stepTimeout(step), retry: { ...retryPolicy(step), maximumAttempts: 10 } });
        await run.undo(name, target, () => proxy[c.activity]!({ ...prepared.args, grant: undoGrant }), describeResult);
        undone++;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        notUndone.push(step.name ?? step.id);
      }
    }
    return { undone, notUndone };
  }

  try {
    // A requester named by a help-desk account is looked up first, so `run.requester` holds their directory id.
    await identifyRequester();
    for (const step of def.steps) await runStep(step);
  } catch (err) {
    // People closing the ticket stops the run like a cancellation (undone, no hand-off to a closed ticket).
    const cancelled = isCancellation(err) || run.closedBy !== null;
    const refused = err instanceof Refused ? err : null;
    const { undone, notUndone } = await CancellationScope.nonCancellable(() => compensate(cancelled));
    const { outcome, summary } = stoppedRun({
      title: def.title,
      stop: run.closedBy ? 'ticket_closed' : isCancellation(err) ? 'cancelled' : refused ? 'refused' : 'failed',
      reason: err instanceof Error ? err.message : String(err),
      denialRule: refused?.decision.rule ?? null,
      undone,
      notUndone,
    });
    progress.status = outcome;
    if (!cancelled && run.ticket) {
      await CancellationScope.nonCancellable(() => run.handOff(summary, queue, refused ? refused.decision.rule : 'definition_step_failed')).catch(
        () => undefined,
      );
    }
    const record = await run.finish(outcome, summary);
    if (isCancellation(err)) throw err;
    return record;
  }
  progress.status = 'resolved';
  const skipped = progress.completed.filter((s) => s.status === 'skipped').length;
  return run.finish('resolved', `${def.title}: all ${progress.done} step(s) done${skipped ? `, ${skipped} skipped by their conditions` : ''}.`);
}
