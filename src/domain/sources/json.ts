import { pathToString, ValidationError, type FieldIssue } from '../errors.js';

// Every JSON body the engine is sent (webhooks, alerts, the staff and self-service APIs) is parsed
// here, so that what any later step may meet is bounded in one place:
// - nesting: JSON.parse itself copes with deep input, but the recursive steps after it (schema
//   checks, redaction, error messages) would overflow the stack on a body nested a few thousand
//   levels deep and answer 5xx, which a help desk retries for ever. The deepest real payload the
//   engine reads (a Jira description in Atlassian Document Format, lists in lists) stays well
//   under 64 levels.
// - `__proto__`: JSON.parse keeps it as an ordinary key, but copying the object into another (a
//   spread, a zod record) sets the copy's prototype instead, so the key would silently vanish.

/** How deep a JSON body may nest (objects and arrays counted). */
export const MAX_JSON_DEPTH = 100;

/** Parses JSON text from outside; anything unreadable, too deep or with a `__proto__` key is a ValidationError. */
export function parseUntrustedJson(text: string, what = 'request body'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(what, [{ path: '(body)', message: `is not valid JSON: ${(e as Error).message}` }]);
  }
  const problem = shapeProblem(value);
  if (problem) throw new ValidationError(what, [problem]);
  return value;
}

/** The first place that nests too deep or holds a `__proto__` key; walked without recursion. */
function shapeProblem(root: unknown): FieldIssue | null {
  const pending: Array<{ value: unknown; path: PropertyKey[] }> = [{ value: root, path: [] }];
  while (pending.length > 0) {
    const { value, path } = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_JSON_DEPTH) {
      return { path: '(body)', message: `nests objects and lists more than ${MAX_JSON_DEPTH} levels deep (at ${pathToString(path.slice(0, 8))}...)` };
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push({ value: item, path: [...path, i] }));
      continue;
    }
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return { path: pathToString([...path, key]), message: 'the key "__proto__" is not allowed' };
      pending.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return null;
}
