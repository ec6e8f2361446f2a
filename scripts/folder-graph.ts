/**
 * `npm run graph`: which folders of src/ import which (runtime and type-only imports alike), and
 * the folder cycles. The layer rules themselves live in biome.json; this is the picture.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src', import.meta.url));
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.[^']+)'/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** A file's folder, at most two levels under src/ (`activities/directory`, `domain`). */
function folderOf(file: string): string {
  return relative(src, dirname(file)).split('/').slice(0, 2).join('/') || '.';
}

export function folderGraph(): Map<string, Map<string, number>> {
  const graph = new Map<string, Map<string, number>>();
  for (const file of sourceFiles(src)) {
    const from = folderOf(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const to = folderOf(resolve(dirname(file), spec!));
      if (to === from || to.startsWith('..')) continue;
      const row = graph.get(from) ?? new Map<string, number>();
      row.set(to, (row.get(to) ?? 0) + 1);
      graph.set(from, row);
    }
  }
  return graph;
}

/** Pairs of top-level folders that import each other, directly or through others. */
export function folderCycles(graph: Map<string, Map<string, number>>): string[] {
  const top = (f: string) => f.split('/')[0]!;
  const edges = new Map<string, Set<string>>();
  for (const [from, row] of graph) {
    for (const to of row.keys()) {
      if (top(from) === top(to)) continue;
      const set = edges.get(top(from)) ?? new Set<string>();
      set.add(top(to));
      edges.set(top(from), set);
    }
  }
  const reaches = (a: string, b: string, seen = new Set<string>()): boolean => {
    for (const next of edges.get(a) ?? []) {
      if (next === b) return true;
      if (!seen.has(next)) {
        seen.add(next);
        if (reaches(next, b, seen)) return true;
      }
    }
    return false;
  };
  const names = [...edges.keys()].sort();
  return names.flatMap((a) => names.filter((b) => a < b && reaches(a, b) && reaches(b, a)).map((b) => `${a} <-> ${b}`));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const graph = folderGraph();
  console.log('folder -> folders it imports (number of import statements)');
  for (const from of [...graph.keys()].sort()) {
    const row = graph.get(from)!;
    const targets = [...row.keys()].sort().map((to) => `${to} (${row.get(to)})`);
    console.log(`  ${from} -> ${targets.join(', ')}`);
  }
  const cycles = folderCycles(graph);
  console.log(`\ncycles between top-level folders: ${cycles.length ? cycles.join(', ') : 'none'}`);
}
