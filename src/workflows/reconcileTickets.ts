import { proxyActivities } from '@temporalio/workflow';
import type { ReconcileActivities, ReconcileReport } from '../activities/contracts.js';
import type { TicketSource } from '../domain/tickets/ticket.js';

export interface ReconcileTicketsInput {
  sources: TicketSource[];
  overlapMs: number;
  firstLookbackMs: number;
  pageSize?: number;
  maxPages?: number;
}

const { reconcileSource } = proxyActivities<ReconcileActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Run by a Temporal Schedule: catches tickets whose webhooks never arrived, one help desk at a time. */
export async function reconcileTickets(input: ReconcileTicketsInput): Promise<ReconcileReport[]> {
  const reports: ReconcileReport[] = [];
  for (const source of input.sources) {
    reports.push(
      await reconcileSource({
        source,
        overlapMs: input.overlapMs,
        firstLookbackMs: input.firstLookbackMs,
        pageSize: input.pageSize ?? 100,
        maxPages: input.maxPages ?? 50,
      }),
    );
  }
  return reports;
}
