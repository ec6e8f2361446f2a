// scripts/test-prerequisites.mjs runs before every test command. On a machine without the
// programs the tests start, it must stop with one message naming the exact install commands.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/test-prerequisites.mjs', import.meta.url));

it('names what is missing and the Debian/Ubuntu and macOS commands that install it', () => {
  // A PATH holding only node: ldapmodify, openssl and docker-compose are not there.
  const bin = mkdtempSync(join(tmpdir(), 'itse-prereq-'));
  try {
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = spawnSync(join(bin, 'node'), [script, '--check'], { encoding: 'utf8', env: { PATH: bin, TEMPORAL_CLI_PATH: '/unused' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ldapmodify');
    expect(r.stderr).toContain('openssl');
    expect(r.stderr).toContain('docker-compose');
    expect(r.stderr).toMatch(
      /Debian\/Ubuntu: sudo apt-get update && sudo apt-get install -y --no-install-recommends .*\bldap-utils\b.*\bopenssl\b.*\bdocker-compose\b/,
    );
    expect(r.stderr).toMatch(/macOS: +brew install .*\bopenldap\b.*\bopenssl\b.*\bdocker-compose\b/);
    expect(r.stderr).toContain('nothing was installed');
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

it('passes on this machine, where npm test has made sure of everything', () => {
  const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});
