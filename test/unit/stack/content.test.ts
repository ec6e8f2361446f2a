import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadContent } from '../../../src/stack/content.js';
import { ContentError, formatContentIssue, parseContent } from '../../../src/domain/content.js';

describe('content files', () => {
  it('shipped in content/ all validate', async () => {
    const content = await loadContent('content');
    expect(content.routing.rules.map((r) => r.id)).toEqual([
      'opt-out',
      'password-reset',
      'software-install',
      'network-incident',
      'email-troubleshooting',
      'printer-troubleshooting',
      'network-troubleshooting',
    ]);
    expect(Object.keys(content.trees).sort()).toEqual(['email-client', 'network-connectivity', 'printer']);
    expect(content.software.software.map((s) => s.id)).toContain('acrobat-pro');
    expect(content.fleet.devices.find((d) => d.id === 'LT-0042')?.owner).toBe('jdoe');
    expect(Object.keys(content.policy.actions)).toContain('password.reset');
    expect(content.directory.users.length).toBeGreaterThanOrEqual(6);
  });

  it('report the problems of every file at once, with file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'itse-content-'));
    cpSync('content', dir, { recursive: true });
    writeFileSync(join(dir, 'routing.yaml'), 'rules:\n  - id: x\n    ignore: yes please\n');
    rmSync(join(dir, 'policy.yaml'));
    writeFileSync(join(dir, 'directory.yaml'), 'users: [ {id: a\n');
    const error = await loadContent(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentError);
    const lines = (error as ContentError).message.split('\n');
    expect(lines[0]).toBe(`${join(dir, 'routing.yaml')}:3:13 rules[0].ignore: Invalid input: expected true`);
    expect(lines[1]).toMatch(new RegExp(`^${join(dir, 'policy.yaml')} \\(file\\): cannot be read`));
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines.slice(2)) expect(line).toMatch(new RegExp(`^${join(dir, 'directory.yaml')}:\\d+:\\d+ \\(syntax\\): `));
  });

  it('point a missing field at its parent, and reject duplicate keys', () => {
    const schema = z.object({ a: z.object({ b: z.string() }) });
    expect(() => parseContent('a:\n  c: 1\n', schema, 'f.yaml')).toThrow('f.yaml:2:3 a.b:');
    expect(() => parseContent('a: {}\na: {}\n', schema, 'f.yaml')).toThrow(/f\.yaml:2:1 \(syntax\): Map keys must be unique/);
    expect(() => parseContent('[]', schema, 'f.yaml')).toThrow('f.yaml:1:1 (root):');
    expect(formatContentIssue({ file: 'f', path: 'p', message: 'm' })).toBe('f p: m');
  });
});

describe('routing rules that start definitions', () => {
  it('must name a definition that exists and only inputs it takes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'content-'));
    cpSync('content', dir, { recursive: true });
    const routing = readFileSync(join(dir, 'routing.yaml'), 'utf8')
      .replace('definition: incident-network', 'definition: incident-power')
      .replace(
        '        tree: { const: network-connectivity }',
        '        tree: { const: network-connectivity }\n  - id: extra\n    when: { labels: [x] }\n    start: { definition: onboarding, input: { colour: { const: red } } }',
      );
    writeFileSync(join(dir, 'routing.yaml'), routing);
    const error = await loadContent(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentError);
    expect((error as ContentError).issues.map((i) => [i.path, i.message])).toEqual(
      expect.arrayContaining([
        ['rules[3].start.definition', 'no definition "incident-power" in content/definitions'],
        [
          expect.stringMatching(/^rules\[\d\]\.start\.input\.colour$/),
          expect.stringContaining('definition onboarding has no input "colour" (it takes: employeeId'),
        ],
      ]),
    );
  });
});

describe('hostile content', () => {
  it('aliases that do not resolve, and values that cannot become text, are content errors naming file and place', () => {
    expect(() => parseContent('id: x\ntitle: *missing\n', z.object({ id: z.string() }), 'x.yaml')).toThrow(ContentError);
    const error = (() => {
      try {
        parseContent('id: x\nlist:\n  - length: { toString: null }\n', z.object({ id: z.string(), list: z.array(z.string().min(1)) }), 'x.yaml');
      } catch (e) {
        return e as ContentError;
      }
    })();
    expect(error?.issues).toEqual([
      {
        file: 'x.yaml',
        line: 3,
        column: 13,
        path: 'list[0].length',
        message: 'holds an object with its own "toString" key where text, a number or a list is expected',
      },
    ]);
  });
});
