import { ENDPOINT_REMEDIATE_ACTION, grantParams } from '../domain/actions/catalog.js';
import { ActivityFailure, condition, setHandler } from '@temporalio/workflow';
import type { DirectoryOutagePolicy } from '../domain/permissions/outage.js';
import type { WorkflowTicket } from '../domain/tickets/ticket.js';
import type { TreeSet, SessionState } from '../domain/trees/navigation.js';
import { answerQuestion, back, confirmAction, nextStep, recordAction, recordCheck, startSession, view } from '../domain/trees/navigation.js';
import type { ResolutionRecord } from '../domain/records/resolution.js';
import { answerUpdate, backUpdate, sessionQuery, type Responder, type SessionView } from './messages.js';
import { acts, now, SupportRun } from './shared/supportRun.js';

export interface TroubleshootInput {
  /** The root tree and every subtree it uses, as they were when the session started (pinned). */
  trees: TreeSet;
  root: string;
  /** Content hash of the trees: the version recorded. */
  version: string;
  ticket: WorkflowTicket | null;
  /** The person whose device is diagnosed; from the ticket's requester when absent. */
  user?: { id: string };
  deviceId?: string;
  /** Remind after this long without an answer, escalate after that. Defaults 30 min and 4 h. */
  remindAfterMs?: number;
  escalateAfterMs?: number;
  humanQueue?: string;
  directoryOutage?: DirectoryOutagePolicy;
}

const CONFIRM = 'confirm';
const SKIP = 'skip';

/**
 * A guided troubleshooting session: walks a decision tree, runs the checks and remediations itself
 * and asks the staff member (Updates) only what a machine cannot know.
 */
export async function troubleshootSession(input: TroubleshootInput): Promise<ResolutionRecord> {
  const run = new SupportRun(input.ticket, { requesterId: input.user?.id ?? null, receivedAt: now() });
  return run.guard(async () => {
    const queue = input.humanQueue ?? 'service-desk';
    const responders = input.trees[input.root]?.responders ?? ['helpdesk'];
    let state: SessionState = startSession(input.trees, input.root, now());
    let waiting = false;
    let lastResponder: string | null = null;
    let working = 'starting';
    let revision = 0;

    const sessionView = (): SessionView => {
      const v = view(input.trees, state);
      const step = state.done ? null : nextStep(input.trees, state);
      const confirmChoices =
        step?.kind === 'confirm'
          ? [
              { id: CONFIRM, label: 'Confirm and run it' },
              { id: SKIP, label: 'Skip it' },
            ]
          : undefined;
      return {
        workflowId: run.record.workflow.workflowId,
        tree: v.tree,
        version: input.version,
        status: state.done ? 'done' : waiting ? 'waiting' : 'working',
        node: v.node,
        kind: v.kind,
        prompt: v.prompt ?? v.confirm,
        help: v.help,
        choices: v.choices ?? confirmChoices,
        title: v.title ?? (waiting ? undefined : working),
        done: v.done,
        path: v.path,
      };
    };
    const allowed = (r: Responder) => {
      if (!r || typeof r.id !== 'string' || !Array.isArray(r.groups)) throw new Error('responder needs an id and the groups the staff API looked up');
      if (!r.groups.some((g) => responders.includes(g))) throw new Error(`${r.id} is not in ${responders.join(' or ')}, who answer this tree`);
    };
    const apply = (next: SessionState, by: string) => {
      state = next;
      lastResponder = by;
      revision++;
    };

    // The session path goes into the record before it is filed, however the session ends.
    run.beforeFinish = () => {
      const prompts = new Map<string, string>();
      for (const tree of Object.values(input.trees)) for (const n of tree.nodes) if (n.kind === 'question') prompts.set(`${tree.id}/${n.id}`, n.prompt);
      run.record = {
        ...run.record,
        troubleshooting: {
          tree: input.root,
          version: input.version,
          kb: state.done?.kb ?? null,
          path: state.path.map((p) => ({ ...p, prompt: prompts.get(`${p.tree}/${p.node}`) })),
        },
      };
    };

    setHandler(sessionQuery, sessionView);
    setHandler(
      answerUpdate,
      (a) => {
        const step = nextStep(input.trees, state);
        apply(
          step.kind === 'confirm'
            ? confirmAction(input.trees, state, { node: a.node, confirm: a.choice === CONFIRM, by: a.responder.id, at: now() })
            : answerQuestion(input.trees, state, { node: a.node, choice: a.choice, by: a.responder.id, at: now() }),
          a.responder.id,
        );
        return sessionView();
      },
      {
        validator: (a) => {
          allowed(a?.responder);
          if (!waiting) throw new Error('the session is not waiting for an answer right now');
          const step = nextStep(input.trees, state);
          // Dry-run the answer: navigation names an answer to an old node or a choice that does not exist.
          if (step.kind === 'confirm') {
            if (a.node !== step.node.id) throw new Error(`answer for "${a.node}" but the session is at "${step.node.id}"`);
            if (a.choice !== CONFIRM && a.choice !== SKIP) throw new Error(`no choice "${a.choice}" at "${step.node.id}"; choices: ${CONFIRM}, ${SKIP}`);
          } else answerQuestion(input.trees, state, { node: a.node, choice: a.choice, by: a.responder.id, at: now() });
        },
      },
    );
    setHandler(
      backUpdate,
      (b) => {
        apply(back(input.trees, state), b.responder.id);
        return sessionView();
      },
      {
        validator: (b) => {
          allowed(b?.responder);
          if (!waiting && !state.done) throw new Error('wait until the session asks again before going back');
          back(input.trees, state);
        },
      },
    );

    // Whose device: given, or the ticket requester's.
    let user = input.user?.id ?? null;
    let deviceId = input.deviceId ?? null;
    if (!deviceId) {
      const externalId = input.ticket?.requesterExternalId;
      const found =
        externalId && input.ticket
          ? await run.step(
              'find the device',
              null,
              () => acts.deviceOf({ by: 'externalId', system: input.ticket!.source, externalId }),
              (d) => (d ? `${d.deviceId} of ${d.userId}` : 'none found'),
            )
          : user
            ? await run.step(
                'find the device',
                user,
                () => acts.deviceOf({ by: 'id', id: user! }),
                (d) => (d ? `${d.deviceId} of ${d.userId}` : 'none found'),
              )
            : null;
      if (found) {
        user = found.userId;
        deviceId = found.deviceId;
      }
    }
    run.record = { ...run.record, target: deviceId, requester: { ...run.record.requester, userId: user } };

    const remindAfter = input.remindAfterMs ?? 30 * 60_000;
    const escalateAfter = input.escalateAfterMs ?? 4 * 3_600_000;

    for (;;) {
      const step = nextStep(input.trees, state);
      if (step.kind === 'done') break;
      if (run.closedBy) return run.cancelledByTicket();

      if (step.kind === 'ask' || step.kind === 'confirm') {
        const seen = revision;
        waiting = true;
        let answered = await condition(() => revision !== seen || run.closedBy !== null, remindAfter);
        if (!answered) {
          const prompt = step.kind === 'ask' ? step.node.prompt : step.node.confirm;
          if (run.ticket) {
            const ticket = run.ticket;
            await run.step(
              'remind',
              ticket.key,
              () => acts.commentOnTicket({ ticket, body: `Troubleshooting is waiting for an answer: "${prompt}"`, visibility: 'internal' }),
              () => 'reminder posted',
            );
          }
          answered = await condition(() => revision !== seen || run.closedBy !== null, Math.max(0, escalateAfter - remindAfter));
        }
        waiting = false;
        if (!answered) {
          const text = `Troubleshooting stopped at "${step.node.id}": no answer came in time. A person will take over.`;
          await run.handOff(text, queue, 'no_answer');
          return run.finish('escalated', text);
        }
        continue;
      }

      if (!deviceId || !user) {
        const text = 'Troubleshooting needs a managed device of the requester, and none was found. A person will take over.';
        await run.handOff(text, queue, 'no_device');
        return run.finish('escalated', text);
      }
      const device = deviceId;
      if (step.kind === 'check') {
        working = step.node.title;
        const node = step.node;
        const result = await run.step(
          `check: ${node.title}`,
          device,
          () => acts.runDiagnostic({ deviceId: device, check: node.check, args: node.args }),
          summarise,
        );
        state = recordCheck(input.trees, state, { node: node.id, result, at: now() });
        continue;
      }

      // An action: the staff member who confirmed (or last answered) asks for it; permission first.
      working = step.node.title;
      const node = step.node;
      const actor = lastResponder;
      let ok = false;
      let detail: string;
      if (!actor) {
        detail = 'no staff member has answered yet, so nobody can ask for a remediation';
      } else {
        const check = await run.checkPermission(
          node.permission,
          { by: 'id', id: actor },
          { by: 'id', id: user },
          grantParams(ENDPOINT_REMEDIATE_ACTION, { deviceId: device, remediation: node.action }),
          input.directoryOutage,
        );
        if (!check.decision.allowed) detail = `not allowed: ${check.decision.reason}`;
        else {
          try {
            const r = await run.step(
              node.title,
              device,
              () => acts.runRemediation({ deviceId: device, action: node.action, args: node.args, targetId: user!, grant: check.grant }),
              (x) => x.detail,
            );
            ok = r.ok;
            detail = r.detail;
          } catch (err) {
            if (!(err instanceof ActivityFailure)) throw err;
            detail = err.cause?.message ?? err.message;
          }
        }
      }
      state = recordAction(input.trees, state, { node: node.id, ok, detail, at: now() });
    }

    const done = state.done!;
    const kb = done.kb ? ` (see ${done.kb})` : '';
    if (done.outcome === 'resolved') {
      if (run.ticket) {
        const ticket = run.ticket;
        await run.step(
          'comment on ticket',
          ticket.key,
          () => acts.commentOnTicket({ ticket, body: `${done.text}${kb}`, visibility: 'public' }),
          () => 'told the requester',
        );
        await run.step(
          'resolve ticket',
          ticket.key,
          () => acts.resolveTicket({ ticket, note: done.text }),
          () => 'resolved',
        );
      }
      return run.finish('resolved', done.text);
    }
    await run.handOff(`${done.text}${kb}`, done.queue ?? queue, `troubleshooting ${done.outcome} at ${done.node}`);
    return run.finish('escalated', done.text);
  });
}

function summarise(result: Record<string, string | number | boolean>): string {
  return Object.entries(result)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}
