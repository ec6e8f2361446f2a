import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../records/audit.js';

/**
 * A signed permission grant: proof that the permission check allowed exactly this action, for this
 * requester, on this target, with these parameters, inside this workflow, until `expiresAt`.
 * Side-effecting activities refuse to act without a matching one, so no code path (not even a
 * buggy workflow) can change a system without a permission decision.
 */
export const Grant = z.strictObject({
  action: z.string().min(1),
  requester: z.string().min(1),
  target: z.string().min(1),
  paramsHash: z.string().regex(/^[0-9a-f]{64}$/),
  workflowId: z.string().min(1),
  rule: z.string().min(1),
  issuedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Grant = z.infer<typeof Grant>;
export type GrantClaims = Omit<Grant, 'signature'>;

export type GrantCheck =
  | { ok: true; grant: Grant }
  | { ok: false; reason: 'missing' | 'malformed' | 'forged' | 'expired' | 'wrong_action' | 'wrong_target' | 'wrong_params' | 'wrong_workflow' };

/** Hash of a change's parameters, independent of key order. */
export function paramsHash(params: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(params)).digest('hex');
}

function mac(claims: GrantClaims, key: string): Buffer {
  if (key.length < 32) throw new Error('grant signing key must have at least 32 characters');
  return createHmac('sha256', key).update(canonicalJson(claims)).digest();
}

export function signGrant(claims: GrantClaims, key: string): Grant {
  return { ...claims, signature: mac(claims, key).toString('hex') };
}

export interface ExpectedGrant {
  action: string;
  target: string;
  params: Record<string, unknown>;
  workflowId: string;
}

/** Checks a grant against the change about to be made. The signature is checked first, in constant time. */
export function verifyGrant(grant: unknown, expected: ExpectedGrant, key: string, nowMs: number): GrantCheck {
  if (grant === undefined || grant === null) return { ok: false, reason: 'missing' };
  const parsed = Grant.safeParse(grant);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const { signature, ...claims } = parsed.data;
  if (!timingSafeEqual(Buffer.from(signature, 'hex'), mac(claims, key))) return { ok: false, reason: 'forged' };
  if (claims.action !== expected.action) return { ok: false, reason: 'wrong_action' };
  if (claims.target !== expected.target) return { ok: false, reason: 'wrong_target' };
  if (claims.workflowId !== expected.workflowId) return { ok: false, reason: 'wrong_workflow' };
  if (claims.paramsHash !== paramsHash(expected.params)) return { ok: false, reason: 'wrong_params' };
  if (Date.parse(claims.expiresAt) <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, grant: parsed.data };
}
