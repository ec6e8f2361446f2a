import { z } from 'zod';
import { changeOf } from '../actions/catalog.js';

// What a workflow definition may call. Every entry is an activity of the worker with exactly this
// argument shape (the interpreter adds `grant` to changes and `ticket` to ticket updates itself).
// A change names the permission action it needs and which argument is its target, and the grant the
// permission check signs binds exactly `grantParams(args)`: all three come from the action catalog
// (src/domain/actions/catalog.ts), which the activity's own guard reads too.

export type Effect = 'read' | 'change' | 'ticket' | 'notify';

export interface ActivitySpec<A extends z.ZodType = z.ZodType> {
  effect: Effect;
  /** The permission policy action a change needs (`requires:` must name it). */
  action?: string;
  /** The argument naming the account a change is for: the permission target. */
  targetArg?: string;
  /** The argument naming a device: the per-endpoint concurrency limit applies. */
  endpointArg?: string;
  /** The activity that undoes this one (`compensate:` must name it). */
  undo?: string;
  /** The rendered arguments, without `grant` (and without `ticket` for ticket updates). */
  args: A;
  /** The parameters the signed grant binds. */
  grantParams?: (args: z.output<A>) => Record<string, unknown>;
  description: string;
}

/** Keeps `undo` and `action` as literal types, so the TypeScript builder can type `compensate` and `requires`. */
function activity<A extends z.ZodType, const U extends string | undefined = undefined, const C extends string | undefined = undefined>(
  spec: ActivitySpec<A> & { undo?: U; action?: C },
): ActivitySpec<A> & { undo: U; action: C } {
  return spec as ActivitySpec<A> & { undo: U; action: C };
}

const id = z.string().min(1);
const Scalars = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({});

export const ACTIVITIES = {
  // ---- reads
  lookupUser: activity({
    effect: 'read',
    args: z.strictObject({ by: z.literal('id'), id }),
    description: 'Directory facts of an account (groups, manager, enabled, locked), or null.',
  }),
  deviceOf: activity({
    effect: 'read',
    args: z.strictObject({ by: z.literal('id'), id }),
    description: 'The device a person uses: { userId, deviceId, platform }, or null.',
  }),
  runDiagnostic: activity({
    effect: 'read',
    endpointArg: 'deviceId',
    args: z.strictObject({ deviceId: id, check: id, args: Scalars }),
    description: 'A diagnostic check on a device (e.g. network.dns); its result fields as the check defines them.',
  }),
  measureDisk: activity({
    effect: 'read',
    endpointArg: 'deviceId',
    args: z.strictObject({ deviceId: id }),
    description: 'Disk usage of a device: { totalGb, usedGb }.',
  }),

  // ---- changes
  runRemediation: activity({
    effect: 'change',
    ...changeOf('runRemediation'),
    endpointArg: 'deviceId',
    args: z.strictObject({ deviceId: id, action: id, args: Scalars, targetId: id }),
    description: 'A remediation on a device of the target (e.g. network.renewDhcp): { ok, detail }.',
  }),
  installSoftware: activity({
    effect: 'change',
    ...changeOf('installSoftware'),
    endpointArg: 'deviceId',
    undo: 'uninstallSoftware',
    args: z.strictObject({ deviceId: id, software: z.strictObject({ id, version: id }), targetId: id }),
    description: 'Installs catalog software on a device of the target: { alreadyInstalled }.',
  }),
  uninstallSoftware: activity({
    effect: 'change',
    ...changeOf('uninstallSoftware'),
    endpointArg: 'deviceId',
    args: z.strictObject({ deviceId: id, softwareId: id, targetId: id }),
    description: 'Removes software from a device of the target (undoes installSoftware).',
  }),
  resetPasswordAndNotify: activity({
    effect: 'change',
    ...changeOf('resetPasswordAndNotify'),
    args: z.strictObject({ userId: id }),
    description: "Sets a temporary password and mails it to the account's registered address; the password never leaves the activity.",
  }),
  unlockAccount: activity({
    effect: 'change',
    ...changeOf('unlockAccount'),
    args: z.strictObject({ userId: id }),
    description: 'Clears a sign-in lockout: { wasLocked }.',
  }),
  cleanDisk: activity({
    effect: 'change',
    ...changeOf('cleanDisk'),
    endpointArg: 'deviceId',
    args: z.strictObject({ deviceId: id, includeDownloads: z.boolean(), aggressive: z.boolean(), targetId: id }),
    description: 'Frees disk space on a device of the target.',
  }),
  createAccount: activity({
    effect: 'change',
    ...changeOf('createAccount'),
    undo: 'deleteAccount',
    args: z.strictObject({ userId: id, displayName: id, department: id.optional(), title: id.optional(), manager: id.optional() }),
    description: 'Creates an enabled directory account (its mail address comes from the directory).',
  }),
  deleteAccount: activity({
    effect: 'change',
    ...changeOf('deleteAccount'),
    args: z.strictObject({ userId: id }),
    description: 'Deletes an account this engine created (undoes createAccount).',
  }),
  addToGroups: activity({
    effect: 'change',
    ...changeOf('addToGroups'),
    undo: 'removeFromGroups',
    args: z.strictObject({ userId: id, groups: z.array(id) }),
    description: 'Adds an account to directory groups.',
  }),
  removeFromGroups: activity({
    effect: 'change',
    ...changeOf('removeFromGroups'),
    args: z.strictObject({ userId: id, groups: z.array(id) }),
    description: 'Removes an account from directory groups (undoes addToGroups).',
  }),
  createMailbox: activity({
    effect: 'change',
    ...changeOf('createMailbox'),
    undo: 'deleteMailbox',
    args: z.strictObject({ userId: id, quotaGb: z.number().positive().optional() }),
    description: 'Creates the mailbox of an account.',
  }),
  deleteMailbox: activity({
    effect: 'change',
    ...changeOf('deleteMailbox'),
    args: z.strictObject({ userId: id }),
    description: 'Deletes a mailbox this engine created (undoes createMailbox).',
  }),
  assignAsset: activity({
    effect: 'change',
    ...changeOf('assignAsset'),
    undo: 'unassignAsset',
    args: z.strictObject({ userId: id, model: id }),
    description: 'Hands out a stock laptop of a model through the asset tool: { assetId, deviceId }.',
  }),
  unassignAsset: activity({
    effect: 'change',
    ...changeOf('unassignAsset'),
    args: z.strictObject({ assetId: id, userId: id }),
    description: 'Takes a laptop back to stock (undoes assignAsset).',
  }),

  // ---- ticket updates (on the run's ticket; skipped with `when: ticket != null` for alert-started runs)
  commentOnTicket: activity({
    effect: 'ticket',
    args: z.strictObject({ body: id, visibility: z.enum(['internal', 'public']) }),
    description: "Adds a comment to the run's ticket.",
  }),
  resolveTicket: activity({
    effect: 'ticket',
    args: z.strictObject({ note: id }),
    description: "Resolves the run's ticket with a note.",
  }),
  routeTicketToQueue: activity({
    effect: 'ticket',
    args: z.strictObject({ queue: id, reason: id }),
    description: "Hands the run's ticket to a human queue.",
  }),

  // ---- notifications (a `notify:` step calls this)
  sendNotification: activity({
    effect: 'notify',
    args: z
      .strictObject({
        email: z.strictObject({ toUser: id, subject: id, text: id }).optional(),
        chat: z.strictObject({ channel: id, text: id }).optional(),
      })
      .refine((n) => n.email !== undefined || n.chat !== undefined, 'needs email, chat or both'),
    description: 'An e-mail to an account (looked up by id) and/or a chat message to a channel of content/notify.yaml.',
  }),
};

export type ActivityName = keyof typeof ACTIVITIES;
export type Registry = typeof ACTIVITIES;

export function activitySpec(name: string): ActivitySpec | undefined {
  return Object.hasOwn(ACTIVITIES, name) ? (ACTIVITIES[name as ActivityName] as ActivitySpec) : undefined;
}

export type PreparedArgs = { ok: true; args: Record<string, unknown> } | { ok: false; issues: Array<{ path: string; message: string }> };

/**
 * The rendered arguments of a call, checked against the registry: optional arguments whose
 * template rendered to null are left out (`department: ${{ inputs.department }}` without a
 * department), then the activity's schema applies (defaults filled, unknown keys refused).
 */
export function prepareArgs(name: string, rendered: unknown): PreparedArgs {
  const spec = activitySpec(name);
  if (!spec) return { ok: false, issues: [{ path: '(activity)', message: `unknown activity "${name}"` }] };
  const args = rendered !== null && typeof rendered === 'object' && !Array.isArray(rendered) ? { ...(rendered as Record<string, unknown>) } : rendered;
  const shape = (spec.args as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (shape && args && typeof args === 'object') {
    for (const [key, value] of Object.entries(args)) {
      if (value === null && shape[key]?.safeParse(undefined).success) delete (args as Record<string, unknown>)[key];
    }
  }
  const result = spec.args.safeParse(args);
  if (result.success) return { ok: true, args: result.data as Record<string, unknown> };
  return {
    ok: false,
    issues: result.error.issues.map((i) => ({ path: i.path.length ? i.path.map(String).join('.') : '(args)', message: i.message })),
  };
}
