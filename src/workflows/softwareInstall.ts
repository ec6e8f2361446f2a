import { ActivityFailure } from '@temporalio/workflow';
import { grantParams, SOFTWARE_INSTALL_ACTION } from '../domain/actions/catalog.js';
import type { DirectoryOutagePolicy } from '../domain/permissions/outage.js';
import { denialOutcome } from '../domain/permissions/permission.js';
import type { ResolutionRecord } from '../domain/records/resolution.js';
import type { WorkflowTicket } from '../domain/tickets/ticket.js';
import { ApprovalGate } from './shared/approvalGate.js';
import { acts, SupportRun } from './shared/supportRun.js';

export interface SoftwareInstallInput {
  ticket: WorkflowTicket;
  /** Catalog id (content/software.yaml). */
  softwareId: string;
  /** Whose device; the requester's when absent. */
  targetAccount?: string;
  deviceId?: string;
  humanQueue?: string;
  /** How long to wait for an approval before handing the ticket to people. Default 3 days. */
  approvalTimeoutMs?: number;
  directoryOutage?: DirectoryOutagePolicy;
}

/**
 * Software from the catalog, requested through a ticket: permission and catalog rules, the
 * manager's approval when the catalog asks for it (never the requester's own), a fresh permission
 * check after the wait, the install through the endpoint tool, then the ticket.
 */
export async function softwareInstall(input: SoftwareInstallInput): Promise<ResolutionRecord> {
  const run = new SupportRun(input.ticket);
  return run.guard(async () => {
    const queue = input.humanQueue ?? 'service-desk';
    const externalId = input.ticket.requesterExternalId;
    const stop = async (outcome: 'refused' | 'escalated' | 'failed', reason: string, comment: string) => {
      await run.handOff(comment, queue, reason);
      return run.finish(outcome, comment);
    };
    if (!externalId)
      return stop(
        'escalated',
        'requester_not_found',
        'Software installation could not run: requester not found in directory. The ticket has been routed to the service desk.',
      );

    // Approvals are answered through an Update; until one is awaited, the validator refuses them.
    const gate = new ApprovalGate(run);

    const requesterLookup = { by: 'externalId', system: input.ticket.source, externalId } as const;
    const targetLookup = input.targetAccount ? ({ by: 'id', id: input.targetAccount } as const) : requesterLookup;
    const first = await run.checkPermission(
      SOFTWARE_INSTALL_ACTION,
      requesterLookup,
      targetLookup,
      grantParams(SOFTWARE_INSTALL_ACTION, { softwareId: input.softwareId, deviceId: input.deviceId ?? null }),
      input.directoryOutage,
    );
    const requester = first.requester;
    const target = first.target;
    run.record = { ...run.record, requester: { externalId, userId: requester?.id ?? null }, target: target?.id ?? input.targetAccount ?? null };
    if (!first.decision.allowed || !requester || !target) {
      return stop(
        denialOutcome(first.decision.rule),
        first.decision.rule,
        `The software was not installed: ${first.decision.reason} The ticket has been routed to the service desk.`,
      );
    }

    const plan = await run.step(
      'check the software catalog',
      target.id,
      () => acts.planSoftwareInstall({ softwareId: input.softwareId, targetId: target.id, deviceId: input.deviceId }),
      (p) => (p.assessment.ok ? `${p.assessment.item.name} ${p.assessment.item.version}, approval: ${p.assessment.approval}` : p.assessment.reason),
    );
    if (!plan.assessment.ok)
      return stop(
        'refused',
        plan.assessment.reason,
        `The software was not installed: ${plan.assessment.message} The ticket has been routed to the service desk.`,
      );
    if (!plan.device)
      return stop(
        'escalated',
        'no_device',
        `No managed device of ${target.id} was found to install ${plan.assessment.item.name} on. The ticket has been routed to the service desk.`,
      );
    const { item } = plan.assessment;
    const device = plan.device;

    if (plan.assessment.approval === 'manager') {
      await run.step(
        'ask for approval',
        target.manager ?? null,
        () =>
          acts.commentOnTicket({
            ticket: run.ticketRef,
            body: `${item.name} needs the approval of ${plan.approvers.join(' or ')} before it is installed on ${device.id}. We will carry on as soon as they answer.`,
            visibility: 'public',
          }),
        () => `waiting for ${plan.approvers.join(', ')}`,
      );
      const given = await gate.wait({ approvers: plan.approvers, requester: requester.id }, input.approvalTimeoutMs ?? 3 * 24 * 3_600_000);
      if (run.closedBy) return run.cancelledByTicket();
      if (!given)
        return stop(
          'escalated',
          'approval_timed_out',
          `No approval for ${item.name} arrived in time, so it was not installed. The ticket has been routed to the service desk.`,
        );
      if (!given.approve)
        return stop(
          'refused',
          'approval_rejected',
          `${given.approver} did not approve ${item.name}${given.comment ? `: ${given.comment}` : ''}. Nothing was installed.`,
        );
    }

    // State may have changed while waiting (account disabled, device reassigned): check again, and
    // the install uses the fresh grant.
    const params = grantParams(SOFTWARE_INSTALL_ACTION, { softwareId: item.id, deviceId: device.id });
    const fresh = await run.checkPermission(SOFTWARE_INSTALL_ACTION, requesterLookup, { by: 'id', id: target.id }, params, input.directoryOutage);
    if (!fresh.decision.allowed)
      return stop('refused', fresh.decision.rule, `The software was not installed: ${fresh.decision.reason} The ticket has been routed to the service desk.`);
    if (run.closedBy) return run.cancelledByTicket();
    try {
      const result = await run.step(
        'install software',
        device.id,
        () => acts.installSoftware({ deviceId: device.id, software: { id: item.id, version: item.version }, targetId: target.id, grant: fresh.grant }),
        (r) => (r.alreadyInstalled ? `${item.name} ${item.version} was already installed` : `installed ${item.name} ${item.version}`),
      );
      const summary = result.alreadyInstalled
        ? `${item.name} ${item.version} is already installed on ${device.id}; nothing needed to change.`
        : `${item.name} ${item.version} has been installed on ${device.id}. It will appear after the next sign-in or restart.`;
      await run.step(
        'comment on ticket',
        run.ticketRef.key,
        () => acts.commentOnTicket({ ticket: run.ticketRef, body: summary, visibility: 'public' }),
        () => 'told the requester',
      );
      await run.step(
        'resolve ticket',
        run.ticketRef.key,
        () => acts.resolveTicket({ ticket: run.ticketRef, note: summary }),
        () => 'resolved',
      );
      return run.finish('resolved', summary);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      return stop(
        'failed',
        'install_failed',
        `${item.name} could not be installed on ${device.id} (${err.cause?.message ?? err.message}). The ticket has been routed to the service desk.`,
      );
    }
  });
}
