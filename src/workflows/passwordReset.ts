import { ActivityFailure } from '@temporalio/workflow';
import type { DirectoryOutagePolicy } from '../domain/permissions/outage.js';
import { PASSWORD_RESET_ACTION } from '../domain/actions/catalog.js';
import { planPasswordReset, resetDoneComment, resetFailedComment } from '../domain/passwordReset.js';
import type { ResolutionRecord } from '../domain/records/resolution.js';
import type { WorkflowTicket } from '../domain/tickets/ticket.js';
import { acts, SupportRun } from './shared/supportRun.js';

export interface PasswordResetInput {
  ticket: WorkflowTicket;
  /** Account to reset; the requester's own account when absent. */
  targetAccount?: string;
  /** Queue that takes over when automation cannot finish. */
  humanQueue?: string;
  /** While the directory is unreachable: how often to check again, and when to give up. */
  directoryOutage?: DirectoryOutagePolicy;
}

/** Password reset requested through a ticket: permission (directory + policy), reset + e-mail, ticket. */
export async function passwordReset(input: PasswordResetInput): Promise<ResolutionRecord> {
  const run = new SupportRun(input.ticket);
  return run.guard(async () => {
    const { ticketRef } = run;
    const externalId = input.ticket.requesterExternalId;
    const queue = input.humanQueue ?? 'service-desk';

    // The requester is whoever the help desk says raised the ticket; the target defaults to them.
    const requesterLookup = externalId ? ({ by: 'externalId', system: input.ticket.source, externalId } as const) : null;
    const check = requesterLookup
      ? await run.checkPermission(
          PASSWORD_RESET_ACTION,
          requesterLookup,
          input.targetAccount ? { by: 'id', id: input.targetAccount } : requesterLookup,
          {},
          input.directoryOutage,
        )
      : null;
    run.record = {
      ...run.record,
      requester: { externalId, userId: check?.requester?.id ?? null },
      target: check?.target?.id ?? input.targetAccount ?? check?.requester?.id ?? null,
    };

    const plan = planPasswordReset({
      requester: check?.requester ?? null,
      targetAccount: input.targetAccount ?? null,
      target: check?.target ?? null,
      decision: check?.decision ?? null,
    });
    if (!plan.proceed) {
      await run.handOff(plan.ticketComment, queue, plan.reason);
      return run.finish(plan.outcome, plan.ticketComment);
    }

    const targetId = check!.target!.id;
    if (run.closedBy) return run.cancelledByTicket();
    try {
      await run.step(
        'reset password',
        targetId,
        () => acts.resetPasswordAndNotify({ userId: targetId, grant: check!.grant }),
        () => 'temporary password sent to the registered e-mail address',
      );
    } catch (err) {
      // Retries are exhausted or the failure is final (e.g. the account was disabled meanwhile):
      // a person takes over, and the record says what happened.
      if (!(err instanceof ActivityFailure)) throw err;
      const comment = resetFailedComment(targetId, err.cause?.message ?? err.message);
      await run.handOff(comment, queue, 'reset_failed');
      return run.finish('failed', comment);
    }
    const summary = resetDoneComment(targetId);
    await run.step(
      'comment on ticket',
      ticketRef.key,
      () => acts.commentOnTicket({ ticket: ticketRef, body: summary, visibility: 'public' }),
      () => 'told the requester',
    );
    await run.step(
      'resolve ticket',
      ticketRef.key,
      () => acts.resolveTicket({ ticket: ticketRef, note: summary }),
      () => 'resolved',
    );
    return run.finish('resolved', summary);
  });
}
