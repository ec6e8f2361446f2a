import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from './logger.js';
import { TicketSource } from '../domain/tickets/ticket.js';

/**
 * The ticket a workflow works for, read from its id: intake starts every ticket's automation as
 * `ticket-<source>-<key>` (ticketWorkflowId), and no source name contains a dash. Null for runs
 * without a ticket (self-service requests, sessions started by hand, reconciliation).
 */
export function ticketOfWorkflowId(workflowId: string): string | null {
  const m = /^ticket-([a-z]+)-(.+)$/.exec(workflowId);
  if (!m || !TicketSource.safeParse(m[1]).success) return null;
  return `${m[1]}:${m[2]}`;
}

/** The fields that tie a log line to a run: `workflowId`, and `ticket` when the run has one. */
export function correlation(workflowId: string | undefined | null): { workflowId?: string; ticket?: string } {
  if (!workflowId) return {};
  const ticket = ticketOfWorkflowId(workflowId);
  return ticket ? { workflowId, ticket } : { workflowId };
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** SDK metadata that is noise or opaque in a log line (the task token is an internal handle). */
const DROPPED = new Set(['taskToken']);
/**
 * Keys whose values never reach a log line. src/stack/logger.ts redacts them one level down (`*.email`);
 * SDK metadata lands at the top level, so the same keys are censored here.
 */
const CENSORED = new Set(['password', 'temporaryPassword', 'email', 'emailAddress', 'displayName', 'apiKey', 'token']);

/**
 * The Temporal Runtime's logger, writing through pino: the SDK's own lines, workflow and activity
 * context loggers (`log` from @temporalio/workflow and @temporalio/activity) and forwarded Core
 * lines become JSON lines with the SDK's metadata (workflowId, workflowType, activityType,
 * attempt...) plus `ticket` when the workflow id names one. Pino's redaction (src/stack/logger.ts)
 * applies to them like to every other line.
 */
export class PinoTemporalLogger implements TemporalLogger {
  readonly #pino: Logger;

  constructor(pino: Logger) {
    this.#pino = pino.child({ component: 'temporal' });
  }

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(meta)) {
      if (DROPPED.has(key) || value === undefined) continue;
      // pino serialises errors under `err` only.
      fields[key === 'error' ? 'err' : key] = CENSORED.has(key) ? '[redacted]' : value;
    }
    if (typeof meta.workflowId === 'string') Object.assign(fields, correlation(meta.workflowId));
    this.#pino[LEVELS[level] ?? 'info'](fields, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
