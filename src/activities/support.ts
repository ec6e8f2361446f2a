import { ApplicationFailure, Context } from '@temporalio/activity';
import { activityIdentity, effectKey } from '../domain/actions/identity.js';
import { toFacts, UserLookup, type UserFacts } from '../domain/permissions/directory.js';
import { parseOrThrow } from '../domain/errors.js';
import type { Device } from '../domain/endpoints/fleet.js';
import type { Grant } from '../domain/permissions/grants.js';
import type { PermissionPolicy } from '../domain/permissions/permission.js';
import { documentJson, renderKbDraft, renderWorkNote } from '../domain/records/documents.js';
import type { RedactionPolicy } from '../domain/records/redactionPolicy.js';
import { withExecutions, type ResolutionRecord } from '../domain/records/resolution.js';
import { assessSoftware, type SoftwareAssessment, type SoftwareCatalog } from '../domain/endpoints/software.js';
import type { DirectoryPort } from './directory/port.js';
import { temporaryPassword } from './directory/password.js';
import type { EndpointPort } from './endpoints/port.js';
import type { Mailer } from './notify/port.js';
import { createPermissionActivities, requireGrantFor } from './permission.js';
import type { EngineStore } from './records/port.js';
import type { TicketRef, TicketUpdates, UpdateContext } from './ticketing/port.js';

export interface ActivityDeps {
  /** Documents: the redaction policy and the Web UI base for links in work notes. */
  redaction: RedactionPolicy;
  uiUrl?: string;
  directory: DirectoryPort;
  ticketing: TicketUpdates;
  mailer: Mailer;
  endpoints: EndpointPort;
  policy: PermissionPolicy;
  catalog: SoftwareCatalog;
  store: EngineStore;
  grants: { key: string; ttlMs: number };
  directoryBudgetMs: number;
}

/** Stable across retries of one activity, so effects can be applied at most once. */
function updateContext(): UpdateContext {
  const info = Context.current().info;
  return { idempotencyKey: activityIdentity(info).key, attempt: info.attempt };
}

export function createActivities(deps: ActivityDeps) {
  const { directory, ticketing, mailer, endpoints } = deps;

  async function facts(lookup: UserLookup): Promise<UserFacts | null> {
    const user = await directory.findUser(parseOrThrow(UserLookup, lookup, 'user lookup'));
    return user ? toFacts(user, await directory.groupsOf(user)) : null;
  }

  return {
    ...createPermissionActivities(deps),

    /** Directory facts without personal data (they go into workflow history). */
    async lookupUser(lookup: UserLookup): Promise<UserFacts | null> {
      return facts(lookup);
    },

    /**
     * Sets a fresh temporary password and mails it to the account's registered address in one
     * step, so the secret never leaves this function: not in its result, not in any log.
     */
    async resetPasswordAndNotify(input: { userId: string; grant: Grant | null }): Promise<{ messageId: string; delivery: 'registered-email' }> {
      await requireGrantFor(deps, 'resetPasswordAndNotify', input);
      // A retry after the mail went out (the worker died before reporting) must not reset again:
      // that would send a second password and make the first one useless.
      const resetKey = effectKey(activityIdentity(Context.current().info), { kind: 'reset' });
      const done = await deps.store.effectResult<{ messageId: string; delivery: 'registered-email' }>(resetKey);
      if (done) return done;
      const user = await directory.findUser({ by: 'id', id: input.userId });
      if (!user) throw ApplicationFailure.nonRetryable(`account ${input.userId} no longer exists`, 'TargetGone');
      if (!user.enabled) throw ApplicationFailure.nonRetryable(`account ${input.userId} is disabled`, 'TargetDisabled');
      if (!user.email) throw ApplicationFailure.nonRetryable(`account ${input.userId} has no registered e-mail`, 'NoEmail');
      const password = temporaryPassword();
      await directory.setPassword(user.id, password, { mustChange: true });
      const { messageId } = await mailer.send({
        to: user.email,
        subject: 'Your temporary password',
        text:
          `Hello ${user.displayName},\n\nYour password was reset at your request. Your temporary password is:\n\n` +
          `    ${password}\n\nYou will be asked to choose a new password when you next sign in.\n` +
          `If you did not ask for this, contact the service desk at once.\n`,
      });
      const result = { messageId, delivery: 'registered-email' as const };
      await deps.store.recordEffect(resetKey, result);
      return result;
    },

    /**
     * What installing `softwareId` for `targetId` involves: the catalog's verdict for the target and
     * the device's platform, the device, and who may approve.
     */
    async planSoftwareInstall(input: { softwareId: string; targetId: string; deviceId?: string }): Promise<{
      assessment: SoftwareAssessment;
      device: Pick<Device, 'id' | 'platform'> | null;
      approvers: string[];
    }> {
      const target = await facts({ by: 'id', id: input.targetId });
      if (!target) throw ApplicationFailure.nonRetryable(`account ${input.targetId} not found`, 'TargetGone');
      const devices = input.deviceId ? [await endpoints.device(input.deviceId)].filter((d): d is Device => d !== null) : await endpoints.devicesOf(target.id);
      const device = devices.find((d) => d.owner === target.id) ?? null;
      return {
        assessment: assessSoftware(deps.catalog, input.softwareId, target, device?.platform ?? null),
        device: device ? { id: device.id, platform: device.platform } : null,
        approvers: target.manager ? [target.manager] : [],
      };
    },

    /** Installs through the endpoint tool, after checking the grant and that the device still belongs to the target. */
    async installSoftware(input: {
      deviceId: string;
      software: { id: string; version: string };
      targetId: string;
      grant: Grant | null;
    }): Promise<{ alreadyInstalled: boolean }> {
      await requireGrantFor(deps, 'installSoftware', input);
      const device = await endpoints.device(input.deviceId);
      if (!device) throw ApplicationFailure.nonRetryable(`device ${input.deviceId} no longer exists`, 'DeviceGone');
      if (device.owner !== input.targetId)
        throw ApplicationFailure.nonRetryable(`device ${input.deviceId} no longer belongs to ${input.targetId}`, 'DeviceReassigned');
      return endpoints.installSoftware(input.deviceId, input.software);
    },

    /** The device a person uses (the first one the endpoint tool lists), for diagnostics. */
    async deviceOf(lookup: UserLookup): Promise<{ userId: string; deviceId: string; platform: string } | null> {
      const user = await facts(lookup);
      if (!user) return null;
      const [device] = await endpoints.devicesOf(user.id);
      return device ? { userId: user.id, deviceId: device.id, platform: device.platform } : null;
    },

    /** A diagnostic check on a device. Results are measurements (addresses, levels, flags), no personal data. */
    async runDiagnostic(input: {
      deviceId: string;
      check: string;
      args: Record<string, string | number | boolean>;
    }): Promise<Record<string, string | number | boolean>> {
      return endpoints.diagnose(input.deviceId, input.check, input.args);
    },

    /** A remediation on a device, after checking the grant for exactly this remediation and device. */
    async runRemediation(input: {
      deviceId: string;
      action: string;
      args: Record<string, string | number | boolean>;
      targetId: string;
      grant: Grant | null;
    }): Promise<{ ok: boolean; detail: string }> {
      await requireGrantFor(deps, 'runRemediation', input);
      const device = await endpoints.device(input.deviceId);
      if (!device || device.owner !== input.targetId)
        throw ApplicationFailure.nonRetryable(`device ${input.deviceId} does not belong to ${input.targetId}`, 'DeviceReassigned');
      return endpoints.remediate(input.deviceId, input.action, input.args);
    },

    /** Whether the asset/endpoint tool lists `owner` as the device's owner now. */
    async isDeviceOwner(input: { deviceId: string; owner: string }): Promise<boolean> {
      return (await endpoints.device(input.deviceId))?.owner === input.owner;
    },

    /** Disk usage of a device (read-only). */
    async measureDisk(input: { deviceId: string }): Promise<{ totalGb: number; usedGb: number }> {
      return endpoints.diskUsage(input.deviceId);
    },

    /** What a cleanup would free, step by step, without deleting anything. */
    async previewDiskCleanup(input: { deviceId: string; includeDownloads: boolean; aggressive: boolean }) {
      return endpoints.cleanDisk(input.deviceId, { ...input, dryRun: true });
    },

    /** The cleanup itself, for the device's owner only, with the grant for exactly this device and options. */
    async cleanDisk(input: { deviceId: string; includeDownloads: boolean; aggressive: boolean; targetId: string; grant: Grant | null }) {
      const { deviceId, includeDownloads, aggressive } = input;
      await requireGrantFor(deps, 'cleanDisk', input);
      const device = await endpoints.device(deviceId);
      if (!device || device.owner !== input.targetId)
        throw ApplicationFailure.nonRetryable(`device ${deviceId} does not belong to ${input.targetId}`, 'DeviceReassigned');
      return endpoints.cleanDisk(deviceId, { includeDownloads, aggressive, dryRun: false });
    },

    /** Clears a sign-in lockout, with the grant for exactly this account. */
    async unlockAccount(input: { userId: string; grant: Grant | null }): Promise<{ wasLocked: boolean }> {
      await requireGrantFor(deps, 'unlockAccount', input);
      return directory.unlock(input.userId);
    },

    /**
     * Files a finished run's resolution documents: the work note (Markdown) and, for a resolved
     * troubleshooting session, a knowledge-base draft, plus the JSON document; stores them and posts
     * the work note to the ticket as an internal note. Everything is redacted by the policy first.
     */
    async fileResolution(input: { record: unknown }): Promise<{ completeness: string[] }> {
      const filed = input.record as Partial<ResolutionRecord>;
      // Attempts and redacted arguments of each step come from the activity audit entries.
      const record = filed.workflow ? withExecutions(filed, await deps.store.actionExecutions(filed.workflow.workflowId, filed.workflow.runId)) : filed;
      const json = documentJson(record, deps.redaction);
      const workNote = renderWorkNote(record, deps.redaction, { uiUrl: deps.uiUrl });
      const ticket = record.ticket ? `${record.ticket.source}:${record.ticket.key}` : null;
      await deps.store.saveDocuments({
        workflowId: record.workflow?.workflowId ?? 'unknown',
        runId: record.workflow?.runId ?? 'unknown',
        ticket,
        createdAt: new Date().toISOString(),
        outcome: record.outcome ?? null,
        workNote,
        kbDraft: renderKbDraft(record, deps.redaction),
        json: json as Record<string, unknown>,
      });
      // The run is over: its sensitive inputs (definitions) are no longer needed anywhere.
      if (record.workflow?.workflowId) await deps.store.forgetSensitive(record.workflow.workflowId);
      if (record.ticket) {
        const ref = { source: record.ticket.source, id: record.ticket.id, key: record.ticket.key };
        await ticketing.addComment(ref, { body: workNote, visibility: 'internal', ...updateContext() });
      }
      return { completeness: json.completeness };
    },

    async commentOnTicket(input: { ticket: TicketRef; body: string; visibility: 'internal' | 'public' }): Promise<void> {
      await ticketing.addComment(input.ticket, { body: input.body, visibility: input.visibility, ...updateContext() });
    },

    async resolveTicket(input: { ticket: TicketRef; note: string }): Promise<void> {
      await ticketing.resolve(input.ticket, { note: input.note, ...updateContext() });
    },

    async routeTicketToQueue(input: { ticket: TicketRef; queue: string; reason: string }): Promise<void> {
      await ticketing.routeToQueue(input.ticket, { queue: input.queue, reason: input.reason, ...updateContext() });
    },
  };
}

export type SupportActivities = ReturnType<typeof createActivities>;
