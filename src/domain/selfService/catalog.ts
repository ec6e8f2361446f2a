/**
 * Self-service guardrails: the catalog of automations end users may launch themselves
 * (content/selfservice.yaml) and the pure decision whether one request may start.
 *
 * Nothing here does I/O or reads the clock: the caller's directory facts, the devices the asset
 * port says they own, their recent starts and the current time are all passed in. Every refusal
 * names its reason, an HTTP status and a sentence the caller can read.
 */
import { z } from 'zod';
import { ALWAYS, checkUniqueIds, type FieldIssue } from '../errors.js';
import type { UserFacts } from '../permissions/directory.js';

/** Directory groups whose members count as IT admins (admin-only inputs) unless the caller says otherwise. */
export const ADMIN_GROUPS_DEFAULT = ['it-staff'];

// ---------------------------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------------------------

const ADMIN_REQUIRED = 'an admin-only input cannot be required: nobody else could ever start the automation (set required: false)';

function checkRegex(pattern: string, ctx: z.core.$RefinementCtx): void {
  try {
    new RegExp(pattern, 'u');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(e as Error).message})` });
  }
}

const Title = z.string().min(1);

export const StringInput = z
  .strictObject({
    type: z.literal('string'),
    title: Title,
    required: z.boolean().default(true),
    /** The whole value must match (the pattern is anchored), with the `u` flag. */
    pattern: z.string().min(1).superRefine(checkRegex).optional(),
    maxLength: z.int().min(1).default(200),
    enum: z.array(z.string()).min(1).optional(),
    adminOnly: z.boolean().optional(),
  })
  .refine((f) => !(f.adminOnly && f.required), { path: ['required'], message: ADMIN_REQUIRED });

export const BooleanInput = z
  .strictObject({
    type: z.literal('boolean'),
    title: Title,
    required: z.boolean().default(false),
    default: z.boolean().optional(),
    adminOnly: z.boolean().optional(),
  })
  .refine((f) => !(f.adminOnly && f.required && f.default === undefined), { path: ['required'], message: ADMIN_REQUIRED });

export const IntegerInput = z
  .strictObject({
    type: z.literal('integer'),
    title: Title,
    required: z.boolean().default(true),
    minimum: z.int().optional(),
    maximum: z.int().optional(),
    adminOnly: z.boolean().optional(),
  })
  .refine((f) => !(f.adminOnly && f.required), { path: ['required'], message: ADMIN_REQUIRED })
  .refine((f) => f.minimum === undefined || f.maximum === undefined || f.minimum <= f.maximum, {
    path: ['maximum'],
    message: 'maximum is below minimum',
  });

/** An asset tag; the request is refused unless the asset port lists it among the caller's devices. */
export const DeviceInput = z.strictObject({
  type: z.literal('device'),
  title: Title,
  required: z.boolean().default(true),
});

export const InputField = z.discriminatedUnion('type', [StringInput, BooleanInput, IntegerInput, DeviceInput]);
export type InputField = z.infer<typeof InputField>;

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const MINUTES_PER_DAY = 24 * 60;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** One formatter per time zone (building them is the expensive part); throws RangeError for unknown zones. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * A weekly window in a time zone. `to` earlier than `from` crosses midnight: the window opens on
 * one of `days` at `from` and closes at `to` on the next day. `to: "24:00"` means end of day.
 */
export const AvailabilityWindow = z
  .strictObject({
    days: z.array(z.enum(DAYS)).min(1),
    from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM (00:00 to 23:59)'),
    to: z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'use HH:MM (00:00 to 24:00)'),
    timeZone: z.string().superRefine((tz, ctx) => {
      try {
        formatterFor(tz);
      } catch {
        ctx.addIssue({ code: 'custom', message: `unknown time zone "${tz}" (use an IANA name such as Europe/London)` });
      }
    }),
  })
  .refine((w) => w.from !== w.to, { path: ['to'], message: 'from and to are equal; a whole day is 00:00 to 24:00' });
export type AvailabilityWindow = z.infer<typeof AvailabilityWindow>;

export const Target = z.discriminatedUnion('kind', [
  /** The caller's own directory account. */
  z.strictObject({ kind: z.literal('self') }),
  /** One of the caller's devices, named by the `device` input. */
  z.strictObject({ kind: z.literal('own-device') }),
  /** One of these resources, named by the `resource` input. */
  z.strictObject({ kind: z.literal('named'), resources: z.array(z.string().min(1)).min(1) }),
]);
export type Target = z.infer<typeof Target>;

export const Approval = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('manager') }),
  z.strictObject({ kind: z.literal('group'), group: z.string().min(1) }),
]);
export type Approval = z.infer<typeof Approval>;

export const CatalogEntry = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
    version: z.int().positive(),
    title: Title,
    description: z.string().min(1),
    /** Only published entries can be listed or started. */
    published: z.boolean(),
    workflow: z.enum(['diskCleanup', 'unlockAccount', 'softwareReinstall']),
    inputs: z.record(z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'input names are camelCase: a lower-case letter, then letters and digits'), InputField).default({}),
    /** Directory groups (transitive membership, any of) whose members may use it. */
    audience: z.array(z.string().min(1)).min(1),
    target: Target,
    approval: Approval,
    limits: z
      .strictObject({
        perUserPerDay: z.int().min(1).default(5),
        cooldownMinutes: z.int().min(0).default(0),
      })
      .default({ perUserPerDay: 5, cooldownMinutes: 0 }),
    /** Absent: always available. */
    availability: z.array(AvailabilityWindow).min(1).optional(),
  })
  .superRefine((entry, ctx) => {
    const needs = (name: string, type: InputField['type']): void => {
      const field = Object.hasOwn(entry.inputs, name) ? entry.inputs[name] : undefined;
      if (field?.type !== type || !field.required) {
        ctx.addIssue({ code: 'custom', path: ['inputs', name], message: `a ${entry.target.kind} target needs a required ${type} input named "${name}"` });
      }
    };
    if (entry.target.kind === 'own-device') needs('device', 'device');
    if (entry.target.kind === 'named') needs('resource', 'string');
  });
export type CatalogEntry = z.infer<typeof CatalogEntry>;

export const SelfServiceCatalog = z
  .strictObject({ automations: z.array(CatalogEntry) })
  .superRefine((c, ctx) => checkUniqueIds(ctx, (c as { automations?: unknown } | null | undefined)?.automations, ['automations'], 'automation'), ALWAYS);
export type SelfServiceCatalog = z.infer<typeof SelfServiceCatalog>;

// ---------------------------------------------------------------------------------------------
// Callers and the catalog they see
// ---------------------------------------------------------------------------------------------

export interface CallerContext {
  /** Directory facts of the authenticated caller (null: the identity maps to no account). */
  user: UserFacts | null;
  /** Asset tags the asset port says the caller owns. */
  devices: string[];
  /** Groups whose members may see and set admin-only inputs; ADMIN_GROUPS_DEFAULT when absent. */
  adminGroups?: string[];
}

/** What a caller is shown of an automation: no workflow name, no admin-only inputs for non-admins. */
export interface PublicAutomation {
  id: string;
  version: number;
  title: string;
  description: string;
  inputs: Record<string, InputField>;
  approval: Approval['kind'];
  target: Target['kind'];
}

const inAny = (groups: readonly string[], of: readonly string[]) => groups.some((g) => of.includes(g));
const isAdmin = (user: UserFacts, caller: CallerContext) => inAny(user.groups, caller.adminGroups ?? ADMIN_GROUPS_DEFAULT);
const isAdminOnly = (field: InputField) => field.type !== 'device' && field.adminOnly === true;

/** The published automations whose audience includes the caller; nothing for unknown or disabled callers. */
export function visibleAutomations(catalog: SelfServiceCatalog, caller: CallerContext): PublicAutomation[] {
  const user = caller.user;
  if (!user?.enabled) return [];
  const admin = isAdmin(user, caller);
  return catalog.automations
    .filter((e) => e.published && inAny(user.groups, e.audience))
    .map((e) => ({
      id: e.id,
      version: e.version,
      title: e.title,
      description: e.description,
      inputs: Object.fromEntries(Object.entries(e.inputs).filter(([, f]) => admin || !isAdminOnly(f))),
      approval: e.approval.kind,
      target: e.target.kind,
    }));
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

export interface RequestHistory {
  /** ISO times of this caller's starts of this automation (older ones may be included; they are ignored). */
  startsLast24h: string[];
  /** When this caller's last run of this automation finished, if ever. */
  lastFinishedAt: string | null;
}

export type RefusalReason =
  | 'unknown_automation'
  | 'not_published'
  | 'caller_unknown'
  | 'caller_disabled'
  | 'not_in_audience'
  | 'invalid_input'
  | 'admin_only_input'
  | 'not_your_device'
  | 'not_your_account'
  | 'unknown_resource'
  | 'outside_window'
  | 'rate_limited'
  | 'cooling_down';

export type RequestRefusal = {
  ok: false;
  status: 400 | 403 | 404 | 429;
  reason: RefusalReason;
  message: string;
  issues?: FieldIssue[];
  retryAfterSeconds?: number;
};

export type RequestPlan = {
  ok: true;
  entry: CatalogEntry;
  /** Validated inputs with defaults applied; optional inputs without a value are absent. */
  inputs: Record<string, string | number | boolean>;
  target: { kind: 'account' | 'device' | 'resource'; id: string };
  approval: CatalogEntry['approval'];
};

export const REFUSAL_STATUS: Readonly<Record<RefusalReason, RequestRefusal['status']>> = {
  unknown_automation: 404,
  not_published: 404,
  caller_unknown: 403,
  caller_disabled: 403,
  not_in_audience: 403,
  invalid_input: 400,
  admin_only_input: 403,
  not_your_device: 403,
  not_your_account: 403,
  unknown_resource: 400,
  outside_window: 403,
  rate_limited: 429,
  cooling_down: 429,
};

/**
 * Refusals that mean someone tried to get more than they may have (another person's account or
 * device, an automation that is unpublished or not theirs, an admin-only input, an identity the
 * directory does not accept). The API writes a security event for each.
 */
export const ELEVATION_ATTEMPTS: ReadonlySet<RefusalReason> = new Set<RefusalReason>([
  'not_published',
  'caller_unknown',
  'caller_disabled',
  'not_in_audience',
  'admin_only_input',
  'not_your_device',
  'not_your_account',
]);

function refuse(reason: RefusalReason, message: string, extra: Pick<RequestRefusal, 'issues' | 'retryAfterSeconds'> = {}): RequestRefusal {
  return { ok: false, status: REFUSAL_STATUS[reason], reason, message, ...extra };
}

/** The same words for unknown and unpublished automations, so neither reveals the other. */
const NO_SUCH_AUTOMATION = 'no such automation';

/**
 * Decides whether `caller` may start `request.automation` now. Checks run in this order and the
 * first failure wins, so a caller learns no more than the check they failed:
 *
 * 1. the automation exists and is published. An unpublished entry gets the same 404 and message as
 *    an unknown one, whoever asks, so its existence is not revealed; only `reason` (`not_published`,
 *    for the audit log) differs. It is checked here, before the caller, for the same reason;
 * 2. the caller is known (403 caller_unknown) and enabled (403 caller_disabled);
 * 3. the caller is in the audience (403 not_in_audience);
 * 4. inputs: a plain object (absent counts as `{}`); admin-only inputs set by a non-admin are an
 *    elevation attempt (403 admin_only_input, before any other input problem); then unknown keys,
 *    wrong types, patterns, enums, ranges, lengths and missing required inputs, all reported at once
 *    (400 invalid_input, paths `inputs.<name>`);
 * 5. target: every `device` input must be the caller's own device (403 not_your_device); `self` is
 *    the caller's account, and a `request.target` naming anyone else is 403 not_your_account;
 *    `own-device` is inputs.device; `named` needs inputs.resource among the resources
 *    (400 unknown_resource). A `request.target` that is not a string, or not the resolved target,
 *    is 400 invalid_input (a foreign device there is 403 not_your_device);
 * 6. availability windows (403 outside_window, saying when it is available);
 * 7. limits: starts in the last 24 h (429 rate_limited) and the cool-down after the last finished
 *    run (429 cooling_down), both with retryAfterSeconds.
 */
export function checkRequest(
  catalog: SelfServiceCatalog,
  request: { automation: string; inputs: unknown; target?: unknown },
  caller: CallerContext,
  history: RequestHistory,
  now: Date,
): RequestPlan | RequestRefusal {
  const entry = catalog.automations.find((e) => e.id === request.automation);
  if (!entry) return refuse('unknown_automation', NO_SUCH_AUTOMATION);
  if (!entry.published) return refuse('not_published', NO_SUCH_AUTOMATION);

  const user = caller.user;
  if (!user) return refuse('caller_unknown', 'Your identity does not match any account in the directory.');
  if (!user.enabled) return refuse('caller_disabled', `Your account ${user.id} is disabled.`);
  if (!inAny(user.groups, entry.audience)) {
    return refuse('not_in_audience', `${entry.title} is available to members of ${entry.audience.join(', ')} only.`);
  }

  const inputs = validateInputs(entry, request.inputs, isAdmin(user, caller));
  if (!inputs.ok) return inputs;

  const target = resolveTarget(entry, inputs.values, request.target, user, caller.devices);
  if ('ok' in target) return target;

  if (!inWindow(entry.availability, now)) {
    const windows = entry.availability as AvailabilityWindow[];
    return refuse(
      'outside_window',
      `${entry.title} is available ${windows.map(describeWindow).join(' or ')} only; it next opens ${nextOpening(windows, now)}.`,
    );
  }

  const limited = checkLimits(entry, history, now);
  if (limited) return limited;

  return { ok: true, entry, inputs: inputs.values, target, approval: entry.approval };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

type Value = string | number | boolean;

function validateInputs(
  entry: CatalogEntry,
  raw: unknown,
  admin: boolean,
): { ok: true; values: Record<string, Value> } | RequestRefusal {
  const given = raw === undefined ? {} : raw;
  if (!isPlainObject(given)) {
    return refuse('invalid_input', 'The inputs must be an object of named values.', { issues: [{ path: 'inputs', message: 'expected an object' }] });
  }
  // Own properties only, on both sides: "constructor" or "toString" must not find Object.prototype's.
  const fieldOf = (name: string) => (Object.hasOwn(entry.inputs, name) ? entry.inputs[name] : undefined);
  const keys = Object.keys(given);

  if (!admin) {
    const elevated = keys.filter((k) => {
      const field = fieldOf(k);
      return field !== undefined && isAdminOnly(field);
    });
    if (elevated.length > 0) {
      return refuse('admin_only_input', `Only IT staff may set ${elevated.map((k) => `"${k}"`).join(', ')}.`, {
        issues: elevated.map((k) => ({ path: `inputs.${k}`, message: 'admin-only input' })),
      });
    }
  }

  const issues: FieldIssue[] = keys.filter((k) => fieldOf(k) === undefined).map((k) => ({ path: `inputs.${k}`, message: 'unknown input' }));
  const values: Record<string, Value> = {};
  for (const [name, field] of Object.entries(entry.inputs)) {
    const present = Object.hasOwn(given, name);
    const value = present ? given[name] : field.type === 'boolean' ? field.default : undefined;
    if (value === undefined) {
      if (field.required) issues.push({ path: `inputs.${name}`, message: 'required' });
      continue;
    }
    const problem = valueProblem(field, value);
    if (problem) issues.push({ path: `inputs.${name}`, message: problem });
    else values[name] = value as Value;
  }
  if (issues.length > 0) {
    return refuse('invalid_input', `The inputs are invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
  }
  return { ok: true, values };
}

const DEVICE_MAX_LENGTH = 200;

/** The first problem with one input value, or null. */
function valueProblem(field: InputField, value: unknown): string | null {
  switch (field.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : 'expected true or false';
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return 'expected a whole number';
      if (field.minimum !== undefined && value < field.minimum) return `must be at least ${field.minimum}`;
      if (field.maximum !== undefined && value > field.maximum) return `must be at most ${field.maximum}`;
      return null;
    case 'device':
      if (typeof value !== 'string' || value.length === 0) return 'expected an asset tag';
      return value.length > DEVICE_MAX_LENGTH ? `must be at most ${DEVICE_MAX_LENGTH} characters` : null;
    case 'string':
      if (typeof value !== 'string') return 'expected a string';
      if (value.length === 0 && field.required) return 'required';
      if (value.length > field.maxLength) return `must be at most ${field.maxLength} characters`;
      if (field.enum && !field.enum.includes(value)) return `must be one of ${field.enum.join(', ')}`;
      if (field.pattern !== undefined && !new RegExp(`^(?:${field.pattern})$`, 'u').test(value)) return `must match ${field.pattern}`;
      return null;
  }
}

function resolveTarget(
  entry: CatalogEntry,
  values: Record<string, Value>,
  requested: unknown,
  user: UserFacts,
  devices: readonly string[],
): RequestPlan['target'] | RequestRefusal {
  if (requested !== undefined && typeof requested !== 'string') {
    return refuse('invalid_input', 'The target must be a string.', { issues: [{ path: 'target', message: 'expected a string' }] });
  }
  // Every device input, whatever the target kind, must be one of the caller's own devices.
  for (const [name, field] of Object.entries(entry.inputs)) {
    const tag = values[name];
    if (field.type === 'device' && tag !== undefined && !devices.includes(tag as string)) {
      return refuse('not_your_device', `Device ${tag} is not one of your devices.`, { issues: [{ path: `inputs.${name}`, message: 'not one of your devices' }] });
    }
  }

  let target: RequestPlan['target'];
  let from: string;
  switch (entry.target.kind) {
    case 'self':
      if (requested !== undefined && requested !== user.id) {
        return refuse('not_your_account', `${entry.title} works on your own account only, not on ${requested}.`, { issues: [{ path: 'target', message: 'not your account' }] });
      }
      return { kind: 'account', id: user.id };
    case 'own-device':
      if (requested !== undefined && !devices.includes(requested)) {
        return refuse('not_your_device', `Device ${requested} is not one of your devices.`, { issues: [{ path: 'target', message: 'not one of your devices' }] });
      }
      target = { kind: 'device', id: values.device as string };
      from = 'inputs.device';
      break;
    case 'named': {
      const resource = values.resource as string;
      if (!entry.target.resources.includes(resource)) {
        return refuse('unknown_resource', `${entry.title} works on ${entry.target.resources.join(', ')} only, not on ${resource}.`, {
          issues: [{ path: 'inputs.resource', message: 'unknown resource' }],
        });
      }
      target = { kind: 'resource', id: resource };
      from = 'inputs.resource';
      break;
    }
  }
  if (requested !== undefined && requested !== target.id) {
    return refuse('invalid_input', `The target ${requested} differs from ${from} (${target.id}).`, {
      issues: [{ path: 'target', message: `must be absent or equal ${from}` }],
    });
  }
  return target;
}

// ---------------------------------------------------------------------------------------------
// Availability
// ---------------------------------------------------------------------------------------------

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The weekday (0 = Monday) and minute of the day at `now` on the wall clocks of `timeZone`. */
function localTime(timeZone: string, now: Date): { day: number; minute: number } {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(now).map((p) => [p.type, p.value]));
  return { day: DAY_NAMES.indexOf(parts.weekday as (typeof DAY_NAMES)[number]), minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

function windowOpen(w: AvailabilityWindow, now: Date): boolean {
  const { day, minute } = localTime(w.timeZone, now);
  const on = (d: number) => w.days.includes(DAYS[d] as (typeof DAYS)[number]);
  const from = minutesOf(w.from);
  const to = minutesOf(w.to);
  if (from < to) return on(day) && minute >= from && minute < to;
  // Crosses midnight: opened today, or opened yesterday and not yet closed.
  return (on(day) && minute >= from) || (on((day + 6) % 7) && minute < to);
}

/** True when `now` falls inside any of the windows; no windows at all means always available. */
export function inWindow(windows: readonly AvailabilityWindow[] | undefined, now: Date): boolean {
  if (windows === undefined) return true;
  return windows.some((w) => windowOpen(w, now));
}

/** "Mon–Fri", "Mon, Wed", "Sat, Sun": runs of three or more days become ranges. */
function describeDays(days: readonly string[]): string {
  const idx = [...new Set(days.map((d) => DAYS.indexOf(d as (typeof DAYS)[number])))].sort((a, b) => a - b);
  const runs: number[][] = [];
  for (const i of idx) {
    const run = runs.at(-1);
    if (run && run.at(-1) === i - 1) run.push(i);
    else runs.push([i]);
  }
  return runs
    .map((run) => (run.length >= 3 ? `${DAY_NAMES[run[0] as number]}–${DAY_NAMES[run.at(-1) as number]}` : run.map((i) => DAY_NAMES[i]).join(', ')))
    .join(', ');
}

/** "Mon–Fri 07:00–19:00 Europe/London"; a window across midnight says so. */
export function describeWindow(w: AvailabilityWindow): string {
  const overnight = minutesOf(w.to) < minutesOf(w.from) ? ' (next day)' : '';
  return `${describeDays(w.days)} ${w.from}–${w.to}${overnight} ${w.timeZone}`;
}

/** The soonest opening of any window, in the words of its own time zone: "Mon 07:00 Europe/London". */
function nextOpening(windows: readonly AvailabilityWindow[], now: Date): string {
  let best = { wait: Infinity, words: '' };
  for (const w of windows) {
    const { day, minute } = localTime(w.timeZone, now);
    const from = minutesOf(w.from);
    for (const d of w.days) {
      const openDay = DAYS.indexOf(d);
      const daysAhead = (openDay - day + 7) % 7 || (from > minute ? 0 : 7);
      const wait = daysAhead * MINUTES_PER_DAY + from - minute;
      if (wait < best.wait) best = { wait, words: `${DAY_NAMES[openDay]} ${w.from} ${w.timeZone}` };
    }
  }
  return best.words;
}

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

const DAY_MS = 24 * 60 * 60 * 1000;

/** History comes from the engine's own records; a time that does not parse is a bug, and fails closed. */
function timeOf(iso: string, what: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`${what} is not a valid time: ${JSON.stringify(iso)}`);
  return t;
}

function checkLimits(entry: CatalogEntry, history: RequestHistory, now: Date): RequestRefusal | null {
  const nowMs = now.getTime();
  const { perUserPerDay, cooldownMinutes } = entry.limits;

  // Starts still inside the 24 h window (a start exactly 24 h ago has left it; future ones count).
  const counted = history.startsLast24h
    .map((iso, i) => timeOf(iso, `history.startsLast24h[${i}]`))
    .filter((t) => t > nowMs - DAY_MS)
    .sort((a, b) => a - b);
  if (counted.length >= perUserPerDay) {
    // The count drops below the limit when this start leaves the window (the oldest one when the
    // count equals the limit; later ones when the limit was lowered since).
    const leaves = (counted[counted.length - perUserPerDay] as number) + DAY_MS;
    return refuse(
      'rate_limited',
      `You have started ${entry.title} ${counted.length} times in the last 24 hours (the limit is ${perUserPerDay}); you can start it again at ${new Date(leaves).toISOString()}.`,
      { retryAfterSeconds: Math.ceil((leaves - nowMs) / 1000) },
    );
  }

  if (history.lastFinishedAt !== null && cooldownMinutes > 0) {
    const until = timeOf(history.lastFinishedAt, 'history.lastFinishedAt') + cooldownMinutes * 60_000;
    if (until > nowMs) {
      return refuse(
        'cooling_down',
        `${entry.title} has a cool-down of ${cooldownMinutes} minutes after each run; you can start it again at ${new Date(until).toISOString()}.`,
        { retryAfterSeconds: Math.ceil((until - nowMs) / 1000) },
      );
    }
  }
  return null;
}
