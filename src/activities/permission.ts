import { ApplicationFailure, Context } from '@temporalio/activity';
import { activityGrantRequest, type ChangeActivity, type ChangeInput } from '../domain/actions/catalog.js';
import { activityIdentity, effectKey } from '../domain/actions/identity.js';
import { toFacts, UserLookup, type UserFacts } from '../domain/permissions/directory.js';
import { ticketOfWorkflow } from '../domain/records/audit.js';
import { parseOrThrow } from '../domain/errors.js';
import { paramsHash, signGrant, verifyGrant, type ExpectedGrant, type Grant } from '../domain/permissions/grants.js';
import { directoryProblemDecision, evaluatePermission, type PermissionDecision, type PermissionPolicy } from '../domain/permissions/permission.js';
import { DirectoryRefusedError, DirectoryUnavailableError, type DirectoryPort } from './directory/port.js';
import type { EngineStore } from './records/port.js';

export interface PermissionDeps {
  directory: DirectoryPort;
  policy: PermissionPolicy;
  store: EngineStore;
  grants: { key: string; ttlMs: number };
  /** Retry an unreachable directory for this long, then deny. */
  directoryBudgetMs: number;
}

export interface PermissionCheck {
  decision: PermissionDecision;
  requester: UserFacts | null;
  target: UserFacts | null;
  /** Present only when allowed: the proof a change activity demands. */
  grant: Grant | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function activityContext() {
  const identity = activityIdentity(Context.current().info);
  // Audit entries name the ticket for queries.
  return { ...identity, ticket: ticketOfWorkflow(identity.workflowId) };
}

export function createPermissionActivities(deps: PermissionDeps) {
  async function facts(lookup: UserLookup): Promise<UserFacts | null> {
    const user = await deps.directory.findUser(parseOrThrow(UserLookup, lookup, 'user lookup'));
    return user ? toFacts(user, await deps.directory.groupsOf(user)) : null;
  }

  /** Directory lookups, retried with backoff while the directory is unreachable, within the budget. */
  async function lookupWithinBudget(requester: UserLookup, target: UserLookup) {
    const deadline = Date.now() + deps.directoryBudgetMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return { requester: await facts(requester), target: await facts(target) };
      } catch (e) {
        if (!(e instanceof DirectoryUnavailableError) || Date.now() + 100 * 2 ** attempt >= deadline) throw e;
        await sleep(Math.min(100 * 2 ** attempt, deadline - Date.now()));
      }
    }
  }

  return {
    /**
     * Decides whether `requester` may ask for `action` on `target` with `params`, and, when allowed,
     * signs a grant for exactly that change in this workflow. Fails closed: an unreachable or
     * refusing directory is a deny with its reason, never an error that could be read as "maybe".
     * Every decision goes to the audit log once, however often the activity is retried.
     */
    async checkPermission(input: { action: string; requester: UserLookup; target: UserLookup; params: Record<string, unknown> }): Promise<PermissionCheck> {
      const ctx = activityContext();
      let result: PermissionCheck;
      try {
        const { requester, target } = await lookupWithinBudget(input.requester, input.target);
        // For actions that create accounts, the id asked for names the account-to-be.
        const targetId = input.target.by === 'id' ? input.target.id : undefined;
        const decision = evaluatePermission(deps.policy, { action: input.action, requester, target, targetId });
        const now = Date.now();
        const grantTarget = target?.id ?? (decision.allowed ? decision.facts.target : null);
        const grant =
          decision.allowed && requester && grantTarget
            ? signGrant(
                {
                  action: input.action,
                  requester: requester.id,
                  target: grantTarget,
                  paramsHash: paramsHash(input.params),
                  workflowId: ctx.workflowId,
                  rule: decision.rule,
                  issuedAt: new Date(now).toISOString(),
                  expiresAt: new Date(now + deps.grants.ttlMs).toISOString(),
                },
                deps.grants.key,
              )
            : null;
        result = { decision, requester, target, grant };
      } catch (e) {
        if (e instanceof DirectoryUnavailableError) {
          result = { decision: directoryProblemDecision(input.action, 'directory_unavailable', e.message), requester: null, target: null, grant: null };
        } else if (e instanceof DirectoryRefusedError) {
          result = { decision: directoryProblemDecision(input.action, 'directory_refused', `code ${e.code}`), requester: null, target: null, grant: null };
        } else throw e;
      }
      const { decision } = result;
      await deps.store.appendAudit(
        {
          at: new Date().toISOString(),
          kind: 'permission.decision',
          actor: decision.facts.requester ?? 'unknown',
          subject: ctx.workflowId,
          outcome: decision.allowed ? 'allowed' : 'denied',
          reason: decision.rule,
          details: {
            ticket: ctx.ticket,
            action: input.action,
            target: decision.facts.target,
            relation: decision.facts.relation,
            requesterGroups: decision.facts.requesterGroups,
            targetGroups: decision.facts.targetGroups,
          },
        },
        ctx.key,
      );
      return result;
    },
  };
}

/**
 * The guard every side-effecting activity runs first. A missing, forged, expired or mismatched
 * grant fails without retries and leaves a security event in the audit log.
 */
export async function requireGrant(
  deps: Pick<PermissionDeps, 'grants' | 'store'>,
  grant: unknown,
  expected: Omit<ExpectedGrant, 'workflowId'>,
): Promise<Grant> {
  const ctx = activityContext();
  const check = verifyGrant(grant, { ...expected, workflowId: ctx.workflowId }, deps.grants.key, Date.now());
  if (check.ok) return check.grant;
  await deps.store.appendAudit(
    {
      at: new Date().toISOString(),
      kind: 'security',
      actor: 'engine',
      subject: ctx.workflowId,
      outcome: 'rejected',
      reason: `grant_${check.reason}`,
      details: { ticket: ctx.ticket, action: expected.action, target: expected.target },
    },
    effectKey(ctx, { part: 'grant' }),
  );
  throw ApplicationFailure.nonRetryable(
    `refused ${expected.action} on ${expected.target}: permission grant ${check.reason.replace('_', ' ')}`,
    'GrantRejected',
  );
}

/**
 * The guard of change activity `activity`: the grant it demands comes from the action catalog
 * (action, target and bound parameters read from the activity's own arguments). Arguments that do
 * not hold what the action needs fail for good before anything is checked or changed.
 */
export async function requireGrantFor<N extends ChangeActivity>(
  deps: Pick<PermissionDeps, 'grants' | 'store'>,
  activity: N,
  input: ChangeInput<N> & { grant: unknown },
): Promise<Grant> {
  const expected = activityGrantRequest(activity, input);
  if (!expected.ok) throw ApplicationFailure.nonRetryable(`${activity}: invalid input (${expected.issues.join('; ')})`, 'InvalidInput');
  return requireGrant(deps, input.grant, expected.request);
}

export type PermissionActivities = ReturnType<typeof createPermissionActivities>;
