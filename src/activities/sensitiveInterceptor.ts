import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { SENSITIVE_TOKEN, type EngineStore } from './records/store.js';

/** Every string in `value` (through objects and lists) with its sensitive-input tokens replaced by the values. */
function resolve(value: unknown, lookup: (token: string) => string): unknown {
  if (typeof value === 'string') return value.includes('sensitive:') ? value.replace(SENSITIVE_TOKEN, lookup) : value;
  if (Array.isArray(value)) return value.map((v) => resolve(v, lookup));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, lookup)]));
  return value;
}

/**
 * Resolves the tokens that stand for sensitive inputs of a workflow definition (a new hire's
 * name) in an activity's arguments, right before it runs: the values come from the engine
 * database and never enter workflow history, and the audit interceptor (registered before this
 * one) logs the tokens, not the values.
 */
export function sensitiveInterceptors(store: Pick<EngineStore, 'sensitiveValue'>): ActivityInterceptorsFactory[] {
  return [
    () => {
      const inbound: ActivityInboundCallsInterceptor = {
        execute(input, next) {
          const lookup = (token: string) => {
            const value = store.sensitiveValue(token);
            if (value === null)
              throw ApplicationFailure.nonRetryable(
                'a sensitive input of this run is no longer available (its record was filed, or it was started on another engine database)',
                'SensitiveValueGone',
              );
            return value;
          };
          return next({ ...input, args: input.args.map((arg) => resolve(arg, lookup)) });
        },
      };
      return { inbound };
    },
  ];
}
