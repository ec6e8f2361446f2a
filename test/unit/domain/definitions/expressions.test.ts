import { describe, expect, it } from 'vitest';
import {
  evaluate,
  evaluateCondition,
  EvaluationError,
  ExpressionError,
  MAX_DEPTH,
  parseExpression,
  references,
  type Scope,
} from '../../../../src/domain/definitions/expressions.js';
import { isTemplate, parseTemplate, ref, renderArgs, renderTemplate } from '../../../../src/domain/definitions/templates.js';

const scope: Scope = {
  inputs: { role: 'engineer', employeeId: 'maria.lopez', quota: 50, laptop: true, extra: ['vpn', 'wiki'], none: null, empty: '' },
  constants: { groupsByRole: { engineer: ['staff', 'engineering'], sales: ['staff', 'sales'] }, limits: { disk: 90 } },
  steps: {
    'create-account': { status: 'succeeded', result: { created: true } },
    'assign-laptop': { status: 'succeeded', result: { assetId: 'A-1', deviceId: 'LT-0201', tags: ['x', 'y'] } },
    'check-1': { status: 'skipped', result: null },
  },
  ticket: { key: 'ITSM-7', priority: 2 },
  alert: null,
  run: { requester: 'dana.admin' },
};

const ev = (text: string, s: Scope = scope) => evaluate(parseExpression(text), s);
const syntaxError = (text: string): string => {
  try {
    parseExpression(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionError);
    return (e as Error).message;
  }
  throw new Error(`"${text}" parsed`);
};

describe('expression grammar', () => {
  it('reads literals: strings in either quote with escapes, numbers, booleans, null and lists', () => {
    expect(ev("'it\\'s'")).toBe("it's");
    expect(ev('"a\\"b\\\\c\\n\\t"')).toBe('a"b\\c\n\t');
    expect(ev('42')).toBe(42);
    expect(ev('3.25')).toBe(3.25);
    expect(ev('-7')).toBe(-7);
    expect(ev('true')).toBe(true);
    expect(ev('false')).toBe(false);
    expect(ev('null')).toBeNull();
    expect(ev("[1, 'a', [true], []]")).toEqual([1, 'a', [true], []]);
  });

  it('reads paths through inputs, constants, steps (ids with dashes), ticket, alert and run', () => {
    expect(ev('inputs.role')).toBe('engineer');
    expect(ev('constants.groupsByRole[inputs.role]')).toEqual(['staff', 'engineering']);
    expect(ev("constants.groupsByRole['sales'][1]")).toBe('sales');
    expect(ev('steps.assign-laptop.result.deviceId')).toBe('LT-0201');
    expect(ev('steps . assign-laptop . status')).toBe('succeeded');
    expect(ev('steps.check-1.status')).toBe('skipped');
    expect(ev('ticket.key')).toBe('ITSM-7');
    expect(ev('run.requester')).toBe('dana.admin');
    expect(ev('steps.assign-laptop.result.tags[1]')).toBe('y');
    expect(ev('inputs')).toBe(scope.inputs);
  });

  it('gives null for anything missing, never an error', () => {
    expect(ev('inputs.nothing')).toBeNull();
    expect(ev('inputs.nothing.deeper[3]')).toBeNull();
    expect(ev('alert.labels.instance')).toBeNull();
    expect(ev('steps.later.result')).toBeNull();
    expect(ev('inputs.extra[5]')).toBeNull();
    expect(ev('inputs.extra[-1]')).toBeNull();
    expect(ev('inputs.extra[0.5]')).toBeNull();
    expect(ev("inputs.extra['0']")).toBeNull();
    expect(ev('inputs.role.length')).toBeNull();
    expect(ev('inputs[true]')).toBeNull();
    expect(ev('inputs.none')).toBeNull();
    expect(evaluate(parseExpression('inputs.x'), { ...scope, inputs: { x: undefined } })).toBeNull();
    expect(evaluate(parseExpression('inputs.x[0]'), { ...scope, inputs: { x: [undefined] } })).toBeNull();
  });

  it('reads only own properties: prototype names are refused when parsing and null when computed', () => {
    expect(syntaxError('inputs.__proto__')).toBe("'__proto__' may not be read at column 8");
    expect(syntaxError('inputs.constructor')).toBe("'constructor' may not be read at column 8");
    expect(syntaxError("ticket['prototype']")).toBe("'prototype' may not be read at column 8");
    expect(syntaxError('steps.constructor.result')).toBe("'constructor' may not be read at column 7");
    expect(ev('inputs.toString')).toBeNull();
    expect(ev('inputs.hasOwnProperty')).toBeNull();
    const sneaky: Scope = { ...scope, inputs: { key: '__proto__', list: [] } };
    expect(evaluate(parseExpression('inputs[inputs.key]'), sneaky)).toBeNull();
    expect(evaluate(parseExpression('inputs.list[inputs.key]'), sneaky)).toBeNull();
    const own = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(evaluate(parseExpression('inputs[inputs.k]'), { ...scope, inputs: { ...own, k: '__proto__' } })).toBeNull();
  });

  it('compares and combines with the usual precedence: ! and - bind tightest, then comparisons, ==, &&, ||', () => {
    expect(ev('1 < 2 == true')).toBe(true);
    expect(ev('true || false && false')).toBe(true);
    expect(ev('(true || false) && false')).toBe(false);
    expect(ev('!false && !true')).toBe(false);
    expect(ev('!(1 > 2)')).toBe(true);
    expect(ev('- 3 < -2')).toBe(true);
    expect(ev('--3')).toBe(3);
    expect(ev("'a' in ['a'] == true")).toBe(true);
    expect(ev('1 <= 1 && 2 >= 3 || 4 > 3')).toBe(true);
    expect(ev("'abc' < 'abd'")).toBe(true);
    expect(ev('inputs.quota != 50')).toBe(false);
  });

  it('compares lists and objects by value', () => {
    expect(ev("constants.groupsByRole.engineer == ['staff', 'engineering']")).toBe(true);
    expect(ev("constants.groupsByRole.engineer == ['staff']")).toBe(false);
    expect(ev('constants.limits == constants.limits')).toBe(true);
    expect(ev('constants.limits == constants.groupsByRole')).toBe(false);
    expect(ev('[1, [2]] in [[1, [2]], 3]')).toBe(true);
    expect(ev('null == inputs.nothing')).toBe(true);
    expect(ev("1 == '1'")).toBe(false);
  });

  it('treats false, null, 0, empty text and empty lists as false in conditions', () => {
    for (const falsy of ['false', 'null', '0', "''", '[]', 'inputs.missing']) expect(evaluateCondition(falsy, scope), falsy).toBe(false);
    for (const t of ['true', '1', "'x'", '[0]', 'constants.limits', 'inputs.laptop']) expect(evaluateCondition(t, scope), t).toBe(true);
    expect(ev('inputs.laptop && inputs.quota')).toBe(true);
    expect(ev('inputs.empty || inputs.none')).toBe(false);
  });

  it('short-circuits && and ||, so a guard protects what follows it', () => {
    expect(ev("ticket == null && 1 < 'x'")).toBe(false);
    expect(ev("ticket != null || 1 < 'x'")).toBe(true);
  });

  it('looks things up with in: lists, text, object keys, and nothing in null', () => {
    expect(ev('inputs.role in ["engineer", "sales"]')).toBe(true);
    expect(ev("'gin' in inputs.role")).toBe(true);
    expect(ev("'engineer' in constants.groupsByRole")).toBe(true);
    expect(ev("'toString' in constants.groupsByRole")).toBe(false);
    expect(ev("'x' in alert")).toBe(false);
    expect(() => ev('1 in inputs.role')).toThrow(new EvaluationError('cannot look for number in text', 3));
  });

  it('has len, lower, upper, contains, startsWith, join and coalesce', () => {
    expect(ev('len(inputs.extra)')).toBe(2);
    expect(ev('len(inputs.role)')).toBe(8);
    expect(ev('len(constants.groupsByRole)')).toBe(2);
    expect(ev('len(inputs.missing)')).toBe(0);
    expect(ev("lower('MiXed')")).toBe('mixed');
    expect(ev("upper('MiXed')")).toBe('MIXED');
    expect(ev('upper(null)')).toBeNull();
    expect(ev("contains(inputs.extra, 'vpn')")).toBe(true);
    expect(ev("contains(inputs.role, 'sales')")).toBe(false);
    expect(ev("startsWith(inputs.employeeId, 'maria.')")).toBe(true);
    expect(ev("startsWith(null, 'x')")).toBe(false);
    expect(ev("join(inputs.extra, ', ')")).toBe('vpn, wiki');
    expect(ev("join([1, true, null, 'x'], '-')")).toBe('1-true--x');
    expect(ev("join(null, ',')")).toBe('');
    expect(ev("coalesce(inputs.nothing, alert, 'fallback', 'later')")).toBe('fallback');
    expect(ev('coalesce(null, null)')).toBeNull();
  });

  it('reports values that do not fit with the column of the operator or function', () => {
    expect(() => ev("inputs.quota < 'x'")).toThrow('cannot compare number with text using < (at column 14)');
    expect(() => ev('[1] >= 2')).toThrow('cannot compare list with number using >=');
    expect(ev('inputs.none > 3')).toBe(false);
    expect(ev('3 <= inputs.none')).toBe(false);
    expect(() => ev("-'x'")).toThrow(new EvaluationError('cannot negate text', 1));
    expect(() => ev('len(true)')).toThrow('len() takes text, a list or an object, not boolean (at column 1)');
    expect(() => ev('lower(3)')).toThrow('lower() takes text, not number');
    expect(() => ev("startsWith(1, 'a')")).toThrow('startsWith() takes two texts, not number and text');
    expect(() => ev("startsWith('a', inputs.none)")).toThrow('startsWith() takes two texts, not text and null');
    expect(() => ev("join(constants.limits, ',')")).toThrow('join() takes a list of texts');
    expect(() => ev('join([], 1)')).toThrow('join() takes a list of texts, numbers or booleans and a separator text, not list and number');
    expect(() => ev("join([constants.limits], ',')")).toThrow('join() takes');
    expect(() => ev('contains(constants, 1)')).toThrow('cannot look for number in object');
  });

  it('points syntax errors at their column', () => {
    expect(syntaxError("inputs.role == 'x')")).toBe("unexpected ')' at column 19");
    expect(syntaxError('len(inputs.extra))')).toBe("unexpected ')' at column 18");
    expect(syntaxError('(1 == 2')).toBe('unexpected end of expression at column 8');
    expect(syntaxError('')).toBe('unexpected end of expression at column 1');
    expect(syntaxError('inputs.role = 1')).toBe("unexpected '=' (compare with ==) at column 13");
    expect(syntaxError('a & b')).toBe("unknown name 'a' (paths start with inputs, constants, steps, ticket, alert, run) at column 1");
    expect(syntaxError('inputs.x & 1')).toBe("unexpected '&' at column 10");
    expect(syntaxError('inputs.x #')).toBe("unexpected '#' at column 10");
    expect(syntaxError("'open")).toBe('unterminated string starting at column 1');
    expect(syntaxError("'bad \\q'")).toBe('unknown escape in string at column 6');
    expect(syntaxError('now()')).toBe("unknown function 'now' (use len, lower, upper, contains, startsWith, join, coalesce) at column 1");
    expect(syntaxError('len(1, 2)')).toBe('len() takes 1 argument (got 2) at column 1');
    expect(syntaxError("contains('a')")).toBe('contains() takes 2 arguments (got 1) at column 1');
    expect(syntaxError('coalesce()')).toBe('coalesce() takes at least 1 argument (got 0) at column 1');
    expect(syntaxError('inputs.')).toBe('unexpected end of expression at column 8');
    expect(syntaxError('inputs.1')).toBe("unexpected '1' at column 8");
    expect(syntaxError('steps.Upper-case')).toBe("unexpected '-' at column 12");
    expect(syntaxError('[1, 2')).toBe('unexpected end of expression at column 6');
    expect(syntaxError('inputs.x }}')).toBe("unexpected '}}' at column 10");
    expect(syntaxError('1 2')).toBe("unexpected '2' at column 3");
    expect(syntaxError("'a' 'b'")).toBe('unexpected string at column 5');
    expect(syntaxError('inputs(1)')).toBe("unknown function 'inputs' (use len, lower, upper, contains, startsWith, join, coalesce) at column 1");
    expect(syntaxError('len')).toBe("unknown name 'len' (paths start with inputs, constants, steps, ticket, alert, run) at column 1");
    expect(syntaxError('in')).toBe("unknown name 'in' (paths start with inputs, constants, steps, ticket, alert, run) at column 1");
    expect(syntaxError('inputs[')).toBe('unexpected end of expression at column 8');
    expect(syntaxError(']')).toBe("unexpected ']' at column 1");
  });

  it('reads a step id with dashes after steps. only', () => {
    expect(ev('steps.assign-laptop.status')).toBe('succeeded');
    expect(syntaxError('inputs.quota-1')).toBe("unexpected '-' at column 13");
    expect(ev('inputs.in')).toBeNull();
    expect(references(parseExpression('steps.1st-step.result'))).toEqual([{ root: 'steps', names: ['1st-step', 'result'], column: 1 }]);
    expect(references(parseExpression('steps.Capital'))).toEqual([{ root: 'steps', names: ['Capital'], column: 1 }]);
  });

  it('limits the length to 1,000 characters and the nesting to 32 levels', () => {
    const long = `inputs.role == '${'x'.repeat(990)}'`;
    expect(long.length).toBeGreaterThan(1000);
    expect(syntaxError(long)).toBe(`expression is ${long.length} characters long; the limit is 1000`);
    expect(() => parseExpression(`'${'x'.repeat(998)}'`)).not.toThrow();
    expect(() => parseExpression(`${'('.repeat(MAX_DEPTH - 1)}1${')'.repeat(MAX_DEPTH - 1)}`)).not.toThrow();
    expect(syntaxError(`${'('.repeat(MAX_DEPTH)}1${')'.repeat(MAX_DEPTH)}`)).toBe('expression nests deeper than 32 levels at column 33');
    expect(syntaxError(`${'!'.repeat(40)}true`)).toBe('expression nests deeper than 32 levels at column 32');
    expect(syntaxError(`${'['.repeat(40)}${']'.repeat(40)}`)).toMatch(/^expression nests deeper than 32 levels/);
    expect(syntaxError(`len(${'len('.repeat(40)}1${')'.repeat(41)}`)).toMatch(/^expression nests deeper than 32 levels/);
  });

  it('is deterministic and never runs code: the same text and scope give the same value', () => {
    const text = "inputs.role in ['engineer'] && len(steps.assign-laptop.result.tags) == 2 && coalesce(alert, ticket).key == 'ITSM-7'";
    const results = Array.from({ length: 5 }, () => ev(text));
    expect(new Set(results)).toEqual(new Set([true]));
    expect(syntaxError('process.exit(1)')).toMatch(/^unknown name 'process'/);
    expect(syntaxError("constructor('return 1')()")).toMatch(/^unknown function 'constructor'/);
    expect(syntaxError('this')).toMatch(/^unknown name 'this'/);
  });
});

describe('references (what validation checks)', () => {
  it('lists each path with its fixed names, also inside indexes, calls, lists and operators', () => {
    const refs = references(parseExpression('len(constants.groupsByRole[inputs.role]) > 0 && !steps.a-b.result.x[0] && [run.requester, -ticket.n] != null'));
    expect(refs).toEqual([
      { root: 'inputs', names: ['role'], column: 28 },
      { root: 'constants', names: ['groupsByRole'], column: 5 },
      { root: 'steps', names: ['a-b', 'result', 'x'], column: 50 },
      { root: 'run', names: ['requester'], column: 76 },
      { root: 'ticket', names: ['n'], column: 92 },
    ]);
    expect(references(parseExpression("steps['a-b'].status"))).toEqual([{ root: 'steps', names: ['a-b', 'status'], column: 1 }]);
    expect(references(parseExpression('inputs'))).toEqual([{ root: 'inputs', names: [], column: 1 }]);
    expect(references(parseExpression('[1][0].x'))).toEqual([]);
    expect(references(parseExpression("coalesce(alert, 'x')"))).toEqual([{ root: 'alert', names: [], column: 10 }]);
  });
});

describe('templates', () => {
  it('render a string that is exactly one ${{ }} to the raw value, of any type', () => {
    expect(renderTemplate('${{ constants.groupsByRole[inputs.role] }}', scope)).toEqual(['staff', 'engineering']);
    expect(renderTemplate('${{inputs.quota}}', scope)).toBe(50);
    expect(renderTemplate('${{ inputs.missing }}', scope)).toBeNull();
    expect(renderTemplate('${{ inputs.laptop }}', scope)).toBe(true);
  });

  it('render text around ${{ }} to text: null as empty, lists and objects as JSON', () => {
    expect(renderTemplate('Hello ${{ inputs.employeeId }}!', scope)).toBe('Hello maria.lopez!');
    expect(renderTemplate('${{ inputs.quota }} GB', scope)).toBe('50 GB');
    expect(renderTemplate('[${{ inputs.missing }}]', scope)).toBe('[]');
    expect(renderTemplate('${{ inputs.extra }} and ${{ constants.limits }}', scope)).toBe('["vpn","wiki"] and {"disk":90}');
    expect(renderTemplate(' ${{ inputs.laptop }}', scope)).toBe(' true');
    expect(renderTemplate('a ${{ "}}" }} b', scope)).toBe('a }} b');
    expect(renderTemplate('no template', scope)).toBe('no template');
    expect(renderTemplate('', scope)).toBe('');
  });

  it('render arguments recursively through objects and lists, leaving other values as they are', () => {
    const args = {
      userId: '${{ inputs.employeeId }}',
      groups: '${{ constants.groupsByRole[inputs.role] }}',
      software: { id: 'vscode', version: '1.95.3', on: '${{ steps.assign-laptop.result.deviceId }}' },
      list: ['${{ inputs.quota }}', 'plain', 3, null, false],
    };
    expect(renderArgs(args, scope)).toEqual({
      userId: 'maria.lopez',
      groups: ['staff', 'engineering'],
      software: { id: 'vscode', version: '1.95.3', on: 'LT-0201' },
      list: [50, 'plain', 3, null, false],
    });
    expect(args.userId).toBe('${{ inputs.employeeId }}');
  });

  it('report syntax errors with the column in the whole string', () => {
    expect(() => parseTemplate('Hi ${{ inputs.x == }}')).toThrow("unexpected '}}' at column 20");
    expect(() => parseTemplate('Hi ${{ inputs.x')).toThrow("missing '}}' to close the '${{' opened at column 4");
    expect(() => parseTemplate('${{ }}')).toThrow("unexpected '}}' at column 5");
    expect(() => parseTemplate('${{ 1 ) }}')).toThrow("unexpected ')' at column 7");
    expect(() => parseTemplate(`\${{ '${'x'.repeat(1000)}' }}`)).toThrow('expression is 1004 characters long; the limit is 1000');
  });

  it('tell templates from plain strings, and ref() writes one', () => {
    expect(isTemplate('${{ x }}')).toBe(true);
    expect(isTemplate('plain {{ x }}')).toBe(false);
    expect(isTemplate(3)).toBe(false);
    expect(ref('inputs.employeeId')).toBe('${{ inputs.employeeId }}');
    expect(parseTemplate('a${{ 1 }}b${{ 2 }}')).toEqual([
      'a',
      { expr: { kind: 'literal', value: 1, column: 6 }, column: 2 },
      'b',
      { expr: { kind: 'literal', value: 2, column: 15 }, column: 11 },
    ]);
  });
});
