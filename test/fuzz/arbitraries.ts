import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildApi, type ApiOptions } from '../../src/client/http/app.js';
import type { Content } from '../../src/stack/content.js';
import { createLogger } from '../../src/stack/logger.js';

// Shared generators of the fuzzing properties (test/fuzz/*.fuzz.test.ts), and the stand-in
// Temporal client that counts what the HTTP API asks of Temporal.

export type Path = Array<string | number>;

/**
 * Objects as JSON and YAML parsers make them, with Object.prototype: fast-check's dictionary and
 * record may otherwise return null-prototype objects, which no parser of untrusted input produces.
 */
export const dict = <T>(
  key: fc.Arbitrary<string>,
  value: fc.Arbitrary<T>,
  constraints: Omit<fc.DictionaryConstraints, 'noNullPrototype'> = {},
): fc.Arbitrary<Record<string, T>> => fc.dictionary(key, value, { ...constraints, noNullPrototype: true });
export const rec = ((model: Record<string, fc.Arbitrary<unknown>>, constraints: Record<string, unknown> = {}) =>
  fc.record(model, { ...constraints, noNullPrototype: true } as never)) as typeof fc.record;

/** Names that reach into prototypes when code reads them carelessly. */
export const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length'] as const;

/**
 * Object keys of generated JSON. `toString` and `valueOf` are left out here: an object with an own
 * `toString` that is not a function cannot be turned into a primitive, and zod 4.6's length checks
 * (`.min()`/`.max()` on strings and arrays) compare the `length` of any value that has one, even
 * after the type check failed: `{"length":{"toString":null}}` makes `safeParse` throw. That is a
 * known bug (see HOSTILE and the "found bugs" properties); once fixed, drop the filter.
 */
export const objectKey: fc.Arbitrary<string> = fc
  .oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...PROTO_NAMES, '', ' ', '0', '-1', '$ref', 'a.b', 'a[0]'))
  .filter((k) => k !== 'toString' && k !== 'valueOf');

/** JSON values that cannot be turned into a primitive, or that lie about their length. */
export const HOSTILE: readonly unknown[] = [
  { length: { toString: null } },
  { length: { toString: 'x', valueOf: 'y' } },
  { length: { valueOf: null, toString: [] } },
  { toString: null, length: 1 },
  [{ toString: null }],
];
export const hostileValue: fc.Arbitrary<unknown> = fc.constantFrom(...HOSTILE).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** Strings that tend to break parsers, regexes, templates and lookups. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '\ud800',
      '\u202e',
      '-',
      '0',
      '-1',
      '1e309',
      'NaN',
      'null',
      'true',
      '[]',
      '{}',
      '${{ inputs.x }}',
      '${{',
      '}}',
      '%s%n',
      '../../etc/passwd',
      "'; DROP TABLE audit; --",
      '<script>alert(1)</script>',
      'a'.repeat(300),
      '2026-02-30 10:00:00',
      '2026-11-26T10:00:00Z',
      '0001-01-01T00:00:00Z',
      ...PROTO_NAMES,
    ),
  },
);

/** A non-empty path segment that can be URL-encoded (no lone surrogates). */
export const pathSegment: fc.Arbitrary<string> = nastyString.filter((s) => {
  try {
    return encodeURIComponent(s).length > 0;
  } catch {
    return false;
  }
});

/** Any JSON value, with keys that include prototype names and awkward strings. */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    nastyString,
    fc.array(tie('value'), { maxLength: 4 }),
    dict(objectKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A JSON object (a body whose top level is at least the right kind of thing). */
export const jsonObject: fc.Arbitrary<Record<string, unknown>> = dict(objectKey, jsonValue, { maxKeys: 6 });

/** A value of another JSON type than `value` has (a string becomes a number, an object a list, ...). */
export function otherType(value: unknown): fc.Arbitrary<unknown> {
  const all: Array<[string, fc.Arbitrary<unknown>]> = [
    ['null', fc.constant(null)],
    ['boolean', fc.boolean()],
    ['number', fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))],
    ['string', nastyString],
    ['array', fc.array(jsonValue, { maxLength: 3 })],
    ['object', jsonObject],
  ];
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return fc.oneof(...all.filter(([k]) => k !== kind).map(([, a]) => a));
}

/** Every path into a JSON value (objects' keys and arrays' indexes), the root excluded. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push([...prefix, i], ...pathsOf(v, [...prefix, i])));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...pathsOf(v, [...prefix, k]));
  }
  return out;
}

export function getAt(value: unknown, path: Path): unknown {
  let cur = value;
  for (const key of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[key] : undefined;
  return cur;
}

export type Mutation =
  | { kind: 'remove'; path: Path }
  | { kind: 'replace'; path: Path; value: unknown; why: 'retype' | 'null' | 'string' | 'huge' | 'any' }
  | { kind: 'addKey'; path: Path; key: string; value: unknown };

/** `structuredClone` keeps own `__proto__` keys as data (unlike spreading into a literal). */
export function applyMutation<T>(sample: T, m: Mutation): T {
  const body = structuredClone(sample) as unknown;
  if (m.path.length === 0) {
    if (m.kind === 'addKey') Object.defineProperty(body, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    return body as T;
  }
  const parent = getAt(body, m.path.slice(0, -1)) as Record<string | number, unknown> | unknown[];
  // An earlier mutation of a chain may have removed or replaced the parent: nothing to do then.
  if (parent === null || typeof parent !== 'object') return body as T;
  const key = m.path[m.path.length - 1]!;
  if (m.kind === 'remove') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, unknown>)[key];
  } else if (m.kind === 'replace') {
    Object.defineProperty(parent, key, { value: m.value, enumerable: true, writable: true, configurable: true });
  } else {
    const target = (parent as Record<string | number, unknown>)[key];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
  }
  return body as T;
}

/** One field of `sample` removed, retyped, nulled, replaced by an odd or huge string, or an unknown key added. */
export function mutationOf(sample: unknown, options: { hugeUpTo?: number } = {}): fc.Arbitrary<Mutation> {
  const paths = pathsOf(sample);
  const objectPaths: Path[] = [
    [],
    ...paths.filter((p) => {
      const v = getAt(sample, p);
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    }),
  ];
  const path = fc.constantFrom(...paths);
  const huge = options.hugeUpTo ?? 200_000;
  return fc.oneof(
    path.map((p): Mutation => ({ kind: 'remove', path: p })),
    path.chain((p) => otherType(getAt(sample, p)).map((value): Mutation => ({ kind: 'replace', path: p, value, why: 'retype' }))),
    path.map((p): Mutation => ({ kind: 'replace', path: p, value: null, why: 'null' })),
    fc.tuple(path, nastyString).map(([p, value]): Mutation => ({ kind: 'replace', path: p, value, why: 'string' })),
    fc.tuple(path, jsonValue).map(([p, value]): Mutation => ({ kind: 'replace', path: p, value, why: 'any' })),
    // Long runs of [A-Za-z0-9._%+-] are left to the "found bugs" property of webhooks.fuzz.test.ts:
    // the e-mail mask of src/domain/records/redaction.ts is quadratic on them (100 KB: ~5 s).
    fc
      .tuple(path, fc.integer({ min: Math.min(10_000, huge), max: huge }), fc.constantFrom('é', '€', '\u{1F600}', ' ', 'a b ', 'x@y ', '<p>'))
      .map(([p, n, c]): Mutation => ({ kind: 'replace', path: p, value: c.repeat(Math.ceil(n / c.length)), why: 'huge' })),
    fc.tuple(fc.constantFrom(...objectPaths), objectKey, jsonValue).map(([p, key, value]): Mutation => ({ kind: 'addKey', path: p, key, value })),
  );
}

/** Bytes that are mostly not JSON: random bytes, truncated JSON, other encodings. */
export const rawBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s, 'latin1')),
  jsonValue.chain((v) => fc.nat({ max: 200 }).map((cut) => Buffer.from(JSON.stringify(v).slice(0, cut)))),
  jsonValue.map((v) => Buffer.from(JSON.stringify(v), 'utf16le')),
  fc
    .constantFrom('', ' ', 'null', '{', '{"a":', '[1,2', '\ufeff{}', 'undefined', 'NaN', '1e999', '"\\ud800"', '{"__proto__":{"polluted":1}}')
    .map((s) => Buffer.from(s)),
);

// ---------------------------------------------------------------------------------------------
// A Temporal client stand-in for the HTTP properties: hundreds of requests per property, in
// process. Every call that would reach a workflow (start, signal, update, query, describe) is
// counted; nothing exists, so handles answer WorkflowNotFoundError like a server with no runs.

export interface ClientCalls {
  start: number;
  signalWithStart: number;
  signal: number;
  update: number;
  query: number;
  describe: number;
  cancel: number;
}

export interface CountingClient {
  client: Client;
  calls: ClientCalls;
  /** Every start, with its workflow type and options (args, workflow id, task queue). */
  started: Array<{ workflowType: string; options: { workflowId: string; args?: unknown[]; taskQueue?: string } }>;
  /** Calls that start or reach a workflow (describe and queries only read). */
  touched(): number;
  reset(): void;
}

export function countingClient(): CountingClient {
  const calls: ClientCalls = { start: 0, signalWithStart: 0, signal: 0, update: 0, query: 0, describe: 0, cancel: 0 };
  const started: CountingClient['started'] = [];
  const notFound = (id: string) => new WorkflowNotFoundError(`workflow not found: ${id}`, id, undefined);
  const handle = (workflowId: string) => ({
    workflowId,
    signal: async () => {
      calls.signal++;
      throw notFound(workflowId);
    },
    executeUpdate: async () => {
      calls.update++;
      throw notFound(workflowId);
    },
    query: async () => {
      calls.query++;
      throw notFound(workflowId);
    },
    describe: async () => {
      calls.describe++;
      throw notFound(workflowId);
    },
    cancel: async () => {
      calls.cancel++;
      throw notFound(workflowId);
    },
    result: async () => {
      throw notFound(workflowId);
    },
    fetchHistory: async () => {
      throw notFound(workflowId);
    },
  });
  const workflow = {
    start: async (type: unknown, options: { workflowId: string; args?: unknown[]; taskQueue?: string }) => {
      calls.start++;
      started.push({ workflowType: typeof type === 'string' ? type : (type as { name: string }).name, options });
      return { ...handle(options.workflowId), firstExecutionRunId: 'run-1' };
    },
    signalWithStart: async (_type: unknown, options: { workflowId: string }) => {
      calls.signalWithStart++;
      return { ...handle(options.workflowId), signaledRunId: 'run-1' };
    },
    getHandle: (workflowId: string) => handle(workflowId),
    list: () => ({
      async *[Symbol.asyncIterator]() {},
    }),
    count: async () => ({ count: 0, groups: [] }),
  };
  const client = {
    options: { namespace: 'default' },
    workflow,
    connection: { withDeadline: <T>(_deadline: number | Date, fn: () => Promise<T>) => fn() },
  } as unknown as Client;
  return {
    client,
    calls,
    started,
    touched: () => calls.start + calls.signalWithStart + calls.signal + calls.update + calls.cancel,
    reset: () => {
      for (const k of Object.keys(calls) as Array<keyof ClientCalls>) calls[k] = 0;
      started.length = 0;
    },
  };
}

/** fast-check settings for the in-process properties; FUZZ_SCALE=10 multiplies the runs (a longer soak). */
export function runs(n: number): { numRuns: number } {
  const scale = Number(process.env.FUZZ_SCALE ?? '1');
  return { numRuns: Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1))) };
}

/** The HTTP API as the fuzz properties drive it: the demo content, a silent log, signatures required. */
export async function fuzzApi(content: Content, options: Pick<ApiOptions, 'client' | 'store'> & Partial<ApiOptions>): Promise<FastifyInstance> {
  const app = buildApi({
    taskQueue: 'fuzz',
    routing: content.routing,
    logger: createLogger('silent'),
    webhooks: { secrets: {}, allowUnsigned: false },
    trees: content.trees,
    definitions: content.definitions,
    ...options,
  });
  await app.ready();
  return app;
}
