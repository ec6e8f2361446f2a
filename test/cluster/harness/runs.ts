// What Temporal recorded of a run, and the API calls the cluster tests make.
import type { Client } from '@temporalio/client';
import { ADMIN_TOKEN } from '../../faults/helpers.js';
import { until } from './processes.js';

export interface ActivityExecution {
  activityId: string;
  type: string;
  /** The last attempt's number and worker identity (Temporal writes the started event when the activity closes). */
  attempt: number;
  startedBy: string | null;
  closed: 'completed' | 'failed' | 'timedOut' | 'canceled' | null;
  closedBy: string | null;
}

const num = (v: unknown) => Number(String(v));

/** Every activity a run scheduled, from its history. */
export async function activityExecutions(client: Client, workflowId: string): Promise<ActivityExecution[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const byScheduled = new Map<number, ActivityExecution>();
  for (const e of history.events ?? []) {
    const id = num(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      byScheduled.set(id, { activityId: a.activityId ?? '', type: a.activityType?.name ?? '', attempt: 0, startedBy: null, closed: null, closedBy: null });
    } else if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      const x = byScheduled.get(num(a.scheduledEventId));
      if (x) Object.assign(x, { attempt: a.attempt ?? 0, startedBy: a.identity ?? null });
    } else if (e.activityTaskCompletedEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes;
      const x = byScheduled.get(num(a.scheduledEventId));
      if (x) Object.assign(x, { closed: 'completed', closedBy: a.identity ?? null });
    } else if (e.activityTaskFailedEventAttributes) {
      const a = e.activityTaskFailedEventAttributes;
      const x = byScheduled.get(num(a.scheduledEventId));
      if (x) Object.assign(x, { closed: 'failed', closedBy: a.identity ?? null });
    } else if (e.activityTaskTimedOutEventAttributes) {
      const x = byScheduled.get(num(e.activityTaskTimedOutEventAttributes.scheduledEventId));
      if (x) x.closed = 'timedOut';
    } else if (e.activityTaskCanceledEventAttributes) {
      const x = byScheduled.get(num(e.activityTaskCanceledEventAttributes.scheduledEventId));
      if (x) x.closed = 'canceled';
    }
  }
  return [...byScheduled.values()];
}

/** Identities of the workers that ran any workflow task or activity of the run. */
export async function workerIdentities(client: Client, workflowId: string): Promise<Set<string>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const ids = new Set<string>();
  for (const e of history.events ?? []) {
    const identity = e.workflowTaskStartedEventAttributes?.identity ?? e.activityTaskStartedEventAttributes?.identity;
    if (identity) ids.add(identity);
  }
  return ids;
}

/** The run's result once it has ended (waiting while it has not started yet). */
export async function resultOf<T = any>(client: Client, workflowId: string, ms = 300_000): Promise<T> {
  await until(
    `workflow ${workflowId} to exist`,
    () =>
      client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => true,
          () => false,
        ),
    ms,
  );
  return (await client.workflow.getHandle(workflowId).result()) as T;
}

/** A staff API call with the admin token. */
export async function staff(apiUrl: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Markdown or an error page: kept as text.
  }
  return { status: res.status, body: parsed };
}

export interface AuditEntryRow {
  seq: number;
  hash: string;
  entry: { at: string; kind: string; actor: string; subject: string; outcome: string; reason?: string; details?: Record<string, any> };
}

/** Every entry of the audit log as `GET /audit` on `apiUrl` gives it. */
export async function auditLog(apiUrl: string): Promise<AuditEntryRow[]> {
  const r = await staff(apiUrl, 'GET', '/audit?limit=1000000');
  if (r.status !== 200) throw new Error(`GET /audit on ${apiUrl}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as AuditEntryRow[];
}
