import { z } from 'zod';
import { checkUniqueIds, ALWAYS } from '../errors.js';
import type { UserFacts } from '../permissions/directory.js';

export const SoftwareItem = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  name: z.string().min(1),
  version: z.string().min(1),
  /** free: no licence cost; licensed: a paid seat; restricted: security-sensitive tooling. */
  licence: z.enum(['free', 'licensed', 'restricted']),
  /** Directory groups whose members may have it installed (any of). */
  audience: z.array(z.string().min(1)).min(1),
  /** Who must approve before installation. */
  approval: z.enum(['none', 'manager']),
  platforms: z.array(z.enum(['windows', 'macos', 'linux'])).min(1),
});
export type SoftwareItem = z.infer<typeof SoftwareItem>;

export const SoftwareCatalog = z
  .strictObject({ software: z.array(SoftwareItem) })
  .superRefine((c, ctx) => checkUniqueIds(ctx, (c as { software?: unknown } | null | undefined)?.software, ['software'], 'software'), ALWAYS);
export type SoftwareCatalog = z.infer<typeof SoftwareCatalog>;

export type SoftwareAssessment =
  | { ok: true; item: Pick<SoftwareItem, 'id' | 'name' | 'version' | 'licence'>; approval: 'none' | 'manager' }
  | { ok: false; reason: 'unknown_software' | 'not_in_audience' | 'no_manager' | 'unsupported_platform'; message: string };

/** Whether the target may have this software on this platform, and who must approve it first. */
export function assessSoftware(catalog: SoftwareCatalog, softwareId: string, target: UserFacts, platform: string | null): SoftwareAssessment {
  const item = catalog.software.find((s) => s.id === softwareId);
  if (!item) return { ok: false, reason: 'unknown_software', message: `"${softwareId}" is not in the software catalog.` };
  if (!item.audience.some((g) => target.groups.includes(g))) {
    return { ok: false, reason: 'not_in_audience', message: `${item.name} is available to members of ${item.audience.join(', ')} only.` };
  }
  if (platform !== null && !(item.platforms as string[]).includes(platform)) {
    return { ok: false, reason: 'unsupported_platform', message: `${item.name} is not available for ${platform}.` };
  }
  if (item.approval === 'manager' && !target.manager) {
    return { ok: false, reason: 'no_manager', message: `${item.name} needs the approval of a manager, and ${target.id} has none in the directory.` };
  }
  return { ok: true, item: { id: item.id, name: item.name, version: item.version, licence: item.licence }, approval: item.approval };
}

export interface ApprovalAnswer {
  approver: string;
  approve: boolean;
  comment?: string;
  /** The approver's directory groups, as the trusted API looked them up (for group approvals). */
  approverGroups?: string[];
}

/**
 * Validates an approval answer against the approvers allowed for this request: only a listed
 * approver, never the requester (no self-approval), and only while an approval is awaited.
 */
export function approvalProblem(
  answer: ApprovalAnswer,
  state: { waiting: boolean; approvers: readonly string[]; requester: string; approverGroup?: string },
): string | null {
  if (!state.waiting) return 'no approval is awaited for this request';
  if (typeof answer?.approver !== 'string' || typeof answer.approve !== 'boolean')
    return 'an answer needs approver (a directory id) and approve (true or false)';
  if (answer.comment !== undefined && (typeof answer.comment !== 'string' || answer.comment.length > 2000))
    return 'a comment is text of at most 2000 characters';
  if (answer.approver === state.requester) return 'the requester cannot approve their own request';
  if (state.approvers.includes(answer.approver)) return null;
  if (state.approverGroup && Array.isArray(answer.approverGroups) && answer.approverGroups.includes(state.approverGroup)) return null;
  const who = [...state.approvers, ...(state.approverGroup ? [`members of ${state.approverGroup}`] : [])].join(', ');
  return `${answer.approver} may not approve this request (approvers: ${who})`;
}
