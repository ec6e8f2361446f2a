// The Node lines the project says it supports (package.json engines) are the ones it is built and
// tested on: the running Node, the Dockerfile's image and the LTS that CI installs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const read = (name: string) => readFileSync(fileURLToPath(new URL(`../../../${name}`, import.meta.url)), 'utf8');
const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;

/** `engines` is a list of caret ranges (`^22.0.0 || ^24.0.0`): same major, at least that version. */
function admits(range: string, version: string): boolean {
  const [major, minor, patch] = version.replace(/^v/, '').split('.').map(Number) as [number, number, number];
  return range.split('||').some((part) => {
    const m = /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`engines part "${part}" is not a caret range`);
    const [, M, mi, p] = m.map(Number) as [number, number, number, number];
    return major === M && (minor > mi || (minor === mi && patch >= p));
  });
}

describe('supported Node lines', () => {
  it('engines names the maintained LTS lines and Node 20, nothing older', () => {
    for (const v of ['20.3.0', '22.0.0', '24.21.0', '26.10.0']) expect(admits(engines, v), v).toBe(true);
    for (const v of ['18.20.0', '20.2.0', '21.0.0', '23.1.0', '27.0.0']) expect(admits(engines, v), v).toBe(false);
  });

  it('the running Node, the image and the LTS CI installs are all admitted', () => {
    expect(admits(engines, process.version), process.version).toBe(true);
    const image = /^FROM node:(\d+)-/m.exec(read('Dockerfile'))?.[1];
    expect(image, 'Dockerfile FROM node:<major>-…').toBeDefined();
    expect(admits(engines, `${image}.0.0`), `node:${image}`).toBe(true);
    const ci = /^LTS_NODE=(\d+\.\d+\.\d+)$/m.exec(read('.ci/run'))?.[1];
    expect(ci, '.ci/run LTS_NODE=').toBeDefined();
    expect(admits(engines, ci!), ci).toBe(true);
    expect(Number(ci!.split('.')[0])).toBe(Number(image));
  });
});
