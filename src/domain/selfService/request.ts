/**
 * Self-service guardrails: the pure decision whether one request for an automation of the
 * catalog (catalog.ts) may start, and which automations a caller sees.
 *
 * Nothing here does I/O or reads the clock: the caller's directory facts, the devices the asset
 * port says they own, their recent starts and the current time are all passed in. Every refusal
 * names its reason, an HTTP status and a sentence the caller can read.
 */
import type { FieldIssue } from '../errors.js';
import type { UserFacts } from '../permissions/directory.js';
import { type AvailabilityWindow, describeWindow, inWindow, nextOpening } from './availability.js';
import { ADMIN_GROUPS_DEFAULT, type Approval, type CatalogEntry, type InputField, type SelfServiceCatalog, type Target } from './catalog.js';
import { checkLimits, type RequestHistory } from './limits.js';
import { refuse, type RequestRefusal } from './refusals.js';

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

export type RequestPlan = {
  ok: true;
  entry: CatalogEntry;
  /** Validated inputs with defaults applied; optional inputs without a value are absent. */
  inputs: Record<string, string | number | boolean>;
  target: { kind: 'account' | 'device' | 'resource'; id: string };
  approval: CatalogEntry['approval'];
};

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

function validateInputs(entry: CatalogEntry, raw: unknown, admin: boolean): { ok: true; values: Record<string, Value> } | RequestRefusal {
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
      return refuse('not_your_device', `Device ${tag} is not one of your devices.`, {
        issues: [{ path: `inputs.${name}`, message: 'not one of your devices' }],
      });
    }
  }

  let target: RequestPlan['target'];
  let from: string;
  switch (entry.target.kind) {
    case 'self':
      if (requested !== undefined && requested !== user.id) {
        return refuse('not_your_account', `${entry.title} works on your own account only, not on ${requested}.`, {
          issues: [{ path: 'target', message: 'not your account' }],
        });
      }
      return { kind: 'account', id: user.id };
    case 'own-device':
      if (requested !== undefined && !devices.includes(requested)) {
        return refuse('not_your_device', `Device ${requested} is not one of your devices.`, {
          issues: [{ path: 'target', message: 'not one of your devices' }],
        });
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
