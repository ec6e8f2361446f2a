/**
 * The self-service catalog (content/selfservice.yaml): the automations end users may launch
 * themselves, their inputs, audience, target, approval, availability and limits. The decision
 * whether one request may start is in request.ts.
 *
 * Nothing here does I/O or reads the clock: the caller's directory facts, the devices the asset
 * port says they own, their recent starts and the current time are all passed in. Every refusal
 * names its reason, an HTTP status and a sentence the caller can read.
 */
import { z } from 'zod';
import { ALWAYS, checkUniqueIds } from '../errors.js';
import { AvailabilityWindow } from './availability.js';

/** Directory groups whose members count as IT admins (admin-only inputs) unless the caller says otherwise. */
export const ADMIN_GROUPS_DEFAULT = ['it-staff'];

const ADMIN_REQUIRED = 'an admin-only input cannot be required: nobody else could ever start the automation (set required: false)';

function checkRegex(pattern: string, ctx: z.core.$RefinementCtx): void {
  try {
    new RegExp(pattern, 'u');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(e as Error).message})` });
  }
}

const Title = z.string().min(1);

export const StringInput = z
  .strictObject({
    type: z.literal('string'),
    title: Title,
    required: z.boolean().default(true),
    /** The whole value must match (the pattern is anchored), with the `u` flag. */
    pattern: z.string().min(1).superRefine(checkRegex).optional(),
    maxLength: z.int().min(1).default(200),
    enum: z.array(z.string()).min(1).optional(),
    adminOnly: z.boolean().optional(),
  })
  .refine((f) => !(f.adminOnly && f.required), { path: ['required'], message: ADMIN_REQUIRED });

export const BooleanInput = z
  .strictObject({
    type: z.literal('boolean'),
    title: Title,
    required: z.boolean().default(false),
    default: z.boolean().optional(),
    adminOnly: z.boolean().optional(),
  })
  .refine((f) => !(f.adminOnly && f.required && f.default === undefined), { path: ['required'], message: ADMIN_REQUIRED });

export const IntegerInput = z
  .strictObject({
    type: z.literal('integer'),
    title: Title,
    required: z.boolean().default(true),
    minimum: z.int().optional(),
    maximum: z.int().optional(),
    adminOnly: z.boolean().optional(),
  })
  .refine((f) => !(f.adminOnly && f.required), { path: ['required'], message: ADMIN_REQUIRED })
  .refine((f) => f.minimum === undefined || f.maximum === undefined || f.minimum <= f.maximum, {
    path: ['maximum'],
    message: 'maximum is below minimum',
  });

/** An asset tag; the request is refused unless the asset port lists it among the caller's devices. */
export const DeviceInput = z.strictObject({
  type: z.literal('device'),
  title: Title,
  required: z.boolean().default(true),
});

export const InputField = z.discriminatedUnion('type', [StringInput, BooleanInput, IntegerInput, DeviceInput]);
export type InputField = z.infer<typeof InputField>;

export const Target = z.discriminatedUnion('kind', [
  /** The caller's own directory account. */
  z.strictObject({ kind: z.literal('self') }),
  /** One of the caller's devices, named by the `device` input. */
  z.strictObject({ kind: z.literal('own-device') }),
  /** One of these resources, named by the `resource` input. */
  z.strictObject({ kind: z.literal('named'), resources: z.array(z.string().min(1)).min(1) }),
]);
export type Target = z.infer<typeof Target>;

export const Approval = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('manager') }),
  z.strictObject({ kind: z.literal('group'), group: z.string().min(1) }),
]);
export type Approval = z.infer<typeof Approval>;

export const CatalogEntry = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
    version: z.int().positive(),
    title: Title,
    description: z.string().min(1),
    /** Only published entries can be listed or started. */
    published: z.boolean(),
    workflow: z.enum(['diskCleanup', 'unlockAccount', 'softwareReinstall']),
    inputs: z
      .record(z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'input names are camelCase: a lower-case letter, then letters and digits'), InputField)
      .default({}),
    /** Directory groups (transitive membership, any of) whose members may use it. */
    audience: z.array(z.string().min(1)).min(1),
    target: Target,
    approval: Approval,
    limits: z
      .strictObject({
        perUserPerDay: z.int().min(1).default(5),
        cooldownMinutes: z.int().min(0).default(0),
      })
      .default({ perUserPerDay: 5, cooldownMinutes: 0 }),
    /** Absent: always available. */
    availability: z.array(AvailabilityWindow).min(1).optional(),
  })
  .superRefine((entry, ctx) => {
    const needs = (name: string, type: InputField['type']): void => {
      const field = Object.hasOwn(entry.inputs, name) ? entry.inputs[name] : undefined;
      if (field?.type !== type || !field.required) {
        ctx.addIssue({ code: 'custom', path: ['inputs', name], message: `a ${entry.target.kind} target needs a required ${type} input named "${name}"` });
      }
    };
    if (entry.target.kind === 'own-device') needs('device', 'device');
    if (entry.target.kind === 'named') needs('resource', 'string');
  });
export type CatalogEntry = z.infer<typeof CatalogEntry>;

export const SelfServiceCatalog = z
  .strictObject({ automations: z.array(CatalogEntry) })
  .superRefine((c, ctx) => checkUniqueIds(ctx, (c as { automations?: unknown } | null | undefined)?.automations, ['automations'], 'automation'), ALWAYS);
export type SelfServiceCatalog = z.infer<typeof SelfServiceCatalog>;
