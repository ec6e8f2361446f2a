import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../domain/errors.js';
import { documented, slice } from './settings.js';

// Self-service sign-in: the JWT settings (SELF_SERVICE_JWT_* / SELF_SERVICE_JWKS_URL) and the check
// of their key material. The same check runs on settings given in code (createJwtVerifier), where
// issues name the fields instead of the variables.

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

export type Field = keyof JwtSettings;
export type Names = Record<Field, string>;
export const FIELD_NAMES: Names = {
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
const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGORITHMS: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const ED_ALGORITHMS = ['EdDSA', 'Ed25519'];
const ASYMMETRIC_ALGORITHMS = [...RSA_ALGORITHMS, ...Object.values(EC_ALGORITHMS), ...ED_ALGORITHMS];
const DEFAULT_ASYMMETRIC = ['RS256', 'ES256', 'EdDSA'];

export type Key = { kind: 'jwks'; url: URL } | { kind: 'pem'; key: KeyObject; compatible: string[]; natural: string } | { kind: 'secret'; key: Uint8Array };
export interface Prepared {
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
export function prepareJwtSettings(s: JwtSettings, names: Names, reported: ReadonlySet<Field> = new Set()): { prepared?: Prepared; issues: FieldIssue[] } {
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
  if (s.subjectClaim !== undefined && (typeof s.subjectClaim !== 'string' || s.subjectClaim.trim() === ''))
    issue('subjectClaim', 'a claim name such as sub, preferred_username or upn');
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
  issues.push(...prepareJwtSettings(settings, ENV_NAMES, new Set(unreadable ? ['publicKeyPem'] : [])).issues);
  if (issues.length > 0) throw new ValidationError('configuration (environment variables)', issues);
  return settings;
}

export const selfServiceSettings = slice('Self-service', {
  SELF_SERVICE_ADMIN_GROUPS: [z.string().default('it-staff'), 'comma-separated directory groups whose members may set admin-only inputs'],
});

export const selfServiceJwtSettings = documented('Self-service sign-in (bearer JWTs; unset: self-service is off)', [
  [JWT_ENV.jwksUrl, "the identity provider's JWKS endpoint (https; http only on loopback); one key source of three"],
  [JWT_ENV.publicKeyPem, 'file with the SPKI PEM public key (RSA 2048+, P-256/384/521 or Ed25519); one key source of three'],
  [JWT_ENV.hmacSecret, 'HS256 shared secret (32+ bytes); one key source of three'],
  [JWT_ENV.issuer, 'required: the `iss` tokens must carry'],
  [JWT_ENV.audience, 'required: the `aud` tokens must carry'],
  [JWT_ENV.subjectClaim, 'the claim naming the directory account', '`sub`'],
  [JWT_ENV.clockToleranceSec, 'clock skew allowed on `exp`/`nbf`, whole seconds (at most 300)', '`30`'],
]);
