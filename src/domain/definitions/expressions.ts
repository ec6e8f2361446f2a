// The expression language of workflow definitions (`when:` and `${{ }}` in templates). Hand-written
// tokenizer and recursive-descent parser to an AST, and an evaluator over plain data. No eval, no
// Function, no clock, no randomness: the same expression over the same scope always gives the same
// value, so it is safe inside workflow code.

export const ROOTS = ['inputs', 'constants', 'steps', 'ticket', 'alert', 'run'] as const;
export type Root = (typeof ROOTS)[number];

/** Function name -> [least, most] arguments. */
export const FUNCTIONS = {
  len: [1, 1],
  lower: [1, 1],
  upper: [1, 1],
  contains: [2, 2],
  startsWith: [2, 2],
  join: [2, 2],
  coalesce: [1, Number.POSITIVE_INFINITY],
} as const satisfies Record<string, readonly [number, number]>;
export type FunctionName = keyof typeof FUNCTIONS;

export const MAX_EXPRESSION_LENGTH = 1000;
export const MAX_DEPTH = 32;

/** Names that would reach into an object's prototype; refused wherever a name is read. */
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in';

/** `column` is 1-based, counted in the text the expression came from. */
export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; column: number }
  | { kind: 'array'; items: Expr[]; column: number }
  | { kind: 'root'; name: Root; column: number }
  | { kind: 'member'; object: Expr; name: string; column: number }
  | { kind: 'index'; object: Expr; index: Expr; column: number }
  | { kind: 'unary'; op: '!' | '-'; operand: Expr; column: number }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; column: number }
  | { kind: 'call'; name: FunctionName; args: Expr[]; column: number };

/** A syntax error, with the 1-based column where it was found. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** A value that does not fit an operator or function at run time (e.g. comparing text with a number). */
export class EvaluationError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(`${message} (at column ${column})`);
    this.name = 'EvaluationError';
  }
}

type Token =
  | { type: 'number'; value: number; start: number; end: number }
  | { type: 'string'; value: string; start: number; end: number }
  | { type: 'name'; value: string; start: number; end: number }
  | { type: 'op'; value: string; start: number; end: number }
  | { type: 'close'; value: '}}'; start: number; end: number }
  | { type: 'eof'; value: ''; start: number; end: number };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '-', '(', ')', '[', ']', ',', '.'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"' };
const STEP_ID = /[a-z0-9][a-z0-9-]*/y;
const NAME = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const NUMBER = /\d+(\.\d+)?/y;

function describe(token: Token): string {
  if (token.type === 'eof') return 'end of expression';
  if (token.type === 'string') return 'string';
  return `'${String(token.value)}'`;
}

class Parser {
  private depth = 0;
  private token: Token;

  constructor(
    private readonly text: string,
    private pos: number,
  ) {
    this.token = this.lex();
  }

  private col(index: number): number {
    return index + 1;
  }

  private fail(message: string, index: number): never {
    throw new ExpressionError(`${message} at column ${this.col(index)}`, this.col(index));
  }

  private unexpected(token: Token = this.token): never {
    const hint = token.type === 'op' && token.value === '=' ? ' (compare with ==)' : '';
    this.fail(`unexpected ${describe(token)}${hint}`, token.start);
  }

  /** Reads the token at `pos` (after blanks) and moves `pos` past it. */
  private lex(): Token {
    const { text } = this;
    while (this.pos < text.length && /\s/.test(text[this.pos] as string)) this.pos++;
    const start = this.pos;
    const c = text[start];
    if (c === undefined) return { type: 'eof', value: '', start, end: start };
    if (c === "'" || c === '"') return this.lexString(c, start);
    NUMBER.lastIndex = start;
    const num = NUMBER.exec(text);
    if (num) {
      this.pos = start + num[0].length;
      return { type: 'number', value: Number(num[0]), start, end: this.pos };
    }
    NAME.lastIndex = start;
    const name = NAME.exec(text);
    if (name) {
      this.pos = start + name[0].length;
      return { type: 'name', value: name[0], start, end: this.pos };
    }
    if (text.startsWith('}}', start)) {
      this.pos = start + 2;
      return { type: 'close', value: '}}', start, end: this.pos };
    }
    const op = OPERATORS.find((o) => text.startsWith(o, start));
    if (!op) this.unexpected({ type: 'op', value: c, start, end: start + 1 });
    this.pos = start + op.length;
    return { type: 'op', value: op, start, end: this.pos };
  }

  private lexString(quote: string, start: number): Token {
    let value = '';
    let i = start + 1;
    for (;;) {
      const c = this.text[i];
      if (c === undefined) this.fail('unterminated string starting', start);
      if (c === quote) break;
      if (c === '\\') {
        const escaped = ESCAPES[this.text[i + 1] as string];
        if (escaped === undefined) this.fail('unknown escape in string', i);
        value += escaped;
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    this.pos = i + 1;
    return { type: 'string', value, start, end: this.pos };
  }

  private next(): Token {
    const t = this.token;
    this.token = this.lex();
    return t;
  }

  private isOp(value: string): boolean {
    return this.token.type === 'op' && this.token.value === value;
  }

  private expectOp(value: string): void {
    if (!this.isOp(value)) this.unexpected();
    this.next();
  }

  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) this.fail(`expression nests deeper than ${MAX_DEPTH} levels`, at);
  }

  /** The whole input; `embedded` expressions end at `}}`. Returns the index after the end. */
  parseAll(embedded: { opening: number } | null): { expr: Expr; end: number } {
    const expr = this.expression();
    if (embedded) {
      if (this.token.type === 'eof') this.fail("missing '}}' to close the '${{' opened", embedded.opening);
      if (this.token.type !== 'close') this.unexpected();
    } else if (this.token.type !== 'eof') {
      this.unexpected();
    }
    return { expr, end: this.token.end };
  }

  private expression(): Expr {
    this.enter(this.token.start);
    const expr = this.or();
    this.depth--;
    return expr;
  }

  private binaryLevel(ops: readonly string[], operand: () => Expr): Expr {
    let left = operand();
    while ((this.token.type === 'op' || this.token.type === 'name') && ops.includes(this.token.value)) {
      const op = this.next();
      left = { kind: 'binary', op: op.value as BinaryOp, left, right: operand(), column: this.col(op.start) };
    }
    return left;
  }

  private or(): Expr {
    return this.binaryLevel(['||'], () => this.and());
  }

  private and(): Expr {
    return this.binaryLevel(['&&'], () => this.equality());
  }

  private equality(): Expr {
    return this.binaryLevel(['==', '!='], () => this.comparison());
  }

  private comparison(): Expr {
    return this.binaryLevel(['<', '<=', '>', '>=', 'in'], () => this.unary());
  }

  private unary(): Expr {
    if (this.isOp('!') || this.isOp('-')) {
      const op = this.next();
      this.enter(op.start);
      const operand = this.unary();
      this.depth--;
      return { kind: 'unary', op: op.value as '!' | '-', operand, column: this.col(op.start) };
    }
    return this.postfix(this.primary());
  }

  private postfix(start: Expr): Expr {
    let expr = start;
    for (;;) {
      if (this.isOp('.')) {
        const dot = this.next();
        const afterSteps = expr.kind === 'root' && expr.name === 'steps';
        expr = { kind: 'member', object: expr, name: this.memberName(afterSteps), column: this.col(dot.start) };
      } else if (this.isOp('[')) {
        const open = this.next();
        const index = this.expression();
        if (index.kind === 'literal' && typeof index.value === 'string') this.checkName(index.value, index.column - 1);
        this.expectOp(']');
        expr = { kind: 'index', object: expr, index, column: this.col(open.start) };
      } else {
        return expr;
      }
    }
  }

  private checkName(name: string, index: number): void {
    if (FORBIDDEN_NAMES.has(name)) this.fail(`'${name}' may not be read`, index);
  }

  /**
   * The name after a dot. After `steps.` it is a step id, which may contain dashes
   * (`steps.create-account`), so it is read straight from the text rather than as tokens.
   */
  private memberName(afterSteps: boolean): string {
    const start = this.token.start;
    if (afterSteps && (this.token.type === 'name' || this.token.type === 'number')) {
      STEP_ID.lastIndex = start;
      const id = STEP_ID.exec(this.text);
      if (id) {
        this.pos = start + id[0].length;
        this.token = this.lex();
        this.checkName(id[0], start);
        return id[0];
      }
    }
    if (this.token.type !== 'name') this.unexpected();
    const name = String(this.next().value);
    this.checkName(name, start);
    return name;
  }

  private primary(): Expr {
    const t = this.token;
    const column = this.col(t.start);
    switch (t.type) {
      case 'number':
      case 'string':
        this.next();
        return { kind: 'literal', value: t.value, column };
      case 'name':
        return this.named(t.value, column);
      case 'op':
        if (t.value === '(') {
          this.next();
          const inner = this.expression();
          this.expectOp(')');
          return inner;
        }
        if (t.value === '[') {
          this.next();
          return { kind: 'array', items: this.list(']'), column };
        }
        return this.unexpected();
      default:
        return this.unexpected();
    }
  }

  private named(name: string, column: number): Expr {
    const at = column - 1;
    const isCall = /^\s*\(/.test(this.text.slice(this.token.end));
    if (isCall && Object.hasOwn(FUNCTIONS, name)) {
      this.next();
      this.next();
      const args = this.list(')');
      const [least, most] = FUNCTIONS[name as FunctionName];
      if (args.length < least || args.length > most) {
        const wanted = most === least ? `${least} argument${least === 1 ? '' : 's'}` : `at least ${least} argument`;
        this.fail(`${name}() takes ${wanted} (got ${args.length})`, at);
      }
      return { kind: 'call', name: name as FunctionName, args, column };
    }
    if (isCall) this.fail(`unknown function '${name}' (use ${Object.keys(FUNCTIONS).join(', ')})`, at);
    const value = name === 'true' ? true : name === 'false' ? false : name === 'null' ? null : undefined;
    const isRoot = (ROOTS as readonly string[]).includes(name);
    if (value === undefined && !isRoot) this.fail(`unknown name '${name}' (paths start with ${ROOTS.join(', ')})`, at);
    this.next();
    return isRoot ? { kind: 'root', name: name as Root, column } : { kind: 'literal', value: value as boolean | null, column };
  }

  /** Comma-separated expressions up to `close` (already past the opening bracket). */
  private list(close: string): Expr[] {
    const items: Expr[] = [];
    if (this.isOp(close)) {
      this.next();
      return items;
    }
    for (;;) {
      items.push(this.expression());
      if (this.isOp(close)) {
        this.next();
        return items;
      }
      this.expectOp(',');
    }
  }
}

/** Parses a standalone expression (a `when:`). Throws ExpressionError with the column. */
export function parseExpression(text: string): Expr {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`expression is ${text.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`, MAX_EXPRESSION_LENGTH + 1);
  }
  return new Parser(text, 0).parseAll(null).expr;
}

/**
 * Parses the expression of a `${{ ... }}` that opens at `opening` in `text`; returns it and the
 * index just after its `}}`.
 */
export function parseEmbedded(text: string, opening: number): { expr: Expr; end: number } {
  const parsed = new Parser(text, opening + 3).parseAll({ opening });
  const length = parsed.end - 2 - (opening + 3);
  if (length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`expression is ${length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`, opening + 1);
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export interface StepState {
  status: 'succeeded' | 'failed' | 'skipped';
  result: unknown;
}

/** What expressions can read. */
export interface Scope {
  inputs: Record<string, unknown>;
  constants: Record<string, unknown>;
  steps: Record<string, StepState>;
  ticket: Record<string, unknown> | null;
  alert: Record<string, unknown> | null;
  run: { requester: string | null };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads an own property only; anything missing (or a prototype name) is null. */
function read(container: unknown, key: string | number): unknown {
  if (typeof key === 'string' && FORBIDDEN_NAMES.has(key)) return null;
  if (Array.isArray(container)) {
    return typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < container.length ? (container[key] ?? null) : null;
  }
  if (isObject(container) && typeof key === 'string' && Object.hasOwn(container, key)) return container[key] ?? null;
  return null;
}

/** false, null, 0, '' and [] are false; everything else is true. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && v !== undefined && v !== false && v !== 0 && v !== '';
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return a === b;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'object';
  return typeof v === 'string' ? 'text' : typeof v;
}

function compare(op: '<' | '<=' | '>' | '>=', a: unknown, b: unknown, column: number): boolean {
  if (a === null || b === null) return false;
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) {
    throw new EvaluationError(`cannot compare ${typeName(a)} with ${typeName(b)} using ${op}`, column);
  }
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  return a >= b;
}

function member(needle: unknown, haystack: unknown, column: number): boolean {
  if (haystack === null) return false;
  if (Array.isArray(haystack)) return haystack.some((x) => deepEqual(x, needle));
  if (typeof haystack === 'string' && typeof needle === 'string') return haystack.includes(needle);
  if (isObject(haystack) && typeof needle === 'string') return Object.hasOwn(haystack, needle);
  throw new EvaluationError(`cannot look for ${typeName(needle)} in ${typeName(haystack)}`, column);
}

function call(name: FunctionName, args: unknown[], column: number): unknown {
  const [a, b] = args;
  const wrong = (what: string): never => {
    throw new EvaluationError(`${name}() takes ${what}, not ${args.map(typeName).join(' and ')}`, column);
  };
  switch (name) {
    case 'len':
      if (a === null) return 0;
      if (typeof a === 'string' || Array.isArray(a)) return a.length;
      if (isObject(a)) return Object.keys(a).length;
      return wrong('text, a list or an object');
    case 'lower':
    case 'upper':
      if (a === null) return null;
      if (typeof a !== 'string') return wrong('text');
      return name === 'lower' ? a.toLowerCase() : a.toUpperCase();
    case 'contains':
      return member(b, a, column);
    case 'startsWith':
      if (a === null) return false;
      if (typeof a !== 'string' || typeof b !== 'string') return wrong('two texts');
      return a.startsWith(b);
    case 'join':
      if (a === null) return '';
      if (!Array.isArray(a) || typeof b !== 'string' || !a.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) {
        return wrong('a list of texts, numbers or booleans and a separator text');
      }
      return a.map((x) => (x === null ? '' : String(x))).join(b);
    case 'coalesce':
      return args.find((x) => x !== null) ?? null;
  }
}

export function evaluate(expr: Expr, scope: Scope): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'array':
      return expr.items.map((item) => evaluate(item, scope));
    case 'root':
      return read(scope, expr.name);
    case 'member':
      return read(evaluate(expr.object, scope), expr.name);
    case 'index': {
      const key = evaluate(expr.index, scope);
      return typeof key === 'string' || typeof key === 'number' ? read(evaluate(expr.object, scope), key) : null;
    }
    case 'unary': {
      const v = evaluate(expr.operand, scope);
      if (expr.op === '!') return !truthy(v);
      if (typeof v !== 'number') throw new EvaluationError(`cannot negate ${typeName(v)}`, expr.column);
      return -v;
    }
    case 'binary': {
      const left = evaluate(expr.left, scope);
      if (expr.op === '&&') return truthy(left) && truthy(evaluate(expr.right, scope));
      if (expr.op === '||') return truthy(left) || truthy(evaluate(expr.right, scope));
      const right = evaluate(expr.right, scope);
      if (expr.op === '==') return deepEqual(left, right);
      if (expr.op === '!=') return !deepEqual(left, right);
      if (expr.op === 'in') return member(left, right, expr.column);
      return compare(expr.op, left, right, expr.column);
    }
    case 'call':
      return call(
        expr.name,
        expr.args.map((a) => evaluate(a, scope)),
        expr.column,
      );
  }
}

/** Parses and evaluates a `when:` condition to true or false. */
export function evaluateCondition(text: string, scope: Scope): boolean {
  return truthy(evaluate(parseExpression(text), scope));
}

// ---------------------------------------------------------------------------------------------
// References, for validation

/** A path read by an expression: its root and the names that follow it, as far as they are fixed. */
export interface Reference {
  root: Root;
  names: string[];
  column: number;
}

/** Every path an expression reads (`inputs.x`, `steps.create-account.result.deviceId`, ...). */
export function references(expr: Expr): Reference[] {
  const out: Reference[] = [];
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'literal':
        return;
      case 'root':
        out.push({ root: e.name, names: [], column: e.column });
        return;
      case 'member':
      case 'index': {
        const names: string[] = [];
        let cur: Expr = e;
        while (cur.kind === 'member' || cur.kind === 'index') {
          if (cur.kind === 'member') {
            names.unshift(cur.name);
          } else {
            walk(cur.index);
            if (cur.index.kind === 'literal' && typeof cur.index.value === 'string') names.unshift(cur.index.value);
            // A computed index: only the names before it are known.
            else names.length = 0;
          }
          cur = cur.object;
        }
        if (cur.kind === 'root') out.push({ root: cur.name, names, column: cur.column });
        else walk(cur);
        return;
      }
      case 'array':
        e.items.forEach(walk);
        return;
      case 'unary':
        walk(e.operand);
        return;
      case 'binary':
        walk(e.left);
        walk(e.right);
        return;
      case 'call':
        e.args.forEach(walk);
        return;
    }
  };
  walk(expr);
  return out;
}
