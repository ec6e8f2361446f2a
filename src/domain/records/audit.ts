import { createHash } from 'node:crypto';
import { z } from 'zod';

export const AuditKind = z.enum([
  'webhook.accepted',
  'webhook.rejected',
  'webhook.replayed',
  'ticket.reconciled',
  'permission.decision',
  'action',
  'security',
  'selfservice.request',
]);
export type AuditKind = z.infer<typeof AuditKind>;

/** One line of the append-only audit log. `details` must already be redacted: no secrets, no personal data. */
export const AuditEntry = z.object({
  at: z.iso.datetime(),
  kind: AuditKind,
  /** Who or what acted: a directory id, a help desk (`jira`), or `engine`. */
  actor: z.string().min(1),
  /** What it concerned, e.g. `jira:ITSM-42` or a workflow id. */
  subject: z.string().min(1),
  outcome: z.enum(['accepted', 'rejected', 'allowed', 'denied', 'succeeded', 'failed', 'skipped']),
  reason: z.string().optional(),
  details: z.record(z.string(), z.unknown()).default({}),
});
/** What callers pass (defaults filled on append). */
export type AuditEntryInput = z.input<typeof AuditEntry>;
export type AuditRecord = z.output<typeof AuditEntry>;

/** JSON with sorted keys, so the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const GENESIS_HASH = '0'.repeat(64);

/** Hash of an entry chained to its predecessor: altering, inserting or deleting any entry breaks every later hash. */
export function chainHash(previousHash: string, seq: number, entryJson: string): string {
  return createHash('sha256').update(`${previousHash}\n${seq}\n${entryJson}`).digest('hex');
}

/** Ticket workflows are named `ticket-<source>-<key>`: the ticket (`jira:ITSM-42`) their audit entries concern, else null. */
export function ticketOfWorkflow(workflowId: string): string | null {
  const ticket = /^ticket-(jira|servicenow|zendesk)-(.+)$/.exec(workflowId);
  return ticket ? `${ticket[1]}:${ticket[2]}` : null;
}
