import type { DirectoryOutagePolicy } from '../domain/permissions/outage.js';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { DirectoryPort } from '../activities/directory/port.js';
import type { EndpointPort } from '../activities/endpoints/port.js';
import type { EngineStore } from '../activities/records/port.js';
import { toFacts } from '../domain/permissions/directory.js';
import { progressFromRecord, type Progress } from '../domain/progress.js';
import type { ResolutionRecord } from '../domain/records/resolution.js';
import type { SelfServiceCatalog } from '../domain/selfService/catalog.js';
import { ELEVATION_ATTEMPTS } from '../domain/selfService/refusals.js';
import { checkRequest, visibleAutomations, type CallerContext } from '../domain/selfService/request.js';
import { progressQuery } from '../workflows/messages.js';
import type { SelfServiceInput } from '../workflows/selfService.js';

export interface SelfServiceDeps {
  client: Client;
  taskQueue: string;
  catalog: SelfServiceCatalog;
  directory: DirectoryPort;
  endpoints: EndpointPort;
  store: EngineStore;
  adminGroups?: string[];
  now?: () => Date;
  /** Passed to started runs: how they wait out a directory outage (DIRECTORY_*). */
  directoryOutage?: DirectoryOutagePolicy;
}

export type Answer = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

/** Who the caller is, from the token's subject only: directory facts and the devices they own. */
export async function callerContext(deps: SelfServiceDeps, subject: string): Promise<CallerContext> {
  const user = await deps.directory.findUser({ by: 'id', id: subject });
  if (!user) return { user: null, devices: [], adminGroups: deps.adminGroups };
  const facts = toFacts(user, await deps.directory.groupsOf(user));
  const devices = (await deps.endpoints.devicesOf(user.id)).map((d) => d.id);
  return { user: facts, devices, adminGroups: deps.adminGroups };
}

export async function catalogFor(deps: SelfServiceDeps, subject: string): Promise<Answer> {
  const caller = await callerContext(deps, subject);
  if (!caller.user?.enabled)
    return { status: 403, body: { error: caller.user ? 'caller_disabled' : 'caller_unknown', message: 'your account cannot use self-service' } };
  return { status: 200, body: { automations: visibleAutomations(deps.catalog, caller) } };
}

const workflowIdFor = (automation: string, caller: string) => `self-${automation}-${caller}`;

/** A claim not given back within this long belongs to a process that died; the next request takes it over. */
export const CLAIM_STALE_MS = 30_000;
/** How long a request waits its turn behind identical ones before it is answered 409. */
export const CLAIM_WAIT_MS = 3_000;
const CLAIM_POLL_MS = 10;

/** Identical requests take turns, so each is answered for what it finds (running, cooling down). */
async function waitForClaim(deps: SelfServiceDeps, subject: string, automation: string, now: Date): Promise<string | null> {
  const giveUpAt = Date.now() + CLAIM_WAIT_MS;
  for (;;) {
    const claim = await deps.store.claimSelfService(subject, automation, now, CLAIM_STALE_MS);
    if (claim !== null || Date.now() >= giveUpAt) return claim;
    await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
  }
}

/**
 * A self-service request: every guardrail first (pure, src/domain/selfService/catalog.ts), then a start whose
 * workflow id is per caller and automation, so a second request while one runs is a 409 naming it.
 * Checking the limits and recording a start happen under one claim per caller and automation, held
 * in the engine database: identical requests at once, in any interleaving and on any API instance
 * sharing it, are checked one after the other, so one starts and the others find it running or
 * cooling down.
 */
export async function requestAutomation(
  deps: SelfServiceDeps,
  subject: string,
  body: { automation: string; inputs?: unknown; target?: unknown },
): Promise<Answer> {
  const now = deps.now?.() ?? new Date();
  const workflowId = workflowIdFor(body.automation, subject);
  const claim = await waitForClaim(deps, subject, body.automation, now);
  if (claim === null) return alreadyRunning(deps, subject, body.automation, workflowId, now);
  try {
    return await checkedStart(deps, subject, body, workflowId, now);
  } finally {
    await deps.store.releaseSelfService(subject, body.automation, claim);
  }
}

async function checkedStart(
  deps: SelfServiceDeps,
  subject: string,
  body: { automation: string; inputs?: unknown; target?: unknown },
  workflowId: string,
  now: Date,
): Promise<Answer> {
  const caller = await callerContext(deps, subject);
  const last = await deps.client.workflow
    .getHandle(workflowId)
    .describe()
    .catch((e: unknown) => (e instanceof WorkflowNotFoundError ? null : Promise.reject(e)));
  const history = {
    startsLast24h: await deps.store.selfServiceStarts(subject, body.automation, new Date(now.getTime() - 86_400_000)),
    lastFinishedAt: last?.closeTime?.toISOString() ?? null,
  };
  const plan = checkRequest(deps.catalog, { automation: body.automation, inputs: body.inputs ?? {}, target: body.target }, caller, history, now);
  if (!plan.ok) {
    await deps.store.appendAudit({
      at: now.toISOString(),
      kind: ELEVATION_ATTEMPTS.has(plan.reason) ? 'security' : 'selfservice.request',
      actor: subject,
      subject: `self-service:${body.automation}`,
      outcome: 'rejected',
      reason: plan.reason,
      details: { status: plan.status, fields: plan.issues?.map((i) => i.path) ?? [] },
    });
    const shown =
      plan.reason === 'not_published'
        ? { error: 'unknown_automation', message: 'no such automation' }
        : { error: plan.reason, message: plan.message, issues: plan.issues };
    return { status: plan.status, body: shown, headers: plan.retryAfterSeconds ? { 'retry-after': String(plan.retryAfterSeconds) } : undefined };
  }
  // A run still going is the caller's request: starting now could follow it the moment it ends,
  // past the cool-down its end starts.
  if (last?.status.name === 'RUNNING') return alreadyRunning(deps, subject, plan.entry.id, workflowId, now);
  const input: SelfServiceInput = {
    automation: { id: plan.entry.id, version: plan.entry.version },
    caller: subject,
    requestedAt: now.toISOString(),
    target: plan.target,
    inputs: plan.inputs,
    approval: plan.approval,
    directoryOutage: deps.directoryOutage,
  };
  try {
    await deps.client.workflow.start(plan.entry.workflow, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      memo: { caller: subject, automation: plan.entry.id },
    });
  } catch (e) {
    // Started by an instance whose claim had gone stale (its process stalled past CLAIM_STALE_MS).
    if (e instanceof WorkflowExecutionAlreadyStartedError) return alreadyRunning(deps, subject, plan.entry.id, workflowId, now);
    throw e;
  }
  await deps.store.recordSelfServiceStart(subject, plan.entry.id, now, workflowId);
  await deps.store.appendAudit({
    at: now.toISOString(),
    kind: 'selfservice.request',
    actor: subject,
    subject: `self-service:${plan.entry.id}`,
    outcome: 'accepted',
    details: { requestId: workflowId, target: plan.target },
  });
  return { status: 202, body: { requestId: workflowId, automation: plan.entry.id, status: 'started' } };
}

/** The caller has this request running or being started: 409 naming it, audited. */
async function alreadyRunning(deps: SelfServiceDeps, subject: string, automation: string, workflowId: string, now: Date): Promise<Answer> {
  await deps.store.appendAudit({
    at: now.toISOString(),
    kind: 'selfservice.request',
    actor: subject,
    subject: `self-service:${automation}`,
    outcome: 'rejected',
    reason: 'already_running',
    details: { status: 409, requestId: workflowId },
  });
  return { status: 409, body: { error: 'already_running', message: `a ${automation} request of yours is running or being started`, requestId: workflowId } };
}

async function ownHandle(deps: SelfServiceDeps, subject: string, requestId: string) {
  const handle = deps.client.workflow.getHandle(requestId);
  const description = await handle.describe().catch((e: unknown) => (e instanceof WorkflowNotFoundError ? null : Promise.reject(e)));
  // Someone else's request looks exactly like one that does not exist.
  if (!description || description.memo?.caller !== subject) return null;
  return { handle, description };
}

export async function requestStatus(deps: SelfServiceDeps, subject: string, requestId: string): Promise<Answer> {
  const own = await ownHandle(deps, subject, requestId);
  if (!own) return { status: 404, body: { error: 'not_found', message: `no request ${requestId}` } };
  const status = own.description.status.name;
  let progress: Progress | null = null;
  let result: ResolutionRecord | null = null;
  if (status === 'COMPLETED') {
    result = (await own.handle.result()) as ResolutionRecord;
    progress = progressFromRecord(result);
  } else if (status === 'RUNNING') {
    progress = await deps.client.connection.withDeadline(Date.now() + 2000, () => own.handle.query(progressQuery)).catch(() => null);
  }
  return {
    status: 200,
    body: { requestId, automation: own.description.memo?.automation, status, progress, outcome: result?.outcome ?? null, summary: result?.summary ?? null },
  };
}

export async function cancelRequest(deps: SelfServiceDeps, subject: string, requestId: string): Promise<Answer> {
  const own = await ownHandle(deps, subject, requestId);
  if (!own) return { status: 404, body: { error: 'not_found', message: `no request ${requestId}` } };
  if (own.description.status.name !== 'RUNNING')
    return { status: 409, body: { error: 'not_running', message: `request ${requestId} is ${own.description.status.name.toLowerCase()}` } };
  await own.handle.cancel();
  return { status: 202, body: { requestId, status: 'cancelling' } };
}
