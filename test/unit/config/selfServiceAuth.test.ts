import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { jwtSettingsFromEnv, prepareJwtSettings, selfServiceJwtSettings, type JwtSettings } from '../../../src/config/selfServiceAuth.js';
import { ValidationError } from '../../../src/domain/errors.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const base = { issuer: 'https://idp.example.com', audience: 'it-support' };
const envBase = { SELF_SERVICE_JWT_ISSUER: base.issuer, SELF_SERVICE_JWT_AUDIENCE: base.audience };
type KeyType = 'rsa' | 'ec' | 'ed25519' | 'x25519';
const pem = (type: KeyType, options: object = {}) =>
  (generateKeyPairSync as (t: KeyType, o: object) => { publicKey: { export(o: object): string } })(type, options).publicKey.export({
    type: 'spki',
    format: 'pem',
  });
const paths = (s: Partial<JwtSettings>) => prepareJwtSettings({ ...base, ...s } as JwtSettings).issues.map((i) => i.path);
const issuesOf = (env: Record<string, string>) => {
  try {
    jwtSettingsFromEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
};

describe('self-service sign-in settings given in code', () => {
  it('one key source; its key and the algorithms tokens may use', () => {
    expect(prepareJwtSettings({ ...base, hmacSecret: SECRET }).prepared).toMatchObject({ key: { kind: 'secret' }, algorithms: ['HS256'] });
    expect(prepareJwtSettings({ ...base, jwksUrl: 'https://idp.example.com/jwks' }).prepared).toMatchObject({
      key: { kind: 'jwks' },
      algorithms: ['RS256', 'ES256', 'EdDSA'],
    });
    expect(prepareJwtSettings({ ...base, jwksUrl: 'http://127.0.0.1:8080/jwks' }).prepared?.key.kind).toBe('jwks');
    expect(prepareJwtSettings({ ...base, hmacSecret: SECRET, algorithms: ['HS512', 'HS512'] }).prepared?.algorithms).toEqual(['HS512']);
    expect(paths({})).toEqual(['jwksUrl']);
    expect(prepareJwtSettings({ ...base }).issues[0]!.message).toBe('set one of jwksUrl, publicKeyPem or hmacSecret');
    expect(paths({ jwksUrl: 'https://idp.example.com/jwks', hmacSecret: SECRET })).toEqual(['jwksUrl', 'hmacSecret']);
  });

  it('checks the key material of each kind', () => {
    expect(prepareJwtSettings({ ...base, publicKeyPem: pem('rsa', { modulusLength: 2048 }) }).prepared).toMatchObject({
      key: { kind: 'pem' },
      algorithms: ['RS256'],
    });
    expect(prepareJwtSettings({ ...base, publicKeyPem: pem('ec', { namedCurve: 'P-384' }) }).prepared?.algorithms).toEqual(['ES384']);
    expect(prepareJwtSettings({ ...base, publicKeyPem: pem('ed25519') }).prepared?.algorithms).toEqual(['EdDSA']);
    const problem = (publicKeyPem: string) => prepareJwtSettings({ ...base, publicKeyPem }).issues;
    expect(problem(pem('rsa', { modulusLength: 1024 }))).toEqual([{ path: 'publicKeyPem', message: 'RSA keys need at least 2048 bits' }]);
    expect(problem(pem('ec', { namedCurve: 'secp256k1' }))[0]!.message).toMatch(/P-256, P-384 or P-521/);
    expect(problem(pem('x25519'))[0]!.message).toMatch(/RSA, EC .* or Ed25519/);
    expect(problem('hello')[0]!.message).toMatch(/BEGIN PUBLIC KEY/);
    expect(problem('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n')[0]!.message).toBe('is not a readable PEM public key');
    expect(prepareJwtSettings({ ...base, jwksUrl: 'not a url' }).issues[0]!.message).toMatch(/is not a URL/);
    expect(prepareJwtSettings({ ...base, jwksUrl: 'http://idp.example.com/jwks' }).issues[0]!.message).toMatch(/https/);
    expect(prepareJwtSettings({ ...base, hmacSecret: 'short' }).issues).toEqual([{ path: 'hmacSecret', message: 'use at least 32 bytes' }]);
  });

  it('names the other fields in the order they are declared', () => {
    expect(paths({ issuer: ' ', audience: 42 as unknown as string, hmacSecret: SECRET })).toEqual(['issuer', 'audience']);
    expect(paths({ issuer: undefined, hmacSecret: SECRET, maxTokenAgeSec: 0, clockToleranceSec: 301, subjectClaim: '' } as unknown as JwtSettings)).toEqual([
      'issuer',
      'subjectClaim',
      'clockToleranceSec',
      'maxTokenAgeSec',
    ]);
    expect(paths({ hmacSecret: SECRET, algorithms: [] })).toEqual(['algorithms']);
    expect(paths({ hmacSecret: SECRET, algorithms: 'HS256' as unknown as string[] })).toEqual(['algorithms']);
    expect(prepareJwtSettings({ ...base, hmacSecret: SECRET, algorithms: ['HS256', 'none'] }).issues[0]!.message).toBe(
      'not usable with this key: none (use HS256, HS384, HS512)',
    );
    expect(paths({ hmacSecret: SECRET, maxTokenAgeSec: 60, clockToleranceSec: 0, subjectClaim: 'upn' })).toEqual([]);
  });
});

describe('self-service sign-in settings from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'itse-jwt-'));

  it('off while no variable is set (blank counts as unset); values are trimmed, the secret is not', () => {
    expect(jwtSettingsFromEnv({ SELF_SERVICE_JWT_SECRET: ' ', SELF_SERVICE_JWKS_URL: '' })).toBeUndefined();
    expect(loadConfig({}).selfService.jwt).toBeUndefined();
    const secret = ` ${SECRET} `;
    expect(
      jwtSettingsFromEnv({ ...envBase, SELF_SERVICE_JWT_ISSUER: ` ${base.issuer} `, SELF_SERVICE_JWT_SECRET: secret, SELF_SERVICE_JWT_CLOCK_TOLERANCE: ' 5 ' }),
    ).toEqual({
      ...base,
      hmacSecret: secret,
      clockToleranceSec: 5,
    });
  });

  it('reads the public key from its file', () => {
    const file = join(dir, 'idp.pem');
    const key = pem('ed25519');
    writeFileSync(file, key);
    expect(loadConfig({ ...envBase, SELF_SERVICE_JWT_PUBLIC_KEY_FILE: file }).selfService.jwt).toEqual({ ...base, publicKeyPem: key });
    expect(issuesOf({ ...envBase, SELF_SERVICE_JWT_PUBLIC_KEY_FILE: join(dir, 'missing.pem') })).toEqual([
      { path: 'SELF_SERVICE_JWT_PUBLIC_KEY_FILE', message: 'cannot be read (ENOENT)' },
    ]);
  });

  it('names the variables, the text problems first', () => {
    expect(issuesOf({ SELF_SERVICE_JWT_CLOCK_TOLERANCE: 'soon', SELF_SERVICE_JWT_SUBJECT_CLAIM: 'upn' })).toEqual([
      { path: 'SELF_SERVICE_JWT_CLOCK_TOLERANCE', message: 'whole seconds, from 0 to 300' },
      { path: 'SELF_SERVICE_JWKS_URL', message: 'set one of SELF_SERVICE_JWKS_URL, SELF_SERVICE_JWT_PUBLIC_KEY_FILE or SELF_SERVICE_JWT_SECRET' },
      { path: 'SELF_SERVICE_JWT_ISSUER', message: 'required: the identity provider (the tokens\' "iss")' },
      { path: 'SELF_SERVICE_JWT_AUDIENCE', message: 'required: this API\'s identifier (the tokens\' "aud")' },
    ]);
    expect(issuesOf({ ...envBase, SELF_SERVICE_JWKS_URL: 'https://x.example.com/jwks', SELF_SERVICE_JWT_SECRET: SECRET })[0]!.message).toBe(
      'set only one of SELF_SERVICE_JWKS_URL, SELF_SERVICE_JWT_SECRET',
    );
    expect(issuesOf({ ...envBase, SELF_SERVICE_JWT_SECRET: SECRET, SELF_SERVICE_JWT_CLOCK_TOLERANCE: '3600' })).toEqual([
      { path: 'SELF_SERVICE_JWT_CLOCK_TOLERANCE', message: 'seconds, from 0 to 300' },
    ]);
    expect(selfServiceJwtSettings.variables).toHaveLength(7);
  });
});
