import { z } from 'zod';
import { ALWAYS, checkUniqueIds } from '../errors.js';

export const Platform = z.enum(['windows', 'macos', 'linux']);

/** A managed device as the endpoint/RMM tool reports it. Owner is a directory id; no personal data. */
export const Device = z.strictObject({
  id: z.string().regex(/^[A-Z0-9][A-Z0-9-]*$/, 'an asset tag such as LT-0042'),
  /** null: an unassigned laptop in stock, handed out by the asset tool. */
  owner: z.string().min(1).nullable(),
  platform: Platform,
  /** Hardware model as the asset tool names it, e.g. standard-14 (what onboarding asks for). */
  model: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]*$/, 'a model id such as standard-14')
    .optional(),
  /** Installed software: catalog id and version. */
  installed: z.array(z.strictObject({ id: z.string().min(1), version: z.string().min(1) })).default([]),
  disk: z.strictObject({ totalGb: z.number().positive(), usedGb: z.number().nonnegative() }).optional(),
  /** Diagnostic results that differ from a healthy device (the simulated fleet's faults). */
  faults: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).default({}),
});
export type Device = z.infer<typeof Device>;

/** The simulated fleet (content/fleet.yaml) behind the in-memory endpoint adapter. */
export const FleetFile = z
  .strictObject({ devices: z.array(Device) })
  .superRefine((f, ctx) => checkUniqueIds(ctx, (f as { devices?: unknown } | null | undefined)?.devices, ['devices'], 'device'), ALWAYS);
export type FleetFile = z.infer<typeof FleetFile>;
