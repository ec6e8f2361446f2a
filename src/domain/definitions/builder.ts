import type { z } from 'zod';
import { ValidationError, zodIssues } from '../errors.js';
import type { ActivityName, Registry } from './registry.js';
import { Definition, type ApprovalSpec, type InputSpec, type NotifySpec, type RetrySpec, type TroubleshootSpec } from './schema.js';
import { validateDefinition } from './validation.js';

// Workflow definitions written in TypeScript: a typed builder that produces the same `Definition`
// as a YAML file (parsed by the same schema and checked by the same rules), so the two forms are
// one model. Activity names, their arguments, `requires` and `compensate` are typed from the
// registry.

/** A string holding `${{ expr }}`; `ref()` makes one. */
export type Template = `${string}\${{${string}}}${string}`;

/** A value as written in a definition: any leaf may be a template rendered at run time. */
export type Templated<T> = T extends string
  ? string
  : T extends number | boolean
    ? T | Template
    : T extends readonly (infer U)[]
      ? Templated<U>[] | Template
      : T extends object
        ? { [K in keyof T]: Templated<T[K]> } | Template
        : T;

export type ArgsOf<A extends ActivityName> = Templated<z.input<Registry[A]['args']>>;
type UndoOf<A extends ActivityName> = Registry[A]['undo'];
export type CompensateOf<A extends ActivityName> = UndoOf<A> extends ActivityName ? { activity: UndoOf<A>; args: ArgsOf<UndoOf<A>> } : never;

export interface StepOptions {
  name?: string;
  when?: string;
}
export interface CallOptions {
  retry?: RetrySpec;
  timeout?: string;
  continueOnError?: boolean;
}
export type ActionOptions<A extends ActivityName> = StepOptions &
  CallOptions & {
    args: ArgsOf<A>;
    requires?: Registry[A]['action'];
    compensate?: CompensateOf<A>;
  };

type Raw = Record<string, unknown>;

function withoutUndefined(o: Raw): Raw {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Steps that can stand anywhere, including inside a parallel group. */
export class StepList {
  protected readonly steps: Raw[] = [];

  action<A extends ActivityName>(id: string, activity: A, options: ActionOptions<A>): this {
    const { args, ...rest } = options;
    this.steps.push(withoutUndefined({ id, activity, args, ...rest }));
    return this;
  }

  notify(id: string, notify: z.input<typeof NotifySpec>, options: StepOptions & CallOptions = {}): this {
    this.steps.push(withoutUndefined({ id, notify, ...options }));
    return this;
  }
}

export class ParallelBuilder extends StepList {
  /** The group's steps (for the workflow builder). */
  list(): Raw[] {
    return this.steps;
  }
}

export class WorkflowBuilder extends StepList {
  private readonly inputs: Record<string, z.input<typeof InputSpec>> = {};
  private constants: Record<string, unknown> | undefined;
  private perEndpoint: number | undefined;

  constructor(private readonly head: { id: string; title: string; description?: string }) {
    super();
  }

  input(name: string, spec: z.input<typeof InputSpec>): this {
    this.inputs[name] = spec;
    return this;
  }

  /** Free data the expressions read as `constants.<name>`. */
  constant(name: string, value: unknown): this {
    this.constants = { ...this.constants, [name]: value };
    return this;
  }

  /** At most `perEndpoint` automations act on one device at once. */
  limits(limits: { perEndpoint: number }): this {
    this.perEndpoint = limits.perEndpoint;
    return this;
  }

  parallel(id: string, build: (group: ParallelBuilder) => ParallelBuilder, options: StepOptions = {}): this {
    this.steps.push(withoutUndefined({ id, parallel: build(new ParallelBuilder()).list(), ...options }));
    return this;
  }

  approval(id: string, approval: z.input<typeof ApprovalSpec>, options: StepOptions = {}): this {
    this.steps.push(withoutUndefined({ id, approval, ...options }));
    return this;
  }

  troubleshoot(id: string, troubleshoot: z.input<typeof TroubleshootSpec>, options: StepOptions = {}): this {
    this.steps.push(withoutUndefined({ id, troubleshoot, ...options }));
    return this;
  }

  /**
   * The definition, parsed by the same schema as content files and checked by the same rules
   * (without the content-wide ones: policy actions, trees and channels are checked when it is
   * registered with the content). Throws a ValidationError naming every problem.
   */
  build(): Definition {
    const raw = withoutUndefined({
      ...this.head,
      inputs: this.inputs,
      constants: this.constants,
      limits: this.perEndpoint === undefined ? undefined : { perEndpoint: this.perEndpoint },
      steps: this.steps,
    });
    const what = `workflow definition ${this.head.id}`;
    const parsed = Definition.safeParse(raw);
    if (!parsed.success) throw new ValidationError(what, zodIssues(parsed.error));
    const issues = validateDefinition(parsed.data, { file: `${this.head.id} (TypeScript)` });
    if (issues.length > 0)
      throw new ValidationError(
        what,
        issues.map(({ path, message }) => ({ path, message })),
      );
    return parsed.data;
  }
}

/** Starts a definition in TypeScript: `defineWorkflow({ id, title }).input(...).action(...).build()`. */
export function defineWorkflow(head: { id: string; title: string; description?: string }): WorkflowBuilder {
  return new WorkflowBuilder(head);
}

export { ref } from './templates.js';
