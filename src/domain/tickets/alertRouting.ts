import { z } from 'zod';
import type { AlertFacts, AlertUpdate } from '../definitions/run.js';
import { type ExpressionError, references, type Scope } from '../definitions/expressions.js';
import { isTemplate, parseTemplate, renderArgs } from '../definitions/templates.js';
import { checkUniqueIds, type FieldIssue } from '../errors.js';

// Which monitoring alerts start which support workflow definition (content/alerts.yaml).
// A firing alert is matched against the rules in order, first match wins; the rule's inputs are
// templates over the alert (`${{ alert.labels.instance }}`). The run's workflow id is made of the
// rule, the alert's fingerprint and when it started, so every notification about one occurrence
// of an alert (the repeats while it fires, and the resolved one) reaches the same run.

const RuleId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63 (it becomes part of workflow ids)');
const AccountId = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'a directory account id, e.g. svc-monitoring');
const LabelValues = z.union([z.string(), z.array(z.string()).min(1, 'list at least one value')], {
  error: 'a label value, or a list of values any of which matches, e.g. [warning, critical]',
});

/** What an alert rule's templates can read: the alert's fields (`alert.labels.instance`, ...). */
export const ALERT_FIELDS = ['fingerprint', 'status', 'labels', 'annotations', 'startsAt', 'endsAt'] as const;

/** A value of `inputs:`: text (templates allowed), a number, a boolean, or a list of texts. */
const InputValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())], {
  error: 'text (templates allowed), a number, true/false, or a list of texts',
});

export const AlertRule = z.strictObject({
  id: RuleId,
  description: z.string().optional(),
  /** Label name -> value or list of values; every label named must match. */
  match: z.record(z.string().min(1), LabelValues).refine((m) => Object.keys(m).length > 0, 'name at least one label, e.g. { alertname: DeviceOffline }'),
  /** The definition a firing alert starts (content/definitions/<id>.yaml). */
  definition: z.string().min(1),
  /** The definition's inputs, as templates over the alert. */
  inputs: z.record(z.string(), InputValue).default({}),
  /** The directory account the run acts as; default the file's `requester`. */
  requester: AccountId.optional(),
});
export type AlertRule = z.infer<typeof AlertRule>;

export const AlertRoutingConfig = z
  .strictObject({
    /** The directory (service) account alert-started runs act as: the permission policy judges it. */
    requester: AccountId,
    rules: z.array(AlertRule).default([]),
  })
  .superRefine((config, ctx) => {
    checkUniqueIds(ctx, config.rules, ['rules'], 'rule');
    config.rules.forEach((rule, i) => {
      for (const issue of templateIssues(rule.inputs)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'inputs', ...issue.path], message: issue.message });
    });
  });
export type AlertRoutingConfig = z.infer<typeof AlertRoutingConfig>;

/** Parse errors and paths an alert template cannot read, per input (and list index). */
function templateIssues(inputs: AlertRule['inputs']): Array<{ path: Array<string | number>; message: string }> {
  const out: Array<{ path: Array<string | number>; message: string }> = [];
  const check = (text: unknown, path: Array<string | number>) => {
    if (!isTemplate(text)) return;
    try {
      for (const part of parseTemplate(text)) {
        if (typeof part === 'string') continue;
        for (const ref of references(part.expr)) {
          if (ref.root !== 'alert') {
            out.push({
              path,
              message: `${ref.root} is not known when an alert arrives (column ${ref.column}); read the alert: alert.labels.<name>, alert.annotations.<name>, alert.fingerprint, alert.startsAt`,
            });
          } else if (ref.names.length > 0 && !(ALERT_FIELDS as readonly string[]).includes(ref.names[0]!)) {
            out.push({ path, message: `an alert has no field "${ref.names[0]}" (column ${ref.column}); it has ${ALERT_FIELDS.join(', ')}` });
          }
        }
      }
    } catch (e) {
      const err = e as ExpressionError;
      out.push({ path, message: `${err.message} (column ${err.column})` });
    }
  };
  for (const [name, value] of Object.entries(inputs)) {
    if (Array.isArray(value)) value.forEach((v, j) => check(v, [name, j]));
    else check(value, [name]);
  }
  return out;
}

/** What content validation needs of a definition: its inputs. */
export interface DefinitionInputs {
  inputs: Record<string, { default?: unknown; required?: boolean }>;
}

/**
 * The rules checked against the definitions: each names one that exists, gives only inputs it
 * takes, and every input it requires (paths like `rules[0].inputs.deviceId`).
 */
export function alertRuleIssues(config: AlertRoutingConfig, definitions: Readonly<Record<string, DefinitionInputs>>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  config.rules.forEach((rule, i) => {
    if (!Object.hasOwn(definitions, rule.definition)) {
      const known = Object.keys(definitions).sort().join(', ') || 'none';
      issues.push({ path: `rules[${i}].definition`, message: `no definition "${rule.definition}" in content/definitions (known: ${known})` });
      return;
    }
    const def = definitions[rule.definition]!;
    const takes = Object.keys(def.inputs).join(', ') || 'no inputs';
    for (const name of Object.keys(rule.inputs)) {
      if (!Object.hasOwn(def.inputs, name))
        issues.push({ path: `rules[${i}].inputs.${name}`, message: `definition ${rule.definition} has no input "${name}" (it takes: ${takes})` });
    }
    for (const [name, spec] of Object.entries(def.inputs)) {
      if (spec.default === undefined && spec.required !== false && !Object.hasOwn(rule.inputs, name)) {
        issues.push({
          path: `rules[${i}].inputs`,
          message: `definition ${rule.definition} requires the input "${name}"; give it from the alert, e.g. ${name}: '\${{ alert.labels.${name} }}'`,
        });
      }
    }
  });
  return issues;
}

/** The first rule whose every `match` label the alert has, with that value or one of the listed values. */
export function matchAlertRule(config: AlertRoutingConfig, labels: Readonly<Record<string, string>>): AlertRule | null {
  return (
    config.rules.find((rule) =>
      Object.entries(rule.match).every(([name, want]) => {
        if (!Object.hasOwn(labels, name)) return false;
        const value = labels[name];
        return typeof want === 'string' ? value === want : want.includes(value!);
      }),
    ) ?? null
  );
}

/** The run of one occurrence of an alert under a rule: `alert-<rule>-<fingerprint>-<startsAt in epoch ms>`. */
export function alertWorkflowId(ruleId: string, alert: Pick<AlertFacts, 'fingerprint' | 'startsAt'>): string {
  return `alert-${ruleId}-${alert.fingerprint}-${Date.parse(alert.startsAt)}`;
}

/** What an alert rule's templates see: the alert, and nothing else yet. */
export function alertScope(alert: AlertFacts): Scope {
  return { inputs: {}, constants: {}, steps: {}, ticket: null, alert: { ...alert }, run: { requester: null } };
}

/** The rule's inputs rendered for one alert; a value a template cannot compute is an issue naming the input. */
export function renderAlertInputs(rule: AlertRule, alert: AlertFacts): { ok: true; inputs: Record<string, unknown> } | { ok: false; issues: FieldIssue[] } {
  const scope = alertScope(alert);
  const inputs: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  for (const [name, template] of Object.entries(rule.inputs)) {
    try {
      const value = renderArgs(template, scope);
      // A label the rule reads but the alert lacks is refused, never left to the definition's
      // default (which could be the service account itself).
      if (value === null)
        issues.push({ path: `inputs.${name}`, message: `rule ${rule.id} takes it from the alert (${JSON.stringify(template)}), which has no value for it` });
      else inputs[name] = value;
    } catch (e) {
      // An EvaluationError (a value that does not fit an operator); templates were parsed at load.
      issues.push({ path: `inputs.${name}`, message: `rule ${rule.id}: ${(e as Error).message}` });
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, inputs };
}

export type AlertDecision =
  | { kind: 'unmatched' }
  | { kind: 'start'; rule: string; workflowId: string; definition: string; inputs: Record<string, unknown>; requester: string }
  | { kind: 'invalid'; rule: string; workflowId: string; issues: FieldIssue[] }
  | { kind: 'update'; rule: string; workflowId: string; update: AlertUpdate };

/**
 * What to do with one alert of a notification: a firing alert starts (or, repeated, joins) its
 * rule's run; a resolved one is told to that run; an alert no rule matches is only acknowledged.
 */
export function routeAlert(config: AlertRoutingConfig, alert: AlertFacts): AlertDecision {
  const rule = matchAlertRule(config, alert.labels);
  if (!rule) return { kind: 'unmatched' };
  const workflowId = alertWorkflowId(rule.id, alert);
  if (alert.status === 'resolved') return { kind: 'update', rule: rule.id, workflowId, update: { status: 'resolved', endsAt: alert.endsAt } };
  const rendered = renderAlertInputs(rule, alert);
  if (!rendered.ok) return { kind: 'invalid', rule: rule.id, workflowId, issues: rendered.issues };
  return { kind: 'start', rule: rule.id, workflowId, definition: rule.definition, inputs: rendered.inputs, requester: rule.requester ?? config.requester };
}
