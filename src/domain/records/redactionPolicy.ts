import { z } from 'zod';
import { parseContent } from '../content.js';
import { redactText } from './redaction.js';

// What documents (work notes, knowledge-base drafts, JSON records) may show, as content
// (content/redaction.yaml). Pure: the policy and the value go in, a redacted copy comes out.

/** The keys whose values are replaced whatever they hold (compared ignoring case, `-`, `_` and spaces). */
export const DEFAULT_SECRET_KEYS = ['password', 'temporaryPassword', 'token', 'apiKey', 'secret', 'grant', 'signature'];

function regexProblem(pattern: string): string | null {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'g');
  } catch (e) {
    return `not a valid regular expression: ${(e as Error).message}`;
  }
  // A pattern that matches nothing at all would insert its replacement between every character.
  return re.test('') ? 'the pattern matches the empty string' : null;
}

export const ExtraPattern = z.strictObject({
  /** What the pattern finds, for people reading the policy (e.g. `iban`). */
  name: z.string().min(1),
  /** A JavaScript regular expression, applied globally and case-sensitively. */
  pattern: z
    .string()
    .min(1)
    .superRefine((pattern, ctx) => {
      const problem = regexProblem(pattern);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** What replaces each match; `$1` etc. refer to the pattern's groups. */
  replacement: z.string(),
});
export type ExtraPattern = z.output<typeof ExtraPattern>;

export const RedactionPolicy = z.strictObject({
  maskEmails: z.boolean().default(true),
  maskPhones: z.boolean().default(true),
  secretKeys: z.array(z.string().min(1)).default(() => [...DEFAULT_SECRET_KEYS]),
  extraPatterns: z.array(ExtraPattern).default(() => []),
});
export type RedactionPolicy = z.output<typeof RedactionPolicy>;

/** The policy with every default: e-mails and phone numbers masked, the default secret keys, no extra patterns. */
export const DEFAULT_REDACTION_POLICY: RedactionPolicy = RedactionPolicy.parse({});

/** Parses content/redaction.yaml (or any YAML/JSON text); problems name file, line and field. */
export function parseRedactionPolicy(text: string, file = 'content/redaction.yaml'): RedactionPolicy {
  return parseContent(text, RedactionPolicy, file);
}

interface Compiled {
  secretKeys: Set<string>;
  /** `temporaryPassword=…`, `"apiKey": "…"` in free text, for every secret key; null without keys. */
  assignment: RegExp | null;
  patterns: Array<{ re: RegExp; replacement: string }>;
  options: { maskEmails: boolean; maskPhones: boolean };
}

// Policies are immutable values; compiling once per policy keeps large records fast.
const compiled = new WeakMap<RedactionPolicy, Compiled>();

const normaliseKey = (key: string) => key.toLowerCase().replace(/[-_ ]/g, '');

function compile(policy: RedactionPolicy): Compiled {
  let c = compiled.get(policy);
  if (!c) {
    c = {
      secretKeys: new Set(policy.secretKeys.map(normaliseKey)),
      assignment:
        policy.secretKeys.length > 0
          ? new RegExp(`\\b(${policy.secretKeys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(["']?\\s*[:=]\\s*["']?)[^\\s;,"']+`, 'gi')
          : null,
      patterns: policy.extraPatterns.map((p) => ({ re: new RegExp(p.pattern, 'g'), replacement: p.replacement })),
      options: { maskEmails: policy.maskEmails, maskPhones: policy.maskPhones },
    };
    compiled.set(policy, c);
  }
  return c;
}

function redactString(text: string, c: Compiled): string {
  // The policy's own, specific patterns first: the generic phone mask would otherwise eat the
  // digits of e.g. a spaced IBAN ("DE89 [phone]") before the IBAN pattern could name it.
  let out = text;
  for (const p of c.patterns) out = out.replace(p.re, p.replacement);
  // redactText knows `password: …`; the policy's keys (`temporaryPassword=…`, `"grant": "…"`) too.
  if (c.assignment) out = out.replace(c.assignment, (_m, key: string, sep: string) => `${key}${sep}[secret]`);
  return redactText(out, c.options);
}

function walk(value: unknown, c: Compiled): unknown {
  if (typeof value === 'string') return redactString(value, c);
  if (Array.isArray(value)) return value.map((v) => walk(v, c));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[redactString(key, c)] = c.secretKeys.has(normaliseKey(key)) ? '[secret]' : walk(v, c);
    }
    return out;
  }
  return value;
}

/**
 * A redacted copy of any JSON value: every string (object keys included) loses what the policy's
 * extra patterns find, secret assignments (`password: …`), and e-mail addresses and phone numbers
 * as configured; the value of every key in `secretKeys` becomes `[secret]`, whatever it was
 * (a string, an object such as a grant, a number). Numbers, booleans and null are kept.
 */
export function redactValue(value: unknown, policy: RedactionPolicy): unknown {
  return walk(value, compile(policy));
}
