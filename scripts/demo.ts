// `npm run demo`: starts the embedded stack on a fresh data folder, sends sample Jira tickets over
// HTTP, shows each workflow's progress as it moves, prints the resolution records, and stops.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { RunStatus } from '../src/client/runStatus.js';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { isolatedStackEnv } from '../src/stack/ports.js';
import { startStack } from '../src/stack/stack.js';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const sample = JSON.parse(readFileSync(join(PROJECT_ROOT, 'content/samples/jira/password-reset-created.json'), 'utf8'));

/** Variations of the sample ticket: who asks, and for what. */
function ticket(key: string, change: (body: any) => void) {
  const body = structuredClone(sample);
  body.issue.key = key;
  body.issue.id = String(10000 + Number(key.split('-')[1]));
  change(body);
  return body;
}

const scenarios = [
  { title: 'Jane forgot her password (self-service reset through a ticket)', body: ticket('ITSM-42', () => {}) },
  {
    title: 'Someone the directory does not know asks for a reset',
    body: ticket('ITSM-43', (b) => {
      b.issue.fields.reporter = { accountId: '712020:ffffffff-ffff-4fff-8fff-ffffffffffff', displayName: 'Unknown Person' };
    }),
  },
  {
    title: 'Service desk asks to reset a domain administrator (protected account)',
    body: ticket('ITSM-44', (b) => {
      b.issue.fields.reporter = { accountId: '712020:11111111-2222-4333-8444-555555555555', displayName: 'Sam Helper' };
      b.issue.fields.summary = 'Please reset password for Dana';
      b.issue.fields.customfield_10060 = 'dana.admin';
    }),
  },
  {
    title: 'A ticket no automation handles',
    body: ticket('ITSM-45', (b) => {
      b.issue.fields.summary = 'Second monitor flickers';
      b.issue.fields.description = 'Since Monday, the left screen flickers every few minutes.';
    }),
  },
];

Runtime.install({ logger: new DefaultLogger('ERROR') });
const dataDir = mkdtempSync(join(tmpdir(), 'itse-demo-'));
const config = loadConfig({ ...process.env, ...(await isolatedStackEnv(dataDir)), TEMPORAL_ADDRESS: undefined });
console.log(bold('Starting the embedded stack (Temporal dev server, worker, HTTP API)...'));
const started = Date.now();
const stack = await startStack(config, createLogger('warn'));
console.log(`  Temporal ${stack.temporalAddress}, Web UI ${stack.uiUrl}, API ${stack.apiUrl} (${Date.now() - started} ms)\n`);

let failed = false;
try {
  for (const scenario of scenarios) {
    console.log(bold(`== ${scenario.title}`));
    const t0 = Date.now();
    const res = await fetch(`${stack.apiUrl}/webhooks/jira`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario.body) });
    const accepted = (await res.json()) as { workflowId: string; workflowType: string; rule: string | null };
    console.log(`  POST /webhooks/jira (${scenario.body.issue.key}) -> ${res.status}: ${accepted.workflowType} started as ${accepted.workflowId}${accepted.rule ? ` (rule ${accepted.rule})` : ''}`);

    let shown = 0;
    let run: RunStatus;
    for (;;) {
      run = (await (await fetch(`${stack.apiUrl}/workflows/${accepted.workflowId}`)).json()) as RunStatus;
      const steps = run.progress?.steps ?? [];
      for (; shown < steps.length; shown++) {
        const s = steps[shown]!;
        if (s.status === 'running') break;
        console.log(`    ${s.status === 'done' ? '✓' : '✗'} ${s.name}${s.detail ? `: ${s.detail}` : ''}`);
      }
      if (run.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const record = run.result!;
    console.log(`  ${run.status} in ${Date.now() - t0} ms, outcome: ${bold(String(record?.outcome))}`);
    const stored = stack.adapters.helpdesk.get(scenario.body.issue.key);
    console.log(`  Ticket ${scenario.body.issue.key}: ${stored?.status}${stored?.queue ? `, queue ${stored.queue}` : ''}`);
    for (const c of stored?.comments ?? []) console.log(`    comment (${c.visibility}): ${c.body}`);
    if (record?.outcome === 'resolved') {
      const mails = stack.adapters.outbox.messages.filter((m) => m.subject === 'Your temporary password');
      console.log(`  Mailbox: ${mails.length} message(s) "${mails.at(-1)?.subject}" to the registered address (password not shown here)`);
    }
    if (scenario === scenarios[0]) console.log(`  Resolution record:\n${JSON.stringify(record, null, 2).replace(/^/gm, '    ')}`);
    console.log(`  Temporal UI: ${(run as RunStatus & { ui?: string }).ui}\n`);
  }
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
