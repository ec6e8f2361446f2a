import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// README.md is the front door: what the engine is, the quick start, one picture, the layout map
// and links to one page per topic under docs/. These tests keep it short, keep its layout map in
// step with the folders on disk, and keep every relative link of README.md and docs/*.md working.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const README = join(root, 'README.md');
const MAX_README_LINES = 260;

const readme = readFileSync(README, 'utf8');

function folders(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .flatMap((name) => [join(dir, name), ...folders(join(dir, name))]);
}

/** Folder names .gitignore leaves out of the repository (`node_modules/`, `coverage/`, ...). */
function ignoredFolders(): Set<string> {
  const text = existsSync(join(root, '.gitignore')) ? readFileSync(join(root, '.gitignore'), 'utf8') : '';
  return new Set(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.endsWith('/') && !line.startsWith('#'))
      .map((line) => line.replace(/^\//, '').replace(/\/$/, '')),
  );
}

/** The folders named at the start of each line of the code block under `## Layout`, without their trailing slash. */
function layoutMap(text: string): string[] {
  const section = text.split(/^## /m).find((s) => s.startsWith('Layout'));
  if (!section) return [];
  const block = /^```[^\n]*\n([\s\S]*?)^```/m.exec(section);
  if (!block) return [];
  return block[1]!
    .split('\n')
    .map((line) => /^([\w.-]+(?:\/[\w.-]+)*)\/(?:\s|$)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** Text outside fenced code blocks (where `# ...` is a shell comment, not a heading). */
function withoutCodeBlocks(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** Text outside fenced code blocks and inline code spans, where a Markdown link is a link. */
function prose(text: string): string {
  return withoutCodeBlocks(text).replace(/`[^`\n]*`/g, '');
}

/** Relative link targets of a Markdown text: inline `[text](target)`, images, and `[ref]: target` definitions. */
function relativeLinks(text: string): string[] {
  const body = prose(text);
  const inline = [...body.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const defined = [...body.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]!);
  return [...inline, ...defined].filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//'));
}

/** GitHub's anchors of a Markdown file's headings (lower case, punctuation dropped, spaces to hyphens, repeats numbered). */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const m of withoutCodeBlocks(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    found.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return found;
}

describe('README.md', () => {
  it(`is the front door: at most ${MAX_README_LINES} lines`, () => {
    const lines = readme.replace(/\n$/, '').split('\n').length;
    const problems =
      lines > MAX_README_LINES
        ? [
            `README.md has ${lines} lines, more than ${MAX_README_LINES}: move the detail to the page of its topic under docs/ and link that page from README's Documentation table`,
          ]
        : [];
    expect(problems).toEqual([]);
  });

  it('has a layout map (a code block under "## Layout")', () => {
    expect(
      layoutMap(readme).length,
      'README.md needs a "## Layout" section whose code block starts each line with a folder, e.g. "src/app/   entry points"',
    ).toBeGreaterThan(0);
  });

  it('its layout map names every folder under src/', () => {
    const named = new Set(layoutMap(readme));
    const missing = folders(join(root, 'src'))
      .map((f) => relative(root, f).split('\\').join('/'))
      .filter((f) => !named.has(f))
      .sort();
    expect(
      missing.map((f) => `README.md's layout map has no line for ${f}/: add "${f}/   <what it holds, in one line>" to the code block under "## Layout"`),
    ).toEqual([]);
  });

  it('its layout map names every top-level folder of the repository', () => {
    const named = new Set(layoutMap(readme));
    const ignored = ignoredFolders();
    const missing = readdirSync(root)
      .filter((name) => !name.startsWith('.') && name !== 'src' && !ignored.has(name))
      .filter((name) => statSync(join(root, name)).isDirectory())
      .filter((name) => !named.has(name))
      .sort();
    expect(
      missing.map((f) => `README.md's layout map has no line for ${f}/: add "${f}/   <what it holds, in one line>" to the code block under "## Layout"`),
    ).toEqual([]);
  });

  it('its layout map names no folder that does not exist', () => {
    const stale = layoutMap(readme).filter((f) => !statSync(join(root, f), { throwIfNoEntry: false })?.isDirectory());
    expect(stale.map((f) => `README.md's layout map names ${f}/, which is not a folder: remove its line, or rename it to where that code lives now`)).toEqual(
      [],
    );
  });
});

describe('relative links of README.md and docs/*.md', () => {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name));
  const pages = [README, ...docs];

  it.each(pages.map((page) => [relative(root, page), page] as const))('%s links only to files and headings that exist', (_name, page) => {
    const text = readFileSync(page, 'utf8');
    const broken: string[] = [];
    for (const link of relativeLinks(text)) {
      const [pathPart, fragment] = link.split('#', 2) as [string, string | undefined];
      const path = decodeURIComponent(pathPart.split('?')[0]!);
      const target = path === '' ? page : resolve(dirname(page), path);
      const shown = relative(root, target).split('\\').join('/') || '.';
      if (!existsSync(target)) {
        broken.push(`${relative(root, page)} links to "${link}", but ${shown} does not exist: point the link at an existing file, or add ${shown}`);
        continue;
      }
      if (fragment && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(fragment.toLowerCase())) {
        broken.push(
          `${relative(root, page)} links to "${link}", but ${shown} has no heading with the anchor #${fragment}: link an existing heading, or add that heading to ${shown}`,
        );
      }
    }
    expect(broken).toEqual([]);
  });
});
