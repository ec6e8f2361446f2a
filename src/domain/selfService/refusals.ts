// Why a self-service request is refused: each reason has its HTTP status, and some count as an
// attempt to get more than the caller may have.
import type { FieldIssue } from '../errors.js';

export type RefusalReason =
  | 'unknown_automation'
  | 'not_published'
  | 'caller_unknown'
  | 'caller_disabled'
  | 'not_in_audience'
  | 'invalid_input'
  | 'admin_only_input'
  | 'not_your_device'
  | 'not_your_account'
  | 'unknown_resource'
  | 'outside_window'
  | 'rate_limited'
  | 'cooling_down';

export type RequestRefusal = {
  ok: false;
  status: 400 | 403 | 404 | 429;
  reason: RefusalReason;
  message: string;
  issues?: FieldIssue[];
  retryAfterSeconds?: number;
};

export const REFUSAL_STATUS: Readonly<Record<RefusalReason, RequestRefusal['status']>> = {
  unknown_automation: 404,
  not_published: 404,
  caller_unknown: 403,
  caller_disabled: 403,
  not_in_audience: 403,
  invalid_input: 400,
  admin_only_input: 403,
  not_your_device: 403,
  not_your_account: 403,
  unknown_resource: 400,
  outside_window: 403,
  rate_limited: 429,
  cooling_down: 429,
};

/**
 * Refusals that mean someone tried to get more than they may have (another person's account or
 * device, an automation that is unpublished or not theirs, an admin-only input, an identity the
 * directory does not accept). The API writes a security event for each.
 */
export const ELEVATION_ATTEMPTS: ReadonlySet<RefusalReason> = new Set<RefusalReason>([
  'not_published',
  'caller_unknown',
  'caller_disabled',
  'not_in_audience',
  'admin_only_input',
  'not_your_device',
  'not_your_account',
]);

export function refuse(reason: RefusalReason, message: string, extra: Pick<RequestRefusal, 'issues' | 'retryAfterSeconds'> = {}): RequestRefusal {
  return { ok: false, status: REFUSAL_STATUS[reason], reason, message, ...extra };
}
