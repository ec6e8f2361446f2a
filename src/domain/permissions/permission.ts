import { z } from 'zod';
import type { UserFacts } from './directory.js';

export const Condition = z.strictObject({
  /** self: requester is the target; manager: requester is the target's manager. */
  relation: z.enum(['self', 'manager']).optional(),
  requesterInAny: z.array(z.string()).min(1).optional(),
  targetInAny: z.array(z.string()).min(1).optional(),
  targetEnabled: z.boolean().optional(),
  targetLocked: z.boolean().optional(),
  /** For deny rules: the rule does not apply when the requester is in one of these groups. */
  unlessRequesterInAny: z.array(z.string()).min(1).optional(),
});
export type Condition = z.infer<typeof Condition>;

export const PolicyRule = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  description: z.string().min(1),
  when: Condition,
});
export type PolicyRule = z.infer<typeof PolicyRule>;

export const ActionPolicy = z.strictObject({
  /**
   * The action creates the target account (onboarding): a target that is not in the directory yet
   * is judged as a new, empty account (no groups, no manager, enabled), so only requester-side rules
   * can allow it. An existing target is judged as itself.
   */
  newAccounts: z.boolean().default(false),
  /** Deny rules are checked first and override any allow. */
  deny: z.array(PolicyRule).default([]),
  allow: z.array(PolicyRule).default([]),
});

export const PermissionPolicy = z.strictObject({
  actions: z.record(z.string().regex(/^[a-z]+(\.[a-z-]+)+$/, 'action names look like password.reset'), ActionPolicy),
});
export type PermissionPolicy = z.infer<typeof PermissionPolicy>;

export interface PermissionRequest {
  action: string;
  requester: UserFacts | null;
  target: UserFacts | null;
  /** The account id asked for, used as the new account's id when the action creates accounts. */
  targetId?: string;
}

export interface PermissionDecision {
  action: string;
  allowed: boolean;
  /** The rule that decided, or a built-in reason code such as `requester_not_found`. */
  rule: string;
  /** One sentence a support specialist can read. */
  reason: string;
  facts: {
    requester: string | null;
    target: string | null;
    relation: 'self' | 'manager' | 'none';
    requesterGroups: string[];
    targetGroups: string[];
    targetEnabled: boolean | null;
  };
}

function relationOf(requester: UserFacts, target: UserFacts): 'self' | 'manager' | 'none' {
  if (requester.id === target.id) return 'self';
  if (target.manager === requester.id) return 'manager';
  return 'none';
}

const overlap = (a: readonly string[], b: readonly string[]) => a.filter((x) => b.includes(x));

/** True when every stated part of the condition holds. */
export function conditionHolds(c: Condition, requester: UserFacts, target: UserFacts): boolean {
  return (
    (c.relation === undefined || relationOf(requester, target) === c.relation) &&
    (c.requesterInAny === undefined || overlap(c.requesterInAny, requester.groups).length > 0) &&
    (c.targetInAny === undefined || overlap(c.targetInAny, target.groups).length > 0) &&
    (c.targetEnabled === undefined || target.enabled === c.targetEnabled) &&
    (c.targetLocked === undefined || target.locked === c.targetLocked) &&
    (c.unlessRequesterInAny === undefined || overlap(c.unlessRequesterInAny, requester.groups).length === 0)
  );
}

/**
 * Default deny. Unknown or disabled requesters, unknown targets and actions without a policy
 * are denied before any rule is read; then deny rules override allow rules.
 */
export function evaluatePermission(policy: PermissionPolicy, req: PermissionRequest): PermissionDecision {
  const { requester } = req;
  const actionPolicy = policy.actions[req.action];
  const target = req.target ?? (actionPolicy?.newAccounts && req.targetId ? newAccount(req.targetId) : null);
  const facts: PermissionDecision['facts'] = {
    requester: requester?.id ?? null,
    target: target?.id ?? null,
    relation: requester && target ? relationOf(requester, target) : 'none',
    requesterGroups: requester?.groups ?? [],
    targetGroups: target?.groups ?? [],
    targetEnabled: target?.enabled ?? null,
  };
  const deny = (rule: string, reason: string): PermissionDecision => ({ action: req.action, allowed: false, rule, reason, facts });

  if (!actionPolicy) return deny('no_policy', `No policy covers ${req.action}, so it is denied by default.`);
  if (!requester) return deny('requester_not_found', 'The requester was not found in the directory.');
  if (!requester.enabled) return deny('requester_disabled', `The requester's account ${requester.id} is disabled.`);
  if (!target) return deny('target_not_found', 'The target account was not found in the directory.');

  const denied = actionPolicy.deny.find((r) => conditionHolds(r.when, requester, target));
  if (denied) return deny(denied.id, denied.description);
  const allowed = actionPolicy.allow.find((r) => conditionHolds(r.when, requester, target));
  if (allowed) return { action: req.action, allowed: true, rule: allowed.id, reason: allowed.description, facts };
  return deny('no_rule_allows', `No rule allows ${requester.id} to request ${req.action} for ${target.id}.`);
}

/** What a not-yet-created account looks like to the policy. */
function newAccount(id: string): UserFacts {
  return { id, enabled: true, locked: false, groups: [], hasEmail: false };
}

/**
 * Fail closed: when the directory could not be asked, or refused to answer, the decision is a deny
 * that says why, never an allow.
 */
export function directoryProblemDecision(action: string, problem: 'directory_unavailable' | 'directory_refused', detail: string): PermissionDecision {
  const reason =
    problem === 'directory_unavailable'
      ? `The directory could not be reached (${detail}), so nothing was allowed.`
      : `The directory refused the lookup (${detail}), so nothing was allowed.`;
  return {
    action,
    allowed: false,
    rule: problem,
    reason,
    facts: { requester: null, target: null, relation: 'none', requesterGroups: [], targetGroups: [], targetEnabled: null },
  };
}

/** Denials where nothing was decided about the person (unknown accounts, directory trouble). */
const UNDECIDED = new Set(['requester_not_found', 'target_not_found', 'directory_unavailable', 'directory_refused']);

/** How a run that was denied ends: people take over when nothing could be decided, else a refusal. */
export function denialOutcome(rule: string): 'escalated' | 'refused' {
  return UNDECIDED.has(rule) ? 'escalated' : 'refused';
}
