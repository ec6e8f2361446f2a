// The worker preloads modules shared by every workflow context, and the SDK deep-freezes them
// (reusable-vm.js: each own property read, getters included, then Object.freeze). These tests
// freeze the same way and check what the preload list rests on.
import { describe, expect, it } from 'vitest';
import { PRELOADED_MODULES } from '../../../src/app/supportWorker.js';

// Loaded as the worker's preload does: nothing else in this file builds a schema before the freeze.
const z = await import('zod');
const shared = [z, ...(await Promise.all(PRELOADED_MODULES.slice(1).map((path) => import(path))))];

function freezeLikeTheSdk(value: unknown, seen = new WeakSet<object>()): void {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return;
  seen.add(value);
  if (Object.isFrozen(value)) return;
  if (typeof value === 'object') {
    for (const key of Reflect.ownKeys(value)) {
      try {
        freezeLikeTheSdk((value as Record<PropertyKey, unknown>)[key], seen);
      } catch {
        // As the SDK does: some objects (typed arrays) cannot be frozen.
      }
    }
  }
  // Node's ESM namespace objects cannot be frozen (their contents are, above); webpack's export
  // objects, which the SDK freezes, can.
  if (Object.prototype.toString.call(value) !== '[object Module]') Object.freeze(value);
}

describe('modules shared by every workflow context', () => {
  it('zod, frozen as the SDK freezes it, still builds and parses the schemas each workflow makes', () => {
    expect(PRELOADED_MODULES[0]).toBe('zod');
    for (const mod of shared) for (const value of Object.values(mod)) freezeLikeTheSdk(value);

    // The kinds of schema the workflows and domain modules build, made after the freeze as a workflow context does.
    const Step = z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('comment'), body: z.string().min(1).max(100), visibility: z.enum(['public', 'internal']).default('internal') }),
      z.object({ kind: z.literal('resolve'), note: z.string().regex(/^\S/).optional() }),
    ]);
    const Plan = z.object({ id: z.string(), steps: z.array(Step).min(1), labels: z.record(z.string(), z.string()), at: z.coerce.date() }).strict();
    const WithDefault = Plan.extend({ retries: z.number().int().default(3) }).transform((p) => ({ ...p, count: p.steps.length }));

    const good = { id: 't-1', steps: [{ kind: 'comment', body: 'hello' }, { kind: 'resolve' }], labels: { a: 'b' }, at: '2026-01-01T00:00:00Z' };
    const parsed = WithDefault.parse(good);
    expect(parsed).toMatchObject({ retries: 3, count: 2, steps: [{ visibility: 'internal' }, { kind: 'resolve' }] });
    expect(parsed.at).toBeInstanceOf(Date);

    const bad = Plan.safeParse({ ...good, steps: [{ kind: 'reopen' }], extra: 1 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.code).sort()).toEqual(['invalid_union', 'unrecognized_keys']);
  });

  it('a schema frozen the same way refuses to parse: why modules holding schemas are not shared', () => {
    const schema = z.object({ name: z.string() });
    freezeLikeTheSdk(schema);
    expect(() => schema.safeParse({ name: 'x' })).toThrow(/not extensible/);
  });
});
