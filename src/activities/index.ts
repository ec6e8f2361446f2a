import { ApplicationFailure, Context } from '@temporalio/activity';
import { toFacts, UserLookup, type UserFacts } from '../domain/directory.js';
import { parseOrThrow } from '../domain/errors.js';
import { evaluatePermission, type PermissionDecision, type PermissionPolicy } from '../domain/permission.js';
import type { DirectoryPort } from './directory/port.js';
import { temporaryPassword } from './directory/password.js';
import type { Mailer } from './notify/port.js';
import type { TicketRef, TicketUpdates, UpdateContext } from './ticketing/port.js';

export interface ActivityDeps {
  directory: DirectoryPort;
  ticketing: TicketUpdates;
  mailer: Mailer;
  policy: PermissionPolicy;
}

/** Stable across retries of one activity, so effects can be applied at most once. */
function updateContext(): UpdateContext {
  const info = Context.current().info;
  const run = info.workflowExecution;
  const idempotencyKey = run ? `${run.workflowId}/${run.runId}/${info.activityId}` : `activity/${info.activityId}`;
  return { idempotencyKey, attempt: info.attempt };
}

export function createActivities(deps: ActivityDeps) {
  const { directory, ticketing, mailer, policy } = deps;

  async function facts(lookup: UserLookup): Promise<UserFacts | null> {
    const user = await directory.findUser(parseOrThrow(UserLookup, lookup, 'user lookup'));
    return user ? toFacts(user, await directory.groupsOf(user)) : null;
  }

  return {
    /** Directory facts without personal data (they go into workflow history). */
    async lookupUser(lookup: UserLookup): Promise<UserFacts | null> {
      return facts(lookup);
    },

    async checkPermission(input: { action: string; requester: UserLookup; target: UserLookup }): Promise<{
      decision: PermissionDecision;
      requester: UserFacts | null;
      target: UserFacts | null;
    }> {
      const requester = await facts(input.requester);
      const target = await facts(input.target);
      return { decision: evaluatePermission(policy, { action: input.action, requester, target }), requester, target };
    },

    /**
     * Sets a fresh temporary password and mails it to the account's registered address in one
     * step, so the secret never leaves this function: not in its result, not in any log.
     */
    async resetPasswordAndNotify(input: { userId: string }): Promise<{ messageId: string; delivery: 'registered-email' }> {
      const user = await directory.findUser({ by: 'id', id: input.userId });
      if (!user) throw ApplicationFailure.nonRetryable(`account ${input.userId} no longer exists`, 'TargetGone');
      if (!user.enabled) throw ApplicationFailure.nonRetryable(`account ${input.userId} is disabled`, 'TargetDisabled');
      if (!user.email) throw ApplicationFailure.nonRetryable(`account ${input.userId} has no registered e-mail`, 'NoEmail');
      const password = temporaryPassword();
      await directory.setPassword(user.id, password, { mustChange: true });
      const { messageId } = await mailer.send({
        to: user.email,
        subject: 'Your temporary password',
        text:
          `Hello ${user.displayName},\n\nYour password was reset at your request. Your temporary password is:\n\n` +
          `    ${password}\n\nYou will be asked to choose a new password when you next sign in.\n` +
          `If you did not ask for this, contact the service desk at once.\n`,
      });
      return { messageId, delivery: 'registered-email' };
    },

    async commentOnTicket(input: { ticket: TicketRef; body: string; visibility: 'internal' | 'public' }): Promise<void> {
      await ticketing.addComment(input.ticket, { body: input.body, visibility: input.visibility, ...updateContext() });
    },

    async resolveTicket(input: { ticket: TicketRef; note: string }): Promise<void> {
      await ticketing.resolve(input.ticket, { note: input.note, ...updateContext() });
    },

    async routeTicketToQueue(input: { ticket: TicketRef; queue: string; reason: string }): Promise<void> {
      await ticketing.routeToQueue(input.ticket, { queue: input.queue, reason: input.reason, ...updateContext() });
    },
  };
}

export type SupportActivities = ReturnType<typeof createActivities>;
