import { LineCounter, parseDocument } from 'yaml';
import { pathParts, tryParseContent, type ContentIssue } from '../content.js';
import { Definition } from './schema.js';
import { validateDefinition, type ValidationContext } from './validation.js';

/**
 * A definition file (YAML or JSON) parsed and validated: schema problems and cross-field problems
 * alike come with file:line:column. The definition is null when anything is wrong.
 */
export function parseDefinition(text: string, ctx: ValidationContext): { definition: Definition | null; issues: ContentIssue[] } {
  const parsed = tryParseContent(text, Definition, ctx.file);
  if (!parsed.ok) return { definition: null, issues: parsed.issues };
  const definition = parsed.value;
  const issues = validateDefinition(definition, ctx);
  if (issues.length === 0) return { definition, issues };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return { definition: null, issues: issues.map((issue) => ({ ...issue, ...locate(doc, issue.path, lineCounter) })) };
}

/** Line and column of the deepest node on the path that exists (a missing field: its parent). */
function locate(doc: ReturnType<typeof parseDocument>, path: string, lineCounter: LineCounter): { line: number; column: number } {
  const parts = pathParts(path);
  let depth = parts.length;
  // The empty path gives the document's root node, so this ends.
  while (!doc.getIn(parts.slice(0, depth), true)) depth--;
  const node = doc.getIn(parts.slice(0, depth), true) as { range: [number, number, number] };
  const pos = lineCounter.linePos(node.range[0]);
  return { line: pos.line, column: pos.col };
}

/**
 * Every definition file of a folder: each parsed and validated, then the set (no id twice, as in
 * onboarding.yaml next to onboarding.json). Returns the valid definitions by id and all issues.
 */
export function definitionSet(
  files: ReadonlyArray<{ file: string; text: string }>,
  ctx: Omit<ValidationContext, 'file'>,
): { definitions: Record<string, Definition>; issues: ContentIssue[] } {
  const definitions: Record<string, Definition> = {};
  const fileOf = new Map<string, string>();
  const issues: ContentIssue[] = [];
  for (const { file, text } of files) {
    const result = parseDefinition(text, { ...ctx, file });
    issues.push(...result.issues);
    const def = result.definition;
    if (!def) continue;
    const other = fileOf.get(def.id);
    if (other !== undefined) {
      issues.push({ file, path: 'id', message: `definition "${def.id}" is defined in ${other} already; keep one of the two files` });
      continue;
    }
    fileOf.set(def.id, file);
    definitions[def.id] = def;
  }
  return { definitions, issues };
}
