import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { RedactionPolicy } from '../domain/records/redactionPolicy.js';
import { auditInterceptors } from './auditInterceptor.js';
import type { EngineStore } from './records/port.js';
import { sensitiveInterceptors } from './sensitiveInterceptor.js';

/**
 * The engine's activity interceptors, outermost first: the audit log's (it records the arguments
 * as the workflow sent them, tokens and all), then the one that resolves sensitive-input tokens.
 */
export function engineActivityInterceptors(deps: { store: EngineStore; redaction: RedactionPolicy }): ActivityInterceptorsFactory[] {
  return [...auditInterceptors(deps), ...sensitiveInterceptors(deps.store)];
}
