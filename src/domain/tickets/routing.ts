import { z } from 'zod';
import { ALWAYS, checkUniqueIds } from '../errors.js';
import { TicketEventType, TicketSource, type TicketEvent } from './ticket.js';

/** Workflows a routing rule may start. Kept here (not imported from workflows/) so domain stays pure. */
export const SUPPORT_WORKFLOWS = ['passwordReset', 'softwareInstall', 'troubleshootSession'] as const;
export const SupportWorkflowName = z.enum(SUPPORT_WORKFLOWS, {
  error: (issue) => `unknown workflow ${JSON.stringify(issue.input)}; known workflows: ${SUPPORT_WORKFLOWS.join(', ')}`,
});
export type SupportWorkflowName = z.infer<typeof SupportWorkflowName>;

const Pattern = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      new RegExp(value, 'i');
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(e as Error).message}` });
    }
  });

const nonEmptyList = <T extends z.ZodType>(item: T) => z.array(item).min(1);

export const RuleMatch = z.strictObject({
  sources: nonEmptyList(TicketSource).optional(),
  events: nonEmptyList(TicketEventType).optional(),
  issueTypes: nonEmptyList(z.string()).optional(),
  requestTypes: nonEmptyList(z.string()).optional(),
  categories: nonEmptyList(z.string()).optional(),
  priorities: nonEmptyList(z.string()).optional(),
  /** At least one of these labels. */
  labels: nonEmptyList(z.string()).optional(),
  /** At least one of these components. */
  components: nonEmptyList(z.string()).optional(),
  /** Case-insensitive regular expression tried on the summary and the description. */
  text: Pattern.optional(),
});
export type RuleMatch = z.infer<typeof RuleMatch>;

/** Where a workflow input value comes from. */
export const InputSource = z.union([
  z.strictObject({ field: z.string().min(1), optional: z.boolean().default(false) }),
  z.strictObject({ const: z.union([z.string(), z.number(), z.boolean()]) }),
]);
export type InputSource = z.infer<typeof InputSource>;

export const RoutingRule = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
    description: z.string().optional(),
    /** Higher runs first; equal priorities keep file order. */
    priority: z.number().int().default(0),
    when: RuleMatch.default({}),
    /** A code-written workflow (`workflow:`) or a support workflow definition of content/definitions (`definition:`). */
    start: z
      .strictObject({
        workflow: SupportWorkflowName.optional(),
        definition: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]*$/, 'a definition id (content/definitions/<id>.yaml)')
          .optional(),
        input: z.record(z.string(), InputSource).default({}),
      })
      .refine((s) => (s.workflow === undefined) !== (s.definition === undefined), 'start needs exactly one of `workflow:` or `definition:`')
      .optional(),
    ignore: z.literal(true).optional(),
  })
  .refine((r) => (r.start ? !r.ignore : r.ignore), { message: 'a rule needs exactly one of `start` or `ignore: true`' });
export type RoutingRule = z.infer<typeof RoutingRule>;

/**
 * A ticket field the rules read by name (`field: software`), and its id in each help desk of this
 * site: custom field ids differ from one Jira, ServiceNow or Zendesk to the next, so they are
 * written here once, not in the rules.
 */
export const FieldMapping = z.strictObject({
  description: z.string().optional(),
  jira: z.string().min(1).optional(),
  servicenow: z.string().min(1).optional(),
  zendesk: z.string().min(1).optional(),
  /** What a usable value looks like (case-sensitive); another value goes to people, naming the field. */
  pattern: Pattern.optional(),
});
export type FieldMapping = z.infer<typeof FieldMapping>;

export const RoutingConfig = z
  .strictObject({
    fields: z.record(z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'a field name such as software or targetAccount'), FieldMapping).default({}),
    rules: z.array(RoutingRule),
    unmatched: z
      .strictObject({
        queue: z.string().min(1),
        comment: z.string().min(1),
      })
      .default({ queue: 'service-desk', comment: 'Thanks, we have your request. A member of the service desk will pick it up.' }),
  })
  .superRefine((cfg, ctx) => checkUniqueIds(ctx, (cfg as { rules?: unknown } | null | undefined)?.rules, ['rules'], 'rule'), ALWAYS);
export type RoutingConfig = z.infer<typeof RoutingConfig>;

export type RouteDecision =
  | { kind: 'start'; rule: RoutingRule; workflow: SupportWorkflowName; input: Record<string, string | number | boolean> }
  | { kind: 'definition'; rule: RoutingRule; definition: string; input: Record<string, string | number | boolean> }
  /** `rule` is null when nothing matched an event that is not a new ticket (edits, comments). */
  | { kind: 'ignore'; rule: RoutingRule | null }
  | { kind: 'unmatched'; queue: string; comment: string }
  /** A rule matched but the ticket lacks a field its input mapping needs. */
  | { kind: 'incomplete'; rule: RoutingRule; missing: string[]; queue: string };

const anyOf = (wanted: string[] | undefined, actual: ReadonlyArray<string | undefined>) =>
  !wanted || wanted.some((w) => actual.some((a) => a !== undefined && a.toLowerCase() === w.toLowerCase()));

export function ruleMatches(match: RuleMatch, event: TicketEvent): boolean {
  const t = event.ticket;
  return (
    (!match.sources || match.sources.includes(event.source)) &&
    (!match.events || match.events.includes(event.eventType)) &&
    anyOf(match.issueTypes, [t.issueType]) &&
    anyOf(match.requestTypes, [t.requestType]) &&
    anyOf(match.categories, [t.category]) &&
    anyOf(match.priorities, [t.priority]) &&
    anyOf(match.labels, t.labels) &&
    anyOf(match.components, t.components) &&
    (!match.text || new RegExp(match.text, 'i').test(`${t.summary}\n${t.description}`))
  );
}

/** Orders rules by priority (stable), so the first match wins. */
export function orderedRules(config: RoutingConfig): RoutingRule[] {
  return config.rules
    .map((rule, index) => ({ rule, index }))
    .sort((a, b) => b.rule.priority - a.rule.priority || a.index - b.index)
    .map((x) => x.rule);
}

export function routeTicket(config: RoutingConfig, event: TicketEvent): RouteDecision {
  const rule = orderedRules(config).find((r) => ruleMatches(r.when, event));
  if (!rule) return event.eventType === 'created' ? { kind: 'unmatched', ...config.unmatched } : { kind: 'ignore', rule: null };
  if (!rule.start) return { kind: 'ignore', rule };
  const input: Record<string, string | number | boolean> = {};
  const missing: string[] = [];
  for (const [name, source] of Object.entries(rule.start.input)) {
    if ('const' in source) {
      input[name] = source.const;
      continue;
    }
    const read = readField(config, event, source.field);
    if ('problem' in read) missing.push(`${name} (${read.problem})`);
    else if (read.value) input[name] = read.value;
    else if (!source.optional) missing.push(`${name} (from ${read.id})`);
  }
  if (missing.length > 0) return { kind: 'incomplete', rule, missing, queue: config.unmatched.queue };
  if (rule.start.definition !== undefined) return { kind: 'definition', rule, definition: rule.start.definition, input };
  return { kind: 'start', rule, workflow: rule.start.workflow!, input };
}

/**
 * A rule's `field:`: a name declared under `fields:` is read from that help desk's own field id
 * (none mapped for this help desk, or a value unlike `pattern`, is a problem); any other name is
 * the field id as every help desk sends it.
 */
function readField(config: RoutingConfig, event: TicketEvent, name: string): { id: string; value: string | undefined } | { problem: string } {
  const mapping = Object.hasOwn(config.fields, name) ? config.fields[name] : undefined;
  const id = mapping ? mapping[event.source] : name;
  if (id === undefined) return { problem: `no ${event.source} field is mapped to ${name}` };
  const value = Object.hasOwn(event.ticket.fields, id) ? event.ticket.fields[id]?.trim() : undefined;
  if (value && mapping?.pattern !== undefined && !new RegExp(mapping.pattern).test(value))
    return { problem: `${id} does not hold a ${name} (expected ${mapping.pattern})` };
  return { id, value };
}
