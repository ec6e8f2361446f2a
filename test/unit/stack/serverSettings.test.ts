// Every Temporal server the engine starts gets the same dynamic config (src/stack/serverSettings.ts):
// without history.transferProcessorMaxPollRPS lifted, each workflow task waits up to 50 ms on the
// dev server's single shard. These checks keep the setting on every path that starts a server.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startDevArgs } from '../../../src/stack/devServer.js';
import { dynamicConfigArgs, SERVER_DYNAMIC_CONFIG } from '../../../src/stack/serverSettings.js';
import { testServerOptions } from '../../helpers/temporal.js';

const repoFile = (name: string) => fileURLToPath(new URL(`../../../${name}`, import.meta.url));
const LIMITERS = ['history.transferProcessorMaxPollRPS', 'history.visibilityProcessorMaxPollRPS'];

/** key -> value of `--dynamic-config-value key=value` pairs in a command line. */
function dynamicConfigOf(args: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  args.forEach((a, i) => {
    if (a !== '--dynamic-config-value') return;
    const pair = args[i + 1]!;
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = JSON.parse(pair.slice(eq + 1));
  });
  return out;
}

describe('Temporal server dynamic config', () => {
  it('lifts the history queues poll limit far above what one host can dispatch', () => {
    for (const key of LIMITERS) expect(SERVER_DYNAMIC_CONFIG[key], key).toBeGreaterThanOrEqual(10_000);
    expect(SERVER_DYNAMIC_CONFIG['frontend.enableUpdateWorkflowExecution']).toBe(true);
  });

  it('renders each setting as one --dynamic-config-value key=json pair', () => {
    expect(dynamicConfigArgs({ 'a.flag': true, 'b.rate': 5 })).toEqual(['--dynamic-config-value', 'a.flag=true', '--dynamic-config-value', 'b.rate=5']);
    expect(dynamicConfigOf(dynamicConfigArgs())).toEqual(SERVER_DYNAMIC_CONFIG);
  });

  it('npm start, the demo and the bench start the dev server with it', () => {
    const args = startDevArgs({ ip: '127.0.0.1', port: 7233, uiPort: 8233, namespace: 'default', dbFile: '/tmp/t.db' });
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(dynamicConfigOf(args)).toEqual(SERVER_DYNAMIC_CONFIG);
  });

  it("the tests' dev servers are started with it", () => {
    expect(dynamicConfigOf(testServerOptions().extraArgs)).toEqual(SERVER_DYNAMIC_CONFIG);
  });

  it('the compose cluster mounts a dynamic config file with the same values', () => {
    const file = parse(readFileSync(repoFile('deploy/temporal/dynamicconfig.yaml'), 'utf8')) as Record<
      string,
      Array<{ value: unknown; constraints?: unknown }>
    >;
    for (const [key, value] of Object.entries(SERVER_DYNAMIC_CONFIG)) {
      expect(file[key], key).toEqual([{ value }]);
    }
    const temporal = (
      parse(readFileSync(repoFile('docker-compose.yml'), 'utf8')) as { services: Record<string, { environment: Record<string, string>; volumes: string[] }> }
    ).services.temporal!;
    const mount = temporal.volumes.find((v) => v.startsWith('./deploy/temporal/dynamicconfig.yaml:'));
    expect(mount).toBeDefined();
    const target = mount!.split(':')[1]!;
    expect(target).toBe(`/etc/temporal/${temporal.environment.DYNAMIC_CONFIG_FILE_PATH}`);
  });
});
