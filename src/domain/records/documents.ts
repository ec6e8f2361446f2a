import { z } from 'zod';
import { ResolutionRecord } from './resolution.js';
import { type RedactionPolicy, redactValue } from './redactionPolicy.js';

// Documents made from a resolution record: the ticket's internal work note, a knowledge-base
// draft for resolved troubleshooting sessions, and a JSON document valid against
// docs/resolution-record.schema.json. Pure: no I/O, no clock.
//
// Records may be partial (a workflow that failed, was cancelled or lost a field), so every
// function takes `unknown` and reads defensively: what fits the record schema is kept, what does
// not is dropped and reported ("unreadable: …"), and what is missing is listed ("not recorded: …")
// rather than invented. Everything is redacted by the policy before it is read.

type DeepPartial<T> = T extends readonly (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** A resolution record of which any field, at any depth, may be missing. */
export type PartialRecord = DeepPartial<ResolutionRecord>;

/** The JSON document: the redacted record (whatever of it was there), its gaps and its origin. */
export type ResolutionDocument = PartialRecord & {
  completeness: string[];
  generatedFrom: { workflowId: string | null; runId: string | null };
};

/** The record schema with every field, at every depth, optional (nullable fields stay nullable). */
function lenient(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) {
    const shape: Record<string, z.ZodType> = {};
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) shape[key] = lenient(field).optional();
    return z.object(shape);
  }
  if (schema instanceof z.ZodArray) return z.array(lenient(schema.element as z.ZodType));
  if (schema instanceof z.ZodNullable) return lenient(schema.unwrap() as z.ZodType).nullable();
  if (schema instanceof z.ZodOptional) return lenient(schema.unwrap() as z.ZodType);
  return schema;
}

const PartialRecordSchema = lenient(ResolutionRecord) as z.ZodObject;

export const ResolutionDocument = z
  .object({
    ...PartialRecordSchema.shape,
    completeness: z
      .array(z.string())
      .describe('What the record does not hold: "not recorded: …" for missing fields, "unreadable: <path>" for values that did not fit the record schema.'),
    generatedFrom: z.object({ workflowId: z.string().nullable(), runId: z.string().nullable() }),
  })
  .meta({
    title: 'Resolution document',
    description:
      'What one automated IT-support run did, redacted by content/redaction.yaml. Every record field is optional: a run that failed, was cancelled or lost a field still has a document, and its completeness list names what is missing.',
  }) as unknown as z.ZodType<ResolutionDocument>;

/** JSON Schema (draft 2020-12) of documentJson()'s output; docs/resolution-record.schema.json is generated from it. */
export function resolutionDocumentJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ResolutionDocument, { io: 'output' }) as Record<string, unknown>;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Keeps what fits the (lenient) schema, drops the rest and notes the dropped paths. */
function salvage(schema: z.ZodType, value: unknown, path: string, dropped: string[]): unknown {
  if (schema instanceof z.ZodOptional) return value === undefined ? undefined : salvage(schema.unwrap() as z.ZodType, value, path, dropped);
  if (schema instanceof z.ZodNullable) return value === null ? null : salvage(schema.unwrap() as z.ZodType, value, path, dropped);
  if (schema instanceof z.ZodObject && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const kept = salvage(field, (value as Record<string, unknown>)[key], join(path, key), dropped);
      if (kept !== undefined) out[key] = kept;
    }
    return out;
  }
  if (schema instanceof z.ZodArray && Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const kept = salvage(schema.element as z.ZodType, item, `${path}[${i}]`, dropped);
      if (kept !== undefined) out.push(kept);
    });
    return out;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  dropped.push(path || 'record');
  return undefined;
}

function gapsOf(r: PartialRecord, dropped: string[]): string[] {
  const gaps = new Set<string>(); // insertion order, no duplicates
  const missing = (label: string) => gaps.add(`not recorded: ${label}`);
  const need = (obj: object, fields: Array<[string, string]>) => {
    for (const [key, label] of fields) if ((obj as Record<string, unknown>)[key] == null) missing(label);
  };

  if (r.schemaVersion === undefined) missing('schema version');
  if (r.ticket === undefined || (r.ticket === null && r.trigger?.kind === 'ticket')) missing('ticket');
  else if (r.ticket)
    need(r.ticket, [
      ['source', 'ticket source'],
      ['id', 'ticket id'],
      ['key', 'ticket key'],
      ['summary', 'ticket summary'],
    ]);
  if (r.trigger)
    need(r.trigger, [
      ['kind', 'trigger kind'],
      ['event', 'trigger event'],
      ['receivedAt', 'time the trigger was received'],
    ]);
  else missing('trigger');
  if (r.workflow)
    need(r.workflow, [
      ['type', 'workflow type'],
      ['workflowId', 'workflow id'],
      ['runId', 'run id'],
      ['namespace', 'namespace'],
      ['taskQueue', 'task queue'],
    ]);
  else missing('workflow');
  if (r.requester)
    need(r.requester, [
      ['externalId', "requester's help-desk account"],
      ['userId', "requester's directory account"],
    ]);
  else missing('requester');
  need(r, [['target', 'target']]);

  if (r.decisions) {
    r.decisions.forEach((d, i) => {
      const n = d.action ?? `#${i + 1}`;
      need(d, [
        ['action', `action of decision ${n}`],
        ['allowed', `result of decision ${n}`],
        ['rule', `rule of decision ${n}`],
        ['reason', `reason for decision ${n}`],
        ['facts', `facts of decision ${n}`],
        ['at', `time of decision ${n}`],
      ]);
    });
  } else missing('permission decisions');
  if (r.actions) {
    r.actions.forEach((a, i) => {
      const n = a.name ?? `#${i + 1}`;
      need(a, [
        ['name', `name of step ${n}`],
        ['startedAt', `start of step ${n}`],
        ['status', `result of step ${n}`],
        ['finishedAt', `result of step ${n}`],
        ['detail', `detail of step ${n}`],
      ]);
      // A step that ran an activity has an audit entry with its attempts and redacted arguments.
      if (a.activityId !== undefined)
        need(a, [
          ['attempts', `attempts of step ${n}`],
          ['parameters', `parameters of step ${n}`],
        ]);
    });
  } else missing('actions');
  if (r.compensations) {
    r.compensations.forEach((a, i) => {
      const n = a.name ?? `#${i + 1}`;
      need(a, [
        ['name', `name of compensation ${n}`],
        ['startedAt', `start of compensation ${n}`],
        ['status', `result of compensation ${n}`],
        ['finishedAt', `result of compensation ${n}`],
      ]);
    });
  } else missing('compensations');
  if (r.workflow?.type === 'definitionRun') {
    if (r.definition)
      need(r.definition, [
        ['id', 'definition id'],
        ['version', 'definition version'],
      ]);
    else missing('definition version');
  }
  if (r.approvals)
    for (const a of r.approvals)
      need(a, [
        ['approver', 'approver'],
        ['decision', 'approval decision'],
        ['at', 'approval time'],
      ]);
  else missing('approvals');

  const tb = r.troubleshooting;
  if (tb) {
    need(tb, [
      ['tree', 'troubleshooting tree'],
      ['version', 'tree version'],
      ['path', 'troubleshooting path'],
    ]);
    tb.path?.forEach((e, i) => {
      const n = e.node ?? `#${i + 1}`;
      need(e, [
        ['node', `node of troubleshooting step ${n}`],
        ['kind', `kind of troubleshooting step ${n}`],
        ['at', `time of troubleshooting step ${n}`],
      ]);
      if (e.kind === 'question') {
        if (e.choice === undefined && e.label === undefined) missing(`answer to ${n}`);
        need(e, [['by', `who answered ${n}`]]);
      }
      if (e.kind === 'action' && e.choice !== undefined) need(e, [['by', `who confirmed ${n}`]]);
      if (e.kind === 'check') need(e, [['result', `result of check ${n}`]]);
    });
  } else if (r.workflow?.type === 'troubleshootSession') missing('troubleshooting path');

  if (r.ticketUpdates) {
    r.ticketUpdates.forEach((u, i) => {
      const n = u.eventType ?? `#${i + 1}`;
      need(u, [
        ['eventType', `event of ticket update ${n}`],
        ['occurredAt', `time of ticket update ${n}`],
      ]);
    });
  } else missing('ticket updates');
  need(r, [['outcome', 'outcome']]);
  if (!r.summary) missing('summary');
  need(r, [
    ['startedAt', 'start time'],
    ['finishedAt', 'finish time'],
  ]);
  for (const path of dropped) gaps.add(`unreadable: ${path}`);
  return [...gaps];
}

function read(record: unknown): { r: PartialRecord; gaps: string[] } {
  const dropped: string[] = [];
  const r = (salvage(PartialRecordSchema, record, '', dropped) ?? {}) as PartialRecord;
  return { r, gaps: gapsOf(r, dropped) };
}

/**
 * What the record does not hold, in words: "not recorded: outcome", "not recorded: approval
 * time", "not recorded: who answered ask", … and "unreadable: <path>" for a value that does not
 * fit the record schema. Never throws; an empty list means the record is complete.
 */
export function completeness(record: unknown): string[] {
  return read(record).gaps;
}

function redactedRecord(record: unknown, policy: RedactionPolicy): { r: PartialRecord; gaps: string[] } {
  return read(redactValue(record, policy));
}

// ---------------------------------------------------------------------------------------------
// Markdown

const NOT_RECORDED = 'not recorded';
/** One line of Markdown from a record value. */
const inline = (s: string) => s.replace(/\s+/g, ' ').trim();
const val = (x: string | number | null | undefined) => (x == null ? NOT_RECORDED : inline(String(x)));

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** `start – end, duration`; the times were validated as ISO date-times by the record schema. */
function span(start: string | undefined, end: string | null | undefined): string {
  const text = `${start ?? 'start not recorded'} – ${end ?? 'end not recorded'}`;
  if (!start || !end) return text;
  const ms = Date.parse(end) - Date.parse(start);
  return ms >= 0 ? `${text}, ${formatDuration(ms)}` : text;
}

/** The run's page in the Temporal UI: `${uiUrl}/namespaces/${namespace}/workflows/${workflowId}/${runId}/history`. */
export function temporalRunUrl(uiUrl: string, namespace: string, workflowId: string, runId: string): string {
  const part = encodeURIComponent;
  return `${uiUrl.replace(/\/+$/, '')}/namespaces/${part(namespace)}/workflows/${part(workflowId)}/${part(runId)}/history`;
}

function section(lines: string[], title: string, items: string[] | undefined): void {
  lines.push('', `### ${title}`, '');
  if (!items) lines.push('Not recorded.');
  else if (items.length === 0) lines.push('None.');
  else items.forEach((item, i) => lines.push(`${i + 1}. ${item}`));
}

const keyValues = (result: Record<string, unknown>) =>
  Object.entries(result)
    .map(([k, v]) => `${inline(k)}=${typeof v === 'string' ? inline(v) : JSON.stringify(v)}`)
    .join(', ');

type PathEntry = NonNullable<NonNullable<PartialRecord['troubleshooting']>['path']>[number];

function pathStep(e: PathEntry, rootTree: string | undefined): string {
  const node = e.tree && e.tree !== rootTree ? `${inline(e.tree)}/${val(e.node)}` : val(e.node);
  const at = ` (${val(e.at)})`;
  switch (e.kind) {
    case 'question': {
      const answer = e.label ? `${inline(e.label)}${e.choice ? ` [${inline(e.choice)}]` : ''}` : e.choice ? inline(e.choice) : 'answer not recorded';
      return `Question ${node}${e.prompt ? ` “${inline(e.prompt)}”` : ''} → ${answer}, answered by ${val(e.by)}${at}`;
    }
    case 'check':
      return `Check ${node} → ${e.result ? keyValues(e.result) || 'no values' : 'result not recorded'}${e.detail ? `; ${inline(e.detail)}` : ''}${at}`;
    case 'action':
      if (e.choice !== undefined) return `Action ${node}: ${e.choice === 'confirm' ? 'confirmed' : 'skipped'} by ${val(e.by)}${at}`;
      return `Action ${node} → ${val(e.outcome)}${e.detail ? `: ${inline(e.detail)}` : ''}${at}`;
    case 'resolve':
      return `Resolution ${node}${at}`;
    case 'subtree':
      return `Subtree ${node} entered${at}`;
    default:
      return `Step ${node} (${val(e.kind)})${at}`;
  }
}

type ActionEntry = NonNullable<PartialRecord['actions']>[number];

/** Arguments in a work note line: each value cut at 60 characters (the JSON document has them whole). */
const shortValues = (params: Record<string, unknown>) =>
  Object.entries(params)
    .map(([k, v]) => {
      const text = inline(typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null'));
      return `${inline(k)}=${text.length > 60 ? `${text.slice(0, 59)}…` : text}`;
    })
    .join(', ');

function actionLine(a: ActionEntry): string {
  const attempts = a.attempts && a.attempts > 1 ? `, ${a.attempts} attempts` : '';
  const params = a.parameters && Object.keys(a.parameters).length > 0 ? ` [${shortValues(a.parameters)}]` : '';
  return `${val(a.name)}${a.target ? ` → ${inline(a.target)}` : ''}${params}: ${a.finishedAt ? val(a.status) : 'result not recorded'}${a.detail ? `: ${inline(a.detail)}` : ''} (${span(a.startedAt, a.finishedAt)}${attempts})`;
}

export interface WorkNoteOptions {
  /** The Temporal UI's base address, e.g. `http://localhost:8233`; without it the note has no link. */
  uiUrl?: string;
}

/**
 * The ticket's internal work note, in Markdown: outcome, ticket, workflow and a link to the run;
 * requester and target (directory ids only); each permission decision, action, approval and
 * ticket update; the troubleshooting path; the summary; and what the record does not hold.
 * Everything is redacted by the policy first. Same input, same text.
 */
export function renderWorkNote(record: unknown, policy: RedactionPolicy, options: WorkNoteOptions = {}): string {
  const { r, gaps } = redactedRecord(record, policy);
  const wf = r.workflow;
  const url = options.uiUrl && wf?.namespace && wf.workflowId && wf.runId ? temporalRunUrl(options.uiUrl, wf.namespace, wf.workflowId, wf.runId) : null;
  const outcome = r.outcome ? `${r.outcome[0]!.toUpperCase()}${r.outcome.slice(1)}` : 'Outcome not recorded';
  const title = [outcome, r.ticket?.key ? inline(r.ticket.key) : 'no ticket', wf?.workflowId ? inline(wf.workflowId) : 'workflow id not recorded'];
  if (url) title.push(`[run in Temporal UI](${url})`);

  const t = r.ticket;
  const lines = [
    `## ${title.join(' · ')}`,
    '',
    `- Workflow: ${val(wf?.type)}, id ${val(wf?.workflowId)}, run ${val(wf?.runId)}, namespace ${val(wf?.namespace)}, task queue ${val(wf?.taskQueue)}`,
    ...(r.definition ? [`- Definition: ${val(r.definition.id)}, version ${val(r.definition.version)}`] : []),
    `- Ticket: ${t ? `${val(t.source)} ${val(t.key)} (id ${val(t.id)})` : t === null ? 'none' : NOT_RECORDED}`,
    `- Trigger: ${r.trigger ? `${val(r.trigger.kind)} ${val(r.trigger.event)}${r.trigger.via ? ` via ${r.trigger.via}` : ''}, received ${val(r.trigger.receivedAt)}` : NOT_RECORDED}`,
    `- Requester: ${val(r.requester?.userId)}`,
    `- Target: ${val(r.target)}`,
    `- Time: ${span(r.startedAt, r.finishedAt)}`,
  ];

  section(
    lines,
    'Permission decisions',
    r.decisions?.map(
      (d) =>
        `${val(d.action)}: ${d.allowed === undefined ? 'result not recorded' : d.allowed ? 'allowed' : 'denied'}, rule ${val(d.rule)}: ${val(d.reason)} (${val(d.at)})`,
    ),
  );
  section(lines, 'Actions', r.actions?.map(actionLine));
  if (r.compensations?.length) section(lines, 'Rolled back', r.compensations.map(actionLine));
  if (r.approvals?.length) {
    section(
      lines,
      'Approvals',
      r.approvals.map((a) => `${val(a.approver)}: ${val(a.decision)}${a.comment ? `, “${inline(a.comment)}”` : ''} (${a.at ?? 'time not recorded'})`),
    );
  }
  if (r.ticketUpdates?.length) {
    section(
      lines,
      'Ticket updates',
      r.ticketUpdates.map((u) => `${val(u.eventType)} (${val(u.occurredAt)})${u.status ? `, status ${inline(u.status)}` : ''}${u.closed ? ', closed' : ''}`),
    );
  }
  const tb = r.troubleshooting;
  if (tb) {
    section(
      lines,
      `Troubleshooting: tree ${val(tb.tree)}, version ${val(tb.version)}`,
      tb.path?.map((e) => pathStep(e, tb.tree)),
    );
    if (tb.kb) lines.push('', `Knowledge base: ${inline(tb.kb)}`);
  }
  lines.push('', '### Summary', '', r.summary ? r.summary.trim() : 'Not recorded.');
  if (gaps.length > 0) lines.push('', '### Not recorded', '', ...gaps.map((g) => `- ${g}`));
  return `${lines.join('\n')}\n`;
}

/**
 * A knowledge-base article draft, in Markdown, from a troubleshooting session that ended resolved:
 * symptoms from the questions answered, diagnosis from the checks, fix from the actions that
 * succeeded, the resolution and its KB reference. Null for every other record.
 */
export function renderKbDraft(record: unknown, policy: RedactionPolicy): string | null {
  const { r } = redactedRecord(record, policy);
  const tb = r.troubleshooting;
  if (!tb || r.outcome !== 'resolved') return null;
  const path = tb.path ?? [];
  const list = (items: string[]) => {
    const unique = [...new Set(items)];
    return unique.length > 0 ? unique.map((i) => `- ${i}`) : ['- None recorded.'];
  };
  const symptoms = path.filter((e) => e.kind === 'question').map((e) => `${e.prompt ? inline(e.prompt) : val(e.node)} → ${val(e.label ?? e.choice)}`);
  const diagnosis = path
    .filter((e) => e.kind === 'check')
    .map((e) => `${val(e.node)}: ${e.result ? keyValues(e.result) || 'no values' : 'result not recorded'}${e.detail ? ` (${inline(e.detail)})` : ''}`);
  const fix = path.filter((e) => e.kind === 'action' && e.outcome === 'ok').map((e) => `${val(e.node)}${e.detail ? `: ${inline(e.detail)}` : ''}`);
  const resolution = r.summary ? r.summary.trim() : 'Not recorded.';
  const lines = [
    `# ${val(tb.tree)}: ${r.summary ? inline(r.summary) : 'resolved'}`,
    '',
    '> Draft written from a resolved troubleshooting session; review it before publishing.',
    '',
    '## Symptoms',
    '',
    ...list(symptoms),
    '',
    '## Diagnosis',
    '',
    ...list(diagnosis),
    '',
    '## Fix',
    '',
    ...list(fix),
    '',
    '## Resolution',
    '',
    resolution,
  ];
  if (tb.kb) lines.push('', `Knowledge base: ${inline(tb.kb)}`);
  lines.push('', '---', '', `Based on session ${val(r.workflow?.workflowId)} (tree ${val(tb.tree)}, version ${val(tb.version)}).`);
  return `${lines.join('\n')}\n`;
}

/**
 * The redacted record (what of it fits the schema) with its completeness list and origin; valid
 * against resolutionDocumentJsonSchema() (docs/resolution-record.schema.json).
 */
export function documentJson(record: unknown, policy: RedactionPolicy): ResolutionDocument {
  const { r, gaps } = redactedRecord(record, policy);
  return { ...r, completeness: gaps, generatedFrom: { workflowId: r.workflow?.workflowId ?? null, runId: r.workflow?.runId ?? null } };
}
