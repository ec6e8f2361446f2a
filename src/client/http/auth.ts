import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { ValidationError } from '../../domain/errors.js';
import { prepareJwtSettings, type JwtSettings, type Key } from '../../config/selfServiceAuth.js';

// Bearer-JWT verification of the self-service API. The caller's identity is the verified token's
// subject (a directory id) and nothing else: no header or body field is trusted for identity.

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

/** Longer than any real token; Node's own header limit is 16 KiB. */
const MAX_TOKEN_CHARS = 16_384;
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
    return e.claim === 'iat'
      ? fail('token_too_old', 'the token was issued too long ago; sign in again')
      : fail('expired', 'the token has expired; sign in again');
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
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported)
    return fail('unsupported_algorithm', "the token's signing algorithm is not accepted");
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
  const { prepared, issues } = prepareJwtSettings(settings);
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
