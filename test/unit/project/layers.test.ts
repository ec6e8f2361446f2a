import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

// The layer rules live in biome.json; these tests prove they fire (a rule nobody sees fail can rot
// silently) and check what per-file rules cannot: everything *reachable* from the workflow entry
// point, i.e. what Temporal bundles into its sandbox.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const biome = fileURLToPath(new URL('../../../node_modules/.bin/biome', import.meta.url));

const refused: Array<[string, string]> = [
  ['src/domain/x.ts', "import { a } from '../activities/support.js';"],
  ['src/domain/trees/x.ts', "import { a } from '../../stack/content.js';"],
  ['src/domain/x.ts', "import { a } from '../config/index.js';"],
  ['src/domain/x.ts', "import { a } from '@temporalio/workflow';"],
  ['src/config/x.ts', "import { a } from '../activities/directory/ldap.js';"],
  ['src/config/x.ts', "import { a } from '../stack/payloadCodec.js';"],
  ['src/workflows/x.ts', "import type { a } from '../activities/support.js';"],
  ['src/workflows/x.ts', "import { a } from '../client/intake.js';"],
  ['src/workflows/x.ts', "import { a } from '@temporalio/client';"],
  ['src/activities/x.ts', "import { a } from '../client/intake.js';"],
  ['src/activities/ticketing/x.ts', "import { a } from '../../workflows/messages.js';"],
  ['src/activities/x.ts', "import { a } from '../app/adapters.js';"],
  ['src/stack/x.ts', "import { a } from '../client/http/app.js';"],
  ['src/stack/x.ts', "import { a } from '../activities/records/port.js';"],
  ['src/client/x.ts', "import { a } from '../app/adapters.js';"],
  ['src/client/http/x.ts', "import { a } from '../../activities/directory/ldap.js';"],
];
const allowed: Array<[string, string]> = [
  ['src/workflows/x.ts', "import type { a } from '../activities/contracts.js';"],
  ['src/workflows/x.ts', "import { a } from '../domain/trees/navigation.js';"],
  ['src/client/x.ts', "import type { a } from '../activities/directory/port.js';"],
  ['src/client/x.ts', "import { a } from '../activities/records/port.js';"],
  ['src/app/x.ts', "import { a } from '../activities/directory/ldap.js';"],
  ['src/activities/x.ts', "import type { a } from '../config/index.js';"],
];
const other: Record<string, string> = {
  'src/workflows/builtin.ts': "import { readFileSync } from 'node:fs';\nexport const used = readFileSync;\n",
  'src/activities/env.ts': 'export const level = process.env.LOG_LEVEL;\n',
  'src/config/env.ts': 'export const level = process.env.LOG_LEVEL;\n',
  'src/client/floating.ts': 'async function f(): Promise<number> {\n  return 1;\n}\nexport function g(): void {\n  f();\n}\n',
  'src/client/cycleA.ts': "import { b } from './cycleB.js';\nexport const a = () => b;\n",
  'src/client/cycleB.ts': "import { a } from './cycleA.js';\nexport const b = () => a;\n",
};

/** Biome's findings (rule names) per file, for the given files laid out beside this biome.json. */
function lintFiles(files: Record<string, string>): Map<string, string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    copyFileSync(join(root, 'biome.json'), join(dir, 'biome.json'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const run = spawnSync(biome, ['lint', '--vcs-enabled=false', '--reporter=json', '--max-diagnostics=1000', 'src'], { cwd: dir, encoding: 'utf8' });
    const report = JSON.parse(run.stdout) as { diagnostics: Array<{ category: string; location: { path: string } }> };
    const found = new Map<string, string[]>();
    for (const d of report.diagnostics) found.set(d.location.path, [...(found.get(d.location.path) ?? []), d.category.split('/').at(-1)!]);
    return found;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fixtureName = (kind: string, i: number, path: string) => path.replace(/x\.ts$/, `${kind}${i}.ts`);
const files: Record<string, string> = { ...other };
refused.forEach(
  ([path, line], i) =>
    (files[fixtureName('refused', i, path)] = `${line}\nexport const used = [a];\n`.replace(
      'export const',
      line.includes('type') ? 'export type Used = typeof a;\nexport const' : 'export const',
    )),
);
allowed.forEach(
  ([path, line], i) =>
    (files[fixtureName('allowed', i, path)] = `${line}\n${line.includes('type') ? 'export type Used = typeof a;' : 'export const used = [a];'}\n`),
);
let findings: Map<string, string[]>;
beforeAll(() => {
  findings = lintFiles(files);
});

describe('layer rules (biome.json)', () => {
  it.each(refused.map(([path, line], i) => [path, line, i] as const))('%s may not: %s', (path, _line, i) => {
    expect(findings.get(fixtureName('refused', i, path))).toContain('noRestrictedImports');
  });

  it.each(allowed.map(([path, line], i) => [path, line, i] as const))('%s may: %s', (path, _line, i) => {
    expect(findings.get(fixtureName('allowed', i, path)) ?? []).toEqual([]);
  });

  it('workflow code may not use Node built-ins, and nobody outside config and the entry points reads the environment', () => {
    expect(findings.get('src/workflows/builtin.ts')).toContain('noNodejsModules');
    expect(findings.get('src/activities/env.ts')).toContain('noProcessEnv');
    expect(findings.get('src/config/env.ts') ?? []).toEqual([]);
  });

  it('a promise nobody handles is an error, and so is an import cycle', () => {
    expect(findings.get('src/client/floating.ts')).toContain('noFloatingPromises');
    expect(findings.get('src/client/cycleA.ts')).toContain('noImportCycles');
  });
});

describe('the workflow sandbox', () => {
  it('reaches only workflow and domain modules, and no Node built-in, from src/workflows/index.ts', async () => {
    const result = await build({
      entryPoints: [`${root}src/workflows/index.ts`],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'neutral',
      packages: 'external',
      logLevel: 'silent',
      outdir: `${root}.data/sandbox-check`,
    });
    const inputs = result.metafile.inputs;
    const outside = Object.keys(inputs).filter((f) => !/^src\/(workflows|domain)\//.test(f));
    const importerOf = (file: string) => Object.entries(inputs).find(([, m]) => m.imports.some((i) => i.path === file))?.[0];
    expect(outside.map((f) => `${f} (imported by ${importerOf(f)})`)).toEqual([]);
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const external = Object.entries(inputs).flatMap(([file, m]) => m.imports.filter((i) => i.external).map((i) => ({ file, path: i.path })));
    expect(external.filter((i) => builtins.has(i.path)).map((i) => `${i.file} imports ${i.path}`)).toEqual([]);
    expect(
      [
        ...new Set(
          external.map((i) =>
            i.path
              .split('/')
              .slice(0, i.path.startsWith('@') ? 2 : 1)
              .join('/'),
          ),
        ),
      ].sort(),
    ).toEqual(['@temporalio/workflow', 'zod']);
  });
});
