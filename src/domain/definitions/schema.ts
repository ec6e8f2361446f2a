import { z } from 'zod';
import { issueMessage } from '../errors.js';

// The format of a support workflow definition (content/definitions/*.yaml, or the TypeScript
// builder in builder.ts): inputs, constants and steps that the generic interpreter workflow runs.
// Cross-field rules (references, the activity registry, policy actions, trees) are in validation.ts.

const ID = /^[a-z0-9][a-z0-9-]*$/;
const NOT_PROTOTYPE = '(?!(constructor|prototype)$)';

export const DefinitionId = z.string().regex(ID, 'use lower-case letters, digits and dashes');
export const StepId = z
  .string()
  .regex(new RegExp(`^${NOT_PROTOTYPE}[a-z0-9][a-z0-9-]*$`), 'a step id: lower-case letters, digits and dashes, e.g. create-account');
/** Input and constant names are read in expressions as `inputs.<name>`. */
export const Name = z
  .string()
  .regex(new RegExp(`^${NOT_PROTOTYPE}[a-zA-Z][a-zA-Z0-9_]*$`), 'a name of letters, digits and _ that starts with a letter, e.g. employeeId');

export const DURATION = /^\d+(ms|s|m|h|d)$/;
export const Duration = z.string().regex(DURATION, 'a duration such as 500ms, 30s, 5m, 2h or 1d');
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** '2d' -> 172800000. Throws on anything that is not a duration. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a duration (use e.g. 500ms, 30s, 5m, 2h or 1d)`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export const PolicyActionName = z.string().regex(/^[a-z]+(\.[a-z-]+)+$/, 'a policy action such as account.create');

// ---- inputs ------------------------------------------------------------------------------------

const InputBase = {
  description: z.string().optional(),
  /** Inputs are required unless they have a default or say `required: false`. */
  required: z.boolean().optional(),
};

export const StringInput = z.strictObject({
  type: z.literal('string'),
  ...InputBase,
  default: z.string().optional(),
  enum: z.array(z.string()).min(1).optional(),
  /** A regular expression the value must match (anchor it with ^ and $ to match the whole value). */
  pattern: z.string().min(1).optional(),
  /**
   * Personal data (a name, a phone number): kept out of workflow history. The run holds a token
   * instead, which the worker resolves only inside the activities the value is passed to; the value
   * is forgotten when the run's record is filed. Usable only as a whole `${{ inputs.<name> }}`.
   */
  sensitive: z.boolean().optional(),
});
export const NumberInput = z.strictObject({
  type: z.literal('number'),
  ...InputBase,
  default: z.number().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
});
export const BooleanInput = z.strictObject({ type: z.literal('boolean'), ...InputBase, default: z.boolean().optional() });
export const StringListInput = z.strictObject({ type: z.literal('string-list'), ...InputBase, default: z.array(z.string()).optional() });

export const InputSpec = z.discriminatedUnion('type', [StringInput, NumberInput, BooleanInput, StringListInput], {
  error: 'an input needs `type:` string, number, boolean or string-list',
});
export type InputSpec = z.infer<typeof InputSpec>;

// ---- steps -------------------------------------------------------------------------------------

const Args = z.record(z.string(), z.unknown());

export const RetrySpec = z.strictObject({
  maximumAttempts: z.number().int().min(1).max(100).optional(),
  initialInterval: Duration.optional(),
  backoffCoefficient: z.number().min(1).max(10).optional(),
  maximumInterval: Duration.optional(),
});
export type RetrySpec = z.infer<typeof RetrySpec>;

const StepBase = {
  id: StepId,
  /** Shown in progress reports; defaults to the id. */
  name: z.string().min(1).optional(),
  /** The step runs only when this expression is true; otherwise it is recorded as skipped. */
  when: z.string().min(1).optional(),
};

/** How a call behaves: retries, a start-to-close timeout, and whether a failure stops the run. */
const CallOptions = {
  retry: RetrySpec.optional(),
  timeout: Duration.optional(),
  /** When true a failure is recorded and the run goes on. */
  continueOnError: z.boolean().optional(),
};

export const Compensation = z.strictObject({
  /** The registry's `undo` of the step's activity. */
  activity: z.string().min(1),
  /** May read the step's own result: `${{ steps.<this step>.result.assetId }}`. */
  args: Args.default({}),
});
export type Compensation = z.infer<typeof Compensation>;

export const ActionStep = z.strictObject({
  ...StepBase,
  /** An activity of the registry (src/domain/definitions/registry.ts). */
  activity: z.string().min(1),
  args: Args.default({}),
  /** The permission policy action checked before the change (required for changes). */
  requires: PolicyActionName.optional(),
  compensate: Compensation.optional(),
  ...CallOptions,
});
export type ActionStep = z.infer<typeof ActionStep>;

export const NotifySpec = z
  .strictObject({
    /** To a directory account's registered address; the address never enters the definition or history. */
    email: z.strictObject({ toUser: z.string().min(1), subject: z.string().min(1), text: z.string().min(1) }).optional(),
    /** To a channel of content/notify.yaml (Slack- or Teams-compatible incoming webhook). */
    chat: z.strictObject({ channel: z.string().min(1), text: z.string().min(1) }).optional(),
  })
  .refine((n) => n.email !== undefined || n.chat !== undefined, 'notify needs `email:`, `chat:` or both');
export type NotifySpec = z.infer<typeof NotifySpec>;

export const NotifyStep = z.strictObject({ ...StepBase, notify: NotifySpec, ...CallOptions });
export type NotifyStep = z.infer<typeof NotifyStep>;

export const ApprovalSpec = z
  .strictObject({
    /** Directory ids (templates allowed) of people who may answer. */
    approvers: z.array(z.string().min(1)).min(1).optional(),
    /** Members of this directory group may answer too. */
    approverGroup: z.string().min(1).optional(),
    timeout: Duration,
    /** What happens when nobody answers in time: the run fails (and rolls back), or goes on. */
    onTimeout: z.enum(['fail', 'continue']).default('fail'),
  })
  .refine((a) => a.approvers !== undefined || a.approverGroup !== undefined, 'an approval needs `approvers:`, `approverGroup:` or both');
export type ApprovalSpec = z.infer<typeof ApprovalSpec>;

export const ApprovalStep = z.strictObject({ ...StepBase, approval: ApprovalSpec });
export type ApprovalStep = z.infer<typeof ApprovalStep>;

export const TroubleshootSpec = z.strictObject({
  /** A decision tree of content/trees, run as a child workflow. */
  tree: DefinitionId,
  /** The directory id of the person being helped (a template, usually). */
  subject: z.string().min(1),
  timeout: Duration.optional(),
});
export type TroubleshootStep = z.infer<typeof TroubleshootStep>;
export const TroubleshootStep = z.strictObject({ ...StepBase, troubleshoot: TroubleshootSpec });

/** What may run inside a parallel group. */
export type ParallelChild = ActionStep | NotifyStep;
export interface ParallelStep {
  id: string;
  name?: string | undefined;
  when?: string | undefined;
  parallel: ParallelChild[];
}
export type Step = ActionStep | ParallelStep | ApprovalStep | TroubleshootStep | NotifyStep;
export type StepKind = 'action' | 'parallel' | 'approval' | 'troubleshoot' | 'notify';

/** The key that says what a step is. */
export const KIND_KEYS = { activity: 'action', parallel: 'parallel', approval: 'approval', troubleshoot: 'troubleshoot', notify: 'notify' } as const;

export function stepKind(step: Step): StepKind {
  if ('activity' in step) return 'action';
  if ('parallel' in step) return 'parallel';
  if ('approval' in step) return 'approval';
  if ('troubleshoot' in step) return 'troubleshoot';
  return 'notify';
}

/**
 * A step is exactly one of several shapes, told apart by one key. zod's plain union reports every
 * shape's problems at once ("Invalid input"); this picks the shape by its key first, so an error
 * points at the field that is wrong (`steps[2].retry.maximumAttempts`).
 */
function keyedStep<T>(shapes: Partial<Record<keyof typeof KIND_KEYS, z.ZodType>>, where: string): z.ZodType<T> {
  const keys = Object.keys(shapes) as Array<keyof typeof KIND_KEYS>;
  return z.unknown().transform((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: `a step is an object with an id and one of: ${keys.join(', ')}` });
      return z.NEVER;
    }
    const present = Object.keys(KIND_KEYS).filter((k) => Object.hasOwn(value, k)) as Array<keyof typeof KIND_KEYS>;
    if (present.length !== 1) {
      const found = present.length === 0 ? 'none' : present.join(' and ');
      ctx.addIssue({ code: 'custom', message: `a step needs exactly one of ${keys.join(', ')} (found ${found})` });
      return z.NEVER;
    }
    const key = present[0] as keyof typeof KIND_KEYS;
    const shape = shapes[key];
    if (!shape) {
      ctx.addIssue({ code: 'custom', path: [key], message: `${where} hold only steps with ${keys.join(' or ')}, not ${key}` });
      return z.NEVER;
    }
    const result = shape.safeParse(value);
    if (result.success) return result.data as T;
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: issue.path as PropertyKey[], message: issueMessage(issue) });
    return z.NEVER;
  }) as unknown as z.ZodType<T>;
}

function parallelStep(child: z.ZodType) {
  return z.strictObject({
    ...StepBase,
    /** Action and notify steps that run at the same time (at least two). */
    parallel: z.array(child).min(2, 'a parallel group needs at least two steps'),
  });
}

const ParallelChildSchema = keyedStep<ParallelChild>({ activity: ActionStep, notify: NotifyStep }, 'parallel groups');
export const ParallelStepSchema = parallelStep(ParallelChildSchema) as unknown as z.ZodType<ParallelStep>;
export const StepSchema = keyedStep<Step>(
  { activity: ActionStep, parallel: ParallelStepSchema, approval: ApprovalStep, troubleshoot: TroubleshootStep, notify: NotifyStep },
  'steps',
);

function definition(step: z.ZodType) {
  return z.strictObject({
    id: DefinitionId,
    title: z.string().min(1),
    description: z.string().optional(),
    inputs: z.record(Name, InputSpec).default({}),
    /** Free data the expressions can read as `constants.<name>`. */
    constants: z.record(Name, z.unknown()).default({}),
    limits: z
      .strictObject({
        /** At most this many automations act on one device (endpoint) at once. */
        perEndpoint: z.number().int().min(1).max(100).default(1),
      })
      .default({ perEndpoint: 1 }),
    steps: z.array(step).min(1, 'a definition needs at least one step'),
  });
}

/** The definition schema that content files and the builder are parsed with. */
export const Definition = definition(StepSchema) as unknown as z.ZodType<DefinitionOut, DefinitionIn>;

/** The same format as a plain union, for the JSON Schema (editors) only. */
const DefinitionForJsonSchema = definition(z.union([ActionStep, parallelStep(z.union([ActionStep, NotifyStep])), ApprovalStep, TroubleshootStep, NotifyStep]));

type Shape = z.output<ReturnType<typeof definition>>;
export type DefinitionOut = Omit<Shape, 'steps'> & { steps: Step[] };
export type DefinitionIn = z.input<typeof DefinitionForJsonSchema>;
export type Definition = DefinitionOut;

/** JSON Schema of the definition format (docs/definition.schema.json is generated from it). */
export function definitionJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(DefinitionForJsonSchema, { io: 'input' }) as Record<string, unknown>;
}
