import { z } from 'zod';
import { zodIssues } from '../errors.js';

// The one catalog of the permission actions the engine performs. A workflow asks the permission
// check for an action with the parameters that action binds; the check signs a grant over exactly
// those; the activity that makes the change rebuilds them from its own arguments and refuses a
// grant that does not match (`wrong_params`). All three sides take the action id, the target and
// the bound parameters from here, so they cannot drift apart.
//
// Pure (zod only): workflow code imports this module inside Temporal's sandbox.

export const PASSWORD_RESET_ACTION = 'password.reset';
export const ACCOUNT_UNLOCK_ACTION = 'account.unlock';
export const SOFTWARE_INSTALL_ACTION = 'software.install';
export const ENDPOINT_REMEDIATE_ACTION = 'endpoint.remediate';
export const DISK_CLEANUP_ACTION = 'disk.cleanup';
export const ACCOUNT_CREATE_ACTION = 'account.create';
export const GROUP_ADD_ACTION = 'group.add';
export const MAILBOX_CREATE_ACTION = 'mailbox.create';
export const ASSET_ASSIGN_ACTION = 'asset.assign';

const Id = z.string().min(1);

interface ActionSpec<S extends z.ZodRawShape, T extends keyof S & string, B extends Exclude<keyof S & string, T>> {
  description: string;
  /** The argument naming the account the action is for: the permission target and the grant's `target`. */
  target: T;
  /** The action's arguments: the target and every parameter the grant binds. */
  args: z.ZodObject<S>;
  /** The parameters the signed grant binds (its `paramsHash`), in the order they are sent. */
  binds: readonly B[];
}

function action<S extends z.ZodRawShape, const T extends keyof S & string, const B extends Exclude<keyof S & string, T> = never>(
  spec: ActionSpec<S, T, B>,
): ActionSpec<S, T, B> {
  return spec;
}

export const ACTION_CATALOG = {
  [PASSWORD_RESET_ACTION]: action({
    description: "Sets a temporary password and mails it to the account's registered address.",
    target: 'userId',
    args: z.object({ userId: Id }),
    binds: [],
  }),
  [ACCOUNT_UNLOCK_ACTION]: action({
    description: 'Clears a sign-in lockout.',
    target: 'userId',
    args: z.object({ userId: Id }),
    binds: [],
  }),
  [SOFTWARE_INSTALL_ACTION]: action({
    description: 'Installs (or, as its undo, removes) catalog software on one device of the target.',
    target: 'targetId',
    args: z.object({ targetId: Id, softwareId: Id, deviceId: Id }),
    binds: ['softwareId', 'deviceId'],
  }),
  [ENDPOINT_REMEDIATE_ACTION]: action({
    description: 'Runs one remediation on one device of the target.',
    target: 'targetId',
    args: z.object({ targetId: Id, deviceId: Id, remediation: Id }),
    binds: ['deviceId', 'remediation'],
  }),
  [DISK_CLEANUP_ACTION]: action({
    description: 'Frees disk space on one device of the target, with exactly these options.',
    target: 'targetId',
    args: z.object({ targetId: Id, deviceId: Id, includeDownloads: z.boolean(), aggressive: z.boolean() }),
    binds: ['deviceId', 'includeDownloads', 'aggressive'],
  }),
  [ACCOUNT_CREATE_ACTION]: action({
    description: 'Creates (or, as its undo, deletes) a directory account.',
    target: 'userId',
    args: z.object({ userId: Id }),
    binds: [],
  }),
  [GROUP_ADD_ACTION]: action({
    description: 'Adds the account to directory groups (or, as its undo, removes it). The groups are not bound.',
    target: 'userId',
    args: z.object({ userId: Id }),
    binds: [],
  }),
  [MAILBOX_CREATE_ACTION]: action({
    description: 'Creates (or, as its undo, deletes) the mailbox of an account.',
    target: 'userId',
    args: z.object({ userId: Id }),
    binds: [],
  }),
  [ASSET_ASSIGN_ACTION]: action({
    description: 'Hands a stock laptop to the account (or, as its undo, takes it back).',
    target: 'userId',
    args: z.object({ userId: Id }),
    binds: [],
  }),
};

type Catalog = typeof ACTION_CATALOG;
export type ActionId = keyof Catalog;
export const ACTION_IDS = Object.keys(ACTION_CATALOG) as ActionId[];

export function isActionId(value: string): value is ActionId {
  return Object.hasOwn(ACTION_CATALOG, value);
}

/** The arguments of an action (target and bound parameters). */
export type ActionArgs<A extends ActionId> = z.output<Catalog[A]['args']>;
export type TargetArg<A extends ActionId> = Catalog[A]['target'];
export type BoundParam<A extends ActionId> = Catalog[A]['binds'][number];

/**
 * The bound parameters of an action as a permission question states them. `null` says "not known
 * yet" (a check made before the plan names the device); the grant then binds `null`, which no
 * activity's arguments match, so such a grant allows nothing.
 */
export type GrantParams<A extends ActionId> = { [K in BoundParam<A>]: ActionArgs<A>[K & keyof ActionArgs<A>] | null };

type AnySpec = { target: string; args: z.ZodObject; binds: readonly string[] };
const specOf = (id: ActionId): AnySpec => ACTION_CATALOG[id] as unknown as AnySpec;

/**
 * Exactly the parameters the grant for `action` binds, picked from `args` (other keys are left
 * out; a bound parameter that is undefined is left out too, so the grant cannot match).
 */
export function grantParams<A extends ActionId>(action: A, args: GrantParams<A>): GrantParams<A> {
  const values = args as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of specOf(action).binds) if (values[key] !== undefined) picked[key] = values[key];
  return picked as GrantParams<A>;
}

/** What a change activity demands of its grant: the action, the target and the bound parameters. */
export interface GrantRequest {
  action: ActionId;
  target: string;
  params: Record<string, unknown>;
}

// ---- the activities that perform an action

interface Performer<A extends ActionId, I> {
  action: A;
  /** Reads the action's arguments from the activity's (validated: a mismatch is a caller bug). */
  actionArgs: z.ZodType<ActionArgs<A>, I>;
}

/** An activity performing `action`; `from` when its arguments name the action's differently. */
function performs<A extends ActionId, I = ActionArgs<A>>(action: A, from?: z.ZodType<ActionArgs<A>, I>): Performer<A, I> {
  return { action, actionArgs: from ?? (ACTION_CATALOG[action].args as unknown as z.ZodType<ActionArgs<A>, I>) };
}

/**
 * Every activity that makes a change, the action it needs, and how its arguments name the action's.
 * An undo needs the action of the change it undoes (deleteAccount needs account.create).
 */
export const CHANGE_ACTIVITIES = {
  resetPasswordAndNotify: performs(PASSWORD_RESET_ACTION),
  unlockAccount: performs(ACCOUNT_UNLOCK_ACTION),
  installSoftware: performs(
    SOFTWARE_INSTALL_ACTION,
    z
      .object({ targetId: Id, deviceId: Id, software: z.object({ id: Id }) })
      .transform((a) => ({ targetId: a.targetId, softwareId: a.software.id, deviceId: a.deviceId })),
  ),
  uninstallSoftware: performs(SOFTWARE_INSTALL_ACTION),
  runRemediation: performs(
    ENDPOINT_REMEDIATE_ACTION,
    z.object({ targetId: Id, deviceId: Id, action: Id }).transform((a) => ({ targetId: a.targetId, deviceId: a.deviceId, remediation: a.action })),
  ),
  cleanDisk: performs(DISK_CLEANUP_ACTION),
  createAccount: performs(ACCOUNT_CREATE_ACTION),
  deleteAccount: performs(ACCOUNT_CREATE_ACTION),
  addToGroups: performs(GROUP_ADD_ACTION),
  removeFromGroups: performs(GROUP_ADD_ACTION),
  createMailbox: performs(MAILBOX_CREATE_ACTION),
  deleteMailbox: performs(MAILBOX_CREATE_ACTION),
  assignAsset: performs(ASSET_ASSIGN_ACTION),
  unassignAsset: performs(ASSET_ASSIGN_ACTION),
};

type Changes = typeof CHANGE_ACTIVITIES;
export type ChangeActivity = keyof Changes;
export type ActionOf<N extends ChangeActivity> = Changes[N]['action'];
/** What a change activity's arguments must hold for its grant (it may hold more). */
export type ChangeInput<N extends ChangeActivity> = z.input<Changes[N]['actionArgs']>;

export function isChangeActivity(name: string): name is ChangeActivity {
  return Object.hasOwn(CHANGE_ACTIVITIES, name);
}

function request(action: ActionId, args: Record<string, unknown>): GrantRequest {
  return { action, target: String(args[specOf(action).target]), params: grantParams(action, args as never) };
}

/**
 * The grant a change activity demands for these arguments of its own; `ok: false` with the issues
 * when they do not hold the action's arguments (no grant can match then).
 */
export function activityGrantRequest(activity: ChangeActivity, input: unknown): { ok: true; request: GrantRequest } | { ok: false; issues: string[] } {
  const performer = CHANGE_ACTIVITIES[activity] as Performer<ActionId, unknown>;
  const parsed = performer.actionArgs.safeParse(input);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error).map((i) => `${i.path}: ${i.message}`) };
  return { ok: true, request: request(performer.action, parsed.data as Record<string, unknown>) };
}

/**
 * What the definitions registry states for a change activity: its action, its target argument and
 * the parameters its grant binds. For arguments the registry has already validated.
 */
export function changeOf<N extends ChangeActivity>(
  activity: N,
): { action: ActionOf<N>; targetArg: TargetArg<ActionOf<N>>; grantParams: (args: ChangeInput<N>) => Record<string, unknown> } {
  const performer = CHANGE_ACTIVITIES[activity] as Performer<ActionId, unknown>;
  const action = performer.action as ActionOf<N>;
  return {
    action,
    targetArg: specOf(action).target as TargetArg<ActionOf<N>>,
    grantParams: (args) => request(action, performer.actionArgs.parse(args) as Record<string, unknown>).params,
  };
}
