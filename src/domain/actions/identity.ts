// The one recipe for an activity execution's identity: which workflow it works for, and the key
// that stays the same across all retries of that one execution while differing from every other
// execution. Audit entries, recorded effects and ticket updates are keyed by it, so a retry finds
// what an earlier attempt did instead of doing it again.
//
// The keys are stored (audit log, effects table, help-desk comment markers): changing their form
// would make a retry after an upgrade repeat its effect. test/unit/domain/actions/identity.test.ts
// pins them.

/** What Temporal tells an activity about itself (the part of its `Info` the identity needs). */
export interface ActivityInfoLike {
  activityId: string;
  /** Absent when the activity runs outside a workflow (tests, standalone tools). */
  workflowExecution?: { workflowId: string; runId: string } | null;
}

export interface ActivityIdentity {
  /** The workflow the activity works for; `activity-<activityId>` when it runs outside one. */
  workflowId: string;
  /** `<workflowId>/<runId>/<activityId>`, or `activity/<activityId>` outside a workflow. */
  key: string;
}

export function activityIdentity(info: ActivityInfoLike): ActivityIdentity {
  const run = info.workflowExecution;
  if (!run) return { workflowId: `activity-${info.activityId}`, key: `activity/${info.activityId}` };
  return { workflowId: run.workflowId, key: `${runKeyPrefix(run.workflowId, run.runId)}${info.activityId}` };
}

/**
 * The kinds of effect keyed by an activity's identity: `reset` (a password reset and its mail),
 * `notify` (a notification part), `action` (the activity's entry in the action log).
 */
export type EffectKind = 'reset' | 'notify' | 'action';

/**
 * The key of one effect of an activity execution: `<kind>:<key>[/<part>]`, or `<key>/<part>`
 * without a kind. One execution may have several effects (`notify` with parts `email` and `chat`).
 */
export function effectKey(identity: Pick<ActivityIdentity, 'key'>, effect: { kind: EffectKind; part?: string } | { kind?: undefined; part: string }): string {
  const base = effect.kind ? `${effect.kind}:${identity.key}` : identity.key;
  return effect.part ? `${base}/${effect.part}` : base;
}

/** The action-log key of one activity execution of a workflow run (see activities/auditInterceptor.ts). */
export function actionAuditKey(workflowId: string, runId: string, activityId: string): string {
  return effectKey(activityIdentity({ activityId, workflowExecution: { workflowId, runId } }), { kind: 'action' });
}

/** What every action-log key of one workflow run starts with, for reading a run's entries by key range. */
export function actionAuditPrefix(workflowId: string, runId: string): string {
  return `action:${runKeyPrefix(workflowId, runId)}`;
}

function runKeyPrefix(workflowId: string, runId: string): string {
  return `${workflowId}/${runId}/`;
}
