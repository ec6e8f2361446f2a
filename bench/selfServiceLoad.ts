// Self-service at load: N concurrent requests from N distinct users over real HTTP (JWT, guardrails,
// audit entry, start), all the way to completion, beside N bare starts of the same workflow type
// with the same input, executed to completion by the same worker.
import type { SelfServiceInput } from '../src/workflows/selfService.js';
import { token } from '../test/helpers/selfService.js';
import { deviceOf, userId, type BenchContext } from './context.js';
import { timeFigure } from './core.js';
import { startedAs } from './direct.js';
import { figure } from './report.js';
import { p50, p99 } from './stats.js';

export async function selfServiceFigures(ctx: BenchContext): Promise<void> {
  const group = 'Self-service';
  const baselineIs =
    "The same number of bare client.workflow.start calls of the same workflow type with the same input (read back from the first request's history), all at once, executed to completion by the same worker.";
  const { stack } = ctx;
  const users = Math.max(...ctx.settings.selfService);
  const tokens = await Promise.all(Array.from({ length: users }, (_, i) => token(userId(i + 1), { expiresIn: '1h' })));
  for (const [round, n] of ctx.settings.selfService.entries()) {
    // The first load unlocks accounts, the next ones clean disks: disk cleanup has a one-hour
    // cooldown per user, so the same users cannot clean twice in one run.
    const automation = round === 0 ? 'unlock-account' : 'disk-cleanup';
    const t0 = performance.now();
    const latencies: number[] = [];
    const answers = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const t = performance.now();
        const res = await fetch(`${stack.apiUrl}/self-service/requests`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[i]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ automation, inputs: automation === 'unlock-account' ? {} : { device: deviceOf(i + 1) } }),
        });
        const body = (await res.json()) as { requestId?: string; error?: string };
        latencies.push(performance.now() - t);
        return { status: res.status, body };
      }),
    );
    const accepted = answers.filter((a) => a.status === 202);
    const errors = answers.filter((a) => a.status >= 500).length;
    const outcomes = await Promise.all(
      accepted.map((a) =>
        stack.client.workflow
          .getHandle(a.body.requestId!)
          .result()
          .then(
            () => true,
            () => false,
          ),
      ),
    );
    const wall = performance.now() - t0;
    if (accepted.length === 0)
      throw new Error(`bench: no self-service request was accepted; first answer ${answers[0]?.status}: ${JSON.stringify(answers[0]?.body)}`);

    const template = await startedAs(stack.client, accepted[0]!.body.requestId!);
    const first = template.args[0] as SelfServiceInput;
    const b0 = performance.now();
    const rawLatencies: number[] = [];
    const handles = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const input: SelfServiceInput = {
          ...first,
          caller: userId(i + 1),
          requestedAt: new Date().toISOString(),
          target: { ...first.target, id: first.target.kind === 'device' ? deviceOf(i + 1) : userId(i + 1) },
          inputs: 'device' in first.inputs ? { ...first.inputs, device: deviceOf(i + 1) } : first.inputs,
        };
        const t = performance.now();
        const handle = await stack.client.workflow.start(template.type, {
          taskQueue: template.taskQueue,
          workflowId: `bench-self-direct-${round}-${i}`,
          args: [input],
        });
        rawLatencies.push(performance.now() - t);
        return handle;
      }),
    );
    const directOutcomes = await Promise.all(
      handles.map((h) =>
        h.result().then(
          () => true,
          () => false,
        ),
      ),
    );
    const rawWall = performance.now() - b0;
    const label = `${n.toLocaleString('en-US')} concurrent users, ${automation}`;
    ctx.figures.push(timeFigure(group, `self-service acceptance p50 (${label})`, p50(latencies), p50(rawLatencies), baselineIs));
    ctx.figures.push(timeFigure(group, `self-service acceptance p99 (${label})`, p99(latencies), p99(rawLatencies), baselineIs));
    ctx.figures.push(
      figure(
        group,
        `self-service all completed, wall time (${label})`,
        wall / 1000,
        rawWall / 1000,
        's',
        baselineIs,
        `ours: ${accepted.length} × 202, ${outcomes.filter(Boolean).length} completed, ${errors} × 5xx; baseline: ${handles.length} started, ${directOutcomes.filter(Boolean).length} completed`,
      ),
    );
  }
}
