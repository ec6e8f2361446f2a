import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import type { Info } from '@temporalio/activity';
import { actionAuditKey } from '../domain/actions/identity.js';
import { ticketOfWorkflow } from '../domain/records/audit.js';
import { redactValue, type RedactionPolicy } from '../domain/records/redactionPolicy.js';
import type { EngineStore } from './records/port.js';

/** Activities left out of the action log (none: the permission check gets its decision entry and its action entry). */
const SELF_AUDITED = new Set<string>();

/** Whether Temporal will not run this activity again after `err` (so its outcome is final). */
function isFinal(err: unknown, info: Info): boolean {
  if (err instanceof CancelledFailure) return true;
  if (err instanceof ApplicationFailure && err.nonRetryable) return true;
  const type = err instanceof ApplicationFailure ? err.type : err instanceof Error ? err.name : undefined;
  if (type && info.retryPolicy?.nonRetryableErrorTypes?.includes(type)) return true;
  const max = info.retryPolicy?.maximumAttempts ?? 0;
  return max > 0 && info.attempt >= max;
}

/**
 * One audit entry per automated action: every activity execution appends, when its outcome is
 * final, an `action` entry with the activity, the attempts Temporal made and its redacted arguments.
 * The entry is keyed by workflow, run and activity id, so a retry, or an attempt that ends after a
 * worker restart, never writes it twice. Failed attempts that Temporal will retry write nothing:
 * the final entry counts them.
 */
export function auditInterceptors(deps: { store: EngineStore; redaction: RedactionPolicy }): ActivityInterceptorsFactory[] {
  return [
    (ctx) => {
      const inbound: ActivityInboundCallsInterceptor = {
        async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
          const info = ctx.info;
          const run = info.workflowExecution;
          if (SELF_AUDITED.has(info.activityType) || !run) return next(input);
          const write = async (outcome: 'succeeded' | 'failed', reason?: string) => {
            const ticket = ticketOfWorkflow(run.workflowId);
            await deps.store.appendAudit(
              {
                at: new Date().toISOString(),
                kind: 'action',
                actor: 'engine',
                subject: ticket ?? run.workflowId,
                outcome,
                reason: reason === undefined ? undefined : String(redactValue(reason, deps.redaction)),
                details: {
                  action: info.activityType,
                  workflowId: run.workflowId,
                  runId: run.runId,
                  workflowType: info.workflowType,
                  activityId: info.activityId,
                  attempts: info.attempt,
                  firstScheduledAt: new Date(info.scheduledTimestampMs).toISOString(),
                  parameters: redactValue(input.args.length === 1 ? input.args[0] : input.args, deps.redaction),
                  ...(ticket ? { ticket } : {}),
                },
              },
              actionAuditKey(run.workflowId, run.runId, info.activityId),
            );
          };
          let result: unknown;
          try {
            result = await next(input);
          } catch (err) {
            if (isFinal(err, info)) await write('failed', err instanceof Error ? err.message : String(err));
            throw err;
          }
          await write('succeeded');
          return result;
        },
      };
      return { inbound };
    },
  ];
}
