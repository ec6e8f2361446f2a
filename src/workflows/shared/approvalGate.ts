import { condition, setHandler } from '@temporalio/workflow';
import { approvalProblem, type ApprovalAnswer } from '../../domain/endpoints/software.js';
import { approvalUpdate } from '../messages.js';
import { now, type SupportRun } from './supportRun.js';

/**
 * A pending approval, answered through the `approve` Update. The handler is registered when the
 * gate is made; until `wait` is called the validator refuses every answer ("no approval is
 * awaited"), and it never lets the requester, or anyone who is not an approver, answer.
 */
export class ApprovalGate {
  private answer: ApprovalAnswer | null = null;
  private readonly state: { waiting: boolean; approvers: string[]; requester: string; approverGroup?: string } = {
    waiting: false,
    approvers: [],
    requester: '',
  };

  constructor(private readonly run: SupportRun) {
    setHandler(
      approvalUpdate,
      (a) => {
        this.answer = a;
        this.state.waiting = false;
        run.progress.waitingFor = null;
        run.record = {
          ...run.record,
          approvals: [...run.record.approvals, { approver: a.approver, decision: a.approve ? 'approved' : 'rejected', comment: a.comment ?? null, at: now() }],
        };
        return { accepted: true, decision: a.approve ? 'approved' : 'rejected' };
      },
      {
        validator: (a) => {
          const problem = approvalProblem(a, this.state);
          if (problem) throw new Error(problem);
        },
      },
    );
  }

  /** Waits for an answer: null when none came in time, or when people closed the ticket meanwhile. */
  async wait(who: { approvers: string[]; approverGroup?: string; requester: string }, timeoutMs: number): Promise<ApprovalAnswer | null> {
    // Each wait takes a fresh answer (a definition may ask for several approvals in turn).
    this.answer = null;
    Object.assign(this.state, who, { waiting: true });
    this.run.progress.waitingFor = {
      kind: 'approval',
      approvers: who.approverGroup ? [...who.approvers, `group:${who.approverGroup}`] : who.approvers,
      since: now(),
    };
    await condition(() => this.answer !== null || this.run.closedBy !== null, timeoutMs);
    this.run.progress.waitingFor = null;
    this.state.waiting = false;
    return this.answer;
  }
}
