import { z } from 'zod';

// How a configuration slice declares its settings: each environment variable once, with its zod
// schema (the default is part of the schema) and a sentence for the docs. loadConfig composes the
// slices; docs/configuration.md is generated from the same declarations (scripts/config-docs.ts).

export interface SettingDoc {
  env: string;
  /** What applies when the variable is unset, as the docs show it. */
  default: string;
  description: string;
}

type Declarations = Record<string, readonly [z.ZodType, string] | readonly [z.ZodType, string, string]>;

export interface Slice<S extends z.ZodRawShape> {
  title: string;
  shape: S;
  docs: SettingDoc[];
}

/**
 * A slice of settings: `{ NAME: [schema, description] }`, or `[schema, description, default]`
 * where the default is computed elsewhere (e.g. "every queue above") and the docs should say so.
 */
export function slice<const D extends Declarations>(title: string, declarations: D): Slice<{ [K in keyof D]: D[K][0] }> {
  const shape = Object.fromEntries(Object.entries(declarations).map(([env, [schema]]) => [env, schema])) as { [K in keyof D]: D[K][0] };
  const docs = Object.entries(declarations).map(([env, [schema, description, shown]]) => ({ env, default: shown ?? defaultOf(schema), description }));
  return { title, shape, docs };
}

/** Variables a module reads by name itself (LDAP_*, SELF_SERVICE_JWT_*): listed for the docs only. */
export function documented(title: string, docs: Array<[env: string, description: string, shown?: string]>): Slice<Record<never, never>> {
  return { title, shape: {}, docs: docs.map(([env, description, shown]) => ({ env, default: shown ?? 'unset', description })) };
}

function defaultOf(schema: z.ZodType): string {
  if (schema instanceof z.ZodDefault) {
    const value = (schema.def as { defaultValue: unknown }).defaultValue;
    return `\`${String(value)}\``;
  }
  return 'unset';
}

export const port = z.coerce.number().int().min(0).max(65535);
export const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
export const duration = (example: string) => z.string().regex(/^\d+[smhd]$/, `a duration such as ${example}`);
export const shortDuration = (example: string) => z.string().regex(/^\d+(ms|[smhd])$/, `a duration such as ${example} or 500ms`);
export const wholeNumber = (example: string, min: number, unit = 'a whole number') =>
  z.coerce
    .number({ error: `${unit}, e.g. ${example}` })
    .int(`${unit}, e.g. ${example}`)
    .min(min, `at least ${min}`);

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export function durationMs(text: string): number {
  if (text.endsWith('ms')) return Number(text.slice(0, -2));
  return Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1) as keyof typeof UNIT_MS];
}
