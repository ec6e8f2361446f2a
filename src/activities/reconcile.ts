import { Context } from '@temporalio/activity';
import { ValidationError } from '../domain/errors.js';
import { normaliseHelpdeskRecord, RECONCILIATION_INVALID } from '../domain/sources/records.js';
import type { TicketIntake } from '../domain/tickets/intake.js';
import type { TicketEvent, TicketSource } from '../domain/tickets/ticket.js';
import type { EngineStore } from './records/port.js';
import type { TicketingPort } from './ticketing/port.js';

export interface ReconcileDeps {
  /** The help desk adapter of each source that reconciliation should read. */
  helpdesks: Partial<Record<TicketSource, TicketingPort>>;
  store: EngineStore;
  /** The same intake the webhooks use (routing, starts, signals), wired by the composition root. */
  intake: TicketIntake;
  jira?: { requestTypeField?: string };
}

export interface ReconcileInput {
  source: TicketSource;
  /** Re-read this much before the cursor: help desks change tickets with late timestamps (Jira: up to 30 min). */
  overlapMs: number;
  /** Where the very first run starts reading. */
  firstLookbackMs: number;
  pageSize: number;
  maxPages: number;
}

export interface ReconcileReport {
  source: TicketSource;
  since: string;
  cursor: string;
  listed: number;
  started: number;
  signalled: number;
  duplicates: number;
  ignored: number;
  invalid: number;
}

/**
 * The reconciliation job's activity: lists tickets the help desk changed since the cursor and
 * takes each through the same intake as a webhook. Starts are idempotent (ticket workflow ids), so
 * re-reading an overlap, or a ticket whose webhook did arrive, changes nothing. Ticket contents stay
 * inside this activity; only counts go back to workflow history.
 */
export function createReconcileActivities(deps: ReconcileDeps) {
  const normalise = (source: TicketSource, body: unknown): TicketEvent => normaliseHelpdeskRecord(source, body, deps.jira);

  return {
    async reconcileSource(input: ReconcileInput): Promise<ReconcileReport> {
      const helpdesk = deps.helpdesks[input.source];
      if (!helpdesk) throw new Error(`no help desk adapter for ${input.source}`);
      const cursorName = `reconcile:${input.source}`;
      const now = Date.now();
      const cursor = (await deps.store.cursor(cursorName)) ?? new Date(now - input.firstLookbackMs).toISOString();
      let since = new Date(Date.parse(cursor) - input.overlapMs);
      const report: ReconcileReport = {
        source: input.source,
        since: since.toISOString(),
        cursor,
        listed: 0,
        started: 0,
        signalled: 0,
        duplicates: 0,
        ignored: 0,
        invalid: 0,
      };
      let newest = cursor;

      for (let page = 0; page < input.maxPages; page++) {
        Context.current().heartbeat({ page });
        const changed = await helpdesk.listChangedSince(since, input.pageSize);
        for (const item of changed) {
          report.listed++;
          if (item.updatedAt > newest) newest = item.updatedAt;
          let event: TicketEvent;
          try {
            event = normalise(item.source, item.body);
          } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
            report.invalid++;
            await deps.store.addDeadLetter({
              source: item.source,
              reason: RECONCILIATION_INVALID,
              issues: e.issues,
              headers: { 'content-type': 'application/json' },
              body: Buffer.from(JSON.stringify(item.body)),
              receivedAt: new Date(),
            });
            continue;
          }
          const result = await deps.intake(event, `reconcile:${event.ticket.key}:${item.updatedAt}`, 'reconciliation');
          if (result.status === 'started') {
            report.started++;
            await deps.store.appendAudit({
              at: new Date().toISOString(),
              kind: 'ticket.reconciled',
              actor: 'engine',
              subject: `${event.source}:${event.ticket.key}`,
              outcome: 'accepted',
              reason: 'webhook never arrived; started by reconciliation',
              details: { workflowId: result.workflowId, rule: result.rule },
            });
          } else if (result.status === 'signalled') report.signalled++;
          else if (result.status === 'duplicate') report.duplicates++;
          else report.ignored++;
        }
        const last = changed.at(-1);
        // A short page is the end; a full page continues after its newest change.
        if (changed.length < input.pageSize || !last || Date.parse(last.updatedAt) <= since.getTime()) break;
        since = new Date(last.updatedAt);
      }
      await deps.store.setCursor(cursorName, newest);
      report.cursor = newest;
      return report;
    },
  };
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
