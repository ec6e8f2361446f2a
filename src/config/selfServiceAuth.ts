import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ALWAYS, zodIssues, type FieldIssue } from '../domain/errors.js';
import { commaList, defineSettings, setting, type Env } from './settings.js';

// Self-service: who may set admin-only inputs, and the sign-in (the JWT settings,
// SELF_SERVICE_JWT_* / SELF_SERVICE_JWKS_URL) with the check of their key material. The same
// schema checks settings given in code (createJwtVerifier), where issues name the fields instead
// of the variables.

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

type KeySource = 'jwksUrl' | 'publicKeyPem' | 'hmacSecret';
const KEY_SOURCES: KeySource[] = ['jwksUrl', 'publicKeyPem', 'hmacSecret'];

/** The key of the one key source set, or what is wrong with it. Reads defensively (see ALWAYS). */
function keyOf(s: Partial<Record<KeySource, unknown>>, source: KeySource): Key | string | undefined {
  const value = s[source];
  if (typeof value !== 'string') return undefined;
  if (source === 'jwksUrl') {
    const url = parseJwksUrl(value);
    return typeof url === 'string' ? url : { kind: 'jwks', url };
  }
  if (source === 'publicKeyPem') return parsePem(value);
  const secret = Buffer.from(value, 'utf8');
  return secret.length < MIN_SECRET_BYTES ? `use at least ${MIN_SECRET_BYTES} bytes` : { kind: 'secret', key: new Uint8Array(secret) };
}

function allowedAlgorithms(key: Key): { allowed: string[]; fallback: string[] } {
  if (key.kind === 'secret') return { allowed: HMAC_ALGORITHMS, fallback: ['HS256'] };
  if (key.kind === 'pem') return { allowed: key.compatible, fallback: [key.natural] };
  return { allowed: ASYMMETRIC_ALGORITHMS, fallback: DEFAULT_ASYMMETRIC };
}

/** Text that must not be blank, with one message whatever is wrong. */
const nonBlank = (message: string) => z.string({ error: message }).refine((v) => v.trim() !== '', message);
const trimmed = z.string().trim();
/** The variable names a file; the setting is its content. */
const fileContent = z
  .string()
  .trim()
  .transform((path, ctx) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `cannot be read (${(e as NodeJS.ErrnoException).code})` });
      return z.NEVER;
    }
  });
const wholeSeconds = z.string().trim().regex(/^\d+$/, `whole seconds, from 0 to ${MAX_CLOCK_TOLERANCE_SEC}`).transform(Number);
const seconds = `seconds, from 0 to ${MAX_CLOCK_TOLERANCE_SEC}`;

export const selfServiceJwtSettings = defineSettings(
  'Self-service sign-in (bearer JWTs; unset: self-service is off)',
  {
    /** Key source, exactly one of these three. The identity provider's JWKS endpoint (https; http only on loopback). */
    jwksUrl: setting(
      'SELF_SERVICE_JWKS_URL',
      z.string().optional(),
      "the identity provider's JWKS endpoint (https; http only on loopback); one key source of three",
      { fromEnv: trimmed },
    ),
    /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`) of an RSA (2048+ bits), P-256/384/521 or Ed25519 key. */
    publicKeyPem: setting(
      'SELF_SERVICE_JWT_PUBLIC_KEY_FILE',
      z.string().optional(),
      'file with the SPKI PEM public key (RSA 2048+, P-256/384/521 or Ed25519); one key source of three',
      { fromEnv: fileContent },
    ),
    /** HS256 shared secret (at least 32 bytes). */
    hmacSecret: setting('SELF_SERVICE_JWT_SECRET', z.string().optional(), 'HS256 shared secret (32+ bytes); one key source of three'),
    /** Tokens from anyone else are refused. */
    issuer: setting('SELF_SERVICE_JWT_ISSUER', nonBlank('required: the identity provider (the tokens\' "iss")'), 'required: the `iss` tokens must carry', {
      fromEnv: trimmed,
    }),
    audience: setting('SELF_SERVICE_JWT_AUDIENCE', nonBlank('required: this API\'s identifier (the tokens\' "aud")'), 'required: the `aud` tokens must carry', {
      fromEnv: trimmed,
    }),
    /** E.g. 'preferred_username' or 'upn'. */
    subjectClaim: setting(
      'SELF_SERVICE_JWT_SUBJECT_CLAIM',
      nonBlank('a claim name such as sub, preferred_username or upn').optional(),
      'the claim naming the directory account',
      { fromEnv: trimmed, shownDefault: '`sub`' },
    ),
    clockToleranceSec: setting(
      'SELF_SERVICE_JWT_CLOCK_TOLERANCE',
      z.number({ error: seconds }).min(0, seconds).max(MAX_CLOCK_TOLERANCE_SEC, seconds).optional(),
      `clock skew allowed on \`exp\`/\`nbf\`, whole seconds (at most ${MAX_CLOCK_TOLERANCE_SEC})`,
      { fromEnv: wholeSeconds, shownDefault: '`30`' },
    ),
  },
  {
    blank: 'blank-is-unset',
    optional: true,
    schema: (object, nameOf) =>
      object
        .extend({
          /** Optional: refuse tokens whose iat is older. */
          maxTokenAgeSec: z.number({ error: 'a positive number of seconds' }).positive('a positive number of seconds').optional(),
          /** Default by key type: ['RS256','ES256','EdDSA'] for JWKS, the key's own algorithm for a PEM, ['HS256'] for the secret; never 'none'. */
          algorithms: z.array(z.string(), { error: 'a non-empty list, e.g. ["RS256"]' }).optional(),
        })
        .superRefine((s, ctx) => {
          const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
          const sources = KEY_SOURCES.filter((f) => s[f] !== undefined);
          if (sources.length === 0) issue('jwksUrl', `set one of ${nameOf('jwksUrl')}, ${nameOf('publicKeyPem')} or ${nameOf('hmacSecret')}`);
          if (sources.length > 1) for (const f of sources) issue(f, `set only one of ${sources.map(nameOf).join(', ')}`);
          if (sources.length !== 1) return;
          const key = keyOf(s, sources[0]!);
          if (typeof key === 'string') issue(sources[0]!, key);
          if (key === undefined || typeof key === 'string' || !Array.isArray(s.algorithms)) return;
          const { allowed } = allowedAlgorithms(key);
          if (s.algorithms.length === 0) issue('algorithms', 'a non-empty list, e.g. ["RS256"]');
          const refused = s.algorithms.filter((a) => !allowed.includes(a));
          if (refused.length > 0) issue('algorithms', `not usable with this key: ${refused.map(String).join(', ')} (use ${allowed.join(', ')})`);
        }, ALWAYS),
  },
);

export type JwtSettings = z.output<typeof selfServiceJwtSettings.schema>;

const FIELD_ORDER = Object.keys(selfServiceJwtSettings.schema.shape);

/**
 * Checks settings given in code; issues name the fields, in the order they are declared. With no
 * issue: the key and the algorithms tokens may use.
 */
export function prepareJwtSettings(settings: JwtSettings): { prepared?: Prepared; issues: FieldIssue[] } {
  const parsed = selfServiceJwtSettings.schema.safeParse(settings);
  if (!parsed.success) {
    const at = (i: FieldIssue) => FIELD_ORDER.indexOf(i.path.replace(/[.[].*$/, ''));
    return { issues: zodIssues(parsed.error).sort((a, b) => at(a) - at(b)) };
  }
  const s = parsed.data;
  const key = keyOf(s, KEY_SOURCES.find((f) => s[f] !== undefined)!) as Key;
  return { prepared: { key, algorithms: s.algorithms ? [...new Set(s.algorithms)] : allowedAlgorithms(key).fallback }, issues: [] };
}

/**
 * Self-service JWT settings from the environment; undefined when none of their variables is set
 * (blank counts as unset). Exactly one key source; issuer and audience required. Problems throw a
 * ValidationError naming the variables, never their values.
 */
export function jwtSettingsFromEnv(env: Env): JwtSettings | undefined {
  return selfServiceJwtSettings.fromEnv(env);
}

export const selfServiceSettings = defineSettings('Self-service', {
  adminGroups: setting('SELF_SERVICE_ADMIN_GROUPS', commaList.prefault('it-staff'), 'comma-separated directory groups whose members may set admin-only inputs'),
});
