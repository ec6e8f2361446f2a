import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { SENSITIVE_PREFIX, SENSITIVE_TOKEN, type EngineStore } from './records/port.js';

/** The sensitive-input tokens in `value` (through objects and lists). */
function tokensIn(value: unknown, found: Set<string>): Set<string> {
  if (typeof value === 'string') for (const token of value.match(SENSITIVE_TOKEN) ?? []) found.add(token);
  else if (Array.isArray(value)) for (const v of value) tokensIn(v, found);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) tokensIn(v, found);
  return found;
}

/** Every string in `value` (through objects and lists) with its sensitive-input tokens replaced by the values. */
function resolve(value: unknown, values: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return value.includes(SENSITIVE_PREFIX) ? value.replace(SENSITIVE_TOKEN, (token) => values.get(token) as string) : value;
  if (Array.isArray(value)) return value.map((v) => resolve(v, values));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, values)]));
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
        async execute(input, next) {
          const values = new Map<string, string>();
          for (const token of tokensIn(input.args, new Set())) {
            const value = await store.sensitiveValue(token);
            if (value === null)
              throw ApplicationFailure.nonRetryable(
                'a sensitive input of this run is no longer available (its record was filed, or it was started on another engine database)',
                'SensitiveValueGone',
              );
            values.set(token, value);
          }
          return next({ ...input, args: input.args.map((arg) => resolve(arg, values)) });
        },
      };
      return { inbound };
    },
  ];
}
