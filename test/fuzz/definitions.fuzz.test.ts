import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSTICS, REMEDIATION_NAMES } from '../../src/domain/endpoints/diagnostics.js';
import { PROJECT_ROOT } from '../../src/config/index.js';
import type { Content } from '../../src/stack/content.js';
import type { ContentIssue } from '../../src/domain/content.js';
import {
  evaluate,
  EvaluationError,
  ExpressionError,
  FUNCTIONS,
  inputProblem,
  parseExpression,
  references,
  renderArgs,
  renderTemplate,
  ROOTS,
  validateDefinition,
  validateInputs,
  type Scope,
  type ValidationContext,
} from '../../src/domain/definitions/index.js';
import { parseDefinition } from '../../src/domain/definitions/files.js';
import { demoContent } from '../helpers/temporal.js';
import {
  applyMutation,
  dict,
  type Path,
  hostileValue,
  jsonObject,
  jsonValue,
  mutationOf,
  nastyString,
  objectKey,
  PROTO_NAMES,
  rec,
  runs,
} from './arbitraries.js';

// Workflow definitions under fuzzing: files (YAML and JSON), the expression language and templates.
// Anything wrong comes back as ContentIssue lists, ExpressionError (syntax) or EvaluationError
// (types at run time); evaluation always ends and never reaches into a prototype.

const FILES = ['incident-network', 'onboarding', 'password-reset'] as const;
const SAMPLES: Record<string, Record<string, unknown>> = Object.fromEntries(
  FILES.map((id) => [id, parse(readFileSync(`${PROJECT_ROOT}/content/definitions/${id}.yaml`, 'utf8'))]),
);

let content: Content;
let ctx: Omit<ValidationContext, 'file'>;
beforeAll(async () => {
  content = await demoContent();
  ctx = {
    policyActions: Object.keys(content.policy.actions),
    trees: Object.keys(content.trees),
    chatChannels: Object.keys(content.notify.channels),
    diagnostics: [...DIAGNOSTICS],
    remediations: [...REMEDIATION_NAMES],
    software: content.software.software.map((s) => s.id),
  };
});

function expectIssues(issues: ContentIssue[], file: string): void {
  for (const i of issues) {
    expect(i.file).toBe(file);
    expect(typeof i.path === 'string' && i.path.length > 0).toBe(true);
    expect(typeof i.message === 'string' && i.message.length > 0).toBe(true);
    if (i.line !== undefined) expect(i.line).toBeGreaterThan(0);
  }
}

// ---- expressions --------------------------------------------------------------------------------

/** Member names: the vocabulary of the scopes below, prototype names, and step ids with dashes. */
const NAMES = ['a', 'b', 'x', 'name', 'groups', 'result', 'status', 'requester', 'deviceId', 'labels', ...PROTO_NAMES] as const;
const STEP_IDS = ['create-account', 'find-device', 'a', '1st', 'constructor'] as const;

const quoted = fc.string({ maxLength: 8 }).map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`);
const numberText = fc
  .tuple(fc.nat({ max: 1_000_000 }), fc.option(fc.nat({ max: 999 }), { nil: undefined }))
  .map(([i, f]) => (f === undefined ? String(i) : `${i}.${f}`));

/** Expression texts from the grammar (mostly well formed), including calls with wrong arities and unknown names. */
const exprText: fc.Arbitrary<string> = fc.letrec<{ expr: string; path: string }>((tie) => ({
  path: fc
    .tuple(
      fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ROOTS) }, { weight: 1, arbitrary: fc.constantFrom('window', 'globalThis', 'this', 'process') }),
      fc.array(
        fc.oneof(
          fc.constantFrom(...NAMES).map((n) => `.${n}`),
          fc.constantFrom(...STEP_IDS).map((n) => `.${n}`),
          fc.constantFrom(...NAMES).map((n) => `['${n}']`),
          fc.nat({ max: 3 }).map((i) => `[${i}]`),
          tie('expr').map((e) => `[${e}]`),
        ),
        { maxLength: 4 },
      ),
    )
    .map(([root, parts]) => root + parts.join('')),
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(numberText, quoted, fc.constantFrom('true', 'false', 'null')),
    tie('path'),
    fc.tuple(fc.constantFrom('!', '-', '!!', '- -'), tie('expr')).map(([op, e]) => `${op}${e}`),
    fc
      .tuple(tie('expr'), fc.constantFrom('||', '&&', '==', '!=', '<', '<=', '>', '>=', 'in', '=', '+', '===', '.'), tie('expr'))
      .map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('expr').map((e) => `(${e})`),
    fc
      .tuple(fc.constantFrom(...Object.keys(FUNCTIONS), 'eval', 'constructor', 'toString', 'require'), fc.array(tie('expr'), { maxLength: 3 }))
      .map(([f, args]) => `${f}(${args.join(', ')})`),
    fc.array(tie('expr'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
  ),
})).expr;

const TOKENS = [
  'inputs',
  'steps',
  '.',
  '[',
  ']',
  '(',
  ')',
  ',',
  "'",
  '"',
  '\\',
  '==',
  '!',
  '&&',
  '||',
  ' ',
  'in',
  '0',
  '1.5',
  'len',
  '}}',
  '${{',
  '__proto__',
  'constructor',
  '\n',
  '-',
  'a-b',
  '$',
  '_',
];
const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((t) => t.join(''));
const anyExpressionText = fc.oneof(
  { weight: 5, arbitrary: exprText },
  { weight: 2, arbitrary: soup },
  { weight: 1, arbitrary: nastyString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `${'('.repeat(40)}1${')'.repeat(40)}`,
      `${'!'.repeat(50)}true`,
      `${'-'.repeat(40)}1`,
      `inputs${'.a'.repeat(400)}`,
      `1${' || 1'.repeat(160)}`,
      'x'.repeat(1001),
    ),
  },
);

/** Data as JSON gives it (own `__proto__` keys included), keyed by the same vocabulary the expressions use. */
const data: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    jsonValue,
    fc.array(tie('v'), { maxLength: 3 }),
    dict(fc.oneof(fc.constantFrom(...NAMES, ...STEP_IDS), objectKey), tie('v'), { maxKeys: 5 }),
  ),
})).v;
const record = dict(fc.oneof(fc.constantFrom(...NAMES, ...STEP_IDS), objectKey), data, { maxKeys: 5 });

const scope: fc.Arbitrary<Scope> = fc
  .record({
    inputs: record,
    constants: record,
    steps: dict(fc.constantFrom(...STEP_IDS, ...NAMES), rec({ status: fc.constantFrom('succeeded', 'failed', 'skipped'), result: data }), { maxKeys: 4 }),
    ticket: fc.option(record, { nil: null }),
    alert: fc.option(record, { nil: null }),
    run: rec({ requester: fc.option(nastyString, { nil: null }) }),
  })
  // Through JSON, as scopes arrive in a workflow: `__proto__` keys become own data properties.
  .map((s) => JSON.parse(JSON.stringify(s)) as Scope);

/** A value an expression may produce: plain data all the way down, never a function or a prototype. */
function expectPlainData(value: unknown, seen = new Set<unknown>()): void {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return;
  expect(typeof value, 'an expression produced a non-data value').toBe('object');
  expect([Object.prototype, Array.prototype, Function.prototype]).not.toContain(value);
  const proto = Object.getPrototypeOf(value);
  expect(proto === Object.prototype || proto === Array.prototype || proto === null).toBe(true);
  if (seen.has(value)) return;
  seen.add(value);
  for (const v of Object.values(value as object)) expectPlainData(v, seen);
}

const only =
  (...kinds: Array<new (...args: never[]) => Error>) =>
  (e: unknown) => {
    if (!kinds.some((k) => e instanceof k)) throw e;
  };

describe('expressions', () => {
  it('parseExpression throws only ExpressionError, with a column inside the text', () => {
    let parsed = 0;
    fc.assert(
      fc.property(anyExpressionText, (text) => {
        try {
          const expr = parseExpression(text);
          parsed++;
          for (const ref of references(expr)) expect((ROOTS as readonly string[]).includes(ref.root)).toBe(true);
        } catch (e) {
          only(ExpressionError)(e);
          const column = (e as ExpressionError).column;
          expect(column).toBeGreaterThanOrEqual(1);
          expect(column).toBeLessThanOrEqual(Math.max(text.length, 1000) + 1);
        }
      }),
      runs(3000),
    );
    expect(parsed, 'the grammar generator produced no parseable expression').toBeGreaterThan(300);
  });

  it('evaluating any parsed expression on any scope ends, throws only EvaluationError and yields plain data', () => {
    const parsedExpr = anyExpressionText
      .map((t) => {
        try {
          return parseExpression(t);
        } catch {
          return null;
        }
      })
      .filter((e) => e !== null);
    let values = 0;
    fc.assert(
      fc.property(parsedExpr, scope, (expr, s) => {
        const frozen = JSON.stringify(s);
        try {
          expectPlainData(evaluate(expr!, s));
          values++;
        } catch (e) {
          only(EvaluationError)(e);
        }
        expect(JSON.stringify(s), 'evaluation changed the scope').toBe(frozen);
      }),
      runs(3000),
    );
    expect(values).toBeGreaterThan(300);
  });

  it('prototype names never reach a prototype, whatever the scope holds under those names', () => {
    const protoPath = fc
      .tuple(
        fc.constantFrom(...ROOTS),
        fc.array(
          fc.oneof(
            fc.constantFrom(...PROTO_NAMES, 'a').map((n) => ({ member: n })),
            fc.constantFrom(...PROTO_NAMES, 'a').map((n) => ({ index: `'${n}'` })),
            fc.constantFrom('lower', 'upper').chain((f) => fc.constantFrom(...PROTO_NAMES).map((n) => ({ index: `${f}('${n}')` }))),
          ),
          { minLength: 1, maxLength: 3 },
        ),
      )
      .map(([root, parts]) => root + parts.map((p) => ('member' in p ? `.${p.member}` : `[${p.index}]`)).join(''));
    fc.assert(
      fc.property(protoPath, scope, (text, s) => {
        let expr: ReturnType<typeof parseExpression>;
        try {
          expr = parseExpression(text);
        } catch (e) {
          only(ExpressionError)(e);
          expect((e as Error).message).toMatch(/may not be read|unexpected|unknown/);
          return;
        }
        let value: unknown;
        try {
          value = evaluate(expr, s);
        } catch (e) {
          only(EvaluationError)(e);
          return;
        }
        expectPlainData(value);
        expect(typeof value).not.toBe('function');
      }),
      runs(1500),
    );
  });

  it('templates render or throw ExpressionError / EvaluationError, and yield plain data', () => {
    const template = fc
      .array(
        fc.oneof(
          nastyString,
          anyExpressionText.map((e) => `\${{ ${e} }}`),
          fc.constantFrom('${{', '}}', '${{ inputs.a }', '$${{ 1 }}'),
        ),
        { maxLength: 4 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(template, scope, (text, s) => {
        try {
          expectPlainData(renderTemplate(text, s));
        } catch (e) {
          only(ExpressionError, EvaluationError)(e);
        }
      }),
      runs(1500),
    );
    fc.assert(
      fc.property(dict(objectKey, fc.oneof(template, jsonValue, fc.array(template, { maxLength: 3 })), { maxKeys: 4 }), scope, (args, s) => {
        try {
          expectPlainData(renderArgs(args, s));
        } catch (e) {
          only(ExpressionError, EvaluationError)(e);
        }
      }),
      runs(500),
    );
  });
});

// ---- definition files -----------------------------------------------------------------------------

/** A shipped definition with up to three fields mutated; expressions and templates get random ones too. */
const mutatedDefinition = fc.constantFrom(...FILES).chain((id) => {
  const sample = SAMPLES[id]!;
  const exprMutation = fc
    .tuple(
      fc.constantFrom(...collectStrings(sample).filter(({ value }) => value.includes('${{') || value.includes('==') || value.includes('null'))),
      anyExpressionText,
    )
    .map(([{ path, value }, expr]) => ({ kind: 'replace' as const, path, value: value.includes('${{') ? `\${{ ${expr} }}` : expr, why: 'any' as const }));
  return fc
    .array(fc.oneof({ weight: 3, arbitrary: mutationOf(sample, { hugeUpTo: 20_000 }) }, { weight: 2, arbitrary: exprMutation }), { minLength: 1, maxLength: 3 })
    .map((ms) => ({ id, body: ms.reduce((acc, m) => applyMutation(acc, m), sample) }));
});

function collectStrings(value: unknown, path: Array<string | number> = []): Array<{ path: Array<string | number>; value: string }> {
  if (typeof value === 'string') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => collectStrings(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => collectStrings(v, [...path, k]));
  return [];
}

describe('definition files', () => {
  it('parseDefinition never throws: a definition and no issues, or no definition and issues with file, path and line', () => {
    const text = fc.oneof(
      {
        weight: 6,
        arbitrary: mutatedDefinition.chain(({ id, body }) =>
          fc.constantFrom('yaml', 'json').map((format) => ({ id, format, text: format === 'yaml' ? stringify(body) : JSON.stringify(body, null, 2) })),
        ),
      },
      { weight: 1, arbitrary: jsonValue.map((v) => ({ id: 'random', format: 'yaml', text: stringify(v) })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 300 }).map((t) => ({ id: 'random', format: 'yaml', text: t })) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(...FILES)
          .chain((id) =>
            fc
              .nat({ max: 4000 })
              .map((cut) => ({ id, format: 'yaml', text: readFileSync(`${PROJECT_ROOT}/content/definitions/${id}.yaml`, 'utf8').slice(0, cut) })),
          ),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(
            'id: a\ntitle: *nope\n',
            'a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
          )
          .map((t) => ({ id: 'alias', format: 'yaml', text: t })),
      },
    );
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(text, ({ id, format, text: t }) => {
        const file = `content/definitions/${id}.${format}`;
        const result = parseDefinition(t, { ...ctx, file });
        if (result.definition === null) {
          invalid++;
          expect(result.issues.length).toBeGreaterThan(0);
          expectIssues(result.issues, file);
        } else {
          valid++;
          expect(result.issues).toEqual([]);
          expect(validateDefinition(result.definition, { ...ctx, file })).toEqual([]);
        }
      }),
      runs(700),
    );
    expect(valid).toBeGreaterThan(0);
    expect(invalid).toBeGreaterThan(0);
  });

  it('validateDefinition never throws on any value, and names the path of every issue', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          jsonValue,
          jsonObject,
          mutatedDefinition.map((d) => d.body),
        ),
        (value) => {
          expectIssues(validateDefinition(value, { ...ctx, file: 'content/definitions/x.yaml' }), 'content/definitions/x.yaml');
        },
      ),
      runs(700),
    );
  });

  it('validateInputs never throws; what it accepts fits every declared input, and nothing else is let in', () => {
    const inputs = fc.constantFrom(...FILES).chain((id) => {
      const def = content.definitions[id]!;
      const names = Object.keys(def.inputs);
      const value = fc.oneof(
        jsonValue,
        fc.constantFrom('LT-0042', 'jdoe', 'desktop-support', 'lower case', ''),
        fc.array(fc.constantFrom('staff', 'x')),
        fc.integer(),
      );
      return fc.tuple(
        fc.constant(id),
        fc.oneof({ weight: 4, arbitrary: dict(fc.oneof(fc.constantFrom(...names), objectKey), value, { maxKeys: 5 }) }, { weight: 1, arbitrary: jsonValue }),
      );
    });
    let accepted = 0;
    fc.assert(
      fc.property(inputs, ([id, raw]) => {
        const def = content.definitions[id]!;
        const result = validateInputs(def, raw);
        if (!result.ok) {
          expect(result.issues.length).toBeGreaterThan(0);
          for (const issue of result.issues) expect(issue.path).toMatch(/^inputs(\.|$)/);
          return;
        }
        accepted++;
        for (const [name, value] of Object.entries(result.values)) {
          expect(Object.hasOwn(def.inputs, name)).toBe(true);
          expect(inputProblem(def.inputs[name]!, value)).toBeNull();
        }
        for (const [name, spec] of Object.entries(def.inputs)) {
          if (spec.required !== false && spec.default === undefined) expect(Object.hasOwn(result.values, name)).toBe(true);
        }
      }),
      runs(1500),
    );
    expect(accepted).toBeGreaterThan(0);
  });
});

// Found by fuzzing: zod's length checks threw on a value whose `length` cannot be turned into a
// primitive, so validateDefinition threw a TypeError and parseDefinition reported it at `(file)`
// with no field.
describe('bugs fuzzing found (fixed; kept as regression tests)', () => {
  it('a definition field holding a value that cannot be turned into a primitive is an issue naming that field', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FILES),
        fc.constantFrom<Path>(['title'], ['steps'], ['steps', 0, 'id'], ['steps', 0, 'when'], ['steps', 0, 'activity'], ['inputs', 'x']),
        hostileValue,
        (id, path, value) => {
          const body = applyMutation(SAMPLES[id]!, { kind: 'replace', path, value, why: 'any' });
          const file = `content/definitions/${id}.yaml`;
          let issues: ContentIssue[] = [];
          expect(() => (issues = validateDefinition(body, { ...ctx, file }))).not.toThrow();
          expect(issues.length).toBeGreaterThan(0);
          const parsed = parseDefinition(stringify(body), { ...ctx, file });
          expect(parsed.definition).toBeNull();
          expect(parsed.issues.map((i) => i.path)).not.toContain('(file)');
        },
      ),
      { numRuns: 40 },
    );
  });
});
