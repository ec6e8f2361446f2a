import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { issueMessage, pathToString, safeParseUntrusted } from './errors.js';

export interface ContentIssue {
  file: string;
  line?: number;
  column?: number;
  path: string;
  message: string;
}

/** A content file (routing rules, directory, policy, ...) that did not validate. */
export class ContentError extends Error {
  constructor(readonly issues: ContentIssue[]) {
    super(issues.map(formatContentIssue).join('\n'));
    this.name = 'ContentError';
  }
}

export function formatContentIssue(issue: ContentIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return `${where} ${issue.path}: ${issue.message}`;
}

/**
 * Parses YAML (JSON is YAML too) and validates it, reporting each problem with the line and
 * column of the node that holds it, so an editor can jump straight there.
 */
export function tryParseContent<S extends z.ZodType>(
  text: string,
  schema: S,
  file: string,
): { ok: true; value: z.output<S> } | { ok: false; issues: ContentIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '(syntax)', message: e.message.split('\n')[0] ?? e.code };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (e) {
    // Unknown aliases and alias bombs ("Excessive alias count") surface only here.
    return { ok: false, issues: [{ file, path: '(syntax)', message: (e as Error).message }] };
  }
  const result = safeParseUntrusted(schema, value);
  if ('hostile' in result)
    return {
      ok: false,
      issues: [{ file, ...locate(doc, pathParts(result.hostile.path), lineCounter), path: result.hostile.path, message: result.hostile.message }],
    };
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => {
      const at = locate(doc, issue.path, lineCounter);
      return { file, ...at, path: pathToString(issue.path), message: issueMessage(issue) };
    }),
  };
}

/** tryParseContent that throws a ContentError with every issue. */
export function parseContent<S extends z.ZodType>(text: string, schema: S, file: string): z.output<S> {
  const parsed = tryParseContent(text, schema, file);
  if (!parsed.ok) throw new ContentError(parsed.issues);
  return parsed.value;
}

function locate(doc: ReturnType<typeof parseDocument>, path: ReadonlyArray<PropertyKey>, lineCounter: LineCounter): { line?: number; column?: number } {
  // Walk up until a node exists: a missing field is reported at its parent object.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

/** `steps[2].args.userId` -> ['steps', 2, 'args', 'userId'] (the inverse of pathToString). */
export function pathParts(path: string): Array<string | number> {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : (m[1] as string)));
}
