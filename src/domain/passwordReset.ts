import type { UserFacts } from './permissions/directory.js';
import type { PermissionDecision } from './permissions/permission.js';
import type { Outcome } from './records/resolution.js';

export type PasswordResetPlan = { proceed: true } | { proceed: false; outcome: Exclude<Outcome, 'resolved'>; reason: string; ticketComment: string };

/**
 * Decides whether the reset may go ahead, and what the requester is told when it may not.
 * Comments never contain the reason's internals beyond what the requester may know.
 */
export function planPasswordReset(input: {
  requester: UserFacts | null;
  targetAccount: string | null;
  target: UserFacts | null;
  decision: PermissionDecision | null;
}): PasswordResetPlan {
  const { requester, target, decision } = input;
  if (decision && (decision.rule === 'directory_unavailable' || decision.rule === 'directory_refused')) {
    return {
      proceed: false,
      outcome: 'escalated',
      reason: decision.rule,
      ticketComment:
        'Automated password reset could not run: the directory could not be checked, so nothing was changed. The ticket has been routed to the service desk.',
    };
  }
  if (!requester) {
    return {
      proceed: false,
      outcome: 'escalated',
      reason: 'requester_not_found',
      ticketComment: 'Automated password reset could not run: requester not found in directory. The ticket has been routed to the service desk.',
    };
  }
  if (!target) {
    return {
      proceed: false,
      outcome: 'escalated',
      reason: 'target_not_found',
      ticketComment: `Automated password reset could not run: the account "${input.targetAccount ?? requester.id}" was not found in the directory. The ticket has been routed to the service desk.`,
    };
  }
  if (!target.enabled) {
    return {
      proceed: false,
      outcome: 'refused',
      reason: 'target_disabled',
      ticketComment: `The account ${target.id} is disabled, so its password was not reset. The service desk will contact you.`,
    };
  }
  if (!decision?.allowed) {
    return {
      proceed: false,
      outcome: 'refused',
      reason: decision?.rule ?? 'no_decision',
      ticketComment: `The password of ${target.id} was not reset: ${decision?.reason ?? 'no permission decision was made.'} The ticket has been routed to the service desk.`,
    };
  }
  if (!target.hasEmail) {
    return {
      proceed: false,
      outcome: 'escalated',
      reason: 'no_registered_email',
      ticketComment: `The account ${target.id} has no registered e-mail address to receive a temporary password. The service desk will help you in person.`,
    };
  }
  return { proceed: true };
}

export function resetDoneComment(target: string): string {
  return `The password of ${target} has been reset. A temporary password was sent to the account's registered e-mail address; you will be asked to change it at the next sign-in.`;
}

export function resetFailedComment(target: string, cause: string): string {
  return `The password of ${target} could not be reset (${cause}). The ticket has been routed to the service desk.`;
}
