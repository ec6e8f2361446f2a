import { ApplicationFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import { activityIdentity, effectKey } from '../domain/actions/identity.js';
import { zodIssues } from '../domain/errors.js';
import type { Grant } from '../domain/permissions/grants.js';
import { AssetOwnerMismatchError, OutOfStockError, UnknownAssetError, type AssetPort } from './assets/port.js';
import { DirectoryRefusedError, type DirectoryPort } from './directory/port.js';
import type { EndpointPort } from './endpoints/port.js';
import type { MailboxPort } from './mailbox/port.js';
import type { ChatPort } from './notify/chat.js';
import type { Mailer } from './notify/port.js';
import { requireGrantFor } from './permission.js';
import type { EngineStore } from './records/port.js';

export const DEFAULT_QUOTA_GB = 50;

export interface OnboardingDeps {
  directory: DirectoryPort;
  mailboxes: MailboxPort;
  assets: AssetPort;
  endpoints: EndpointPort;
  mailer: Mailer;
  chat: ChatPort;
  store: EngineStore;
  grants: { key: string; ttlMs: number };
}

const Id = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'an account id: letters, digits, dot, dash and underscore');
const DeviceId = z.string().regex(/^[A-Z0-9][A-Z0-9-]*$/, 'a device id such as LT-0042');
const grant = z.unknown();

const CreateAccountInput = z.strictObject({
  userId: Id,
  displayName: z.string().trim().min(1, 'required: the name people see'),
  department: z.string().min(1).optional(),
  title: z.string().min(1).optional(),
  manager: Id.optional(),
  grant,
});
const UserInput = z.strictObject({ userId: Id, grant });
const GroupsInput = z.strictObject({ userId: Id, groups: z.array(Id).min(1, 'at least one group'), grant });
const CreateMailboxInput = z.strictObject({ userId: Id, quotaGb: z.number().int('whole gigabytes').min(1).max(1024).optional(), grant });
const AssignAssetInput = z.strictObject({ userId: Id, model: z.string().min(1, 'required: the hardware model, e.g. standard-14'), grant });
const UnassignAssetInput = z.strictObject({ assetId: z.string().min(1), userId: Id, grant });
const UninstallInput = z.strictObject({ deviceId: DeviceId, softwareId: z.string().min(1), targetId: Id, grant });
const NotificationInput = z
  .strictObject({
    email: z.strictObject({ toUser: Id, subject: z.string().min(1), text: z.string().min(1) }).optional(),
    chat: z.strictObject({ channel: z.string().min(1), text: z.string().min(1), title: z.string().min(1).optional() }).optional(),
  })
  .refine((n) => n.email !== undefined || n.chat !== undefined, 'give email, chat or both');

/** Activity input that does not validate: a bug in the caller, which no retry fixes. */
function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = zodIssues(result.error).map((i) => `${i.path}: ${i.message}`);
  throw ApplicationFailure.nonRetryable(`${what}: invalid input (${issues.join('; ')})`, 'InvalidInput');
}

function runContext() {
  return activityIdentity(Context.current().info);
}

/** The directory's refusals as final failures with a type a definition can match on; outages stay retryable. */
function directoryFailure(error: unknown, userId: string): unknown {
  if (!(error instanceof DirectoryRefusedError)) return error;
  switch (error.code) {
    case 32:
      return ApplicationFailure.nonRetryable(`account ${userId} does not exist`, 'TargetGone');
    case 'unknown-group':
      return ApplicationFailure.nonRetryable(error.message, 'UnknownGroup');
    case 'unknown-manager':
      return ApplicationFailure.nonRetryable(error.message, 'UnknownManager');
    default:
      return ApplicationFailure.nonRetryable(error.message, 'DirectoryRefused');
  }
}

/** Substitutes `{recipient.displayName}` and `{recipient.email}` here, so names and addresses stay out of workflow history. */
function personalise(text: string, user: { displayName: string; email: string }): string {
  return text.replaceAll('{recipient.displayName}', user.displayName).replaceAll('{recipient.email}', user.email);
}

/**
 * Activities of new-employee onboarding and their undo steps. Every change checks a signed grant
 * (the undo step checks the grant of the change it undoes); every one is idempotent, so a retry
 * never repeats an effect. Undo steps remove only what this workflow made: an account or mailbox
 * that existed before is left alone.
 */
export function createOnboardingActivities(deps: OnboardingDeps) {
  const { directory, mailboxes, assets, endpoints } = deps;

  async function existingAccount(userId: string) {
    const user = await directory.findUser({ by: 'id', id: userId });
    if (!user) throw ApplicationFailure.nonRetryable(`account ${userId} does not exist`, 'TargetGone');
    return user;
  }

  async function ownedDevice(deviceId: string, targetId: string) {
    const device = await endpoints.device(deviceId);
    if (!device) throw ApplicationFailure.nonRetryable(`device ${deviceId} no longer exists`, 'DeviceGone');
    if (device.owner !== targetId) throw ApplicationFailure.nonRetryable(`device ${deviceId} does not belong to ${targetId}`, 'DeviceReassigned');
    return device;
  }

  /** A notification part already sent by an earlier attempt of this activity, on any host (the shared effects table). */
  function sentBefore(key: string): Promise<Record<string, unknown> | null> {
    return deps.store.effectResult<Record<string, unknown>>(key);
  }

  /** Kept as an effect (so no host sends it again) and as an audit entry (the record of it). */
  async function recordSent(key: string, workflowId: string, details: Record<string, unknown>): Promise<void> {
    await deps.store.recordEffect(key, details);
    await deps.store.appendAudit(
      { at: new Date().toISOString(), kind: 'action', actor: 'engine', subject: workflowId, outcome: 'succeeded', reason: 'notification sent', details },
      key,
    );
  }

  return {
    /** Creates the enabled account `<userId>@<mail domain>`; `created: false` when it existed before this workflow. */
    async createAccount(raw: {
      userId: string;
      displayName: string;
      department?: string;
      title?: string;
      manager?: string;
      grant: Grant | null;
    }): Promise<{ created: boolean }> {
      const input = parse(CreateAccountInput, raw, 'createAccount');
      await requireGrantFor(deps, 'createAccount', input);
      const { workflowId } = runContext();
      try {
        return await directory.createAccount({
          userId: input.userId,
          displayName: input.displayName,
          department: input.department,
          title: input.title,
          manager: input.manager,
          createdBy: workflowId,
        });
      } catch (error) {
        throw directoryFailure(error, input.userId);
      }
    },

    /** Undo of createAccount (its grant): deletes the account only if this workflow created it. */
    async deleteAccount(raw: { userId: string; grant: Grant | null }): Promise<{ deleted: boolean }> {
      const input = parse(UserInput, raw, 'deleteAccount');
      await requireGrantFor(deps, 'deleteAccount', input);
      try {
        return await directory.deleteAccount(input.userId, { createdBy: runContext().workflowId });
      } catch (error) {
        throw directoryFailure(error, input.userId);
      }
    },

    /** Adds direct group memberships; `added` lists only the new ones (what the undo should remove). */
    async addToGroups(raw: { userId: string; groups: string[]; grant: Grant | null }): Promise<{ added: string[] }> {
      const input = parse(GroupsInput, raw, 'addToGroups');
      await requireGrantFor(deps, 'addToGroups', input);
      try {
        return await directory.addToGroups(input.userId, input.groups);
      } catch (error) {
        throw directoryFailure(error, input.userId);
      }
    },

    /** Undo of addToGroups (its grant). An account that is gone has no memberships: `removed: []`. */
    async removeFromGroups(raw: { userId: string; groups: string[]; grant: Grant | null }): Promise<{ removed: string[] }> {
      const input = parse(GroupsInput, raw, 'removeFromGroups');
      await requireGrantFor(deps, 'removeFromGroups', input);
      try {
        return await directory.removeFromGroups(input.userId, input.groups);
      } catch (error) {
        throw directoryFailure(error, input.userId);
      }
    },

    /** Creates the account's mailbox (default quota 50 GB); the account must exist. */
    async createMailbox(raw: { userId: string; quotaGb?: number; grant: Grant | null }): Promise<{ created: boolean }> {
      const input = parse(CreateMailboxInput, raw, 'createMailbox');
      await requireGrantFor(deps, 'createMailbox', input);
      await existingAccount(input.userId);
      return mailboxes.createMailbox(input.userId, { quotaGb: input.quotaGb ?? DEFAULT_QUOTA_GB, createdBy: runContext().workflowId });
    },

    /** Undo of createMailbox (its grant): deletes the mailbox only if this workflow created it. */
    async deleteMailbox(raw: { userId: string; grant: Grant | null }): Promise<{ deleted: boolean }> {
      const input = parse(UserInput, raw, 'deleteMailbox');
      await requireGrantFor(deps, 'deleteMailbox', input);
      return mailboxes.deleteMailbox(input.userId, { createdBy: runContext().workflowId });
    },

    /** Hands a stock laptop of `model` to the account; a retry gets the same laptop. */
    async assignAsset(raw: { userId: string; model: string; grant: Grant | null }): Promise<{ assetId: string; deviceId: string }> {
      const input = parse(AssignAssetInput, raw, 'assignAsset');
      await requireGrantFor(deps, 'assignAsset', input);
      await existingAccount(input.userId);
      try {
        return await assets.assign(input.userId, input.model);
      } catch (error) {
        if (error instanceof OutOfStockError) throw ApplicationFailure.nonRetryable(error.message, 'OutOfStock');
        throw error;
      }
    },

    /** Undo of assignAsset (its grant): back to stock with the stock software; never from someone else. */
    async unassignAsset(raw: { assetId: string; userId: string; grant: Grant | null }): Promise<{ unassigned: boolean }> {
      const input = parse(UnassignAssetInput, raw, 'unassignAsset');
      await requireGrantFor(deps, 'unassignAsset', input);
      try {
        return await assets.unassign(input.assetId, input.userId);
      } catch (error) {
        if (error instanceof AssetOwnerMismatchError) throw ApplicationFailure.nonRetryable(error.message, 'DeviceReassigned');
        if (error instanceof UnknownAssetError) throw ApplicationFailure.nonRetryable(error.message, 'AssetGone');
        throw error;
      }
    },

    /** Undo of installSoftware (the same grant: software.install with softwareId and deviceId). */
    async uninstallSoftware(raw: { deviceId: string; softwareId: string; targetId: string; grant: Grant | null }): Promise<{ wasInstalled: boolean }> {
      const input = parse(UninstallInput, raw, 'uninstallSoftware');
      await requireGrantFor(deps, 'uninstallSoftware', input);
      await ownedDevice(input.deviceId, input.targetId);
      return endpoints.uninstallSoftware(input.deviceId, input.softwareId);
    },

    /**
     * E-mail to an account's registered address (looked up here: no address in arguments, results
     * or history; `{recipient.displayName}` and `{recipient.email}` in the subject or text are filled
     * in here too) and/or a chat message to a channel of content/notify.yaml. Each part is sent once,
     * however often the activity is retried. No grant: it changes nothing.
     */
    async sendNotification(raw: {
      email?: { toUser: string; subject: string; text: string };
      chat?: { channel: string; text: string; title?: string };
    }): Promise<{
      email?: { messageId: string; delivery: 'registered-email' };
      chat?: { delivery: 'webhook' | 'memory-outbox' };
    }> {
      const input = parse(NotificationInput, raw, 'sendNotification');
      const identity = runContext();
      const { workflowId } = identity;
      const result: { email?: { messageId: string; delivery: 'registered-email' }; chat?: { delivery: 'webhook' | 'memory-outbox' } } = {};
      if (input.email) {
        const key = effectKey(identity, { kind: 'notify', part: 'email' });
        const earlier = await sentBefore(key);
        if (earlier) result.email = { messageId: String(earlier.messageId), delivery: 'registered-email' };
        else {
          const user = await existingAccount(input.email.toUser);
          if (!user.email) throw ApplicationFailure.nonRetryable(`account ${user.id} has no registered e-mail`, 'NoEmail');
          const person = { displayName: user.displayName, email: user.email };
          const { messageId } = await deps.mailer.send({
            to: user.email,
            subject: personalise(input.email.subject, person),
            text: personalise(input.email.text, person),
          });
          await recordSent(key, workflowId, { notification: 'email', toUser: user.id, messageId });
          result.email = { messageId, delivery: 'registered-email' };
        }
      }
      if (input.chat) {
        const key = effectKey(identity, { kind: 'notify', part: 'chat' });
        const earlier = await sentBefore(key);
        if (earlier) result.chat = { delivery: earlier.delivery === 'webhook' ? 'webhook' : 'memory-outbox' };
        else {
          const { delivery } = await deps.chat.post(input.chat.channel, { text: input.chat.text, title: input.chat.title });
          await recordSent(key, workflowId, { notification: 'chat', channel: input.chat.channel, delivery });
          result.chat = { delivery };
        }
      }
      return result;
    },
  };
}

export type OnboardingActivities = ReturnType<typeof createOnboardingActivities>;
