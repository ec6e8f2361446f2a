import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCS_FILE, withCurrentTable } from '../../../scripts/config-docs.js';
import { LDAP_ENV } from '../../../src/config/directory.js';
import { SLICES, loadConfig } from '../../../src/config/index.js';
import { JWT_ENV } from '../../../src/config/selfServiceAuth.js';

describe('configuration docs', () => {
  it('docs/configuration.md lists exactly what the slices declare', () => {
    const page = readFileSync(DOCS_FILE, 'utf8');
    // On failure: run `npx tsx scripts/config-docs.ts --write` and commit docs/configuration.md.
    expect(page, 'docs/configuration.md is out of date: run npx tsx scripts/config-docs.ts --write').toBe(withCurrentTable(page));
  });

  it('declares every variable once, each with a description', () => {
    const names = SLICES.flatMap((s) => s.docs.map((d) => d.env));
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    for (const s of SLICES) {
      for (const d of s.docs) expect(d.description.length, d.env).toBeGreaterThan(5);
      // A slice documents what its schema reads, and nothing else.
      if (Object.keys(s.shape).length > 0) expect(s.docs.map((d) => d.env)).toEqual(Object.keys(s.shape));
    }
  });

  it('the variables read by name (LDAP, self-service sign-in) are all documented', () => {
    const names = new Set(SLICES.flatMap((s) => s.docs.map((d) => d.env)));
    for (const env of [...Object.values(LDAP_ENV), 'LDAP_DISABLED_VALUES', ...Object.values(JWT_ENV)]) expect(names, env).toContain(env);
  });

  it('every documented default is what loadConfig applies when the variable is unset', () => {
    const defaults = loadConfig({});
    expect(defaults.temporal.namespace).toBe('default');
    const documentedDefault = (env: string) => SLICES.flatMap((s) => s.docs).find((d) => d.env === env)?.default;
    expect(documentedDefault('TEMPORAL_NAMESPACE')).toBe(`\`${defaults.temporal.namespace}\``);
    expect(documentedDefault('HTTP_PORT')).toBe(`\`${defaults.http.port}\``);
    expect(documentedDefault('RUN_WORKER')).toBe(`\`${defaults.runWorker}\``);
    expect(documentedDefault('WEBHOOK_REFUSALS_KEPT_PER_MINUTE')).toBe(`\`${defaults.webhooks.floodPolicy.keepPerMinute}\``);
    expect(documentedDefault('TEMPORAL_ADDRESS')).toBe('unset');
  });
});
