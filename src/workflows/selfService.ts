import { ACCOUNT_UNLOCK_ACTION, DISK_CLEANUP_ACTION, grantParams, SOFTWARE_INSTALL_ACTION } from '../domain/actions/catalog.js';
import type { DirectoryOutagePolicy } from '../domain/permissions/outage.js';
import { ActivityFailure } from '@temporalio/workflow';
import type { ResolutionRecord } from '../domain/records/resolution.js';
import { ApprovalGate } from './shared/approvalGate.js';
import { acts, SupportRun } from './shared/supportRun.js';

/** What the self-service API hands every automation it starts (after its guardrails passed). */
export interface SelfServiceInput {
  automation: { id: string; version: number };
  caller: string;
  requestedAt: string;
  target: { kind: 'account' | 'device' | 'resource'; id: string };
  inputs: Record<string, string | number | boolean>;
  approval: { kind: 'none' } | { kind: 'manager' } | { kind: 'group'; group: string };
  approvalTimeoutMs?: number;
  /** While the directory is unreachable: how often to check again, and when to give up (DIRECTORY_*). */
  directoryOutage?: DirectoryOutagePolicy;
}

const round = (gb: number) => Math.round(gb * 10) / 10;

function selfServiceRun(input: SelfServiceInput): SupportRun {
  const run = new SupportRun(null, { requesterId: input.caller, receivedAt: input.requestedAt });
  run.record = {
    ...run.record,
    trigger: { kind: 'api', event: `self-service ${input.automation.id} v${input.automation.version}`, receivedAt: input.requestedAt },
    target: input.target.id,
  };
  return run;
}

/**
 * A user cleans up their own laptop: ownership and permission, disk usage, a dry run, the cleanup,
 * disk usage again, and the space freed. A cleanup that stops half-way is reported as such.
 */
export async function diskCleanup(input: SelfServiceInput): Promise<ResolutionRecord> {
  const run = selfServiceRun(input);
  return run.guard(async () => {
    const deviceId = input.target.id;
    const options = { includeDownloads: input.inputs.includeDownloads === true, aggressive: input.inputs.aggressive === true };
    // Ownership first, from the asset data itself: nothing about another person's device is read.
    const owns = await run.step(
      'check ownership',
      deviceId,
      () => acts.isDeviceOwner({ deviceId, owner: input.caller }),
      (o) => (o ? `${deviceId} belongs to ${input.caller}` : `${deviceId} is not a device of ${input.caller}`),
    );
    if (!owns) return run.finish('refused', `Nothing was cleaned: ${deviceId} is not a device of ${input.caller}.`);
    const check = await run.checkPermission(
      DISK_CLEANUP_ACTION,
      { by: 'id', id: input.caller },
      { by: 'id', id: input.caller },
      grantParams(DISK_CLEANUP_ACTION, { deviceId, ...options }),
      input.directoryOutage,
    );
    if (!check.decision.allowed) return run.finish('refused', `Nothing was cleaned: ${check.decision.reason}`);
    const before = await run.step(
      'measure disk',
      deviceId,
      () => acts.measureDisk({ deviceId }),
      (d) => `${d.usedGb} of ${d.totalGb} GB used`,
    );
    const preview = await run.step(
      'dry run',
      deviceId,
      () => acts.previewDiskCleanup({ deviceId, ...options }),
      (p) => `would free ${round(p.steps.reduce((a, s) => a + s.freedGb, 0))} GB`,
    );
    const expected = round(preview.steps.reduce((a, s) => a + s.freedGb, 0));
    let steps: Array<{ name: string; freedGb: number; ok: boolean; detail?: string }>;
    try {
      ({ steps } = await run.step(
        'clean up',
        deviceId,
        () => acts.cleanDisk({ deviceId, ...options, targetId: input.caller, grant: check.grant }),
        (r) => r.steps.map((s) => `${s.name}: ${s.ok ? `${s.freedGb} GB` : `failed (${s.detail})`}`).join('; '),
      ));
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      return run.finish('failed', `The cleanup of ${deviceId} did not run: ${err.cause?.message ?? err.message}`);
    }
    const after = await run.step(
      'measure disk again',
      deviceId,
      () => acts.measureDisk({ deviceId }),
      (d) => `${d.usedGb} of ${d.totalGb} GB used`,
    );
    const freed = round(before.usedGb - after.usedGb);
    const failed = steps.find((s) => !s.ok);
    if (failed) {
      return run.finish(
        'failed',
        `The cleanup of ${deviceId} stopped at "${failed.name}" (${failed.detail}). It freed ${freed} GB of the ${expected} GB expected; ${after.usedGb} of ${after.totalGb} GB are in use.`,
      );
    }
    return run.finish(
      'resolved',
      `Freed ${freed} GB on ${deviceId} (expected ${expected} GB): ${after.usedGb} of ${after.totalGb} GB are in use now, ${before.usedGb} before.`,
    );
  });
}

/** A user whose account is locked after failed sign-ins unlocks it. */
export async function unlockAccount(input: SelfServiceInput): Promise<ResolutionRecord> {
  const run = selfServiceRun(input);
  return run.guard(async () => {
    const check = await run.checkPermission(
      ACCOUNT_UNLOCK_ACTION,
      { by: 'id', id: input.caller },
      { by: 'id', id: input.target.id },
      grantParams(ACCOUNT_UNLOCK_ACTION, {}),
      input.directoryOutage,
    );
    if (!check.decision.allowed) return run.finish('refused', `The account was not unlocked: ${check.decision.reason}`);
    const result = await run.step(
      'unlock account',
      input.target.id,
      () => acts.unlockAccount({ userId: input.target.id, grant: check.grant }),
      (r) => (r.wasLocked ? 'lockout cleared' : 'was not locked'),
    );
    return run.finish(
      'resolved',
      result.wasLocked
        ? `The account ${input.target.id} is unlocked; you can sign in again.`
        : `The account ${input.target.id} was not locked; nothing changed.`,
    );
  });
}

/**
 * Reinstalls approved software on the caller's own device, after the approval the catalog asks for
 * (never by the caller), with a fresh permission check after the wait.
 */
export async function softwareReinstall(input: SelfServiceInput): Promise<ResolutionRecord> {
  const run = selfServiceRun(input);
  return run.guard(async () => {
    const deviceId = input.target.id;
    const softwareId = String(input.inputs.software);
    const plan = await run.step(
      'check the software catalog',
      input.caller,
      () => acts.planSoftwareInstall({ softwareId, targetId: input.caller, deviceId }),
      (p) => (p.assessment.ok ? `${p.assessment.item.name} ${p.assessment.item.version}` : p.assessment.reason),
    );
    if (!plan.assessment.ok) return run.finish('refused', `Nothing was reinstalled: ${plan.assessment.message}`);
    const item = plan.assessment.item;

    if (input.approval.kind !== 'none') {
      // Manager approval: the caller's manager; group approval: any member of the group (never the caller).
      const approvers = input.approval.kind === 'manager' ? plan.approvers : [];
      const approverGroup = input.approval.kind === 'group' ? input.approval.group : undefined;
      if (approvers.length === 0 && !approverGroup)
        return run.finish('refused', `Nothing was reinstalled: ${input.caller} has no manager in the directory to approve it. Ask the service desk.`);
      const given = await new ApprovalGate(run).wait({ approvers, approverGroup, requester: input.caller }, input.approvalTimeoutMs ?? 3 * 24 * 3_600_000);
      if (!given) return run.finish('escalated', `No approval for ${item.name} arrived in time; nothing was reinstalled.`);
      if (!given.approve) return run.finish('refused', `${given.approver} did not approve reinstalling ${item.name}.`);
    }

    const check = await run.checkPermission(
      SOFTWARE_INSTALL_ACTION,
      { by: 'id', id: input.caller },
      { by: 'id', id: input.caller },
      grantParams(SOFTWARE_INSTALL_ACTION, { softwareId: item.id, deviceId }),
      input.directoryOutage,
    );
    if (!check.decision.allowed) return run.finish('refused', `Nothing was reinstalled: ${check.decision.reason}`);
    try {
      await run.step(
        'reinstall software',
        deviceId,
        () => acts.installSoftware({ deviceId, software: { id: item.id, version: item.version }, targetId: input.caller, grant: check.grant }),
        (r) => (r.alreadyInstalled ? 'present; repaired in place' : 'installed'),
      );
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      return run.finish('failed', `${item.name} could not be reinstalled on ${deviceId}: ${err.cause?.message ?? err.message}`);
    }
    return run.finish('resolved', `${item.name} ${item.version} was reinstalled on ${deviceId}.`);
  });
}
