import type { TicketSource } from '../../domain/tickets/ticket.js';
import type { DeadLetter, DeadLetterStatus, StoredDocuments } from './port.js';

// Both store adapters keep the same columns (migrations/*/0001-initial.ts); these read a row of
// either back into the port's types. PostgreSQL returns BIGINT ids as text, SQLite as numbers.

export interface DeadLetterRow {
  id: number | string;
  received_at: string;
  source: TicketSource;
  reason: string;
  issues: string;
  headers: string;
  body: Buffer;
  status: DeadLetterStatus;
  replayed_at: string | null;
  replay_result: string | null;
}

export function deadLetterOf(r: DeadLetterRow): DeadLetter {
  return {
    id: Number(r.id),
    receivedAt: r.received_at,
    source: r.source,
    reason: r.reason,
    issues: JSON.parse(r.issues),
    headers: JSON.parse(r.headers),
    body: r.body,
    status: r.status,
    replayedAt: r.replayed_at,
    replayResult: r.replay_result,
  };
}

export function documentsOf(r: Record<string, string | null>): StoredDocuments {
  return {
    workflowId: r.workflow_id as string,
    runId: r.run_id as string,
    ticket: r.ticket ?? null,
    createdAt: r.created_at as string,
    outcome: r.outcome ?? null,
    workNote: r.work_note as string,
    kbDraft: r.kb_draft ?? null,
    json: JSON.parse(r.json as string) as Record<string, unknown>,
  };
}
