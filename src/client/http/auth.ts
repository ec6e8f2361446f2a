import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { ValidationError, type FieldIssue } from '../../domain/errors.js';

/**
 * Bearer-JWT verification of the self-service API. The caller's identity is the verified token's
 * subject (a directory id) and nothing else: no header or body field is trusted for identity.
 */
export interface JwtSettings {
  /** Key source, exactly one of these three. The identity provider's JWKS endpoint (https; http only on loopback). */
  jwksUrl?: string;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`) of an RSA (2048+ bits), P-256/384/521 or Ed25519 key. */
  publicKeyPem?: string;
  /** HS256 shared secret (at least 32 bytes). */
  hmacSecret?: string;
  /** Required: tokens from anyone else are refused. */
  issuer: string;
  /** Required. */
  audience: string;
  /** Default by key type: ['RS256','ES256','EdDSA'] for JWKS, the key's own algorithm for a PEM, ['HS256'] for the secret; never 'none'. */
  algorithms?: string[];
  /** Default 30, at most 300. */
  clockToleranceSec?: number;
  /** Default 'sub'; e.g. 'preferred_username' or 'upn'. */
  subjectClaim?: string;
  /** Optional: refuse tokens whose iat is older. */
  maxTokenAgeSec?: number;
}

export type AuthFailureReason =
  | 'missing_token'
  | 'malformed_token'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'no_subject'
  | 'unsupported_algorithm'
  | 'token_too_old'
  | 'keys_unavailable';

export type AuthResult =
  | { ok: true; subject: string; claims: Record<string, unknown> }
  | { ok: false; status: 401; reason: AuthFailureReason; message: string };

/** The environment variables of `jwtSettingsFromEnv`. */
export const JWT_ENV = {
  jwksUrl: 'SELF_SERVICE_JWKS_URL',
  publicKeyPem: 'SELF_SERVICE_JWT_PUBLIC_KEY_FILE',
  hmacSecret: 'SELF_SERVICE_JWT_SECRET',
  issuer: 'SELF_SERVICE_JWT_ISSUER',
  audience: 'SELF_SERVICE_JWT_AUDIENCE',
  subjectClaim: 'SELF_SERVICE_JWT_SUBJECT_CLAIM',
  clockToleranceSec: 'SELF_SERVICE_JWT_CLOCK_TOLERANCE',
} as const;

type Field = keyof JwtSettings;
type Names = Record<Field, string>;
const FIELD_NAMES: Names = {
  jwksUrl: 'jwksUrl',
  publicKeyPem: 'publicKeyPem',
  hmacSecret: 'hmacSecret',
  issuer: 'issuer',
  audience: 'audience',
  algorithms: 'algorithms',
  clockToleranceSec: 'clockToleranceSec',
  subjectClaim: 'subjectClaim',
  maxTokenAgeSec: 'maxTokenAgeSec',
};
const ENV_NAMES: Names = { ...FIELD_NAMES, ...JWT_ENV };

const MIN_SECRET_BYTES = 32;
const MIN_RSA_BITS = 2048;
const MAX_CLOCK_TOLERANCE_SEC = 300;
/** Longer than any real token; Node's own header limit is 16 KiB. */
const MAX_TOKEN_CHARS = 16_384;

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGORITHMS: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const ED_ALGORITHMS = ['EdDSA', 'Ed25519'];
const ASYMMETRIC_ALGORITHMS = [...RSA_ALGORITHMS, ...Object.values(EC_ALGORITHMS), ...ED_ALGORITHMS];
const DEFAULT_ASYMMETRIC = ['RS256', 'ES256', 'EdDSA'];

type Key = { kind: 'jwks'; url: URL } | { kind: 'pem'; key: KeyObject; compatible: string[]; natural: string } | { kind: 'secret'; key: Uint8Array };
interface Prepared {
  key: Key;
  algorithms: string[];
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);

function parseJwksUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL (e.g. https://login.example.com/.well-known/jwks.json)';
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))) return url;
  return 'must be an https:// URL (http:// only on localhost)';
}

function parsePem(pem: string): Extract<Key, { kind: 'pem' }> | string {
  if (!/-----BEGIN PUBLIC KEY-----/.test(pem)) return 'must hold an SPKI public key in PEM (-----BEGIN PUBLIC KEY-----)';
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    return 'is not a readable PEM public key';
  }
  // Node fills these in for every RSA and EC key.
  const details = key.asymmetricKeyDetails as { modulusLength: number; namedCurve: string };
  switch (key.asymmetricKeyType) {
    case 'rsa':
      if (details.modulusLength < MIN_RSA_BITS) return `RSA keys need at least ${MIN_RSA_BITS} bits`;
      return { kind: 'pem', key, compatible: RSA_ALGORITHMS, natural: 'RS256' };
    case 'ec': {
      const alg = EC_ALGORITHMS[details.namedCurve];
      if (!alg) return 'EC keys must use the P-256, P-384 or P-521 curve';
      return { kind: 'pem', key, compatible: [alg], natural: alg };
    }
    case 'ed25519':
      return { kind: 'pem', key, compatible: ED_ALGORITHMS, natural: 'EdDSA' };
    default:
      return 'must be an RSA, EC (P-256/384/521) or Ed25519 public key';
  }
}

/** Checks settings; issues name the fields as `names` spells them (setting or environment variable). */
function prepare(s: JwtSettings, names: Names, reported: ReadonlySet<Field> = new Set()): { prepared?: Prepared; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const issue = (field: Field, message: string) => issues.push({ path: names[field], message });
  const sources = (['jwksUrl', 'publicKeyPem', 'hmacSecret'] as const).filter((f) => s[f] !== undefined);
  if (sources.length === 0) issue('jwksUrl', `set one of ${names.jwksUrl}, ${names.publicKeyPem} or ${names.hmacSecret}`);
  if (sources.length > 1) for (const f of sources) issue(f, `set only one of ${sources.map((x) => names[x]).join(', ')}`);

  let key: Key | undefined;
  if (sources.length === 1) {
    if (s.jwksUrl !== undefined) {
      const url = parseJwksUrl(s.jwksUrl);
      if (typeof url === 'string') issue('jwksUrl', url);
      else key = { kind: 'jwks', url };
    } else if (s.publicKeyPem !== undefined) {
      const pem = reported.has('publicKeyPem') ? undefined : parsePem(s.publicKeyPem);
      if (typeof pem === 'string') issue('publicKeyPem', pem);
      else key = pem;
    } else {
      const secret = Buffer.from(s.hmacSecret!, 'utf8');
      if (secret.length < MIN_SECRET_BYTES) issue('hmacSecret', `use at least ${MIN_SECRET_BYTES} bytes`);
      else key = { kind: 'secret', key: new Uint8Array(secret) };
    }
  }

  if (typeof s.issuer !== 'string' || s.issuer.trim() === '') issue('issuer', 'required: the identity provider (the tokens\' "iss")');
  if (typeof s.audience !== 'string' || s.audience.trim() === '') issue('audience', 'required: this API\'s identifier (the tokens\' "aud")');
  if (s.subjectClaim !== undefined && (typeof s.subjectClaim !== 'string' || s.subjectClaim.trim() === '')) issue('subjectClaim', 'a claim name such as sub, preferred_username or upn');
  const tolerance = s.clockToleranceSec;
  if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance >= 0 && tolerance <= MAX_CLOCK_TOLERANCE_SEC)) {
    issue('clockToleranceSec', `seconds, from 0 to ${MAX_CLOCK_TOLERANCE_SEC}`);
  }
  if (s.maxTokenAgeSec !== undefined && !(Number.isFinite(s.maxTokenAgeSec) && s.maxTokenAgeSec > 0)) issue('maxTokenAgeSec', 'a positive number of seconds');

  let algorithms: string[] = [];
  if (key) {
    const allowed = key.kind === 'secret' ? HMAC_ALGORITHMS : key.kind === 'pem' ? key.compatible : ASYMMETRIC_ALGORITHMS;
    const fallback = key.kind === 'secret' ? ['HS256'] : key.kind === 'pem' ? [key.natural] : DEFAULT_ASYMMETRIC;
    if (s.algorithms === undefined) algorithms = fallback;
    else if (!Array.isArray(s.algorithms) || s.algorithms.length === 0) issue('algorithms', 'a non-empty list, e.g. ["RS256"]');
    else {
      const refused = s.algorithms.filter((a) => !allowed.includes(a));
      if (refused.length > 0) issue('algorithms', `not usable with this key: ${refused.map(String).join(', ')} (use ${allowed.join(', ')})`);
      else algorithms = [...new Set(s.algorithms)];
    }
  }
  return issues.length === 0 && key ? { prepared: { key, algorithms }, issues } : { issues };
}

/** Failures to obtain the identity provider's keys (network, HTTP status, bad JWKS document). */
class KeysUnavailable extends Error {}

function keyResolver(key: Key): JWTVerifyGetKey {
  if (key.kind === 'pem' || key.kind === 'secret') {
    const material = key.key;
    return () => material;
  }
  const remote = createRemoteJWKSet(key.url);
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (e) {
      // The set was fetched and parsed, but has no (single) key for this token: the token's fault.
      if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys || e instanceof errors.JOSENotSupported) throw e;
      throw new KeysUnavailable('keys unavailable', { cause: e });
    }
  };
}

type Failure = Extract<AuthResult, { ok: false }>;
const fail = (reason: AuthFailureReason, message: string): Failure => ({ ok: false, status: 401, reason, message });

const MALFORMED = 'the bearer token is not a well-formed signed JWT';
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** `Bearer <token>`: the scheme in any case, one space, a three-part compact JWS. */
function bearerToken(authorization: string | undefined): string | Failure {
  if (authorization === undefined || authorization.trim() === '') return fail('missing_token', 'an Authorization: Bearer <token> header is required');
  if (!/^bearer(?:\s|$)/i.test(authorization)) return fail('missing_token', 'the Authorization header must carry a Bearer token');
  const token = authorization.slice('Bearer '.length);
  if (token.trim() === '') return fail('missing_token', 'the Authorization header has the Bearer scheme but no token');
  if (authorization[6] !== ' ' || token.length > MAX_TOKEN_CHARS || !JWS_COMPACT.test(token)) return fail('malformed_token', MALFORMED);
  return token;
}

/** Maps what jose (or the key fetch) threw to a reason; messages never repeat token content. */
function classify(e: unknown): Failure {
  if (e instanceof KeysUnavailable) return fail('keys_unavailable', "the identity provider's signing keys could not be fetched; try again later");
  if (e instanceof errors.JWTExpired) {
    return e.claim === 'iat' ? fail('token_too_old', 'the token was issued too long ago; sign in again') : fail('expired', 'the token has expired; sign in again');
  }
  if (e instanceof errors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case 'iss':
        return fail('wrong_issuer', 'the token was not issued by the expected identity provider');
      case 'aud':
        return fail('wrong_audience', 'the token is not meant for this service');
      case 'nbf':
        if (e.reason === 'check_failed') return fail('not_yet_valid', 'the token is not valid yet');
        break;
      case 'iat':
        if (e.reason === 'missing') return fail('token_too_old', 'the token has no issue time (iat), so its age cannot be checked');
        if (e.reason === 'check_failed') return fail('not_yet_valid', 'the token claims to be issued in the future');
        break;
    }
    return fail('malformed_token', `the token's "${e.claim}" claim is ${e.reason === 'missing' ? 'missing' : 'invalid'}`);
  }
  if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey) {
    return fail('bad_signature', "the token's signature does not match the identity provider's keys");
  }
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) return fail('unsupported_algorithm', "the token's signing algorithm is not accepted");
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return fail('malformed_token', MALFORMED);
  // Anything else (e.g. a key jose refuses to use, such as RSA under 2048 bits): fail closed.
  return fail('bad_signature', 'the token could not be verified');
}

/**
 * A verifier of `Authorization` header values. Settings are checked at once (a ValidationError
 * naming the fields); the JWKS is fetched on first use, cached and refetched by jose when a token
 * names an unknown key. Tokens must carry `exp`, `iss` and `aud`; `alg: none` and algorithms of
 * another key type (e.g. HS256 against a public key) are refused.
 */
export function createJwtVerifier(settings: JwtSettings): (authorization: string | undefined) => Promise<AuthResult> {
  const { prepared, issues } = prepare(settings, FIELD_NAMES);
  if (!prepared) throw new ValidationError('self-service JWT settings', issues);
  const getKey = keyResolver(prepared.key);
  const subjectClaim = settings.subjectClaim ?? 'sub';
  const options: JWTVerifyOptions = {
    issuer: settings.issuer,
    audience: settings.audience,
    algorithms: prepared.algorithms,
    clockTolerance: settings.clockToleranceSec ?? 30,
    requiredClaims: ['exp'],
    ...(settings.maxTokenAgeSec !== undefined ? { maxTokenAge: settings.maxTokenAgeSec } : {}),
  };

  async function verify(token: string): Promise<JWTPayload> {
    try {
      return (await jwtVerify(token, getKey, options)).payload;
    } catch (e) {
      if (!(e instanceof errors.JWKSMultipleMatchingKeys)) throw e;
      // Several keys of the set fit a token without "kid": the one whose signature matches wins.
      for await (const candidate of e) {
        try {
          return (await jwtVerify(token, candidate, options)).payload;
        } catch (inner) {
          if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  }

  return async (authorization) => {
    const token = bearerToken(authorization);
    if (typeof token !== 'string') return token;
    let claims: JWTPayload;
    try {
      claims = await verify(token);
    } catch (e) {
      return classify(e);
    }
    const subject = claims[subjectClaim];
    if (typeof subject !== 'string' || subject.trim() === '') return fail('no_subject', `the token has no "${subjectClaim}" claim naming the user`);
    return { ok: true, subject, claims: claims as Record<string, unknown> };
  };
}

/**
 * Self-service JWT settings from the environment (variables in JWT_ENV); undefined when none is
 * set (empty counts as unset). Exactly one key source; issuer and audience required. Problems throw
 * a ValidationError naming the variables, never their values.
 */
export function jwtSettingsFromEnv(env: NodeJS.ProcessEnv): JwtSettings | undefined {
  const get = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  if (!Object.values(JWT_ENV).some((name) => get(name) !== undefined)) return undefined;
  const issues: FieldIssue[] = [];

  let publicKeyPem: string | undefined;
  let unreadable = false;
  const keyFile = get(JWT_ENV.publicKeyPem)?.trim();
  if (keyFile !== undefined) {
    try {
      publicKeyPem = readFileSync(keyFile, 'utf8');
    } catch (e) {
      issues.push({ path: JWT_ENV.publicKeyPem, message: `cannot be read (${(e as NodeJS.ErrnoException).code})` });
      publicKeyPem = '';
      unreadable = true;
    }
  }
  let clockToleranceSec: number | undefined;
  const tolerance = get(JWT_ENV.clockToleranceSec)?.trim();
  if (tolerance !== undefined) {
    if (/^\d+$/.test(tolerance)) clockToleranceSec = Number(tolerance);
    else issues.push({ path: JWT_ENV.clockToleranceSec, message: `whole seconds, from 0 to ${MAX_CLOCK_TOLERANCE_SEC}` });
  }

  const optional = {
    jwksUrl: get(JWT_ENV.jwksUrl)?.trim(),
    publicKeyPem,
    hmacSecret: get(JWT_ENV.hmacSecret),
    subjectClaim: get(JWT_ENV.subjectClaim)?.trim(),
    clockToleranceSec,
  };
  const settings: JwtSettings = {
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    issuer: get(JWT_ENV.issuer)?.trim() ?? '',
    audience: get(JWT_ENV.audience)?.trim() ?? '',
  };
  // An unreadable key file is reported already: its (missing) content is not checked as well.
  issues.push(...prepare(settings, ENV_NAMES, new Set(unreadable ? ['publicKeyPem'] : [])).issues);
  if (issues.length > 0) throw new ValidationError('configuration (environment variables)', issues);
  return settings;
}
