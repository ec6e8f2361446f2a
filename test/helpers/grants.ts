import { paramsHash, signGrant, type Grant } from '../../src/domain/permissions/grants.js';
import { TEST_GRANT_KEY } from './temporal.js';

/** A grant as the permission check would sign it (MockActivityEnvironment's workflow id is `test`). */
export function testGrant(action: string, target: string, params: Record<string, unknown> = {}, over: Partial<Grant> = {}, key = TEST_GRANT_KEY): Grant {
  const now = Date.now();
  const { signature: _ignored, ...claimsOver } = over;
  return signGrant(
    {
      action,
      requester: 'sam.helper',
      target,
      paramsHash: paramsHash(params),
      workflowId: 'test',
      rule: 'service-desk-staff',
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 60_000).toISOString(),
      ...claimsOver,
    },
    key,
  );
}
