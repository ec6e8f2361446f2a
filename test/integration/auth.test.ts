import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createJwtVerifier, type AuthResult } from '../../src/client/http/auth.js';
import { jwtSettingsFromEnv, type JwtSettings } from '../../src/config/selfServiceAuth.js';
import { ValidationError } from '../../src/domain/errors.js';

// Real crypto end to end: keys from jose, a JWKS served over HTTP on 127.0.0.1, tokens signed by
// SignJWT (or by hand where an attacker would build them), verified by the self-service verifier.

const ISS = 'https://login.example.com/';
const AUD = 'api://it-support-self-service';
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

type Pair = { publicKey: CryptoKey; privateKey: CryptoKey };
let rsa: Pair;
let rsaOther: Pair;
let rsaThird: Pair;
let es: Pair;
let ed: Pair;
let es384: Pair;
let rsaPem: string;
let esPem: string;
const SECRET = 'a-shared-secret-of-at-least-32-bytes!';

/** JWKS documents by path; any other path answers as the test set it up (status, body). */
const sets = new Map<string, { status: number; body: string }>();
const fetches = new Map<string, number>();
let server: Server;
let base: string;
const jwk = async (key: CryptoKey, extra: Partial<JWK> = {}): Promise<JWK> => ({ ...(await exportJWK(key)), use: 'sig', ...extra });
const serve = (path: string, keys: JWK[] | { status: number; body: string }) =>
  sets.set(path, Array.isArray(keys) ? { status: 200, body: JSON.stringify({ keys }) } : keys);

beforeAll(async () => {
  [rsa, rsaOther, rsaThird, es, ed, es384] = await Promise.all([
    generateKeyPair('RS256'),
    generateKeyPair('RS256'),
    generateKeyPair('RS256'),
    generateKeyPair('ES256'),
    generateKeyPair('EdDSA'),
    generateKeyPair('ES384'),
  ]);
  rsaPem = await exportSPKI(rsa.publicKey);
  esPem = await exportSPKI(es.publicKey);
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    fetches.set(path, (fetches.get(path) ?? 0) + 1);
    const answer = sets.get(path) ?? { status: 404, body: 'not found' };
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  serve('/jwks', [
    await jwk(rsa.publicKey, { kid: 'rsa-1', alg: 'RS256' }),
    await jwk(es.publicKey, { kid: 'es-1' }),
    await jwk(ed.publicKey, { kid: 'ed-1' }),
  ]);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  vi.useRealTimers();
});

interface TokenOptions {
  alg?: string;
  kid?: string;
  claims?: JWTPayload;
  /** Claims to leave out of the defaults (iss, aud, sub, iat, exp). */
  omit?: Array<'iss' | 'aud' | 'sub' | 'iat' | 'exp'>;
}
async function token(key: CryptoKey | Uint8Array, options: TokenOptions = {}): Promise<string> {
  const t = now();
  const defaults: JWTPayload = { iss: ISS, aud: AUD, sub: 'jdoe', iat: t, exp: t + 300 };
  for (const k of options.omit ?? []) delete defaults[k];
  return new SignJWT({ ...defaults, ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', ...(options.kid ? { kid: options.kid } : {}) })
    .sign(key);
}
const bearer = (t: string) => `Bearer ${t}`;
const secretBytes = new TextEncoder().encode(SECRET);

function expectFailure(result: AuthResult, reason: string): void {
  expect(result).toMatchObject({ ok: false, status: 401, reason });
  if (!result.ok) expect(result.message).not.toMatch(/eyJ/); // never echoes a token
}

const jwksVerifier = (extra: Partial<JwtSettings> = {}, path = '/jwks') =>
  createJwtVerifier({ jwksUrl: `${base}${path}`, issuer: ISS, audience: AUD, ...extra });
const pemVerifier = (extra: Partial<JwtSettings> = {}) => createJwtVerifier({ publicKeyPem: esPem, issuer: ISS, audience: AUD, ...extra });
const hmacVerifier = (extra: Partial<JwtSettings> = {}) => createJwtVerifier({ hmacSecret: SECRET, issuer: ISS, audience: AUD, ...extra });

describe('valid tokens', () => {
  it('RS256 through the JWKS: the subject is the token subject, claims come along', async () => {
    const verify = jwksVerifier();
    const result = await verify(bearer(await token(rsa.privateKey, { kid: 'rsa-1', claims: { name: 'Jane Doe' } })));
    expect(result).toMatchObject({ ok: true, subject: 'jdoe', claims: { iss: ISS, aud: AUD, sub: 'jdoe', name: 'Jane Doe' } });
    // ES256 and EdDSA keys of the same set, one fetch for all.
    expect(await verify(bearer(await token(es.privateKey, { alg: 'ES256', kid: 'es-1' })))).toMatchObject({ ok: true, subject: 'jdoe' });
    expect(await verify(bearer(await token(ed.privateKey, { alg: 'EdDSA', kid: 'ed-1' })))).toMatchObject({ ok: true, subject: 'jdoe' });
    expect(fetches.get('/jwks')).toBeGreaterThanOrEqual(1);
  });

  it('ES256 with a PEM public key; the scheme in any case; an audience list that includes ours', async () => {
    const verify = pemVerifier();
    expect(await verify(bearer(await token(es.privateKey, { alg: 'ES256' })))).toMatchObject({ ok: true, subject: 'jdoe' });
    expect(await verify(`bearer ${await token(es.privateKey, { alg: 'ES256' })}`)).toMatchObject({ ok: true });
    expect(await verify(`BEARER ${await token(es.privateKey, { alg: 'ES256', claims: { aud: ['other', AUD] } })}`)).toMatchObject({ ok: true });
  });

  it('RS256, EdDSA and P-384 PEM keys default to their own algorithm; PS256 when asked for', async () => {
    expect(await createJwtVerifier({ publicKeyPem: rsaPem, issuer: ISS, audience: AUD })(bearer(await token(rsa.privateKey)))).toMatchObject({ ok: true });
    const edPem = await exportSPKI(ed.publicKey);
    expect(await createJwtVerifier({ publicKeyPem: edPem, issuer: ISS, audience: AUD })(bearer(await token(ed.privateKey, { alg: 'EdDSA' })))).toMatchObject({
      ok: true,
    });
    const es384Pem = await exportSPKI(es384.publicKey);
    expect(
      await createJwtVerifier({ publicKeyPem: es384Pem, issuer: ISS, audience: AUD })(bearer(await token(es384.privateKey, { alg: 'ES384' }))),
    ).toMatchObject({ ok: true });
    const ps = await generateKeyPair('PS256');
    const psVerify = createJwtVerifier({ publicKeyPem: await exportSPKI(ps.publicKey), issuer: ISS, audience: AUD, algorithms: ['PS256', 'PS256'] });
    expect(await psVerify(bearer(await token(ps.privateKey, { alg: 'PS256' })))).toMatchObject({ ok: true });
    // The same RSA key with RS256 is not what was configured.
    const rsAsPs = createJwtVerifier({ publicKeyPem: rsaPem, issuer: ISS, audience: AUD, algorithms: ['PS256'] });
    expectFailure(await rsAsPs(bearer(await token(rsa.privateKey))), 'unsupported_algorithm');
  });

  it('HS256 with the shared secret', async () => {
    expect(await hmacVerifier()(bearer(await token(secretBytes, { alg: 'HS256' })))).toMatchObject({ ok: true, subject: 'jdoe' });
  });

  it('a custom subject claim names the user; sub is then not needed', async () => {
    const verify = hmacVerifier({ subjectClaim: 'preferred_username' });
    const t = await token(secretBytes, { alg: 'HS256', omit: ['sub'], claims: { preferred_username: 'jane.doe@example.com' } });
    expect(await verify(bearer(t))).toMatchObject({ ok: true, subject: 'jane.doe@example.com' });
    const without = await token(secretBytes, { alg: 'HS256' });
    const result = await verify(bearer(without));
    expectFailure(result, 'no_subject');
    expect(!result.ok && result.message).toContain('"preferred_username"');
  });
});

describe('forged and altered tokens', () => {
  it('a token signed by another key pair: bad_signature, with the JWKS kid or with an unknown kid', async () => {
    const verify = jwksVerifier();
    expectFailure(await verify(bearer(await token(rsaOther.privateKey, { kid: 'rsa-1' }))), 'bad_signature');
    expectFailure(await verify(bearer(await token(rsaOther.privateKey, { kid: 'attacker' }))), 'bad_signature');
  });

  it('a token signed by another key against a PEM or secret: bad_signature', async () => {
    const other = await generateKeyPair('ES256');
    expectFailure(await pemVerifier()(bearer(await token(other.privateKey, { alg: 'ES256' }))), 'bad_signature');
    const wrongSecret = new TextEncoder().encode('another-shared-secret-of-32-bytes-or-more');
    expectFailure(await hmacVerifier()(bearer(await token(wrongSecret, { alg: 'HS256' }))), 'bad_signature');
  });

  it('a tampered payload (another subject) no longer matches its signature', async () => {
    const [header, , signature] = (await token(rsa.privateKey, { kid: 'rsa-1' })).split('.');
    const forged = `${header}.${b64({ iss: ISS, aud: AUD, sub: 'admin', iat: now(), exp: now() + 300 })}.${signature}`;
    expectFailure(await jwksVerifier()(bearer(forged)), 'bad_signature');
  });

  it('alg "none" is refused by every key kind', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ISS, aud: AUD, sub: 'admin', iat: now(), exp: now() + 300 })}.`;
    for (const verify of [jwksVerifier(), pemVerifier(), hmacVerifier()]) expectFailure(await verify(bearer(unsigned)), 'unsupported_algorithm');
    const noneWithKid = `${b64({ alg: 'none', kid: 'rsa-1' })}.${b64({ sub: 'admin' })}.`;
    expectFailure(await jwksVerifier()(bearer(noneWithKid)), 'unsupported_algorithm');
  });

  it('algorithm confusion: HS256 signed with the public key as HMAC secret is refused', async () => {
    for (const [verify, pem] of [
      [jwksVerifier(), rsaPem],
      [createJwtVerifier({ publicKeyPem: rsaPem, issuer: ISS, audience: AUD }), rsaPem],
      [pemVerifier(), esPem],
    ] as const) {
      const confused = await token(new TextEncoder().encode(pem), { alg: 'HS256', kid: 'rsa-1', claims: { sub: 'admin' } });
      expectFailure(await verify(bearer(confused)), 'unsupported_algorithm');
    }
    // And the other way round: an RS256 token at an HS256 verifier.
    expectFailure(await hmacVerifier()(bearer(await token(rsa.privateKey))), 'unsupported_algorithm');
  });

  it('an algorithm outside the configured list, and an unknown critical header, are refused', async () => {
    const ps = await generateKeyPair('PS256');
    serve('/jwks-ps', [await jwk(ps.publicKey, { kid: 'ps-1' })]);
    expectFailure(await jwksVerifier({}, '/jwks-ps')(bearer(await token(ps.privateKey, { alg: 'PS256', kid: 'ps-1' }))), 'unsupported_algorithm');
    expect(await jwksVerifier({ algorithms: ['PS256'] }, '/jwks-ps')(bearer(await token(ps.privateKey, { alg: 'PS256', kid: 'ps-1' })))).toMatchObject({
      ok: true,
    });
    const crit = await new SignJWT({ iss: ISS, aud: AUD, sub: 'jdoe', exp: now() + 60 })
      .setProtectedHeader({ alg: 'HS256', crit: ['x-policy'], 'x-policy': 1 })
      .sign(secretBytes, { crit: { 'x-policy': true } });
    expectFailure(await hmacVerifier()(bearer(crit)), 'unsupported_algorithm');
  });

  it('JWS that are not JWTs, or not JSON, are malformed', async () => {
    const notJson = await new CompactSign(new TextEncoder().encode('hello')).setProtectedHeader({ alg: 'HS256' }).sign(secretBytes);
    expectFailure(await hmacVerifier()(bearer(notJson)), 'malformed_token');
    expectFailure(await hmacVerifier()(bearer('abc.def.ghi')), 'malformed_token');
    expectFailure(await hmacVerifier()(bearer(`${b64({ typ: 'JWT' })}.${b64({ sub: 'x' })}.c2ln`)), 'malformed_token'); // no alg
  });

  it('a JWKS RSA key under 2048 bits cannot verify anything (fails closed)', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    serve('/jwks-weak', [{ ...(weak.publicKey.export({ format: 'jwk' }) as JWK), kid: 'weak' }]);
    const data = `${b64({ alg: 'RS256', kid: 'weak' })}.${b64({ iss: ISS, aud: AUD, sub: 'jdoe', exp: now() + 60 })}`;
    const signed = `${data}.${cryptoSign('sha256', Buffer.from(data), weak.privateKey).toString('base64url')}`;
    const result = await jwksVerifier({}, '/jwks-weak')(bearer(signed));
    expect(result).toEqual({ ok: false, status: 401, reason: 'bad_signature', message: 'the token could not be verified' });
  });
});

describe('claims', () => {
  const hs = (options: TokenOptions = {}) => token(secretBytes, { alg: 'HS256', ...options });

  it('expired tokens, with 30 s of clock tolerance by default', async () => {
    const verify = hmacVerifier();
    expectFailure(await verify(bearer(await hs({ claims: { iat: now() - 600, exp: now() - 60 } }))), 'expired');
    expect(await verify(bearer(await hs({ claims: { iat: now() - 600, exp: now() - 10 } })))).toMatchObject({ ok: true });
    expectFailure(await hmacVerifier({ clockToleranceSec: 0 })(bearer(await hs({ claims: { exp: now() - 10 } }))), 'expired');
  });

  it('tokens without exp, or with a non-numeric exp, are refused', async () => {
    const result = await hmacVerifier()(bearer(await hs({ omit: ['exp'] })));
    expectFailure(result, 'malformed_token');
    expect(!result.ok && result.message).toBe('the token\'s "exp" claim is missing');
    const bad = await hmacVerifier()(bearer(await hs({ claims: { exp: 'tomorrow' as unknown as number } })));
    expect(!bad.ok && bad.message).toBe('the token\'s "exp" claim is invalid');
  });

  it('nbf in the future: not_yet_valid; a non-numeric nbf: malformed', async () => {
    expectFailure(await hmacVerifier()(bearer(await hs({ claims: { nbf: now() + 120 } }))), 'not_yet_valid');
    expect(await hmacVerifier()(bearer(await hs({ claims: { nbf: now() + 10 } })))).toMatchObject({ ok: true });
    expectFailure(await hmacVerifier()(bearer(await hs({ claims: { nbf: 'soon' as unknown as number } }))), 'malformed_token');
  });

  it('wrong or missing issuer; wrong or missing audience', async () => {
    const verify = hmacVerifier();
    expectFailure(await verify(bearer(await hs({ claims: { iss: 'https://evil.example.com/' } }))), 'wrong_issuer');
    expectFailure(await verify(bearer(await hs({ omit: ['iss'] }))), 'wrong_issuer');
    expectFailure(await verify(bearer(await hs({ claims: { aud: 'api://another-app' } }))), 'wrong_audience');
    expectFailure(await verify(bearer(await hs({ claims: { aud: ['a', 'b'] } }))), 'wrong_audience');
    expectFailure(await verify(bearer(await hs({ omit: ['aud'] }))), 'wrong_audience');
  });

  it('a subject that is missing, empty, blank or not a string: no_subject', async () => {
    const verify = hmacVerifier();
    for (const claims of [{}, { sub: '' }, { sub: '   ' }, { sub: 42 as unknown as string }, { sub: ['jdoe'] as unknown as string }]) {
      const result = await verify(bearer(await hs({ omit: ['sub'], claims })));
      expect(result).toEqual({ ok: false, status: 401, reason: 'no_subject', message: 'the token has no "sub" claim naming the user' });
    }
  });

  it('maxTokenAgeSec: older tokens, tokens without iat, tokens from the future', async () => {
    const verify = hmacVerifier({ maxTokenAgeSec: 3600 });
    expect(await verify(bearer(await hs({ claims: { iat: now() - 3000 } })))).toMatchObject({ ok: true });
    expectFailure(await verify(bearer(await hs({ claims: { iat: now() - 7200 } }))), 'token_too_old');
    expectFailure(await verify(bearer(await hs({ omit: ['iat'] }))), 'token_too_old');
    expectFailure(await verify(bearer(await hs({ claims: { iat: now() + 600 } }))), 'not_yet_valid');
    expectFailure(await verify(bearer(await hs({ claims: { iat: 'yesterday' as unknown as number } }))), 'malformed_token');
    // Without maxTokenAgeSec, age is not checked.
    expect(await hmacVerifier()(bearer(await hs({ claims: { iat: now() - 7200 } })))).toMatchObject({ ok: true });
  });
});

describe('the Authorization header', () => {
  it('missing, empty, another scheme, or the scheme alone: missing_token', async () => {
    const verify = hmacVerifier();
    for (const header of [undefined, '', '   ', 'Basic amRvZTpzZWNyZXQ=', 'Bearerx.y.z', 'Bearer', 'Bearer ', 'Bearer    ', 'Token abc']) {
      expectFailure(await verify(header), 'missing_token');
    }
  });

  it('anything but exactly one space and a compact JWS: malformed_token', async () => {
    const verify = hmacVerifier();
    const good = await token(secretBytes, { alg: 'HS256' });
    for (const header of [
      `Bearer  ${good}`,
      `Bearer\t${good}`,
      `Bearer ${good} extra`,
      `Bearer ${good}.more`,
      'Bearer not-a-jwt',
      'Bearer a.b',
      'Bearer a..c',
      `Bearer ${'a'.repeat(9000)}.${'b'.repeat(9000)}.c`,
      `Bearer ${good.replace('.', '.!')}`,
    ]) {
      expectFailure(await verify(header), 'malformed_token');
    }
  });
});

describe("the identity provider's keys", () => {
  it('JWKS server down, answering an error, or not a key set: keys_unavailable (fail closed)', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(down.address() as AddressInfo).port}/jwks`;
    await new Promise<void>((resolve) => down.close(() => resolve()));
    const t = bearer(await token(rsa.privateKey, { kid: 'rsa-1' }));
    const result = await createJwtVerifier({ jwksUrl: deadUrl, issuer: ISS, audience: AUD })(t);
    expect(result).toEqual({
      ok: false,
      status: 401,
      reason: 'keys_unavailable',
      message: "the identity provider's signing keys could not be fetched; try again later",
    });

    serve('/jwks-500', { status: 500, body: '{"error":"boom"}' });
    serve('/jwks-html', { status: 200, body: '<html>login</html>' });
    serve('/jwks-shape', { status: 200, body: '{"keys":"none"}' });
    serve('/jwks-private', [{ ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey)), kid: 'rsa-1' }]);
    for (const path of ['/jwks-500', '/jwks-html', '/jwks-shape', '/jwks-private', '/jwks-missing']) {
      expectFailure(await jwksVerifier({}, path)(t), 'keys_unavailable');
    }
  });

  it('key rotation: a new kid verifies once jose refetches the set (after its 30 s cooldown)', async () => {
    serve('/jwks-rotating', [await jwk(rsa.publicKey, { kid: 'k1' })]);
    const verify = jwksVerifier({}, '/jwks-rotating');
    expect(await verify(bearer(await token(rsa.privateKey, { kid: 'k1' })))).toMatchObject({ ok: true });
    expect(fetches.get('/jwks-rotating')).toBe(1);

    // The provider publishes a new key and starts signing with it.
    serve('/jwks-rotating', [await jwk(rsa.publicKey, { kid: 'k1' }), await jwk(rsaOther.publicKey, { kid: 'k2' })]);
    // Within the cooldown jose does not refetch: the unknown kid is refused, not fetched for.
    expectFailure(await verify(bearer(await token(rsaOther.privateKey, { kid: 'k2' }))), 'bad_signature');
    expect(fetches.get('/jwks-rotating')).toBe(1);

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31_000 });
    expect(await verify(bearer(await token(rsaOther.privateKey, { kid: 'k2' })))).toMatchObject({ ok: true, subject: 'jdoe' });
    expect(fetches.get('/jwks-rotating')).toBe(2);
    expect(await verify(bearer(await token(rsa.privateKey, { kid: 'k1' })))).toMatchObject({ ok: true });

    // The old key is withdrawn: once the cache is stale (10 min), its tokens fail.
    serve('/jwks-rotating', [await jwk(rsaOther.publicKey, { kid: 'k2' })]);
    vi.setSystemTime(Date.now() + 11 * 60_000);
    expectFailure(await verify(bearer(await token(rsa.privateKey, { kid: 'k1' }))), 'bad_signature');
    expect(fetches.get('/jwks-rotating')).toBe(3);
  });

  it('several keys fit a token without kid: the one whose signature matches verifies it', async () => {
    serve('/jwks-nokid', [await jwk(rsa.publicKey), await jwk(rsaOther.publicKey)]);
    const verify = jwksVerifier({}, '/jwks-nokid');
    expect(await verify(bearer(await token(rsaOther.privateKey)))).toMatchObject({ ok: true });
    expect(await verify(bearer(await token(rsa.privateKey)))).toMatchObject({ ok: true });
    expectFailure(await verify(bearer(await token(rsaThird.privateKey))), 'bad_signature');
    // A matching key whose token fails a claim check reports that check.
    expectFailure(await verify(bearer(await token(rsaOther.privateKey, { claims: { exp: now() - 600 } }))), 'expired');
  });
});

describe('settings', () => {
  const issuesOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return (e as ValidationError).issues;
    }
    throw new Error('expected a ValidationError');
  };
  const paths = (fn: () => unknown) => issuesOf(fn).map((i) => i.path);
  const make = (s: Partial<JwtSettings>) => () => createJwtVerifier({ issuer: ISS, audience: AUD, ...s } as JwtSettings);

  it('exactly one key source', () => {
    expect(issuesOf(make({}))).toEqual([{ path: 'jwksUrl', message: 'set one of jwksUrl, publicKeyPem or hmacSecret' }]);
    expect(paths(make({ jwksUrl: `${base}/jwks`, hmacSecret: SECRET }))).toEqual(['jwksUrl', 'hmacSecret']);
  });

  it('the JWKS URL: a URL, https except on loopback', () => {
    expect(paths(make({ jwksUrl: 'not a url' }))).toEqual(['jwksUrl']);
    expect(issuesOf(make({ jwksUrl: 'http://login.example.com/jwks' }))[0]!.message).toMatch(/https/);
    expect(paths(make({ jwksUrl: 'ftp://127.0.0.1/jwks' }))).toEqual(['jwksUrl']);
    for (const url of ['https://login.example.com/jwks', 'http://localhost:8080/jwks', 'http://[::1]:8080/jwks', 'http://127.0.0.1/jwks']) {
      expect(typeof make({ jwksUrl: url })()).toBe('function');
    }
  });

  it('the PEM: an SPKI public key of a supported type and size', () => {
    const privatePem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }) as string;
    const cases: Array<[string, RegExp]> = [
      [privatePem, /BEGIN PUBLIC KEY/],
      ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', /not a readable/],
      [spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), /2048/],
      [spki(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey), /P-256, P-384 or P-521/],
      [spki(generateKeyPairSync('ed448').publicKey), /RSA, EC .* or Ed25519/],
    ];
    for (const [pem, message] of cases) {
      const issues = issuesOf(make({ publicKeyPem: pem }));
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ path: 'publicKeyPem', message: expect.stringMatching(message) });
    }
  });

  it('the secret: at least 32 bytes, never echoed', () => {
    const error = (() => {
      try {
        make({ hmacSecret: 'short-secret-value' })();
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(error?.issues).toEqual([{ path: 'hmacSecret', message: 'use at least 32 bytes' }]);
    expect(error?.message).not.toContain('short-secret-value');
  });

  it('issuer, audience, subject claim, clock tolerance, token age', () => {
    expect(paths(() => createJwtVerifier({ hmacSecret: SECRET } as JwtSettings))).toEqual(['issuer', 'audience']);
    expect(paths(make({ hmacSecret: SECRET, issuer: ' ', audience: 42 as unknown as string }))).toEqual(['issuer', 'audience']);
    expect(paths(make({ hmacSecret: SECRET, subjectClaim: '' }))).toEqual(['subjectClaim']);
    expect(paths(make({ hmacSecret: SECRET, subjectClaim: 7 as unknown as string }))).toEqual(['subjectClaim']);
    for (const clockToleranceSec of [-1, 301, Number.NaN]) expect(paths(make({ hmacSecret: SECRET, clockToleranceSec }))).toEqual(['clockToleranceSec']);
    for (const maxTokenAgeSec of [0, -5, Number.POSITIVE_INFINITY]) expect(paths(make({ hmacSecret: SECRET, maxTokenAgeSec }))).toEqual(['maxTokenAgeSec']);
  });

  it("algorithms: non-empty, never none, only of the key's kind", () => {
    expect(paths(make({ hmacSecret: SECRET, algorithms: [] }))).toEqual(['algorithms']);
    expect(paths(make({ hmacSecret: SECRET, algorithms: 'HS256' as unknown as string[] }))).toEqual(['algorithms']);
    expect(issuesOf(make({ hmacSecret: SECRET, algorithms: ['HS256', 'none'] }))[0]!.message).toMatch(/not usable with this key: none/);
    expect(paths(make({ hmacSecret: SECRET, algorithms: ['RS256'] }))).toEqual(['algorithms']);
    expect(paths(make({ jwksUrl: `${base}/jwks`, algorithms: ['HS256'] }))).toEqual(['algorithms']);
    expect(paths(make({ jwksUrl: `${base}/jwks`, algorithms: ['none'] }))).toEqual(['algorithms']);
    expect(paths(make({ publicKeyPem: esPem, algorithms: ['RS256'] }))).toEqual(['algorithms']);
    expect(paths(make({ publicKeyPem: rsaPem, algorithms: ['HS256'] }))).toEqual(['algorithms']);
    expect(typeof make({ hmacSecret: SECRET, algorithms: ['HS256', 'HS512'] })()).toBe('function');
  });
});

describe('jwtSettingsFromEnv', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'auth-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const issuesOf = (env: NodeJS.ProcessEnv) => {
    try {
      jwtSettingsFromEnv(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).what).toBe('configuration (environment variables)');
      return (e as ValidationError).issues;
    }
    throw new Error('expected a ValidationError');
  };
  const base_ = { SELF_SERVICE_JWT_ISSUER: ISS, SELF_SERVICE_JWT_AUDIENCE: AUD };

  it('undefined when no variable is set (empty counts as unset)', () => {
    expect(jwtSettingsFromEnv({})).toBeUndefined();
    expect(jwtSettingsFromEnv({ PATH: '/bin', SELF_SERVICE_JWT_SECRET: '', SELF_SERVICE_JWKS_URL: '  ' })).toBeUndefined();
  });

  it('each key source, with issuer, audience, subject claim and clock tolerance', async () => {
    expect(jwtSettingsFromEnv({ ...base_, SELF_SERVICE_JWKS_URL: ' https://login.example.com/.well-known/jwks.json ' })).toEqual({
      jwksUrl: 'https://login.example.com/.well-known/jwks.json',
      issuer: ISS,
      audience: AUD,
    });
    expect(
      jwtSettingsFromEnv({ ...base_, SELF_SERVICE_JWT_SECRET: SECRET, SELF_SERVICE_JWT_SUBJECT_CLAIM: 'upn', SELF_SERVICE_JWT_CLOCK_TOLERANCE: '5' }),
    ).toEqual({
      hmacSecret: SECRET,
      issuer: ISS,
      audience: AUD,
      subjectClaim: 'upn',
      clockToleranceSec: 5,
    });
    const file = join(dir, 'idp.pem');
    writeFileSync(file, esPem);
    const settings = jwtSettingsFromEnv({ ...base_, SELF_SERVICE_JWT_PUBLIC_KEY_FILE: file });
    expect(settings).toEqual({ publicKeyPem: esPem, issuer: ISS, audience: AUD });
    // The settings work as they are.
    expect(await createJwtVerifier(settings!)(bearer(await token(es.privateKey, { alg: 'ES256' })))).toMatchObject({ ok: true, subject: 'jdoe' });
  });

  it('no key source, or several', () => {
    expect(issuesOf(base_)).toEqual([
      { path: 'SELF_SERVICE_JWKS_URL', message: 'set one of SELF_SERVICE_JWKS_URL, SELF_SERVICE_JWT_PUBLIC_KEY_FILE or SELF_SERVICE_JWT_SECRET' },
    ]);
    const file = join(dir, 'two.pem');
    writeFileSync(file, rsaPem);
    expect(
      issuesOf({ ...base_, SELF_SERVICE_JWKS_URL: 'https://x.example.com/jwks', SELF_SERVICE_JWT_PUBLIC_KEY_FILE: file, SELF_SERVICE_JWT_SECRET: SECRET }).map(
        (i) => i.path,
      ),
    ).toEqual(['SELF_SERVICE_JWKS_URL', 'SELF_SERVICE_JWT_PUBLIC_KEY_FILE', 'SELF_SERVICE_JWT_SECRET']);
  });

  it('issuer and audience are required', () => {
    expect(issuesOf({ SELF_SERVICE_JWT_SECRET: SECRET }).map((i) => i.path)).toEqual(['SELF_SERVICE_JWT_ISSUER', 'SELF_SERVICE_JWT_AUDIENCE']);
    expect(issuesOf({ SELF_SERVICE_JWT_ISSUER: ISS }).map((i) => i.path)).toEqual(['SELF_SERVICE_JWKS_URL', 'SELF_SERVICE_JWT_AUDIENCE']);
  });

  it('a bad value of each variable is named, and the secret never echoed', () => {
    expect(issuesOf({ ...base_, SELF_SERVICE_JWKS_URL: 'http://login.example.com/jwks' })).toEqual([
      { path: 'SELF_SERVICE_JWKS_URL', message: expect.stringMatching(/https/) },
    ]);
    expect(issuesOf({ ...base_, SELF_SERVICE_JWT_PUBLIC_KEY_FILE: join(dir, 'missing.pem') })).toEqual([
      { path: 'SELF_SERVICE_JWT_PUBLIC_KEY_FILE', message: 'cannot be read (ENOENT)' },
    ]);
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    expect(issuesOf({ ...base_, SELF_SERVICE_JWT_PUBLIC_KEY_FILE: notPem })).toEqual([
      { path: 'SELF_SERVICE_JWT_PUBLIC_KEY_FILE', message: expect.stringMatching(/BEGIN PUBLIC KEY/) },
    ]);
    try {
      jwtSettingsFromEnv({ ...base_, SELF_SERVICE_JWT_SECRET: 'tiny-secret-1234' });
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).issues).toEqual([{ path: 'SELF_SERVICE_JWT_SECRET', message: 'use at least 32 bytes' }]);
      expect((e as Error).message).not.toContain('tiny-secret-1234');
    }
    for (const value of ['abc', '-1', '1.5', '30s']) {
      expect(issuesOf({ ...base_, SELF_SERVICE_JWT_SECRET: SECRET, SELF_SERVICE_JWT_CLOCK_TOLERANCE: value })).toEqual([
        { path: 'SELF_SERVICE_JWT_CLOCK_TOLERANCE', message: 'whole seconds, from 0 to 300' },
      ]);
    }
    expect(issuesOf({ ...base_, SELF_SERVICE_JWT_SECRET: SECRET, SELF_SERVICE_JWT_CLOCK_TOLERANCE: '3600' })).toEqual([
      { path: 'SELF_SERVICE_JWT_CLOCK_TOLERANCE', message: 'seconds, from 0 to 300' },
    ]);
  });

  it('every problem at once', () => {
    const issues = issuesOf({
      SELF_SERVICE_JWT_PUBLIC_KEY_FILE: join(dir, 'missing.pem'),
      SELF_SERVICE_JWT_CLOCK_TOLERANCE: 'soon',
      SELF_SERVICE_JWT_SUBJECT_CLAIM: 'upn',
    });
    expect(issues.map((i) => i.path)).toEqual([
      'SELF_SERVICE_JWT_PUBLIC_KEY_FILE',
      'SELF_SERVICE_JWT_CLOCK_TOLERANCE',
      'SELF_SERVICE_JWT_ISSUER',
      'SELF_SERVICE_JWT_AUDIENCE',
    ]);
  });
});
