import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config/index.js';
import type { TicketSource } from '../domain/tickets/ticket.js';
import type { ReconcileTicketsInput } from '../workflows/reconcileTickets.js';

export const RECONCILE_SCHEDULE_ID = 'ticket-reconciliation';

/** The schedule as configured (RECONCILE_*), for the given help desks; nothing when turned off or empty. */
export async function ensureConfiguredSchedules(client: Client, config: Config, sources: TicketSource[]): Promise<void> {
  if (config.reconcile.everyMs === null || sources.length === 0) return;
  await ensureReconcileSchedule(client, {
    taskQueue: config.temporal.taskQueue,
    everyMs: config.reconcile.everyMs,
    sources,
    overlapMs: config.reconcile.overlapMs,
    firstLookbackMs: config.reconcile.firstLookbackMs,
  });
}

/**
 * Creates the reconciliation schedule, or brings an existing one in line with the configuration.
 * Overlapping runs are skipped: one reconciliation at a time.
 */
export async function ensureReconcileSchedule(
  client: Client,
  options: { taskQueue: string; everyMs: number; sources: TicketSource[]; overlapMs: number; firstLookbackMs: number },
): Promise<void> {
  const input: ReconcileTicketsInput = { sources: options.sources, overlapMs: options.overlapMs, firstLookbackMs: options.firstLookbackMs };
  const schedule: ScheduleOptions = {
    scheduleId: RECONCILE_SCHEDULE_ID,
    spec: { intervals: [{ every: options.everyMs }] },
    action: { type: 'startWorkflow', workflowType: 'reconcileTickets', taskQueue: options.taskQueue, args: [input], workflowId: 'ticket-reconciliation-run' },
    policies: { overlap: 'SKIP', catchupWindow: '1 minute' },
  };
  try {
    await client.schedule.create(schedule);
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    await client.schedule.getHandle(RECONCILE_SCHEDULE_ID).update((previous) => ({ ...previous, spec: schedule.spec, action: schedule.action }));
  }
}
