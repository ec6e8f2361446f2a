import { ActivityFailure } from '@temporalio/workflow';
import { PASSWORD_RESET_ACTION, planPasswordReset, resetDoneComment, resetFailedComment } from '../domain/passwordReset.js';
import type { ResolutionRecord } from '../domain/resolution.js';
import type { WorkflowTicket } from '../domain/ticket.js';
import { acts, SupportRun } from './supportRun.js';

export interface PasswordResetInput {
  ticket: WorkflowTicket;
  /** Account to reset; the requester's own account when absent. */
  targetAccount?: string;
  /** Queue that takes over when automation cannot finish. */
  humanQueue?: string;
}

/** Password reset requested through a ticket: directory, permission, reset + e-mail, ticket. */
export async function passwordReset(input: PasswordResetInput): Promise<ResolutionRecord> {
  const run = new SupportRun(input.ticket);
  const { ticketRef } = run;
  const externalId = input.ticket.requesterExternalId;

  const requester = externalId
    ? await run.step('look up requester', null, () => acts.lookupUser({ by: 'externalId', system: input.ticket.source, externalId }), (u) => (u ? `found ${u.id}` : 'not found'))
    : null;
  run.record = { ...run.record, requester: { externalId, userId: requester?.id ?? null } };

  let checked = null;
  if (requester) {
    const targetId = input.targetAccount ?? requester.id;
    run.record = { ...run.record, target: targetId };
    checked = await run.step(
      'check permission',
      targetId,
      () => acts.checkPermission({ action: PASSWORD_RESET_ACTION, requester: { by: 'id', id: requester.id }, target: { by: 'id', id: targetId } }),
      (r) => `${r.decision.allowed ? 'allowed' : 'denied'} by ${r.decision.rule}`,
    );
    run.decided(checked.decision);
  }

  const plan = planPasswordReset({
    requester,
    targetAccount: input.targetAccount ?? null,
    target: checked?.target ?? null,
    decision: checked?.decision ?? null,
  });
  if (!plan.proceed) {
    await run.handOff(plan.ticketComment, input.humanQueue ?? 'service-desk', plan.reason);
    return run.finish(plan.outcome, plan.ticketComment);
  }

  const targetId = checked!.target!.id;
  if (run.closedBy) return run.cancelledByTicket();
  try {
    await run.step('reset password', targetId, () => acts.resetPasswordAndNotify({ userId: targetId }), () => 'temporary password sent to the registered e-mail address');
  } catch (err) {
    // Retries are exhausted or the failure is final (e.g. the account was disabled meanwhile):
    // a person takes over, and the record says what happened.
    if (!(err instanceof ActivityFailure)) throw err;
    const comment = resetFailedComment(targetId, err.cause?.message ?? err.message);
    await run.handOff(comment, input.humanQueue ?? 'service-desk', 'reset_failed');
    return run.finish('failed', comment);
  }
  const summary = resetDoneComment(targetId);
  await run.step('comment on ticket', ticketRef.key, () => acts.commentOnTicket({ ticket: ticketRef, body: summary, visibility: 'public' }), () => 'told the requester');
  await run.step('resolve ticket', ticketRef.key, () => acts.resolveTicket({ ticket: ticketRef, note: summary }), () => 'resolved');
  return run.finish('resolved', summary);
}
