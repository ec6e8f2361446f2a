import type { z } from 'zod';

export interface FieldIssue {
  /** Dotted path to the offending field, e.g. `issue.fields.reporter.accountId`. */
  path: string;
  message: string;
}

export function pathToString(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
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

/** Parses with a zod schema and throws a ValidationError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(what, zodIssues(result.error));
  return result.data;
}
