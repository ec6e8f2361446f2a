import type { ContentIssue } from '../content.js';
import { issueMessage, pathToString, safeParseUntrusted } from '../errors.js';
import { type ExpressionError, parseExpression, references, type Expr } from './expressions.js';
import { ACTIVITIES, activitySpec } from './registry.js';
import { Definition, parseDuration, stepKind, type ActionStep, type InputSpec, type NotifyStep, type Step, type StepKind } from './schema.js';
import { isTemplate, parseTemplate } from './templates.js';

/** What a definition is checked against besides itself. Lists left out are not checked. */
export interface ValidationContext {
  /** Reported in every issue; a `<id>.yaml|.yml|.json` name must match the definition's id. */
  file: string;
  /** Actions of content/policy.yaml. */
  policyActions?: readonly string[];
  /** Tree ids of content/trees. */
  trees?: readonly string[];
  /** Channels of content/notify.yaml. */
  chatChannels?: readonly string[];
  /** Diagnostic checks and remediations the endpoint adapter knows (for literal names). */
  diagnostics?: readonly string[];
  remediations?: readonly string[];
  /** Software catalog ids (content/software.yaml), for literal software ids. */
  software?: readonly string[];
}

type Path = PropertyKey[];

const known = (list: readonly string[]) => (list.length ? list.join(', ') : 'none');

/**
 * Every problem of a definition: the schema first (when that fails nothing else is checked), then
 * the rules across fields. Each issue names the file, the path (`steps[2].args.userId`) and, in
 * its message, the step (`step create-account: ...`).
 */
export function validateDefinition(raw: unknown, ctx: ValidationContext): ContentIssue[] {
  const parsed = safeParseUntrusted(Definition, raw);
  if ('hostile' in parsed) return [{ file: ctx.file, ...parsed.hostile }];
  if (!parsed.success) {
    return parsed.error.issues.map((i) => ({ file: ctx.file, path: pathToString(i.path), message: issueMessage(i) }));
  }
  return new Checker(parsed.data, ctx).run();
}

class Checker {
  readonly issues: ContentIssue[] = [];
  /** Every step id, with its kind, wherever it is. */
  private readonly all = new Map<string, StepKind>();

  constructor(
    private readonly def: Definition,
    private readonly ctx: ValidationContext,
  ) {}

  private add(path: Path, message: string, step?: string): void {
    this.issues.push({ file: this.ctx.file, path: pathToString(path), message: step === undefined ? message : `step ${step}: ${message}` });
  }

  run(): ContentIssue[] {
    const { def, ctx } = this;
    const stem = /([^/\\]+)\.(ya?ml|json)$/i.exec(ctx.file)?.[1];
    if (stem !== undefined && stem !== def.id) this.add(['id'], `the id "${def.id}" must equal the file name "${stem}"; rename one of them`);
    for (const [name, spec] of Object.entries(def.inputs)) this.input(name, spec);
    this.uniqueIds();

    // What a step may read: the steps that finished before it started.
    const available = new Map<string, StepKind>();
    def.steps.forEach((step, i) => {
      const path: Path = ['steps', i];
      if ('parallel' in step) {
        this.expression(step.when, [...path, 'when'], available, step.id);
        step.parallel.forEach((child, j) => this.step(child, [...path, 'parallel', j], available));
        for (const child of step.parallel) available.set(child.id, stepKind(child));
      } else {
        this.step(step, path, available);
      }
      available.set(step.id, stepKind(step));
    });
    return this.issues;
  }

  private uniqueIds(): void {
    const first = new Map<string, Path>();
    const visit = (step: Step, path: Path) => {
      const seen = first.get(step.id);
      if (seen) this.add([...path, 'id'], `the id is used twice (first at ${pathToString(seen)}); step ids must be unique in the definition`, step.id);
      else first.set(step.id, path);
      if (!this.all.has(step.id)) this.all.set(step.id, stepKind(step));
    };
    this.def.steps.forEach((step, i) => {
      visit(step, ['steps', i]);
      if ('parallel' in step) step.parallel.forEach((child, j) => visit(child, ['steps', i, 'parallel', j]));
    });
  }

  private input(name: string, spec: InputSpec): void {
    const path: Path = ['inputs', name];
    if (spec.type === 'string' && spec.pattern !== undefined) {
      try {
        new RegExp(spec.pattern);
      } catch (e) {
        this.add([...path, 'pattern'], `not a valid regular expression: ${(e as Error).message}`);
        return;
      }
    }
    if (spec.type === 'number' && spec.minimum !== undefined && spec.maximum !== undefined && spec.minimum > spec.maximum) {
      this.add([...path, 'minimum'], `minimum ${spec.minimum} is above maximum ${spec.maximum}`);
    }
    if (spec.default !== undefined) {
      const problem = inputProblem(spec, spec.default);
      if (problem) this.add([...path, 'default'], `the default ${problem}`);
      if (spec.required === true) this.add([...path, 'required'], 'an input with a default is never missing; remove `required: true`');
    }
  }

  private step(step: Exclude<Step, { parallel: unknown }>, path: Path, available: ReadonlyMap<string, StepKind>): void {
    this.expression(step.when, [...path, 'when'], available, step.id);
    if ('activity' in step) this.action(step, path, available);
    else if ('notify' in step) this.notify(step, path, available);
    else if ('approval' in step) {
      this.templates(step.approval.approvers, [...path, 'approval', 'approvers'], available, step.id);
      this.duration(step.approval.timeout, [...path, 'approval', 'timeout'], step.id);
    } else {
      const { tree, subject, timeout } = step.troubleshoot;
      if (this.ctx.trees && !this.ctx.trees.includes(tree)) {
        this.add([...path, 'troubleshoot', 'tree'], `no tree "${tree}" in content/trees (trees: ${known(this.ctx.trees)})`, step.id);
      }
      this.templates(subject, [...path, 'troubleshoot', 'subject'], available, step.id);
      this.duration(timeout, [...path, 'troubleshoot', 'timeout'], step.id);
    }
    if ('activity' in step || 'notify' in step) this.callOptions(step, path);
  }

  private notify(step: NotifyStep, path: Path, available: ReadonlyMap<string, StepKind>): void {
    const { chat } = step.notify;
    this.templates(step.notify, [...path, 'notify'], available, step.id);
    if (chat && this.ctx.chatChannels && !isTemplate(chat.channel) && !this.ctx.chatChannels.includes(chat.channel)) {
      this.add(
        [...path, 'notify', 'chat', 'channel'],
        `no chat channel "${chat.channel}" in content/notify.yaml (channels: ${known(this.ctx.chatChannels)})`,
        step.id,
      );
    }
  }

  private action(step: ActionStep, path: Path, available: ReadonlyMap<string, StepKind>): void {
    const spec = activitySpec(step.activity);
    this.templates(step.args, [...path, 'args'], available, step.id);
    if (!spec) {
      this.add([...path, 'activity'], `unknown activity "${step.activity}" (known: ${Object.keys(ACTIVITIES).join(', ')})`, step.id);
      return;
    }
    if (spec.effect === 'notify') {
      this.add([...path, 'activity'], `use a \`notify:\` step to send notifications, not activity ${step.activity}`, step.id);
      return;
    }
    this.args(step.activity, step.args, [...path, 'args'], step.id);

    if (spec.effect === 'change') {
      const action = spec.action as string;
      if (step.requires === undefined) this.add([...path, 'requires'], `${step.activity} changes something, so it needs \`requires: ${action}\``, step.id);
      else if (step.requires !== action)
        this.add([...path, 'requires'], `${step.activity} needs the permission action ${action}, not ${step.requires}`, step.id);
      if (this.ctx.policyActions && !this.ctx.policyActions.includes(action)) {
        this.add([...path, 'requires'], `no rule for ${action} in content/policy.yaml, so every run would be denied; add the action there`, step.id);
      }
    } else if (step.requires !== undefined) {
      this.add([...path, 'requires'], `${step.activity} changes nothing, so it takes no \`requires:\``, step.id);
    }

    if (step.compensate) {
      const cpath = [...path, 'compensate'];
      if (!spec.undo) this.add([...cpath, 'activity'], `${step.activity} cannot be undone; remove \`compensate:\``, step.id);
      else if (step.compensate.activity !== spec.undo)
        this.add([...cpath, 'activity'], `${step.activity} is undone by ${spec.undo}, not ${step.compensate.activity}`, step.id);
      else this.args(spec.undo, step.compensate.args, [...cpath, 'args'], step.id);
      // The undo runs after the step, so it may read the step's own result.
      const withSelf = new Map(available).set(step.id, 'action');
      this.templates(step.compensate.args, [...cpath, 'args'], withSelf, step.id);
    }
  }

  /** Argument names and literal values against the registry; templated values are checked when rendered. */
  private args(activity: string, args: Record<string, unknown>, path: Path, stepId: string): void {
    const spec = activitySpec(activity) as NonNullable<ReturnType<typeof activitySpec>>;
    const result = spec.args.safeParse(args);
    const takes = Object.keys((spec.args as unknown as { shape: Record<string, unknown> }).shape).join(', ');
    for (const issue of result.error?.issues ?? []) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const why =
            key === 'grant'
              ? 'the engine adds the grant after the permission check; remove it'
              : key === 'ticket' && spec.effect === 'ticket'
                ? "the engine adds the run's ticket; remove it"
                : `${activity} has no argument "${key}" (it takes ${takes})`;
          this.add([...path, ...issue.path, key], why, stepId);
        }
        continue;
      }
      const values = valuesAlong(args, issue.path);
      if (values.some(isTemplate)) continue;
      const last = values[values.length - 1];
      if (last === undefined) this.add([...path, ...issue.path], `${activity} needs the argument "${issue.path.join('.')}"`, stepId);
      else this.add([...path, ...issue.path], issueMessage(issue), stepId);
    }
    this.literalNames(activity, args, path, stepId);
  }

  /** Check, remediation and software names that are written out (not templated) must exist. */
  private literalNames(activity: string, args: Record<string, unknown>, path: Path, stepId: string): void {
    const { diagnostics, remediations, software } = this.ctx;
    const check = (key: string[], list: readonly string[] | undefined, what: string) => {
      const value = valuesAlong(args, key).at(-1);
      if (list && typeof value === 'string' && !isTemplate(value) && !list.includes(value)) {
        this.add([...path, ...key], `unknown ${what} "${value}" (known: ${known(list)})`, stepId);
      }
    };
    if (activity === 'runDiagnostic') check(['check'], diagnostics, 'diagnostic check');
    if (activity === 'runRemediation') check(['action'], remediations, 'remediation');
    if (activity === 'installSoftware') check(['software', 'id'], software, 'software (content/software.yaml)');
    if (activity === 'uninstallSoftware') check(['softwareId'], software, 'software (content/software.yaml)');
  }

  private callOptions(step: ActionStep | NotifyStep, path: Path): void {
    const { retry } = step;
    this.duration(step.timeout, [...path, 'timeout'], step.id);
    this.duration(retry?.initialInterval, [...path, 'retry', 'initialInterval'], step.id);
    this.duration(retry?.maximumInterval, [...path, 'retry', 'maximumInterval'], step.id);
    if (retry?.initialInterval && retry.maximumInterval && parseDuration(retry.maximumInterval) < parseDuration(retry.initialInterval)) {
      this.add(
        [...path, 'retry', 'maximumInterval'],
        `maximumInterval ${retry.maximumInterval} is shorter than initialInterval ${retry.initialInterval}`,
        step.id,
      );
    }
  }

  private duration(value: string | undefined, path: Path, stepId: string): void {
    if (value !== undefined && parseDuration(value) === 0) this.add(path, 'a duration must be longer than 0', stepId);
  }

  private expression(text: string | undefined, path: Path, available: ReadonlyMap<string, StepKind>, stepId: string): void {
    if (text === undefined) return;
    try {
      const expr = parseExpression(text);
      this.refs(expr, path, available, stepId);
      for (const name of this.sensitiveReads(expr)) {
        this.add(path, `inputs.${name} is sensitive: conditions cannot read it (the run holds only a token for it)`, stepId);
      }
    } catch (e) {
      this.add(path, (e as ExpressionError).message, stepId);
    }
  }

  /** Sensitive inputs an expression reads, unless it is just the input itself (`inputs.<name>`). */
  private sensitiveReads(expr: Expr, bareAllowed = false): string[] {
    const sensitive = (name: string | undefined) => name !== undefined && (this.def.inputs[name] as { sensitive?: boolean } | undefined)?.sensitive === true;
    if (bareAllowed && expr.kind === 'member' && expr.object.kind === 'root' && expr.object.name === 'inputs') return [];
    return references(expr).flatMap((r) => (r.root === 'inputs' && sensitive(r.names[0]) ? [r.names[0]!] : []));
  }

  /** Every `${{ }}` in a value (through objects and lists): its syntax and what it reads. */
  private templates(value: unknown, path: Path, available: ReadonlyMap<string, StepKind>, stepId: string): void {
    if (isTemplate(value)) {
      try {
        for (const part of parseTemplate(value)) {
          if (typeof part === 'string') continue;
          this.refs(part.expr, path, available, stepId);
          for (const name of this.sensitiveReads(part.expr, true)) {
            this.add(path, `inputs.${name} is sensitive: pass it whole as \${{ inputs.${name} }} (functions and operators cannot read it)`, stepId);
          }
        }
      } catch (e) {
        this.add(path, (e as ExpressionError).message, stepId);
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => this.templates(v, [...path, i], available, stepId));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) this.templates(v, [...path, k], available, stepId);
    }
  }

  private refs(expr: Expr, path: Path, available: ReadonlyMap<string, StepKind>, stepId: string): void {
    const { inputs, constants } = this.def;
    for (const ref of references(expr)) {
      const [first, second] = ref.names;
      const at = ` (column ${ref.column})`;
      if (first === undefined) continue;
      if (ref.root === 'inputs' && !Object.hasOwn(inputs, first)) {
        this.add(path, `inputs.${first} is not declared under inputs: (declared: ${known(Object.keys(inputs))})${at}`, stepId);
      } else if (ref.root === 'constants' && !Object.hasOwn(constants, first)) {
        this.add(path, `constants.${first} is not declared under constants: (declared: ${known(Object.keys(constants))})${at}`, stepId);
      } else if (ref.root === 'run' && first !== 'requester') {
        this.add(path, `run has only requester, not ${first}${at}`, stepId);
      } else if (ref.root === 'steps') {
        this.stepRef(first, second, path, available, stepId, at);
      }
    }
  }

  private stepRef(id: string, field: string | undefined, path: Path, available: ReadonlyMap<string, StepKind>, stepId: string, at: string): void {
    const kind = available.get(id);
    if (kind === undefined) {
      const why = !this.all.has(id)
        ? `there is no step "${id}"`
        : id === stepId
          ? 'a step cannot read its own result (only its compensate: can)'
          : `step "${id}" has not finished when this step runs (only earlier steps, outside this step's parallel group, can be read)`;
      this.add(path, `steps.${id}: ${why}${at}`, stepId);
    } else if (field !== undefined && field !== 'status' && field !== 'result') {
      this.add(path, `steps.${id}.${field}: a step has only status and result${at}`, stepId);
    } else if (field === 'result' && kind === 'parallel') {
      this.add(path, `steps.${id}.result: a parallel group has a status but no result; read its steps instead${at}`, stepId);
    }
  }
}

/** The values met walking `path` into `value` (the last is undefined when the path is missing). */
function valuesAlong(value: unknown, path: readonly PropertyKey[]): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = value;
  for (const key of path) {
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[key] : undefined;
    out.push(cur);
  }
  return out;
}

/** Why a value does not fit an input, or null when it does. */
export function inputProblem(spec: InputSpec, value: unknown): string | null {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be text';
      if (spec.enum && !spec.enum.includes(value)) return `must be one of ${spec.enum.join(', ')}`;
      if (spec.pattern !== undefined && !new RegExp(spec.pattern).test(value)) return `must match ${spec.pattern}`;
      return null;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (spec.minimum !== undefined && value < spec.minimum) return `must be at least ${spec.minimum}`;
      if (spec.maximum !== undefined && value > spec.maximum) return `must be at most ${spec.maximum}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'string-list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? null : 'must be a list of texts';
  }
}

export type InputsResult = { ok: true; values: Record<string, unknown> } | { ok: false; issues: Array<{ path: string; message: string }> };

/**
 * The inputs a run is started with, checked against the definition: types, required, enum,
 * pattern, minimum and maximum; defaults filled in; unknown names refused. Null counts as missing.
 */
export function validateInputs(def: Definition, raw: unknown): InputsResult {
  const given = raw ?? {};
  if (typeof given !== 'object' || Array.isArray(given)) {
    return { ok: false, issues: [{ path: 'inputs', message: 'inputs must be an object of name: value' }] };
  }
  const issues: Array<{ path: string; message: string }> = [];
  const values: Record<string, unknown> = {};
  const names = Object.keys(def.inputs);
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(def.inputs, key)) issues.push({ path: `inputs.${key}`, message: `unknown input (${def.id} takes: ${known(names)})` });
  }
  for (const [name, spec] of Object.entries(def.inputs)) {
    const value = Object.hasOwn(given, name) ? (given as Record<string, unknown>)[name] : undefined;
    if (value === undefined || value === null) {
      if (spec.default !== undefined) values[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
      else if (spec.required !== false) issues.push({ path: `inputs.${name}`, message: `required${spec.description ? ` (${spec.description})` : ''}` });
      continue;
    }
    const problem = inputProblem(spec, value);
    if (problem) issues.push({ path: `inputs.${name}`, message: problem });
    else values[name] = value;
  }
  return issues.length ? { ok: false, issues } : { ok: true, values };
}
