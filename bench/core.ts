// Figures of the engine's parts, each beside a baseline from the same run: ticket intake, ticket to
// resolved ticket, the troubleshooting answer round trip, decision trees, the permission check,
// documents and the audit log.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { buildAdapters } from '../src/app/adapters.js';
import { LdapDirectory } from '../src/activities/directory/ldap.js';
import type { DirectoryPort } from '../src/activities/directory/port.js';
import { createPermissionActivities, type PermissionCheck } from '../src/activities/permission.js';
import { SqliteEngineStore } from '../src/activities/records/sqliteStore.js';
import { buildApi } from '../src/client/http/app.js';
import { documentJson, renderKbDraft, renderWorkNote } from '../src/domain/records/documents.js';
import type { ResolutionRecord } from '../src/domain/records/resolution.js';
import { signJira } from '../src/domain/sources/signatures.js';
import { normaliseJira } from '../src/domain/sources/jira.js';
import { toWorkflowTicket } from '../src/domain/tickets/ticket.js';
import { answerQuestion, confirmAction, nextStep, recordAction, recordCheck, startSession } from '../src/domain/trees/navigation.js';
import { formatTreeIssue, validateTrees } from '../src/domain/trees/validation.js';
import { DecisionTree, treeSetFor } from '../src/domain/trees/tree.js';
import { createLogger } from '../src/stack/logger.js';
import { answerUpdate, backUpdate, sessionQuery, troubleshootSession } from '../src/workflows/index.js';
import { SLAPD, startSlapd } from '../test/helpers/slapd.js';
import { JIRA, jiraIssueCreated } from '../test/helpers/tickets.js';
import { generateTree, prng } from '../test/helpers/trees.js';
import type { BenchContext } from './context.js';
import { activityCount, historyTimings, type HistoryTimings } from './raw.js';
import { rawAnswer } from './workflows/raw.js';
import { figure, withLimit, type Figure } from './report.js';
import { p50, p99, throughput, timed, timedPairs, until } from './stats.js';

/** A time figure in ms, or in µs when both sides are below a millisecond. */
export function timeFigure(
  group: string,
  name: string,
  oursMs: number,
  baselineMs: number,
  baselineIs: string,
  notes?: string,
  limit?: { ms: number; is: string },
): Figure {
  const micro = Math.max(oursMs, baselineMs, limit?.ms ?? 0) < 1;
  const scale = (ms: number) => (micro ? ms * 1000 : ms);
  const f = figure(group, name, scale(oursMs), scale(baselineMs), micro ? 'µs' : 'ms', baselineIs, notes);
  return limit ? withLimit(f, scale(limit.ms), limit.is) : f;
}

const passwordResetTicket = () => toWorkflowTicket(normaliseJira(jiraIssueCreated({ reporter: JIRA.jdoe })));

/** A signed POST /webhooks/jira of a password-reset ticket from jdoe; the workflow id the API answered. */
async function postJira(url: string, secret: string, key: string): Promise<string> {
  const raw = JSON.stringify(jiraIssueCreated({ key, reporter: JIRA.jdoe }));
  const res = await fetch(`${url}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json', ...signJira(raw, secret) }, body: raw });
  if (res.status !== 202) throw new Error(`bench: intake answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { workflowId: string }).workflowId;
}

let keys = 0;
const nextKey = (prefix: string) => `${prefix}-${++keys}`;

// 1. Intake: signed POST /webhooks/jira -> 202 (signature, parse, validate, route, audit entry,
//    start accepted by Temporal) vs a raw client.workflow.start of the same workflow and input. No
//    worker polls this task queue, so both measure acceptance only.
export async function intakeFigures(ctx: BenchContext): Promise<void> {
  const group = 'Ticket intake';
  const { client } = ctx.stack;
  const secret = 'bench-secret-0123456789';
  const store = new SqliteEngineStore(':memory:');
  const api = buildApi({
    client,
    routing: ctx.shipped.routing,
    store,
    logger: createLogger('silent'),
    webhooks: { secrets: { jira: secret }, allowUnsigned: false },
    taskQueue: 'bench-idle',
  });
  const url = await api.listen({ host: '127.0.0.1', port: 0 });
  try {
    const post = () => postJira(url, secret, nextKey('INTAKE'));
    const ticket = passwordResetTicket();
    const raw = () =>
      client.workflow.start('passwordReset', { taskQueue: 'bench-idle', workflowId: `raw-${randomUUID()}`, args: [{ ticket, humanQueue: 'service-desk' }] });
    await timedPairs(20, post, raw);
    const n = ctx.settings.sequential;
    const [ours, base] = await timedPairs(n, post, raw);
    const baselineIs = 'A raw client.workflow.start of the same workflow and input (no worker polls the queue: acceptance only).';
    const limitIs = 'For intake the baseline is the raw limit: a bare client.workflow.start.';
    ctx.figures.push(timeFigure(group, `intake latency p50 (${n} sequential)`, p50(ours), p50(base), baselineIs, undefined, { ms: p50(base), is: limitIs }));
    ctx.figures.push(timeFigure(group, `intake latency p99 (${n} sequential)`, p99(ours), p99(base), baselineIs, undefined, { ms: p99(base), is: limitIs }));
    const { burst, concurrency } = ctx.settings;
    // Two rounds each, alternating, so neither side always runs on the warmer server.
    const rates = { ours: [] as number[], raw: [] as number[] };
    for (const round of [0, 1]) {
      for (const side of round === 0 ? (['ours', 'raw'] as const) : (['raw', 'ours'] as const))
        rates[side].push(await throughput(burst, concurrency, side === 'ours' ? post : raw));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    ctx.figures.push(
      withLimit(
        figure(group, `intake events/s (${burst} at concurrency ${concurrency})`, mean(rates.ours), mean(rates.raw), 'events/s', baselineIs),
        mean(rates.raw),
        limitIs,
      ),
    );
  } finally {
    await api.close();
    await store.close();
  }
}

// 2. Ticket to resolved ticket through the stack's API and worker (signed POST, then the run's
//    result, waited on like the help desk waits for the resolve) vs the same workflow executed
//    straight through the client, alternating; beside the raw limit, the same number of no-op
//    activities in a row. Then at concurrency: N started at once, completed/s. (Polling
//    GET /workflows/:id every 5 ms instead slowed the very run it timed: each poll of a running
//    workflow is a query the worker answers between the run's own tasks.)
export async function ticketToResolvedFigures(ctx: BenchContext): Promise<void> {
  const group = 'Ticket to resolved ticket';
  const { stack, config } = ctx;
  let lastOurs = '';
  const endToEnd = async () => {
    const workflowId = await postJira(stack.apiUrl, ctx.secrets.jira, nextKey('E2E'));
    lastOurs = workflowId;
    await stack.client.workflow.getHandle(workflowId).result();
  };
  const ticket = passwordResetTicket();
  let lastDirect = '';
  const direct = () => {
    lastDirect = `direct-${randomUUID()}`;
    return stack.client.workflow.execute('passwordReset', {
      taskQueue: config.temporal.taskQueue,
      workflowId: lastDirect,
      args: [{ ticket, humanQueue: 'service-desk' }],
    });
  };
  await timedPairs(5, endToEnd, direct);
  const steps = await activityCount(stack.client, lastOurs);
  let lastRaw = '';
  const raw = async () => {
    lastRaw = await ctx.raw.steps(steps);
  };
  await timed(5, raw);
  const n = ctx.settings.e2e;
  const ours: number[] = [];
  const base: number[] = [];
  const limit: number[] = [];
  const timings: { ours: HistoryTimings[]; direct: HistoryTimings[]; raw: HistoryTimings[] } = { ours: [], direct: [], raw: [] };
  for (let i = 0; i < n; i++) {
    // Rotate the order of the three so none always follows the same one.
    const order = [
      async () => ours.push((await timed(1, endToEnd))[0]!),
      async () => base.push((await timed(1, direct))[0]!),
      async () => limit.push((await timed(1, raw))[0]!),
    ];
    for (let k = 0; k < 3; k++) await order[(i + k) % 3]!();
    timings.ours.push(await historyTimings(stack.client, lastOurs));
    timings.direct.push(await historyTimings(stack.client, lastDirect));
    timings.raw.push(await historyTimings(stack.client, lastRaw));
  }
  const baselineIs = 'The same passwordReset workflow and input executed through client.workflow.execute (no HTTP intake).';
  const limitIs = `The same shape on the raw worker: ${steps} no-op activities in a row (password reset: permission check, reset, comment, resolve, file the record).`;
  ctx.figures.push(
    timeFigure(group, `password reset, ticket -> resolved p50 (${n} sequential)`, p50(ours), p50(base), baselineIs, undefined, { ms: p50(limit), is: limitIs }),
  );
  ctx.figures.push(
    timeFigure(group, `password reset, ticket -> resolved p99 (${n} sequential)`, p99(ours), p99(base), baselineIs, undefined, { ms: p99(limit), is: limitIs }),
  );
  const fromHistories = 'Read from the histories of the same runs: baseline, the runs executed through the client; raw limit, the raw runs of the same shape.';
  const worst = (xs: HistoryTimings[]) => Math.max(...xs.map((t) => t.longestDispatchWait));
  ctx.figures.push(
    withLimit(
      figure(
        group,
        `longest WorkflowTaskScheduled -> Started wait (${n} runs)`,
        worst(timings.ours),
        worst(timings.direct),
        'ms',
        fromHistories,
        'about 50 ms when the server polls its transfer queue at the default 20/s (src/stack/serverSettings.ts)',
      ),
      worst(timings.raw),
      limitIs,
    ),
  );
  const median = (xs: HistoryTimings[], key: keyof HistoryTimings) => p50(xs.map((t) => t[key]));
  ctx.figures.push(
    withLimit(
      figure(
        group,
        `first workflow task p50 (${n} runs)`,
        median(timings.ours, 'firstWorkflowTask'),
        median(timings.direct, 'firstWorkflowTask'),
        'ms',
        fromHistories,
        "WorkflowTaskStarted -> Completed: the worker makes the run's sandbox (the workflow code evaluated afresh) and runs it to its first command",
      ),
      median(timings.raw, 'firstWorkflowTask'),
      limitIs,
    ),
  );
  ctx.figures.push(
    withLimit(
      figure(
        group,
        `all workflow tasks of a run p50 (${n} runs)`,
        median(timings.ours, 'workflowTasks'),
        median(timings.direct, 'workflowTasks'),
        'ms',
        fromHistories,
        "the time the worker spent in workflow code, of the run's ticket -> resolved",
      ),
      median(timings.raw, 'workflowTasks'),
      limitIs,
    ),
  );

  // At concurrency: all started at once through the client, completed per second.
  const burst = ctx.settings.resetBurst;
  const startAll = async (start: (i: number) => Promise<{ result(): Promise<unknown> }>) => {
    const t = performance.now();
    const handles = await Promise.all(Array.from({ length: burst }, (_, i) => start(i)));
    await Promise.all(handles.map((h) => h.result()));
    return burst / ((performance.now() - t) / 1000);
  };
  // Ours: the tickets posted to the intake at once, as a help desk sends them; baseline: the same
  // workflow started through the client; raw: the same shape of no-op activities.
  const oursAtOnce = () => startAll(async () => stack.client.workflow.getHandle(await postJira(stack.apiUrl, ctx.secrets.jira, nextKey('BURST'))));
  const directAtOnce = () =>
    startAll(() =>
      stack.client.workflow.start('passwordReset', {
        taskQueue: config.temporal.taskQueue,
        workflowId: `burst-${randomUUID()}`,
        args: [{ ticket, humanQueue: 'service-desk' }],
      }),
    );
  const rawAtOnce = () => startAll(() => ctx.raw.start(steps));
  const sides = { ours: oursAtOnce, direct: directAtOnce, raw: rawAtOnce };
  const rates = { ours: [] as number[], direct: [] as number[], raw: [] as number[] };
  const order = ['ours', 'direct', 'raw'] as const;
  for (const round of [0, 1]) {
    for (const side of round === 0 ? order : [...order].reverse()) rates[side].push(await sides[side]());
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  ctx.figures.push(
    withLimit(
      figure(
        group,
        `password resets completed/s (${burst} started at once)`,
        mean(rates.ours),
        mean(rates.direct),
        'completed/s',
        `The same ${burst} password resets started at once through client.workflow.start (no HTTP intake).`,
        "ours: signed POST /webhooks/jira of each ticket at once, the stack's worker in this process; 2 rounds each, alternating",
      ),
      mean(rates.raw),
      `${steps} no-op activities per workflow, ${burst} started at once on the raw worker in the same process.`,
    ),
  );
}

// 3. Troubleshooting: one answer Update round trip (validator, handler, new view) vs a query of
//    the same session.
export async function answerFigures(ctx: BenchContext): Promise<void> {
  const { client } = ctx.stack;
  const tree = DecisionTree.parse({
    id: 'bench',
    title: 'Bench',
    start: 'first',
    nodes: [
      { id: 'first', kind: 'question', prompt: 'First?', choices: [{ id: 'go', label: 'Go', next: 'second' }] },
      { id: 'second', kind: 'question', prompt: 'Second?', choices: [{ id: 'end', label: 'End', next: 'end' }] },
      { id: 'end', kind: 'resolve', outcome: 'resolved', text: 'Done.' },
    ],
  });
  const set = treeSetFor({ bench: tree }, 'bench')!;
  const handle = await client.workflow.start(troubleshootSession, {
    taskQueue: ctx.config.temporal.queues.troubleshooting,
    workflowId: `bench-ts-${randomUUID()}`,
    args: [{ trees: set.trees, root: 'bench', version: set.version, ticket: null, user: { id: 'jdoe' } }],
  });
  const sam = { id: 'sam.helper', groups: ['helpdesk'] };
  try {
    await until('the session to wait for an answer', async () => (await handle.query(sessionQuery)).status === 'waiting', { everyMs: 20 });
    const answers: number[] = [];
    const queries: number[] = [];
    const n = ctx.settings.answers;
    for (let i = 0; i < n + 5; i++) {
      let t = performance.now();
      await handle.executeUpdate(answerUpdate, { args: [{ node: 'first', choice: 'go', responder: sam }] });
      const answered = performance.now() - t;
      await handle.executeUpdate(backUpdate, { args: [{ responder: sam }] });
      t = performance.now();
      await handle.query(sessionQuery);
      const queried = performance.now() - t;
      // The first five warm up the workflow cache and the connection.
      if (i >= 5) {
        answers.push(answered);
        queries.push(queried);
      }
    }
    // The raw limit: an Update round trip on a bare waiting workflow (its handler only counts).
    const rawSession = await ctx.raw.session();
    const rawTrips: number[] = [];
    try {
      for (let i = 0; i < n + 5; i++) {
        const t = performance.now();
        await rawSession.executeUpdate(rawAnswer, { args: [1] });
        if (i >= 5) rawTrips.push(performance.now() - t);
      }
    } finally {
      await rawSession.terminate('bench done');
    }
    const group = 'Decision trees and troubleshooting';
    const baselineIs =
      'A query of the same session (answer round trips); a zod parse of the same tree (validation); a bare walk over a prebuilt id -> node index (navigation).';
    const limitIs = 'An Update round trip on a bare waiting workflow whose handler only counts (answer round trips).';
    ctx.figures.push(
      timeFigure(group, `answer Update round trip p50 (${n})`, p50(answers), p50(queries), baselineIs, undefined, { ms: p50(rawTrips), is: limitIs }),
    );
    ctx.figures.push(
      timeFigure(group, `answer Update round trip p99 (${n})`, p99(answers), p99(queries), baselineIs, undefined, { ms: p99(rawTrips), is: limitIs }),
    );
  } finally {
    await handle.terminate('bench done');
  }
}

// 4. Tree validation and navigation on generated trees, beside a zod parse of the same tree
//    (validation) and a bare walk over the next-pointers (navigation).
export async function treeFigures(ctx: BenchContext): Promise<void> {
  const group = 'Decision trees and troubleshooting';
  const baselineIs =
    'A query of the same session (answer round trips); a zod parse of the same tree (validation); a bare walk over a prebuilt id -> node index (navigation).';
  const runs = ctx.settings.treeRuns;
  for (const size of ctx.settings.treeSizes) {
    const generated = generateTree(size, { seed: 7, loops: true });
    const raw = JSON.parse(JSON.stringify(generated));
    const validate = async () => {
      const issues = validateTrees([DecisionTree.parse(raw)]);
      if (issues.length) throw new Error(formatTreeIssue(issues[0]!));
    };
    const parse = async () => {
      DecisionTree.parse(raw);
    };
    await timed(2, validate);
    await timed(2, parse);
    const validation = await timed(runs, validate);
    const parseOnly = await timed(runs, parse);
    ctx.figures.push(timeFigure(group, `tree validation p50 (${size.toLocaleString('en-US')} nodes)`, p50(validation), p50(parseOnly), baselineIs));
    // Navigation: seeded random walks from the start until 2,000 steps were taken, per step,
    // beside the same walks over a prebuilt id -> node index.
    const trees = { [generated.id]: generated };
    const byId = new Map(generated.nodes.map((n) => [n.id, n]));
    const STEPS = 2_000;
    const at = '2026-11-26T00:00:00.000Z';
    const navigate = async () => {
      const random = prng(11);
      let state = startSession(trees, generated.id, at);
      for (let steps = 0; steps < STEPS; steps++) {
        const step = nextStep(trees, state);
        if (step.kind === 'done') state = startSession(trees, generated.id, at);
        else if (step.kind === 'ask')
          state = answerQuestion(trees, state, {
            node: step.node.id,
            choice: step.node.choices[Math.floor(random() * step.node.choices.length)]!.id,
            by: 'bench',
            at,
          });
        else if (step.kind === 'confirm') state = confirmAction(trees, state, { node: step.node.id, confirm: random() < 0.8, by: 'bench', at });
        else if (step.kind === 'check') state = recordCheck(trees, state, { node: step.node.id, result: {}, at });
        else state = recordAction(trees, state, { node: step.node.id, ok: random() < 0.8, at });
      }
    };
    const bare = async () => {
      const random = prng(11);
      let node = byId.get(generated.start);
      for (let steps = 0; steps < STEPS; steps++) {
        if (!node || node.kind === 'resolve' || node.kind === 'subtree') {
          node = byId.get(generated.start);
          continue;
        }
        const next =
          node.kind === 'question'
            ? node.choices[Math.floor(random() * node.choices.length)]!.next
            : node.kind === 'check'
              ? (node.default ?? node.branches[0]!.next)
              : random() < 0.8
                ? node.next
                : node.onFailure;
        node = byId.get(next);
      }
    };
    const nav = (await timed(runs, navigate)).map((t) => t / STEPS);
    const bareWalk = (await timed(runs, bare)).map((t) => t / STEPS);
    ctx.figures.push(timeFigure(group, `tree navigation per step p50 (${size.toLocaleString('en-US')} nodes)`, p50(nav), p50(bareWalk), baselineIs));
  }
}

// 5. Permission check (directory lookups + policy + signed grant + audit entry) against the
//    in-memory directory and a real OpenLDAP, beside the bare directory lookups it makes.
export async function permissionFigures(ctx: BenchContext): Promise<void> {
  const group = 'Permission check';
  const baselineIs = 'The bare directory lookups the check makes (find requester and target, their groups), on the same directory.';
  const store = new SqliteEngineStore(':memory:');
  const adapters = buildAdapters(ctx.config, ctx.shipped, { store });
  const directories: Array<[string, DirectoryPort, () => Promise<void>]> = [['memory', adapters.directory, async () => {}]];
  if (existsSync(SLAPD)) {
    const slapd = await startSlapd({ ldif: [fileURLToPath(new URL('../test/fixtures/ldap/directory.ldif', import.meta.url))] });
    directories.push([
      'slapd',
      new LdapDirectory({ url: slapd.url, bindDn: slapd.bindDn, bindPassword: slapd.bindPassword, baseDn: slapd.baseDn }),
      () => slapd.stop(),
    ]);
  } else {
    ctx.figures.push(figure(group, 'permission check p50 (slapd)', null, null, 'ms', baselineIs, `skipped: slapd is not installed (${SLAPD})`));
  }
  const n = ctx.settings.permission;
  try {
    for (const [name, directory] of directories) {
      const permission = createPermissionActivities({ directory, policy: ctx.shipped.policy, store, grants: adapters.grants, directoryBudgetMs: 3000 });
      const activityEnv = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
      const request = { action: 'password.reset', requester: { by: 'id' as const, id: 'sam.helper' }, target: { by: 'id' as const, id: 'jdoe' }, params: {} };
      const checkOnce = async () => {
        const r: PermissionCheck = await activityEnv.run(permission.checkPermission, request);
        if (!r.decision.allowed) throw new Error(`bench: unexpected deny: ${r.decision.rule}`);
      };
      const lookupsOnly = async () => {
        for (const id of ['sam.helper', 'jdoe']) {
          const user = await directory.findUser({ by: 'id', id });
          await directory.groupsOf(user!);
        }
      };
      await timed(20, checkOnce);
      await timed(20, lookupsOnly);
      const checks = await timed(n, checkOnce);
      const lookups = await timed(n, lookupsOnly);
      ctx.figures.push(timeFigure(group, `permission check p50 (${name}, ${n})`, p50(checks), p50(lookups), baselineIs));
      ctx.figures.push(timeFigure(group, `permission check p99 (${name}, ${n})`, p99(checks), p99(lookups), baselineIs));
    }
  } finally {
    for (const [, , stop] of directories) await stop();
    await store.close();
  }
}

// 6. Documentation per ticket: the documents of a resolved ticket (work note, KB draft, JSON
//    document, all redacted) vs a JSON.stringify of the same record; once for a real password
//    reset's record and once for a large incident (hundreds of actions).
export async function documentFigures(ctx: BenchContext): Promise<void> {
  const group = 'Documentation';
  const baselineIs = 'JSON.stringify of the same resolution record.';
  const policy = ctx.shipped.redaction;
  const ticket = passwordResetTicket();
  const resolved = (await ctx.stack.client.workflow.execute('passwordReset', {
    taskQueue: ctx.config.temporal.taskQueue,
    workflowId: `bench-docs-${randomUUID()}`,
    args: [{ ticket, humanQueue: 'service-desk' }],
  })) as ResolutionRecord;
  const at = (i: number) => new Date(Date.parse('2026-11-26T10:00:00.000Z') + i * 1000).toISOString();
  const actions = ctx.settings.docActions;
  const incident = {
    ...resolved,
    ticket: { ...resolved.ticket, key: 'ITSM-9000', summary: 'Major incident: VPN down for a site' },
    workflow: { ...resolved.workflow, type: 'incident', workflowId: 'ticket-jira-ITSM-9000' },
    target: 'site-london',
    decisions: Array.from({ length: 50 }, (_, i) => ({
      action: 'endpoint.remediate',
      allowed: true,
      rule: 'support-staff',
      reason: 'Support staff may remediate.',
      facts: { requester: 'sam.helper' },
      at: at(i),
    })),
    actions: Array.from({ length: actions }, (_, i) => ({
      name: `remediate device ${i}`,
      target: `LT-${1000 + i}`,
      status: i % 10 ? 'succeeded' : 'failed',
      detail: `restarted the VPN client on LT-${1000 + i}; user mail user${i}@example.com`,
      startedAt: at(i),
      finishedAt: at(i + 1),
    })),
    outcome: 'resolved',
    summary: 'VPN restored for the site.',
    finishedAt: at(actions + 1),
  };
  const runs = ctx.settings.docRuns;
  for (const [name, record] of [
    [`documents per ticket p50 (password reset record, ${resolved.actions.length} actions)`, resolved],
    [`documents per incident p50 (${actions} actions)`, incident],
  ] as const) {
    const render = async () => {
      renderWorkNote(record, policy, { uiUrl: 'http://127.0.0.1:8233' });
      renderKbDraft(record, policy);
      documentJson(record, policy);
    };
    const stringify = async () => {
      JSON.stringify(record);
    };
    await timed(3, render);
    await timed(3, stringify);
    const docs = await timed(runs, render);
    const plain = await timed(runs, stringify);
    ctx.figures.push(timeFigure(group, name, p50(docs), p50(plain), baselineIs, 'work note + KB draft + JSON document, redacted'));
  }
}

// 7. Audit appends per second (hash-chained, in a WAL SQLite file) vs plain SQLite inserts of the
//    same rows (no hash chain), one transaction each, in the same database.
export async function auditFigures(ctx: BenchContext): Promise<void> {
  const at = (i: number) => new Date(Date.parse('2026-11-26T10:00:00.000Z') + i * 1000).toISOString();
  const n = ctx.settings.auditAppends;
  const dir = mkdtempSync(join(tmpdir(), 'itse-bench-audit-'));
  const store = new SqliteEngineStore(join(dir, 'engine.db'));
  try {
    store.db.exec('CREATE TABLE plain (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL)');
    const entry = (i: number) => ({
      at: at(i),
      kind: 'action' as const,
      actor: 'engine',
      subject: `ticket-jira-ITSM-${i}`,
      outcome: 'succeeded' as const,
      details: { step: i },
    });
    const insert = store.db.prepare('INSERT INTO plain (entry) VALUES (?)');
    // Warm up both paths.
    for (let i = 0; i < 50; i++) await store.appendAudit(entry(i), `warm/${i}`);
    for (let i = 0; i < 50; i++) store.db.immediate(() => insert.run(JSON.stringify(entry(i))));
    let t = performance.now();
    for (let i = 0; i < n; i++) await store.appendAudit(entry(i), `bench/${i}`);
    const chained = n / ((performance.now() - t) / 1000);
    t = performance.now();
    for (let i = 0; i < n; i++) store.db.immediate(() => insert.run(JSON.stringify(entry(i))));
    const plain = n / ((performance.now() - t) / 1000);
    ctx.figures.push(
      figure(
        'Audit log',
        `audit appends/s (${n.toLocaleString('en-US')}, hash-chained, WAL file)`,
        chained,
        plain,
        'appends/s',
        'Plain SQLite inserts of the same rows (no hash chain), one transaction each, in the same database.',
      ),
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
