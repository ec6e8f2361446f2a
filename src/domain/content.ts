import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { issueMessage, pathToString } from './errors.js';

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
export function parseContent<S extends z.ZodType>(text: string, schema: S, file: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ContentError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: '(syntax)', message: e.message.split('\n')[0] ?? e.code };
      }),
    );
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  throw new ContentError(
    result.error.issues.map((issue) => {
      const at = locate(doc, issue.path, lineCounter);
      return { file, ...at, path: pathToString(issue.path), message: issueMessage(issue) };
    }),
  );
}

function locate(
  doc: ReturnType<typeof parseDocument>,
  path: ReadonlyArray<PropertyKey>,
  lineCounter: LineCounter,
): { line?: number; column?: number } {
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
