import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { ContentError, parseContent, type ContentIssue } from './domain/content.js';
import { DirectoryFile } from './domain/directory.js';
import { FleetFile } from './domain/fleet.js';
import { HelpdesksConfig } from './domain/helpdesks.js';
import { SoftwareCatalog } from './domain/software.js';
import { PermissionPolicy } from './domain/permission.js';
import { RoutingConfig } from './domain/routing.js';

/** The definitions the engine runs on, read from the content folder and validated together. */
export interface Content {
  routing: RoutingConfig;
  policy: PermissionPolicy;
  directory: DirectoryFile;
  helpdesks: HelpdesksConfig;
  software: SoftwareCatalog;
  fleet: FleetFile;
}

const FILES = {
  routing: ['routing.yaml', RoutingConfig],
  policy: ['policy.yaml', PermissionPolicy],
  directory: ['directory.yaml', DirectoryFile],
  helpdesks: ['helpdesks.yaml', HelpdesksConfig],
  software: ['software.yaml', SoftwareCatalog],
  fleet: ['fleet.yaml', FleetFile],
} as const;

export async function loadContentFile<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ContentError([{ file: path, path: '(file)', message: `cannot be read: ${(e as Error).message}` }]);
  }
  return parseContent(text, schema, path);
}

/** Loads every content file and reports the problems of all of them at once. */
export async function loadContent(dir: string): Promise<Content> {
  const issues: ContentIssue[] = [];
  const out: Partial<Record<keyof Content, unknown>> = {};
  for (const [key, [file, schema]] of Object.entries(FILES) as Array<[keyof Content, (typeof FILES)[keyof Content]]>) {
    try {
      out[key] = await loadContentFile(join(dir, file), schema);
    } catch (e) {
      if (e instanceof ContentError) issues.push(...e.issues);
      else throw e;
    }
  }
  if (issues.length > 0) throw new ContentError(issues);
  return out as Content;
}
