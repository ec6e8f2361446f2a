// End-to-end time of each scenario of `npm run demo`, through the real HTTP API and worker of the
// bench's embedded stack, beside the same workflow type and input started directly through the
// Temporal client (approvals and answers sent through the client library, no HTTP, no polling).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { submitApproval, withDirectoryGroups } from '../src/client/approvals.js';
import { definitionRunInput, startDefinitionRun } from '../src/client/definitions.js';
import type { RunStatus } from '../src/client/runStatus.js';
import { answerSession } from '../src/client/troubleshooting.js';
import { PROJECT_ROOT } from '../src/config/index.js';
import type { ResolutionRecord } from '../src/domain/records/resolution.js';
import type { TicketSource } from '../src/domain/tickets/ticket.js';
import { progressQuery, sessionQuery } from '../src/workflows/messages.js';
import { token } from '../test/helpers/selfService.js';
import { deviceOf, signedHeaders, userId, type BenchContext } from './context.js';
import { startedAs } from './direct.js';
import { figure } from './report.js';
import { p50, sleep, until } from './stats.js';

const POLL_MS = 10;
const sample = (path: string) => JSON.parse(readFileSync(join(PROJECT_ROOT, 'content/samples', path), 'utf8'));

let serial = 0;
/** A Jira delivery of the demo's sample with a fresh key, changed as the scenario needs. */
function jira(change: (body: any) => void = () => {}) {
  const n = 5000 + ++serial;
  const body = sample('jira/password-reset-created.json');
  body.issue.key = `ITSM-${n}`;
  body.issue.id = String(10000 + n);
  change(body);
  return body;
}
function servicenow() {
  const n = 20000 + ++serial;
  const body = sample('servicenow/incident-created.json');
  body.incident.number = `INC00${n}`;
  body.incident.sys_id = randomBytes(16).toString('hex');
  return body;
}
function zendesk() {
  const n = 90000 + ++serial;
  const body = sample('zendesk/ticket-created.json');
  body.ticket.id = String(n);
  body.ticket.url = `acme.zendesk.com/agent/tickets/${n}`;
  return body;
}

/** One end-to-end run: the workflow id it made, and its outcome. */
interface Ran {
  workflowId: string;
  outcome: string;
}

interface Scenario {
  name: string;
  /** Puts the simulated world back as the demo finds it (device faults, installed software, stock). */
  reset?(ctx: BenchContext, run: number): void | Promise<void>;
  /** Through the API (or the client library, where the demo uses it), to the end of the run. */
  ours(ctx: BenchContext, run: number): Promise<Ran>;
  /** Prepares the baseline (outside the timing) from the run `ours` made; the returned function is timed. */
  direct(ctx: BenchContext, ours: string, run: number): Promise<() => Promise<string>>;
  /** Cleans up after each run, ours and the baseline's (outside the timing). */
  after?(ctx: BenchContext, run: number): void | Promise<void>;
}

async function postTicket(ctx: BenchContext, source: TicketSource, body: unknown): Promise<string> {
  const raw = JSON.stringify(body);
  const res = await fetch(`${ctx.stack.apiUrl}/webhooks/${source}`, { method: 'POST', headers: signedHeaders(ctx.secrets, source, raw), body: raw });
  const answer = (await res.json()) as { workflowId?: string };
  if (res.status !== 202 || !answer.workflowId) throw new Error(`bench: POST /webhooks/${source} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer.workflowId;
}

const getRun = async (ctx: BenchContext, workflowId: string) =>
  (await (await fetch(`${ctx.stack.apiUrl}/workflows/${workflowId}`, { headers: { authorization: `Bearer ${ctx.adminToken}` } })).json()) as RunStatus;

/** GET /workflows/:id every 10 ms until the run is no longer running. */
async function followOverHttp(ctx: BenchContext, workflowId: string): Promise<Ran> {
  const run = await until(
    `${workflowId} to finish`,
    async () => {
      const r = await getRun(ctx, workflowId);
      return r.status !== 'RUNNING' && r;
    },
    { everyMs: POLL_MS, timeoutMs: 120_000 },
  );
  return { workflowId, outcome: String(run.result?.outcome ?? run.status.toLowerCase()) };
}

/** Webhook in, then followed over HTTP. */
const ticketScenario = (name: string, source: TicketSource, body: () => unknown, reset?: Scenario['reset']): Scenario => ({
  name,
  reset,
  ours: async (ctx) => followOverHttp(ctx, await postTicket(ctx, source, body())),
  direct: (ctx, ours, run) => directRun(ctx, ours, run),
});

/** The run `ours` started, started again as-is under another id through the client; `interact` answers what it waits for. */
async function directRun(ctx: BenchContext, ours: string, run: number, interact?: (handle: WorkflowHandle) => Promise<void>): Promise<() => Promise<string>> {
  const as = await startedAs(ctx.stack.client, ours);
  return async () => {
    const handle = await ctx.stack.client.workflow.start(as.type, { taskQueue: as.taskQueue, workflowId: `${ours}-direct-${run}`, args: as.args });
    if (interact) await interact(handle);
    return String(((await handle.result()) as ResolutionRecord).outcome);
  };
}

/** jdoe's laptop as content/fleet.yaml has it: off the network (self-assigned address), no Acrobat. */
async function resetLaptop(ctx: BenchContext): Promise<void> {
  const fleet = ctx.stack.adapters.endpoints;
  const device = ctx.stack.content.fleet.devices.find((d) => d.id === 'LT-0042');
  if (!device) throw new Error('bench: content/fleet.yaml has no LT-0042 (the demo laptop)');
  for (const [check, result] of Object.entries(device.faults)) fleet.setFault(device.id, check, result);
  await fleet.uninstallSoftware(device.id, 'acrobat-pro');
}

const staff = (ctx: BenchContext, path: string, payload?: unknown) =>
  fetch(`${ctx.stack.apiUrl}${path}`, {
    method: payload === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ctx.adminToken}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });

const approval = { approver: 'asmith', approve: true, comment: 'needed for the audit' };
/** The demo's answers of sam.helper in the network tree; any other question gets its first choice. */
const troubleshootingAnswers: Record<string, string> = { scope: 'only-this-user', 'renew-dhcp': 'confirm', 'dhcp-works': 'works' };

const onboardingInputs = (employeeId: string) => ({
  employeeId,
  displayName: 'Maria Lopez',
  role: 'engineer',
  extraGroups: ['finance'],
  laptopModel: 'standard-14',
});

/** Runs of a definition, started as the CLI does (startDefinitionRun) and followed by describe + query, like the demo. */
async function onboard(ctx: BenchContext, _employeeId: string, workflowId: string, inputs: Record<string, unknown>): Promise<Ran> {
  const { stack, config } = ctx;
  await startDefinitionRun({
    client: stack.client,
    taskQueue: config.temporal.queues.definitions,
    content: stack.content,
    definition: 'onboarding',
    inputs,
    requester: { by: 'id', id: 'kim.admin' },
    workflowId,
    vault: stack.adapters.store,
  });
  const handle = stack.client.workflow.getHandle(workflowId);
  await until(`${workflowId} to finish`, async () => (await handle.describe()).status.name !== 'RUNNING', { everyMs: POLL_MS, timeoutMs: 120_000 });
  return { workflowId, outcome: String(((await handle.result()) as ResolutionRecord).outcome) };
}

/** The same onboarding input executed through client.workflow.execute, under a fresh employee id. */
function onboardDirect(ctx: BenchContext, employeeId: string, workflowId: string): () => Promise<string> {
  const { stack, config } = ctx;
  return async () => {
    const input = await definitionRunInput(
      stack.content,
      { definition: 'onboarding', inputs: onboardingInputs(employeeId), requester: { by: 'id', id: 'kim.admin' } },
      { vault: stack.adapters.store, workflowId },
    );
    const record = (await stack.client.workflow.execute('definitionRun', {
      taskQueue: config.temporal.queues.definitions,
      workflowId,
      args: [input],
    })) as ResolutionRecord;
    return String(record.outcome);
  };
}

/** The laptop a run handed out goes back to stock, so every run finds the stock the demo finds. */
async function returnLaptops(ctx: BenchContext, employeeId: string): Promise<void> {
  const fleet = ctx.stack.adapters.endpoints;
  for (const d of await fleet.devicesOf(employeeId)) fleet.returnToStock(d.id);
}

const failAssetTool = (ctx: BenchContext) => {
  for (let i = 0; i < 3; i++) ctx.stack.adapters.assets.failNext('assign', { error: new Error('asset tool answered 503 (simulated outage)') });
};

export const SCENARIOS: Scenario[] = [
  ticketScenario('password reset from a Jira ticket', 'jira', () => jira()),
  ticketScenario('password reset from a ServiceNow incident', 'servicenow', servicenow),
  ticketScenario('password reset from a Zendesk ticket', 'zendesk', zendesk),
  ticketScenario('requester unknown to the directory: refused', 'jira', () =>
    jira((b) => {
      b.issue.fields.reporter = { accountId: '712020:ffffffff-ffff-4fff-8fff-ffffffffffff', displayName: 'Unknown Person' };
    }),
  ),
  ticketScenario('reset of a protected account: refused, handed to the service desk', 'jira', () =>
    jira((b) => {
      b.issue.fields.reporter = { accountId: '712020:11111111-2222-4333-8444-555555555555', displayName: 'Sam Helper' };
      b.issue.fields.summary = 'Please reset password for Dana';
      b.issue.fields.customfield_10060 = 'dana.admin';
    }),
  ),
  ticketScenario('ticket no automation handles: hand-off', 'jira', () =>
    jira((b) => {
      b.issue.fields.summary = 'Second monitor flickers';
      b.issue.fields.description = 'Since Monday, the left screen flickers every few minutes.';
    }),
  ),
  {
    name: 'software install with manager approval (Acrobat Pro)',
    reset: resetLaptop,
    async ours(ctx) {
      const workflowId = await postTicket(
        ctx,
        'jira',
        jira((b) => {
          b.issue.fields.summary = 'Please install Adobe Acrobat Pro';
          b.issue.fields.description = 'I need to edit PDFs for the audit.';
          b.issue.fields.customfield_10070 = { id: '3', value: 'acrobat-pro' };
        }),
      );
      await until(`${workflowId} to wait for approval`, async () => (await getRun(ctx, workflowId)).progress?.waitingFor, { everyMs: POLL_MS });
      const res = await staff(ctx, `/workflows/${workflowId}/approval`, approval);
      if (res.status !== 200) throw new Error(`bench: approval answered ${res.status}: ${await res.text()}`);
      return followOverHttp(ctx, workflowId);
    },
    direct: (ctx, ours, run) =>
      directRun(ctx, ours, run, async (handle) => {
        await until(`${handle.workflowId} to wait for approval`, async () => (await handle.query(progressQuery)).waitingFor, { everyMs: POLL_MS });
        await submitApproval(ctx.stack.client, handle.workflowId, await withDirectoryGroups(ctx.stack.adapters.directory, approval));
      }),
  },
  ticketScenario('software install refused (Wireshark is for IT staff)', 'jira', () =>
    jira((b) => {
      b.issue.fields.summary = 'Install Wireshark please';
      b.issue.fields.description = 'I want to look at network traffic.';
      b.issue.fields.customfield_10070 = { id: '4', value: 'wireshark' };
    }),
  ),
  {
    name: 'guided troubleshooting of a laptop off the network',
    reset: resetLaptop,
    async ours(ctx) {
      const workflowId = await postTicket(
        ctx,
        'jira',
        jira((b) => {
          b.issue.fields.summary = 'No network on my laptop since this morning';
          b.issue.fields.description = 'Teams and Outlook say I am offline.';
        }),
      );
      for (;;) {
        const s = (await (await staff(ctx, `/troubleshooting/${workflowId}`)).json()) as {
          running: boolean;
          view?: { status: string; node: string; choices?: Array<{ id: string }> };
        };
        if (!s.running || !s.view || s.view.status === 'done') break;
        if (s.view.status !== 'waiting') {
          await sleep(POLL_MS);
          continue;
        }
        const choice = troubleshootingAnswers[s.view.node] ?? s.view.choices![0]!.id;
        const a = await staff(ctx, `/troubleshooting/${workflowId}/answer`, { node: s.view.node, choice, responder: 'sam.helper' });
        if (a.status !== 200) throw new Error(`bench: answer refused: ${await a.text()}`);
      }
      return followOverHttp(ctx, workflowId);
    },
    direct: (ctx, ours, run) =>
      directRun(ctx, ours, run, async (handle) => {
        for (;;) {
          const view = await handle.query(sessionQuery);
          if (view.status === 'done') break;
          if (view.status !== 'waiting') {
            await sleep(POLL_MS);
            continue;
          }
          const choice = troubleshootingAnswers[view.node] ?? view.choices![0]!.id;
          await answerSession({ client: ctx.stack.client, directory: ctx.stack.adapters.directory }, handle.workflowId, {
            node: view.node,
            choice,
            responder: 'sam.helper',
          });
        }
      }),
  },
  {
    name: 'self-service disk cleanup (JWT, over HTTP)',
    async ours(ctx, run) {
      // A user of its own per run: disk cleanup has a cooldown per user.
      const i = ctx.firstFreeUser + run;
      const auth = { authorization: `Bearer ${await token(userId(i))}` };
      const res = await fetch(`${ctx.stack.apiUrl}/self-service/requests`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ automation: 'disk-cleanup', inputs: { device: deviceOf(i), includeDownloads: true } }),
      });
      const started = (await res.json()) as { requestId?: string };
      if (res.status !== 202 || !started.requestId) throw new Error(`bench: self-service request answered ${res.status}: ${JSON.stringify(started)}`);
      const status = await until(
        `${started.requestId} to finish`,
        async () => {
          const s = (await (await fetch(`${ctx.stack.apiUrl}/self-service/requests/${started.requestId}`, { headers: auth })).json()) as {
            status: string;
            outcome?: string;
          };
          return s.status !== 'RUNNING' && s;
        },
        { everyMs: POLL_MS, timeoutMs: 120_000 },
      );
      return { workflowId: started.requestId, outcome: String(status.outcome ?? status.status.toLowerCase()) };
    },
    direct: (ctx, ours, run) => directRun(ctx, ours, run),
  },
  {
    name: 'onboarding through a workflow definition',
    ours: (ctx, run) => onboard(ctx, `bench.ours${run}`, `onboarding-bench.ours${run}`, onboardingInputs(`bench.ours${run}`)),
    direct: async (ctx, _ours, run) => onboardDirect(ctx, `bench.direct${run}`, `onboarding-bench.direct${run}`),
    after: async (ctx, run) => {
      await returnLaptops(ctx, `bench.ours${run}`);
      await returnLaptops(ctx, `bench.direct${run}`);
    },
  },
  {
    name: 'onboarding rolled back (asset tool fails 3 times)',
    reset: failAssetTool,
    ours: (ctx, run) => onboard(ctx, `bench.rb${run}`, `onboarding-bench.rb${run}`, { employeeId: `bench.rb${run}`, displayName: 'Tom Berg', role: 'sales' }),
    direct: async (ctx, _ours, run) => {
      const { stack, config } = ctx;
      const workflowId = `onboarding-bench.rbdirect${run}`;
      return async () => {
        const input = await definitionRunInput(
          stack.content,
          {
            definition: 'onboarding',
            inputs: { employeeId: `bench.rbdirect${run}`, displayName: 'Tom Berg', role: 'sales' },
            requester: { by: 'id', id: 'kim.admin' },
          },
          { vault: stack.adapters.store, workflowId },
        );
        return String(
          (
            (await stack.client.workflow.execute('definitionRun', {
              taskQueue: config.temporal.queues.definitions,
              workflowId,
              args: [input],
            })) as ResolutionRecord
          ).outcome,
        );
      };
    },
  },
  ticketScenario(
    'network incident resolved by a definition (from a Jira ticket)',
    'jira',
    () =>
      jira((b) => {
        b.issue.fields.summary = 'Laptop offline';
        b.issue.fields.description = 'Reported through the "Report an outage" form.';
        b.issue.fields.labels = ['network-incident'];
      }),
    resetLaptop,
  ),
];

export async function demoScenarioFigures(ctx: BenchContext): Promise<void> {
  const reps = ctx.settings.demoReps;
  // One round more than counted when there are several: the first warms up caches and connections.
  const warmup = reps > 1 ? 1 : 0;
  const times = new Map<Scenario, { ours: number[]; direct: number[]; outcomes: Set<string>; directOutcomes: Set<string> }>();
  for (const s of SCENARIOS) times.set(s, { ours: [], direct: [], outcomes: new Set(), directOutcomes: new Set() });
  // The baseline's input is read back from a run of ours, so on even rounds ours goes first and
  // the baseline replays it; on odd rounds the baseline goes first, replaying the previous round's.
  const previous = new Map<Scenario, string>();
  for (let run = 0; run < reps + warmup; run++) {
    for (const s of SCENARIOS) {
      const t = times.get(s)!;
      const runOurs = async () => {
        await s.reset?.(ctx, run);
        const start = performance.now();
        const ran = await s.ours(ctx, run);
        const ms = performance.now() - start;
        await s.after?.(ctx, run);
        previous.set(s, ran.workflowId);
        return { ran, ms };
      };
      const runDirect = async (fromWorkflow: string) => {
        const direct = await s.direct(ctx, fromWorkflow, run);
        await s.reset?.(ctx, run);
        const start = performance.now();
        const outcome = await direct();
        const ms = performance.now() - start;
        await s.after?.(ctx, run);
        return { outcome, ms };
      };
      const before = previous.get(s);
      let ours: Awaited<ReturnType<typeof runOurs>>;
      let direct: Awaited<ReturnType<typeof runDirect>>;
      if (run % 2 === 1 && before) {
        direct = await runDirect(before);
        ours = await runOurs();
      } else {
        ours = await runOurs();
        direct = await runDirect(ours.ran.workflowId);
      }
      if (run < warmup) continue;
      t.ours.push(ours.ms);
      t.direct.push(direct.ms);
      t.outcomes.add(ours.ran.outcome);
      t.directOutcomes.add(direct.outcome);
    }
    ctx.log(`demo scenarios: round ${run + 1} of ${reps + warmup}${run < warmup ? ' (warm-up)' : ''} done`);
  }
  const baselineIs =
    "The same workflow type and input started directly through the Temporal client (the input read back from the end-to-end run's history; onboarding: the same definition input under a fresh employee id), approvals and answers sent through the client library, waited on with result(): no HTTP, no polling.";
  for (const s of SCENARIOS) {
    const t = times.get(s)!;
    const outcomes = [...t.outcomes].join('/');
    const directOutcomes = [...t.directOutcomes].join('/');
    ctx.figures.push(
      figure(
        'Demo scenarios, end to end',
        `${s.name} p50 (${reps} run${reps === 1 ? '' : 's'})`,
        p50(t.ours),
        p50(t.direct),
        'ms',
        baselineIs,
        `outcome ${outcomes}${directOutcomes === outcomes ? '' : `; baseline outcome ${directOutcomes}`}`,
      ),
    );
  }
}
