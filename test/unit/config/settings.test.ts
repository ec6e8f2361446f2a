import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../../src/domain/errors.js';
import { commaList, defineSettings, duration, durationMs, group, setting, shortDuration } from '../../../src/config/settings.js';

const number = z.coerce.number().int('a whole number');
const toggle = z.string().transform((v, ctx) => {
  if (v === 'on' || v === 'off') return v === 'on';
  ctx.addIssue({ code: 'custom', message: 'on or off' });
  return z.NEVER;
});

describe('defineSettings', () => {
  const slice = defineSettings('Example', {
    name: setting('EX_NAME', z.string().min(1).default('demo'), 'the name'),
    server: {
      host: setting('EX_HOST', z.string().default('127.0.0.1'), 'the host'),
      port: setting('EX_PORT', number.default(80), 'the port'),
    },
    retention: setting('EX_RETENTION', duration('30d').prefault('30d'), 'how long'),
    tags: setting('EX_TAGS', commaList.optional(), 'tags', { shownDefault: 'none' }),
  });

  it('gives the declared shape, with its defaults', () => {
    expect(slice.fromEnv({})).toEqual({ name: 'demo', server: { host: '127.0.0.1', port: 80 }, retention: 30 * 86_400_000 });
    expect(slice.fromEnv({ EX_NAME: 'x', EX_PORT: '8080', EX_RETENTION: '2h', EX_TAGS: ' a, ,b ' })).toEqual({
      name: 'x',
      server: { host: '127.0.0.1', port: 8080 },
      retention: 7_200_000,
      tags: ['a', 'b'],
    });
  });

  it('lists its variables and their docs in the order they are declared', () => {
    expect(slice.variables).toEqual(['EX_NAME', 'EX_HOST', 'EX_PORT', 'EX_RETENTION', 'EX_TAGS']);
    expect(slice.docs).toEqual([
      { env: 'EX_NAME', default: '`demo`', description: 'the name', schemaDefault: 'demo' },
      { env: 'EX_HOST', default: '`127.0.0.1`', description: 'the host', schemaDefault: '127.0.0.1' },
      { env: 'EX_PORT', default: '`80`', description: 'the port', schemaDefault: '80' },
      { env: 'EX_RETENTION', default: '`30d`', description: 'how long', schemaDefault: '30d' },
      { env: 'EX_TAGS', default: 'none', description: 'tags' },
    ]);
  });

  it('names every bad variable at once, in declaration order; an empty variable is a value unless told otherwise', () => {
    const { value, issues } = slice.read({ EX_RETENTION: 'a month', EX_PORT: 'eighty', EX_NAME: '' });
    expect(value).toBeUndefined();
    expect(issues.map((i) => i.path)).toEqual(['EX_NAME', 'EX_PORT', 'EX_RETENTION']);
    expect(issues[2]!.message).toBe('a duration such as 30d');
    expect(() => slice.fromEnv({ EX_PORT: 'x' })).toThrow(ValidationError);
    expect(() => slice.fromEnv({ EX_PORT: 'x' })).toThrow(/^configuration \(environment variables\) is invalid: EX_PORT: /);
  });

  it('reports one problem per variable', () => {
    const twice = defineSettings('Twice', { n: setting('EX_N', z.coerce.number().int('whole').min(1, 'at least 1'), 'n') });
    expect(twice.read({ EX_N: '0.5' }).issues).toEqual([{ path: 'EX_N', message: 'whole' }]);
  });

  it('keeps the settings given in code apart: their issues name the fields', () => {
    expect(slice.schema.safeParse({ server: { port: 'x' } }).error?.issues.map((i) => i.path)).toEqual([['server', 'port']]);
  });
});

describe('reading variables', () => {
  const optional = defineSettings(
    'Optional',
    {
      url: setting('OPT_URL', z.string({ error: 'required: a URL' }).min(1, 'required: a URL'), 'the url'),
      secure: setting('OPT_SECURE', z.boolean().default(false), 'secure', { fromEnv: toggle }),
      limits: group({
        low: setting('OPT_LOW', number, 'low'),
        high: setting('OPT_HIGH', number, 'high'),
      }),
      pair: group(
        {
          user: setting('OPT_USER', z.string(), 'user'),
          password: setting('OPT_PASSWORD', z.string(), 'password'),
        },
        { whenPartial: 'required when other OPT_USER/OPT_PASSWORD variables are set' },
      ),
      list: setting('OPT_LIST', z.array(z.string().min(2, 'two letters at least')).optional(), 'list', { fromEnv: commaList }),
    },
    {
      blank: 'empty-is-unset',
      optional: true,
      what: 'the optional thing (environment variables)',
      schema: (object, nameOf) =>
        object.superRefine((s, ctx) => {
          if (s.secure === true && s.url?.startsWith('http:')) {
            ctx.addIssue({ code: 'custom', path: ['secure'], message: `${nameOf('secure')} wants an https ${nameOf('url')}` });
          }
          if (s.limits && s.limits.low > s.limits.high) ctx.addIssue({ code: 'custom', path: ['limits'], message: 'low above high' });
        }),
    },
  );

  it('an optional slice is undefined while none of its variables is set (empty counts as unset here)', () => {
    expect(optional.fromEnv({})).toBeUndefined();
    expect(optional.fromEnv({ OPT_URL: '', PATH: '/bin' })).toBeUndefined();
    expect(optional.fromEnv({ OPT_URL: 'https://x' })).toEqual({ url: 'https://x', secure: false, limits: undefined, pair: undefined, list: undefined });
  });

  it('converts the text first; a variable it cannot convert is reported once, and not again by the schema', () => {
    expect(optional.fromEnv({ OPT_URL: 'https://x', OPT_SECURE: 'on' })?.secure).toBe(true);
    expect(optional.read({ OPT_SECURE: 'yes' }).issues).toEqual([
      { path: 'OPT_SECURE', message: 'on or off' },
      { path: 'OPT_URL', message: 'required: a URL' },
    ]);
    expect(() => optional.fromEnv({ OPT_SECURE: 'yes' })).toThrow(/^the optional thing \(environment variables\) is invalid/);
  });

  it('names list items by index, and cross-setting rules by the variable (code: by the field)', () => {
    expect(optional.read({ OPT_URL: 'https://x', OPT_LIST: 'ab,c' }).issues).toEqual([{ path: 'OPT_LIST[1]', message: 'two letters at least' }]);
    expect(optional.read({ OPT_URL: 'http://x', OPT_SECURE: 'on' }).issues).toEqual([{ path: 'OPT_SECURE', message: 'OPT_SECURE wants an https OPT_URL' }]);
    expect(optional.schema.safeParse({ url: 'http://x', secure: true }).error?.issues[0]?.message).toBe('secure wants an https url');
  });

  it('a group is undefined while none of its variables is set; a partial group names what is missing', () => {
    expect(optional.fromEnv({ OPT_URL: 'https://x', OPT_LOW: '1', OPT_HIGH: '5' })?.limits).toEqual({ low: 1, high: 5 });
    expect(optional.read({ OPT_URL: 'https://x', OPT_LOW: '1' }).issues.map((i) => i.path)).toEqual(['OPT_HIGH']);
    expect(optional.read({ OPT_URL: 'https://x', OPT_USER: 'u' }).issues).toEqual([
      { path: 'OPT_PASSWORD', message: 'required when other OPT_USER/OPT_PASSWORD variables are set' },
    ]);
    expect(optional.fromEnv({ OPT_URL: 'https://x', OPT_USER: 'u', OPT_PASSWORD: 'p' })?.pair).toEqual({ user: 'u', password: 'p' });
    // An issue about a whole group is put at its path.
    expect(optional.read({ OPT_URL: 'https://x', OPT_LOW: '9', OPT_HIGH: '5' }).issues).toEqual([{ path: 'limits', message: 'low above high' }]);
  });

  it('blank values can count as unset', () => {
    const blank = defineSettings('Blank', { a: setting('BL_A', z.string().optional(), 'a') }, { blank: 'blank-is-unset' });
    expect(blank.fromEnv({ BL_A: '   ' })).toEqual({ a: undefined });
    expect(blank.fromEnv({ BL_A: ' x ' })).toEqual({ a: ' x ' });
  });

  it('a rule that names a setting the slice does not declare is a bug, found when the slice is defined', () => {
    expect(() =>
      defineSettings('Broken', { a: setting('BR_A', z.string().optional(), 'a') }, { schema: (object, nameOf) => object.describe(nameOf('b')) }),
    ).toThrow(/Broken: no setting b/);
  });
});

describe('durations', () => {
  it('reads s, m, h, d and, where short ones are allowed, ms', () => {
    expect([durationMs('500ms'), durationMs('2s'), durationMs('5m'), durationMs('1h'), durationMs('7d')]).toEqual([500, 2000, 300_000, 3_600_000, 604_800_000]);
    expect(shortDuration('2s').parse('250ms')).toBe(250);
    expect(shortDuration('2s').safeParse('2').error?.issues[0]?.message).toBe('a duration such as 2s or 500ms');
    expect(duration('10m').safeParse('500ms').success).toBe(false);
  });
});
