import { evaluate, parseEmbedded, type Expr, type Scope } from './expressions.js';

// Templates in definition arguments: `${{ expr }}` inside strings.
// - A string that is exactly one `${{ expr }}` renders to the expression's value, of any type
//   (a list of groups stays a list).
// - A string with text around its `${{ }}` renders to text: null becomes '', lists and objects JSON.

const OPEN = '${{';

export type TemplatePart = string | { expr: Expr; column: number };

/** True when the string holds at least one `${{`. */
export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && value.includes(OPEN);
}

/** Splits a string into text and parsed expressions. Throws ExpressionError (column in the string). */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let from = 0;
  for (let open = text.indexOf(OPEN); open !== -1; open = text.indexOf(OPEN, from)) {
    if (open > from) parts.push(text.slice(from, open));
    const { expr, end } = parseEmbedded(text, open);
    parts.push({ expr, column: open + 1 });
    from = end;
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Renders one string (see the rules at the top of this file). */
export function renderTemplate(text: string, scope: Scope): unknown {
  const parts = parseTemplate(text);
  const [only] = parts;
  if (parts.length === 1 && typeof only === 'object') return evaluate(only.expr, scope);
  return parts.map((p) => (typeof p === 'string' ? p : asText(evaluate(p.expr, scope)))).join('');
}

/** Renders every string in a value: through objects and lists; numbers, booleans and null stay. */
export function renderArgs(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return isTemplate(value) ? renderTemplate(value, scope) : value;
  if (Array.isArray(value)) return value.map((v) => renderArgs(v, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, renderArgs(v, scope)]));
  }
  return value;
}

/** `ref('inputs.employeeId')` -> `'${{ inputs.employeeId }}'`, for definitions written in TypeScript. */
export function ref<E extends string>(expr: E): `\${{ ${E} }}` {
  return `\${{ ${expr} }}`;
}
