import { z } from 'zod';
import { issueMessage, pathToString, ValidationError, type FieldIssue } from '../domain/errors.js';

// How a configuration slice declares its settings: each one once, as a field of the slice's typed
// result, with its environment variable, its zod schema (the default is part of the schema) and a
// sentence for the docs. defineSettings turns the declarations into the object schema, the reader
// of the environment and the rows of docs/configuration.md (scripts/config-docs.ts); loadConfig
// composes the slices.

/** The environment as a process was given it. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Setting<S extends z.ZodType = z.ZodType> {
  readonly env: string;
  /** Validates the value (and its default, via .default() or .prefault()). */
  readonly schema: S;
  readonly description: string;
  /** The default as the docs show it, when it is computed elsewhere rather than in `schema`. */
  readonly shownDefault?: string;
  /** Turns the variable's text into what `schema` takes (JSON, flags, a file's content). */
  readonly fromEnv?: z.ZodType<unknown, string>;
}

const GROUP = Symbol('settings group');

/** Settings that come together or not at all: the group is undefined when none of them is set. */
export interface Group<T extends Tree = Tree> {
  readonly [GROUP]: true;
  readonly members: T;
  /** Message for the members left unset when others are set (else their schemas say what is missing). */
  readonly whenPartial?: string;
}

export interface Tree {
  readonly [field: string]: Setting | Group | Tree;
}

/** The zod shape a tree of declarations validates with. */
export type ShapeOf<T extends Tree> = {
  -readonly [K in keyof T]: T[K] extends Setting<infer S>
    ? S
    : T[K] extends Group<infer G>
      ? z.ZodOptional<z.ZodObject<ShapeOf<G>, z.core.$strict>>
      : T[K] extends Tree
        ? z.ZodObject<ShapeOf<T[K]>, z.core.$strict>
        : never;
};

export type ObjectOf<T extends Tree> = z.ZodObject<ShapeOf<T>, z.core.$strict>;

export interface SettingDoc {
  env: string;
  /** What applies when the variable is unset, as the docs show it. */
  default: string;
  description: string;
  /** The default as the variable would spell it, when the schema holds it (not computed elsewhere). */
  schemaDefault?: string;
}

export function setting<S extends z.ZodType>(
  env: string,
  schema: S,
  description: string,
  options: { shownDefault?: string; fromEnv?: z.ZodType<unknown, string> } = {},
): Setting<S> {
  return { env, schema, description, ...options };
}

export function group<const T extends Tree>(members: T, options: { whenPartial?: string } = {}): Group<T> {
  return { [GROUP]: true, members, ...options };
}

const isGroup = (node: Setting | Group | Tree): node is Group => GROUP in node;
const isSetting = (node: Setting | Group | Tree): node is Setting =>
  !isGroup(node) && typeof (node as Setting).env === 'string' && (node as Setting).schema instanceof z.ZodType;

interface Leaf {
  path: string[];
  setting: Setting;
}

function leavesOf(tree: Tree, path: string[] = []): Leaf[] {
  return Object.entries(tree).flatMap(([key, node]) =>
    isSetting(node) ? [{ path: [...path, key], setting: node }] : leavesOf(isGroup(node) ? node.members : node, [...path, key]),
  );
}

function shapeOf(tree: Tree): z.ZodRawShape {
  return Object.fromEntries(
    Object.entries(tree).map(([key, node]) => [
      key,
      isSetting(node) ? node.schema : isGroup(node) ? z.strictObject(shapeOf(node.members)).optional() : z.strictObject(shapeOf(node)),
    ]),
  );
}

/** The schema's default, as a variable would spell it. */
function defaultOf(schema: z.ZodType): string | undefined {
  if (!(schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault)) return undefined;
  const value = (schema.def as { defaultValue: unknown }).defaultValue;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function docOf(s: Setting): SettingDoc {
  const schemaDefault = defaultOf(s.schema);
  const shown = s.shownDefault ?? (schemaDefault === undefined ? 'unset' : `\`${schemaDefault}\``);
  return { env: s.env, default: shown, description: s.description, ...(s.shownDefault === undefined && schemaDefault !== undefined ? { schemaDefault } : {}) };
}

/** How an empty variable counts: as a value (which the schema judges), or as unset. */
export type Blank = 'value' | 'empty-is-unset' | 'blank-is-unset';

/**
 * Names a setting in messages: the variable when the environment is read, the field path when the
 * settings are given in code (e.g. `tls.clientCertPath`).
 */
export type NameOf = (field: string) => string;

export interface SettingsOptions<T extends Tree, R extends z.ZodType> {
  /** How an empty variable counts. Default 'value'. */
  blank?: Blank;
  /** The whole slice is undefined when none of its variables is set (an optional integration). */
  optional?: boolean;
  /** Cross-setting rules and the final shape, on top of the declared object. */
  schema?: (object: ObjectOf<T>, name: NameOf) => R;
  /** What a standalone read of this slice calls the environment in its errors. */
  what?: string;
}

export interface Settings<R extends z.ZodType = z.ZodType, Optional extends boolean = boolean> {
  title: string;
  docs: SettingDoc[];
  /** The variables, in the order they are declared. */
  variables: string[];
  /** The settings given in code (tests, embedding): issues name the fields. */
  schema: R;
  /** Reads the environment: issues name the variables; nothing thrown. */
  read(env: Env): { value: z.output<R> | (Optional extends true ? undefined : never); issues: FieldIssue[] };
  /** Reads the environment; a ValidationError names every bad variable. */
  fromEnv(env: Env): z.output<R> | (Optional extends true ? undefined : never);
}

const FAILED = Symbol('failed: its variable is reported already');

/**
 * A slice of settings from declarations: `{ field: setting(ENV, schema, description), nested: {...},
 * grouped: group({...}) }`. The result's type follows the declarations.
 */
export function defineSettings<const T extends Tree, R extends z.ZodType = ObjectOf<T>, const Optional extends boolean = false>(
  title: string,
  tree: T,
  options: SettingsOptions<T, R> & { optional?: Optional } = {},
): Settings<R, Optional> {
  const leaves = leavesOf(tree);
  const variables = leaves.map((l) => l.setting.env);
  const fieldNames = new Map(leaves.map((l) => [l.path.join('.'), l.setting.env]));
  const object = z.strictObject(shapeOf(tree)) as ObjectOf<T>;
  const build = (name: NameOf) => (options.schema ? options.schema(object, name) : (object as unknown as R));
  const schema = build((field) => field);
  const envSchema = build((field) => {
    const env = fieldNames.get(field);
    if (env === undefined) throw new Error(`${title}: no setting ${field}`);
    return env;
  });
  const order = (variable: string) => {
    const at = variables.findIndex((v) => variable === v || variable.startsWith(`${v}.`) || variable.startsWith(`${v}[`));
    return at < 0 ? variables.length : at;
  };

  /** The variable an issue's path (in field names) is about. */
  const variableOf = (path: PropertyKey[]): string => {
    let node: Setting | Group | Tree = tree;
    for (let i = 0; i < path.length; i++) {
      const children: Tree = isGroup(node) ? node.members : (node as Tree);
      const next: Setting | Group | Tree | undefined = Object.hasOwn(children, path[i] as string) ? children[path[i] as string] : undefined;
      if (next === undefined) break;
      if (isSetting(next)) {
        const rest = path.slice(i + 1);
        if (rest.length === 0) return next.env;
        return typeof rest[0] === 'number' ? `${next.env}${pathToString(rest)}` : `${next.env}.${pathToString(rest)}`;
      }
      node = next;
    }
    return pathToString(path);
  };

  const read = (env: Env) => {
    const blank = options.blank ?? 'value';
    const text = (name: string) => {
      const value = env[name];
      if (value === undefined) return undefined;
      if (blank === 'empty-is-unset' && value === '') return undefined;
      if (blank === 'blank-is-unset' && value.trim() === '') return undefined;
      return value;
    };
    const isSet = (t: Tree) => leavesOf(t).some((l) => text(l.setting.env) !== undefined);
    if (options.optional && !isSet(tree)) return { value: undefined, issues: [] };

    const issues: FieldIssue[] = [];
    const reported = new Set<string>();
    const report = (path: string, message: string) => {
      issues.push({ path, message });
      reported.add(path);
    };
    const valuesOf = (t: Tree): Record<string, unknown> =>
      Object.fromEntries(
        Object.entries(t).map(([key, node]) => {
          if (isSetting(node)) {
            const raw = text(node.env);
            if (raw === undefined || !node.fromEnv) return [key, raw];
            const converted = node.fromEnv.safeParse(raw);
            if (converted.success) return [key, converted.data];
            for (const issue of converted.error.issues) report(node.env, issueMessage(issue));
            return [key, FAILED];
          }
          if (isGroup(node)) {
            if (!isSet(node.members)) return [key, undefined];
            const values = valuesOf(node.members);
            if (node.whenPartial !== undefined) {
              for (const [member, value] of Object.entries(values)) {
                const declared = node.members[member] as Setting | Group | Tree;
                if (value === undefined && isSetting(declared)) report(declared.env, node.whenPartial);
              }
            }
            return [key, values];
          }
          return [key, valuesOf(node)];
        }),
      );
    const values = valuesOf(tree);
    const parsed = envSchema.safeParse(values);
    if (!parsed.success) {
      const found = parsed.error.issues
        .map((issue) => ({ path: variableOf(issue.path), message: issueMessage(issue) }))
        .filter((issue) => !reported.has(issue.path.replace(/[.[].*$/, '')));
      // One message per variable, in the order the variables are declared.
      const first = found.filter((issue, i) => found.findIndex((other) => other.path === issue.path) === i);
      issues.push(
        ...first
          .map((issue, i) => ({ issue, i }))
          .sort((a, b) => order(a.issue.path) - order(b.issue.path) || a.i - b.i)
          .map((x) => x.issue),
      );
    }
    if (issues.length > 0 || !parsed.success) return { value: undefined, issues };
    return { value: parsed.data as z.output<R>, issues };
  };

  return {
    title,
    variables,
    docs: leaves.map((l) => docOf(l.setting)),
    schema,
    read: read as Settings<R, Optional>['read'],
    fromEnv(env) {
      const { value, issues } = read(env);
      if (issues.length > 0) throw new ValidationError(options.what ?? 'configuration (environment variables)', issues);
      return value as z.output<R>;
    },
  };
}

// Schemas the slices share.

export const port = z.coerce.number().int().min(0).max(65535);
export const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export function durationMs(text: string): number {
  if (text.endsWith('ms')) return Number(text.slice(0, -2));
  return Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1) as keyof typeof UNIT_MS];
}
/** `30s`, `5m`, `1h`, `7d`, in milliseconds. */
export const durationText = (example: string) => z.string().regex(/^\d+[smhd]$/, `a duration such as ${example}`);
export const duration = (example: string) => durationText(example).transform(durationMs);
/** Also `500ms`. */
export const shortDuration = (example: string) =>
  z
    .string()
    .regex(/^\d+(ms|[smhd])$/, `a duration such as ${example} or 500ms`)
    .transform(durationMs);
export const wholeNumber = (example: string, min: number, unit = 'a whole number') =>
  z.coerce
    .number({ error: `${unit}, e.g. ${example}` })
    .int(`${unit}, e.g. ${example}`)
    .min(min, `at least ${min}`);
/** A comma-separated list, items trimmed, empty ones dropped. */
export const commaList = z.string().transform((text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
