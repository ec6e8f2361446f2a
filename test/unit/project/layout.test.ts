import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// test/unit mirrors src/: a unit test sits in the folder of the module it tests, so that moving a
// module shows which tests go with it. Tests of what is not under src/ have their own folders.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const NOT_UNDER_SRC = ['project', 'bench', 'scripts'];

function folders(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .flatMap((name) => [join(dir, name), ...folders(join(dir, name))]);
}

describe('project layout', () => {
  it('every folder of test/unit mirrors a folder of src/ (or is one of the few for what lives elsewhere)', () => {
    const unit = join(root, 'test', 'unit');
    const strays = folders(unit)
      .map((f) => relative(unit, f))
      .filter((f) => !NOT_UNDER_SRC.includes(f.split('/')[0]!))
      .filter((f) => !statSync(join(root, 'src', f), { throwIfNoEntry: false })?.isDirectory());
    expect(strays.map((f) => `test/unit/${f} has no src/${f}: move its tests beside the module they test`)).toEqual([]);
  });

  it('no unit test lies loose at the top of test/unit', () => {
    const loose = readdirSync(join(root, 'test', 'unit')).filter((name) => name.endsWith('.ts'));
    expect(loose.map((name) => `test/unit/${name}: put it in the folder that mirrors its module under src/`)).toEqual([]);
  });
});
