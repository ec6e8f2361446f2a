import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCS_FILE, settingsTable, withCurrentTable } from '../../../scripts/config-docs.js';
import { ldapSettings } from '../../../src/config/directory.js';
import { loadConfig, SLICES } from '../../../src/config/index.js';
import { selfServiceJwtSettings } from '../../../src/config/selfServiceAuth.js';

const docs = SLICES.flatMap((s) => s.docs);
const withoutEnvironment = ({ environment: _, ...config }: ReturnType<typeof loadConfig>) => config;

describe('configuration docs', () => {
  it('docs/configuration.md shows the table the slices give', () => {
    const page = readFileSync(DOCS_FILE, 'utf8');
    expect(page, 'docs/configuration.md is out of date: run `npx tsx scripts/config-docs.ts --write` and commit it').toBe(withCurrentTable(page));
  });

  it('the table has one row per variable, under a heading per slice', () => {
    const table = settingsTable();
    for (const slice of SLICES) expect(table).toContain(`### ${slice.title}\n`);
    const rows = table.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows).toHaveLength(docs.length);
    expect(table).toContain('| `LDAP_EXTERNAL_ID_ATTRIBUTES` | `{}` |');
    expect(table).toContain('| `TEMPORAL_TLS` | auto |');
  });

  it('refuses a page without its generated part', () => {
    expect(() => withCurrentTable('# Configuration\n')).toThrow(/no generated settings part/);
  });

  it('declares every variable once, each with a one-line description', () => {
    const names = docs.map((d) => d.env);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    for (const d of docs) {
      expect(d.env).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(d.description.length, d.env).toBeGreaterThan(5);
      expect(d.description, d.env).not.toMatch(/\n/);
    }
    for (const s of SLICES) expect(s.variables).toEqual(s.docs.map((d) => d.env));
  });

  it('each default the docs take from a schema is what loadConfig applies when the variable is unset', () => {
    const plain = SLICES.filter((s) => s !== ldapSettings && s !== selfServiceJwtSettings);
    const checked = plain.flatMap((s) => s.docs).filter((d) => d.schemaDefault !== undefined);
    expect(checked.length).toBeGreaterThan(25);
    const defaults = withoutEnvironment(loadConfig({}));
    for (const d of checked) expect(withoutEnvironment(loadConfig({ [d.env]: d.schemaDefault })), d.env).toEqual(defaults);
  });

  it('so are the defaults of the LDAP and sign-in settings, once the slice is on', () => {
    const ldap = { LDAP_URL: 'ldap://ldap.example.com', LDAP_BIND_DN: 'cn=svc,dc=example,dc=com', LDAP_BIND_PASSWORD: 'pw', LDAP_BASE_DN: 'dc=example,dc=com' };
    const jwt = { SELF_SERVICE_JWT_SECRET: 's'.repeat(32), SELF_SERVICE_JWT_ISSUER: 'https://idp.example.com', SELF_SERVICE_JWT_AUDIENCE: 'it-support' };
    for (const [slice, on] of [
      [ldapSettings, ldap],
      [selfServiceJwtSettings, jwt],
    ] as const) {
      const base = slice.fromEnv(on);
      for (const d of slice.docs.filter((x) => x.schemaDefault !== undefined)) expect(slice.fromEnv({ ...on, [d.env]: d.schemaDefault }), d.env).toEqual(base);
    }
  });

  it('the defaults shown for computed settings say where they come from', () => {
    const shown = (env: string) => docs.find((d) => d.env === env)?.default;
    expect(shown('TASK_QUEUE_DEFINITIONS')).toBe('`TEMPORAL_TASK_QUEUE`');
    expect(shown('ALLOW_UNSIGNED_WEBHOOKS')).toMatch(/embedded dev server/);
    expect(shown('TEMPORAL_ADDRESS')).toBe('unset');
    expect(shown('DATA_DIR')).toBe('`.data`');
    expect(shown('DEAD_LETTER_RETENTION')).toBe('`30d`');
  });
});
