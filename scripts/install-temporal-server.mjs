#!/usr/bin/env node
// Builds the real multi-service Temporal server (`go.temporal.io/server/cmd/server`) and its schema
// tool (`cmd/tools/sql`, temporal-sql-tool) from the Go module proxy, at the version pinned once in
// package.json ("temporal": { "serverVersion" }), for `npm run test:cluster`. Temporal publishes no
// server binary that installs offline, so it is built here: ~5 minutes cold on 2 cores, seconds warm.
//
// Result, cached by version (nothing is built when both binaries are there):
//   .tools/temporal-server/<version>/temporal-server
//   .tools/temporal-server/<version>/temporal-sql-tool
//   .tools/temporal-server/<version>/schema/      (the module's schema folder: postgresql/v12/...)
//
// Go's caches: GOPATH, GOMODCACHE and GOCACHE as the environment sets them, else Go's defaults
// under HOME (an empty HOME, as in CI, is fine), else, with no HOME at all, under .tools/go.
// The toolchain: the server's go.mod names the Go version it needs (v1.32.2: go 1.26.10); when the
// local Go is older, GOTOOLCHAIN=go<that version> makes go fetch that toolchain from the proxy.
//
// Usage: node scripts/install-temporal-server.mjs [--force] [--print-dir]
//   --force      rebuild even when the binaries are there
//   --print-dir  print only the install folder on stdout (progress goes to stderr)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = pkg.temporal?.serverVersion;
const MODULE = 'go.temporal.io/server';
const force = process.argv.includes('--force');
const printDir = process.argv.includes('--print-dir');
const say = (message) => (printDir ? console.error : console.log)(`temporal-server: ${message}`);

function fail(message) {
  console.error(`temporal-server: ${message}`);
  process.exit(1);
}

if (!version || !/^\d+\.\d+\.\d+$/.test(version)) fail('package.json has no "temporal": { "serverVersion": "X.Y.Z" } to build');

const target = join(root, '.tools', 'temporal-server', version);
const server = join(target, 'temporal-server');
const sqlTool = join(target, 'temporal-sql-tool');
const schema = join(target, 'schema');

const executable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The version a binary reports (`temporal-server --version`: "temporal version 1.32.2"), or null. */
function reportedVersion(binary) {
  if (!executable(binary)) return null;
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return /(\d+\.\d+\.\d+\S*)/.exec(`${r.stdout ?? ''} ${r.stderr ?? ''}`)?.[1] ?? null;
}

function installed() {
  const s = reportedVersion(server);
  const t = reportedVersion(sqlTool);
  return s === version && t === version && existsSync(join(schema, 'postgresql', 'v12')) ? { server: s, sqlTool: t } : null;
}

function done(versions) {
  say(`server ${versions.server} and temporal-sql-tool ${versions.sqlTool} at ${target}`);
  if (printDir) console.log(target);
  process.exit(0);
}

if (!force) {
  const here = installed();
  if (here) done(here);
}

// ------------------------------------------------------------------------------------------------
// Go, its caches and its toolchain.
// ------------------------------------------------------------------------------------------------

function findGo() {
  if (process.env.GO) return executable(process.env.GO) ? process.env.GO : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/go/bin', '/usr/lib/go/bin'];
  return dirs.map((d) => join(d, 'go')).find(executable) ?? null;
}

const go = findGo();
if (!go && process.env.GO) fail(`GO=${process.env.GO} is not an executable file: point it at a go binary, or unset it to use \`go\` on PATH`);
if (!go) {
  fail(
    `Go is not installed (no \`go\` on PATH, in /usr/local/go/bin or /usr/lib/go/bin; GO=<path> names another).\n` +
      `  The cluster tests build the Temporal server ${version} from the Go module proxy and need Go 1.21 or later\n` +
      `  (an older local Go fetches the toolchain the server asks for by itself).\n` +
      `  Debian/Ubuntu: sudo apt-get install -y golang-go   macOS: brew install go   elsewhere: https://go.dev/dl/`,
  );
}

const env = { ...process.env };
if (!env.HOME) {
  const goDir = join(root, '.tools', 'go');
  env.GOPATH ??= join(goDir, 'path');
  env.GOMODCACHE ??= join(goDir, 'path', 'pkg', 'mod');
  env.GOCACHE ??= join(goDir, 'cache');
}
// A writable module cache, so `rm -rf` of a throw-away HOME (CI) works without root.
env.GOFLAGS = [env.GOFLAGS, '-modcacherw'].filter(Boolean).join(' ');
env.GOPROXY ??= 'https://proxy.golang.org,direct';
env.CGO_ENABLED ??= '0';

function goRun(args, extra = {}, capture = true) {
  return spawnSync(go, args, {
    cwd: target,
    env: { ...env, ...extra },
    encoding: 'utf8',
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', printDir ? process.stderr : 'inherit', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

mkdirSync(target, { recursive: true });
const localGo = goRun(['env', 'GOVERSION'], { GOTOOLCHAIN: 'local' });
if (localGo.status !== 0) fail(`\`${go} env GOVERSION\` failed:\n${localGo.stderr}`);
const local = localGo.stdout.trim().replace(/^go/, '');

say(`downloading ${MODULE}@v${version} (Go ${local} at ${go})`);
const t0 = Date.now();
// The module itself: its go.mod names the Go it needs, and its folder holds the SQL schemas. A local
// Go older than that refuses it and says which version it needs: then that toolchain (an explicit
// GOTOOLCHAIN in the environment wins), which the go command fetches from the proxy too.
let toolchain = process.env.GOTOOLCHAIN && process.env.GOTOOLCHAIN !== 'local' ? process.env.GOTOOLCHAIN : 'local';
let info = null;
for (let attempt = 0; attempt < 2 && !info; attempt++) {
  const download = goRun(['mod', 'download', '-json', `${MODULE}@v${version}`], { GOTOOLCHAIN: toolchain });
  let answer = null;
  try {
    answer = JSON.parse(download.stdout);
  } catch {
    // No JSON: go itself failed (its message is on stderr).
  }
  const error = answer?.Error ?? download.stderr;
  const needs = /requires go >= (\d+\.\d+(?:\.\d+)?)/.exec(error)?.[1];
  if (download.status === 0 && answer?.Dir && !answer.Error) info = answer;
  else if (needs && toolchain === 'local') toolchain = `go${needs}`;
  else fail(`could not download ${MODULE}@v${version} through GOPROXY=${env.GOPROXY} (GOTOOLCHAIN=${toolchain}):\n${error}`);
}
say(`building ${MODULE}/cmd/server and cmd/tools/sql with GOTOOLCHAIN=${toolchain}`);

// Both commands of one module version in one `go install` (they share the build).
const staging = join(target, '.bin');
rmSync(staging, { recursive: true, force: true });
const build = goRun(['install', `${MODULE}/cmd/server@v${version}`, `${MODULE}/cmd/tools/sql@v${version}`], { GOTOOLCHAIN: toolchain, GOBIN: staging }, false);
if (build.status !== 0) {
  fail(
    `go install of ${MODULE}/cmd/server and cmd/tools/sql @v${version} failed (exit ${build.status ?? build.signal}); see go's messages above.\n` +
      (toolchain === 'local' ? '' : `  The toolchain ${toolchain} comes from the module proxy too; GOTOOLCHAIN=<go version> picks another.\n`),
  );
}
// The toolchain go fetched is unpacked read-only whatever -modcacherw says: made writable too, so
// that removing a throw-away HOME needs no root.
const modCache = goRun(['env', 'GOMODCACHE'], { GOTOOLCHAIN: 'local' }).stdout.trim();
const toolchains = join(modCache, 'golang.org');
if (modCache && existsSync(toolchains)) {
  for (const name of readdirSync(toolchains).filter((n) => n.startsWith('toolchain@'))) {
    spawnSync('chmod', ['-R', 'u+w', join(toolchains, name)], { stdio: 'ignore' });
  }
}
renameSync(join(staging, 'server'), server);
renameSync(join(staging, 'sql'), sqlTool);
rmSync(staging, { recursive: true, force: true });
rmSync(schema, { recursive: true, force: true });
cpSync(join(info.Dir, 'schema'), schema, { recursive: true });
writeFileSync(
  join(target, 'build.json'),
  `${JSON.stringify({ module: MODULE, version, toolchain, goMod: info.GoMod, moduleDir: info.Dir, seconds: Math.round((Date.now() - t0) / 1000) }, null, 2)}\n`,
);

const built = installed();
if (!built) fail(`built, but ${server} or ${sqlTool} does not report version ${version}`);
say(`built in ${Math.round((Date.now() - t0) / 1000)} s`);
done(built);
