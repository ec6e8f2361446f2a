// `npm run demo`: starts the embedded stack on a fresh data folder, sends sample tickets from Jira,
// ServiceNow and Zendesk over HTTP (signed as each help desk signs them), shows each workflow's
// progress as it moves, prints the resolution records, shows a refused delivery landing in the
// dead-letter store and the reconciliation job catching a ticket whose webhook never came.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SignJWT } from 'jose';
import type { RunStatus } from '../src/client/runStatus.js';
import { RECONCILE_SCHEDULE_ID } from '../src/client/schedules.js';
import { startDefinitionRun } from '../src/client/definitions.js';
import { definitionProgressQuery } from '../src/workflows/messages.js';
import type { ResolutionRecord } from '../src/domain/records/resolution.js';
import { loadConfig, PROJECT_ROOT } from '../src/config/index.js';
import { helpdeskSignatureHeaders } from '../src/domain/sources/signatures.js';
import type { TicketSource } from '../src/domain/tickets/ticket.js';
import { createLogger } from '../src/stack/logger.js';
import { isolatedStackEnv } from '../src/stack/ports.js';
import { startStack } from '../src/app/stack.js';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const sample = (path: string) => JSON.parse(readFileSync(join(PROJECT_ROOT, 'content/samples', path), 'utf8'));
const adminToken = randomBytes(24).toString('hex');
const jwtSecret = randomBytes(32).toString('hex');
const jwtIssuer = 'https://login.example.com';
const jwtAudience = 'it-support-engine';
const secrets = { jira: randomBytes(24).toString('hex'), servicenow: randomBytes(24).toString('hex'), zendesk: randomBytes(24).toString('hex') };

function jira(key: string, change: (body: any) => void = () => {}) {
  const body = sample('jira/password-reset-created.json');
  body.issue.key = key;
  body.issue.id = String(10000 + Number(key.split('-')[1]));
  change(body);
  return body;
}
const ticketKey = (source: TicketSource, body: any): string =>
  source === 'jira' ? body.issue.key : source === 'servicenow' ? body.incident.number : body.ticket.id;

function signed(source: TicketSource, raw: string): Record<string, string> {
  return { 'content-type': 'application/json', ...helpdeskSignatureHeaders(source, raw, secrets[source], new Date()) };
}

const scenarios: Array<{ title: string; source: TicketSource; body: any }> = [
  { title: 'Jira: Jane forgot her password (self-service reset through a ticket)', source: 'jira', body: jira('ITSM-42') },
  { title: 'ServiceNow: an incident from the Business Rule, same request', source: 'servicenow', body: sample('servicenow/incident-created.json') },
  { title: 'Zendesk: a ticket from a trigger webhook, same request', source: 'zendesk', body: sample('zendesk/ticket-created.json') },
  {
    title: 'Jira: someone the directory does not know asks for a reset',
    source: 'jira',
    body: jira('ITSM-43', (b) => {
      b.issue.fields.reporter = { accountId: '712020:ffffffff-ffff-4fff-8fff-ffffffffffff', displayName: 'Unknown Person' };
    }),
  },
  {
    title: 'Jira: the service desk asks to reset a domain administrator (protected account)',
    source: 'jira',
    body: jira('ITSM-44', (b) => {
      b.issue.fields.reporter = { accountId: '712020:11111111-2222-4333-8444-555555555555', displayName: 'Sam Helper' };
      b.issue.fields.summary = 'Please reset password for Dana';
      b.issue.fields.customfield_10060 = 'dana.admin';
    }),
  },
  {
    title: 'Jira: a ticket no automation handles',
    source: 'jira',
    body: jira('ITSM-45', (b) => {
      b.issue.fields.summary = 'Second monitor flickers';
      b.issue.fields.description = 'Since Monday, the left screen flickers every few minutes.';
    }),
  },
];

Runtime.install({ logger: new DefaultLogger('ERROR') });
const dataDir = mkdtempSync(join(tmpdir(), 'itse-demo-'));
const config = loadConfig({
  ...process.env,
  ...(await isolatedStackEnv(dataDir, process.env)),
  TEMPORAL_ADDRESS: undefined,
  WEBHOOK_SECRET_JIRA: secrets.jira,
  WEBHOOK_SECRET_SERVICENOW: secrets.servicenow,
  WEBHOOK_SECRET_ZENDESK: secrets.zendesk,
  ALLOW_UNSIGNED_WEBHOOKS: 'false',
  RECONCILE_EVERY: '1h',
  ADMIN_API_TOKEN: adminToken,
  SELF_SERVICE_JWT_SECRET: jwtSecret,
  SELF_SERVICE_JWT_ISSUER: jwtIssuer,
  SELF_SERVICE_JWT_AUDIENCE: jwtAudience,
});
console.log(bold('Starting the embedded stack (Temporal dev server, worker, HTTP API)...'));
const started = Date.now();
const stack = await startStack(config, createLogger('warn'));
console.log(`  Temporal ${stack.temporalAddress}, Web UI ${stack.uiUrl}, API ${stack.apiUrl} (${Date.now() - started} ms)\n`);

async function follow(workflowId: string, ticket: string, t0: number, showRecord: boolean): Promise<void> {
  let shown = 0;
  let run: RunStatus & { ui?: string };
  for (;;) {
    run = (await (await fetch(`${stack.apiUrl}/workflows/${workflowId}`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as RunStatus & {
      ui?: string;
    };
    const steps = run.progress?.steps ?? [];
    for (; shown < steps.length; shown++) {
      const s = steps[shown]!;
      if (s.status === 'running') break;
      console.log(`    ${s.status === 'done' ? '✓' : s.status === 'skipped' ? '-' : '✗'} ${s.name}${s.detail ? `: ${s.detail}` : ''}`);
    }
    if (run.status !== 'RUNNING') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const record = run.result!;
  console.log(`  ${run.status} in ${Date.now() - t0} ms, outcome: ${bold(String(record?.outcome))}`);
  const stored = stack.adapters.helpdesk.get(ticket);
  console.log(`  Ticket ${ticket}: ${stored?.status}${stored?.queue ? `, queue ${stored.queue}` : ''}`);
  for (const c of stored?.comments ?? []) console.log(`    comment (${c.visibility}): ${c.body}`);
  if (record?.outcome === 'resolved' && record.workflow.type === 'passwordReset')
    console.log('  Mailbox: "Your temporary password" sent to the registered address (password not shown here)');
  if (showRecord) console.log(`  Resolution record:\n${JSON.stringify(record, null, 2).replace(/^/gm, '    ')}`);
  console.log(`  Temporal UI: ${run.ui}\n`);
}

/** Follows a definition run step by step (the definitionProgress query), then prints what was done and undone. */
async function followDefinition(workflowId: string, t0: number): Promise<void> {
  const handle = stack.client.workflow.getHandle(workflowId);
  let shown = 0;
  for (;;) {
    const running = (await handle.describe()).status.name === 'RUNNING';
    // Queries answer after the run ended too, as long as a worker is up.
    const { completed, total } = await handle.query(definitionProgressQuery);
    for (; shown < completed.length; shown++) {
      const s = completed[shown]!;
      console.log(
        `    ${s.status === 'succeeded' ? '✓' : s.status === 'skipped' ? '-' : '✗'} ${s.name}${s.status === 'skipped' ? ' (skipped: its condition does not hold)' : ''}  [${shown + 1}/${total}]`,
      );
    }
    if (!running) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const record = (await handle.result()) as ResolutionRecord;
  for (const c of record.compensations) console.log(`    ↶ ${c.name}: ${c.status}${c.detail ? ` (${c.detail})` : ''}`);
  console.log(
    `  ${record.outcome === 'resolved' ? 'COMPLETED' : 'ENDED'} in ${Date.now() - t0} ms, outcome: ${bold(String(record.outcome))}: ${record.summary}`,
  );
}

let failed = false;
try {
  for (const [i, scenario] of scenarios.entries()) {
    console.log(bold(`== ${scenario.title}`));
    const t0 = Date.now();
    const raw = JSON.stringify(scenario.body);
    const res = await fetch(`${stack.apiUrl}/webhooks/${scenario.source}`, { method: 'POST', headers: signed(scenario.source, raw), body: raw });
    const accepted = (await res.json()) as { workflowId: string; workflowType: string; rule: string | null };
    const key = ticketKey(scenario.source, scenario.body);
    console.log(
      `  POST /webhooks/${scenario.source} (${key}, signed) -> ${res.status}: ${accepted.workflowType} started as ${accepted.workflowId}${accepted.rule ? ` (rule ${accepted.rule})` : ''}`,
    );
    await follow(accepted.workflowId, key, t0, i === 0);
  }

  console.log(bold('== Jira: Jane asks for Adobe Acrobat Pro (licensed: her manager must approve)'));
  {
    const body = jira('ITSM-48', (b) => {
      b.issue.fields.summary = 'Please install Adobe Acrobat Pro';
      b.issue.fields.description = 'I need to edit PDFs for the audit.';
      b.issue.fields.customfield_10070 = { id: '3', value: 'acrobat-pro' };
    });
    const t0 = Date.now();
    const raw = JSON.stringify(body);
    const res = await fetch(`${stack.apiUrl}/webhooks/jira`, { method: 'POST', headers: signed('jira', raw), body: raw });
    const { workflowId, workflowType, rule } = (await res.json()) as { workflowId: string; workflowType: string; rule: string };
    console.log(`  POST /webhooks/jira (ITSM-48, signed) -> ${res.status}: ${workflowType} started as ${workflowId} (rule ${rule})`);
    let waitingFor: { approvers: string[] } | null = null;
    while (!waitingFor) {
      waitingFor =
        ((await (await fetch(`${stack.apiUrl}/workflows/${workflowId}`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as RunStatus).progress
          ?.waitingFor ?? null;
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`  Waiting for approval by ${waitingFor.approvers.join(', ')} (durably: a worker or server restart does not lose it)`);
    const approve = (approver: string) =>
      fetch(`${stack.apiUrl}/workflows/${workflowId}/approval`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ approver, approve: true, comment: 'needed for the audit' }),
      });
    const self = await approve('jdoe');
    console.log(`  POST /workflows/${workflowId}/approval as jdoe -> ${self.status}: ${((await self.json()) as { message: string }).message}`);
    const ok = await approve('asmith');
    console.log(`  POST /workflows/${workflowId}/approval as asmith -> ${ok.status}: ${JSON.stringify(await ok.json())}`);
    await follow(workflowId, 'ITSM-48', t0, false);
  }

  console.log(bold('== Jira: Jane asks for Wireshark (IT staff only)'));
  {
    const body = jira('ITSM-49', (b) => {
      b.issue.fields.summary = 'Install Wireshark please';
      b.issue.fields.description = 'I want to look at network traffic.';
      b.issue.fields.customfield_10070 = { id: '4', value: 'wireshark' };
    });
    const t0 = Date.now();
    const raw = JSON.stringify(body);
    const res = await fetch(`${stack.apiUrl}/webhooks/jira`, { method: 'POST', headers: signed('jira', raw), body: raw });
    const { workflowId, workflowType } = (await res.json()) as { workflowId: string; workflowType: string };
    console.log(`  POST /webhooks/jira (ITSM-49, signed) -> ${res.status}: ${workflowType} started as ${workflowId}`);
    await follow(workflowId, 'ITSM-49', t0, false);
  }

  console.log(bold('== Jira: "No network on my laptop" - guided troubleshooting with the service desk'));
  {
    const body = jira('ITSM-50', (b) => {
      b.issue.fields.summary = 'No network on my laptop since this morning';
      b.issue.fields.description = 'Teams and Outlook say I am offline.';
    });
    const t0 = Date.now();
    const raw = JSON.stringify(body);
    const res = await fetch(`${stack.apiUrl}/webhooks/jira`, { method: 'POST', headers: signed('jira', raw), body: raw });
    const { workflowId, workflowType, rule } = (await res.json()) as { workflowId: string; workflowType: string; rule: string };
    console.log(`  POST /webhooks/jira (ITSM-50, signed) -> ${res.status}: ${workflowType} started as ${workflowId} (rule ${rule})`);
    const staffCall = (path: string, payload?: unknown) =>
      fetch(`${stack.apiUrl}${path}`, {
        method: payload === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${adminToken}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
    // Sam from the service desk answers as a senior would; the engine runs every check itself.
    const answers: Record<string, string> = { scope: 'only-this-user', 'renew-dhcp': 'confirm', 'dhcp-works': 'works' };
    let shownPath = 0;
    for (;;) {
      const s = (await (await staffCall(`/troubleshooting/${workflowId}`)).json()) as {
        running: boolean;
        view?: {
          status: string;
          node: string;
          prompt?: string;
          choices?: Array<{ id: string; label: string }>;
          path: Array<{ node: string; kind: string; detail?: string; outcome?: string }>;
        };
      };
      if (!s.running || !s.view) break;
      for (; shownPath < s.view.path.length; shownPath++) {
        const p = s.view.path[shownPath]!;
        if (p.kind === 'check') console.log(`    engine checked ${p.node}: ${p.detail ?? ''}`);
        if (p.kind === 'action' && p.outcome) console.log(`    engine ran ${p.node}: ${p.outcome}${p.detail ? ` (${p.detail})` : ''}`);
      }
      if (s.view.status !== 'waiting') {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const choice = answers[s.view.node] ?? s.view.choices![0]!.id;
      const label = s.view.choices!.find((c) => c.id === choice)?.label ?? choice;
      console.log(`  ? [${s.view.node}] ${s.view.prompt}\n    sam.helper answers: ${label}`);
      const a = await staffCall(`/troubleshooting/${workflowId}/answer`, { node: s.view.node, choice, responder: 'sam.helper' });
      if (a.status !== 200) throw new Error(`answer refused: ${await a.text()}`);
    }
    await follow(workflowId, 'ITSM-50', t0, false);
  }

  console.log(bold('== Self-service: Jane cleans up her own laptop (bearer JWT from the identity provider)'));
  {
    const jwtFor = (subject: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(subject)
        .setIssuer(jwtIssuer)
        .setAudience(jwtAudience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(jwtSecret));
    const selfService = async (who: string, method: 'GET' | 'POST', path: string, body?: unknown) => {
      const res = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${await jwtFor(who)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const catalog = await selfService('jdoe', 'GET', '/self-service/catalog');
    console.log(`  GET /self-service/catalog as jdoe -> ${catalog.status}: ${catalog.body.automations.map((a: { id: string }) => a.id).join(', ')}`);
    const started = await selfService('jdoe', 'POST', '/self-service/requests', {
      automation: 'disk-cleanup',
      inputs: { device: 'LT-0042', includeDownloads: true },
    });
    console.log(`  POST /self-service/requests (disk-cleanup, LT-0042) as jdoe -> ${started.status}: ${JSON.stringify(started.body)}`);
    let status: Record<string, any>;
    for (;;) {
      status = (await selfService('jdoe', 'GET', `/self-service/requests/${started.body.requestId}`)).body;
      if (status.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const step of status.progress.steps) console.log(`    ✓ ${step.name}: ${step.detail}`);
    console.log(`  ${status.status}, outcome: ${bold(status.outcome)}: ${status.summary}`);
    const foreign = await selfService('asmith', 'POST', '/self-service/requests', { automation: 'disk-cleanup', inputs: { device: 'LT-0042' } });
    console.log(`  POST /self-service/requests (disk-cleanup, LT-0042) as asmith -> ${foreign.status}: ${foreign.body.error}: ${foreign.body.message}`);
    const again = await selfService('jdoe', 'POST', '/self-service/requests', { automation: 'disk-cleanup', inputs: { device: 'LT-0042' } });
    console.log(`  the same request again as jdoe -> ${again.status}: ${again.body.error}: ${again.body.message}\n`);
  }

  console.log(bold('== Onboarding a new employee: a workflow definition (content/definitions/onboarding.yaml)'));
  {
    const inputs = { employeeId: 'maria.lopez', displayName: 'Maria Lopez', role: 'engineer', extraGroups: ['finance'], laptopModel: 'standard-14' };
    console.log(
      `  npm run cli -- definitions start onboarding --requester kim.admin ${Object.entries(inputs)
        .map(([k, v]) => `--input ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ')}`,
    );
    const t0 = Date.now();
    const run = await startDefinitionRun({
      client: stack.client,
      taskQueue: config.temporal.taskQueue,
      content: stack.content,
      definition: 'onboarding',
      inputs,
      requester: { by: 'id', id: 'kim.admin' },
      workflowId: 'onboarding-maria.lopez',
      vault: stack.adapters.store,
    });
    console.log(`  ${run.workflowId} started, definition version ${run.version.slice(0, 19)}… (pinned for the whole run)`);
    await followDefinition(run.workflowId, t0);
    const user = await stack.adapters.directory.findUser({ by: 'id', id: 'maria.lopez' });
    const laptop = stack.adapters.endpoints.all().find((d) => d.owner === 'maria.lopez');
    console.log(
      `  Directory: maria.lopez in ${user?.groups.join(', ')}; mailbox ${(await stack.adapters.mailboxes.mailbox('maria.lopez')) ? 'created' : 'missing'}; laptop ${laptop?.id} with ${laptop?.installed.map((s) => s.id).join(', ')}`,
    );
    console.log(
      `  Welcome e-mail to the new account's own address; chat message to #it-onboarding: "${stack.adapters.chatOutbox.to('it-onboarding').at(-1)?.text ?? ''}"\n`,
    );
  }

  console.log(bold('== Onboarding again, but the asset tool fails: everything done so far is rolled back'));
  {
    const before = stack.adapters.endpoints.all().filter((d) => d.owner === null).length;
    for (let i = 0; i < 3; i++) stack.adapters.assets.failNext('assign', { error: new Error('asset tool answered 503 (simulated outage)') });
    const t0 = Date.now();
    const run = await startDefinitionRun({
      client: stack.client,
      taskQueue: config.temporal.taskQueue,
      content: stack.content,
      definition: 'onboarding',
      inputs: { employeeId: 'tom.berg', displayName: 'Tom Berg', role: 'sales' },
      requester: { by: 'id', id: 'kim.admin' },
      workflowId: 'onboarding-tom.berg',
      vault: stack.adapters.store,
    });
    console.log(`  ${run.workflowId} started; the laptop step will fail 3 times (its retry policy), then the run rolls back`);
    await followDefinition(run.workflowId, t0);
    const after = stack.adapters.endpoints.all().filter((d) => d.owner === null).length;
    console.log(
      `  Directory: tom.berg ${(await stack.adapters.directory.findUser({ by: 'id', id: 'tom.berg' })) ? 'STILL THERE' : 'gone'}; mailbox ${(await stack.adapters.mailboxes.mailbox('tom.berg')) ? 'STILL THERE' : 'gone'}; laptops in stock ${after} (before: ${before})\n`,
    );
  }

  console.log(bold('== Jira: a network incident, resolved by a definition (content/definitions/incident-network.yaml)'));
  {
    const body = jira('ITSM-51', (b) => {
      b.issue.fields.summary = 'Laptop offline';
      b.issue.fields.description = 'Reported through the "Report an outage" form.';
      b.issue.fields.labels = ['network-incident'];
    });
    const t0 = Date.now();
    const raw = JSON.stringify(body);
    const res = await fetch(`${stack.apiUrl}/webhooks/jira`, { method: 'POST', headers: signed('jira', raw), body: raw });
    const { workflowId, workflowType, rule } = (await res.json()) as { workflowId: string; workflowType: string; rule: string };
    console.log(`  POST /webhooks/jira (ITSM-51, signed) -> ${res.status}: ${workflowType} started as ${workflowId} (rule ${rule})`);
    await follow(workflowId, 'ITSM-51', t0, false);
  }

  console.log(bold('== A delivery altered on the way (signature no longer matches)'));
  const tampered = jira('ITSM-46');
  const raw = JSON.stringify(tampered);
  const res = await fetch(`${stack.apiUrl}/webhooks/jira`, {
    method: 'POST',
    headers: signed('jira', raw),
    body: raw.replace('Forgot my password', 'Forgot my password!'),
  });
  console.log(`  POST /webhooks/jira -> ${res.status}: ${JSON.stringify(await res.json())}`);
  for (const d of await stack.adapters.store.deadLetters('open'))
    console.log(`  dead letter #${d.id}: ${d.source}, ${d.reason}, ${d.body.length} bytes kept for replay (npm run cli -- deadletters list)`);
  const rejected = (await stack.adapters.store.auditEntries({ kind: 'webhook.rejected' })).at(-1);
  console.log(
    `  audit log #${rejected?.seq}: ${rejected?.entry.kind} ${rejected?.entry.subject} (${rejected?.entry.reason}), hash ${rejected?.hash.slice(0, 16)}…\n`,
  );

  console.log(bold('== Reconciliation: a Jira ticket whose webhook never came'));
  const lost = jira('ITSM-47');
  stack.adapters.helpdesk.file('jira', lost, new Date());
  const t0 = Date.now();
  await stack.client.schedule.getHandle(RECONCILE_SCHEDULE_ID).trigger();
  console.log(`  Triggered schedule "${RECONCILE_SCHEDULE_ID}" (it runs every hour here, every 5 minutes by default)`);
  for (;;) {
    const r = await fetch(`${stack.apiUrl}/workflows/ticket-jira-ITSM-47`, { headers: { authorization: `Bearer ${adminToken}` } });
    if (r.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await follow('ticket-jira-ITSM-47', 'ITSM-47', t0, false);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  console.log(bold('Stopping...'));
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
  console.log('Demo finished.');
}
process.exit(failed ? 1 : 0);
