import type { z } from 'zod';

export interface FieldIssue {
  /** Dotted path to the offending field, e.g. `issue.fields.reporter.accountId`. */
  path: string;
  message: string;
}

export function pathToString(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(root)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

/** The most specific message of an issue (zod wraps record-key and union problems). */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key' && issue.issues[0]) return issue.issues[0].message;
  return issue.message;
}

export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: pathToString(issue.path), message: issueMessage(issue) }));
}

/** Always-run refinement options: report cross-field problems even when a field is also invalid. */
export const ALWAYS = { when: () => true } as const;

/**
 * Reports repeated `id`s in a list. Runs on possibly malformed input (see ALWAYS), so it reads
 * defensively.
 */
export function checkUniqueIds(ctx: z.core.$RefinementCtx, list: unknown, path: PropertyKey[], what: string): void {
  if (!Array.isArray(list)) return;
  const first = new Map<unknown, number>();
  list.forEach((item: unknown, i) => {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    const seen = first.get(id);
    if (seen === undefined) first.set(id, i);
    else ctx.addIssue({ code: 'custom', path: [...path, i, 'id'], message: `duplicate ${what} id "${id}" (first at ${pathToString([...path, seen])})` });
  });
}

/** Input that failed validation at a boundary; carries every offending field, not just the first. */
export class ValidationError extends Error {
  constructor(
    readonly what: string,
    readonly issues: FieldIssue[],
  ) {
    super(`${what} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'ValidationError';
  }
}

/**
 * The first place in untrusted data (parsed JSON or YAML) holding an object with its own
 * `toString` or `valueOf` key: such an object cannot be turned into text or a number. Data may
 * legitimately carry such keys (a Jira changelog item's `toString`), so this only names the place
 * once a schema check has tripped over one (zod's length checks and messages coerce values even
 * after a failed type check, and throw). Null when there is none.
 */
export function uncoercibleValue(value: unknown, path: PropertyKey[] = []): FieldIssue | null {
  if (value === null || typeof value !== 'object') return null;
  for (const key of ['toString', 'valueOf']) {
    if (Object.hasOwn(value, key) && typeof (value as Record<string, unknown>)[key] !== 'function') {
      return { path: pathToString(path), message: `holds an object with its own "${key}" key where text, a number or a list is expected` };
    }
  }
  for (const [key, item] of Object.entries(value)) {
    const found = uncoercibleValue(item, [...path, Array.isArray(value) ? Number(key) : key]);
    if (found) return found;
  }
  return null;
}

/** schema.safeParse that reports a value the schema could not even look at as an issue, not a crash. */
export function safeParseUntrusted<S extends z.ZodType>(
  schema: S,
  value: unknown,
): z.ZodSafeParseResult<z.output<S>> | { success: false; hostile: FieldIssue } {
  try {
    return schema.safeParse(value) as z.ZodSafeParseResult<z.output<S>>;
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return { success: false, hostile: uncoercibleValue(value) ?? { path: '(root)', message: 'holds a value that cannot be read as text' } };
  }
}

/** Parses with a zod schema and throws a ValidationError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = safeParseUntrusted(schema, value);
  if ('hostile' in result) throw new ValidationError(what, [result.hostile]);
  if (!result.success) throw new ValidationError(what, zodIssues(result.error));
  return result.data;
}
