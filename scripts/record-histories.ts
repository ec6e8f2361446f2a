// Records workflow histories for the replay tests (test/workflows/replay.test.ts).
// Run after an intentional, versioned change to workflow code: `npm run record-histories`.
// RECORD_ONLY=a.json,b.json records only those files (keep the histories of older code versions:
// rename them first, e.g. definition-onboarding-own-slots.json, so they stay in the replay test).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { normaliseJira } from '../src/domain/sources/jira.js';
import { toWorkflowTicket } from '../src/domain/tickets/ticket.js';
import {
  answerUpdate,
  approvalUpdate,
  passwordReset,
  progressQuery,
  sessionQuery,
  softwareInstall,
  ticketHandOff,
  troubleshootSession,
} from '../src/workflows/index.js';
import { treeSetFor } from '../src/domain/trees/tree.js';
import { startDefinitionRun } from '../src/client/definitions.js';
import { demoContent } from '../test/helpers/temporal.js';
import { demoAdapters, startTestServer, withWorker } from '../test/helpers/temporal.js';
import { JIRA, jiraIssueCreated } from '../test/helpers/tickets.js';

// The SDK's proto JSON helpers are CommonJS and must share its protobuf instance.
const { historyToJSON } = createRequire(import.meta.url)('@temporalio/common/lib/proto-utils') as typeof import('@temporalio/common/lib/proto-utils');

const OUT = new URL('../test/workflows/histories/', import.meta.url);
const only = process.env.RECORD_ONLY ? new Set(process.env.RECORD_ONLY.split(',').map((f) => f.trim())) : null;
const wanted = (file: string) => only === null || only.has(file);

const env = await startTestServer();
try {
  const adapters = await demoAdapters();
  await withWorker(env, adapters, async (taskQueue) => {
    const scenarios = [
      { file: 'password-reset-resolved.json', ticket: jiraIssueCreated({ key: 'ITSM-1001', reporter: JIRA.jdoe }), wf: passwordReset, extra: {} },
      { file: 'password-reset-unknown-requester.json', ticket: jiraIssueCreated({ key: 'ITSM-1002', reporter: JIRA.stranger }), wf: passwordReset, extra: {} },
      {
        file: 'password-reset-refused.json',
        ticket: jiraIssueCreated({ key: 'ITSM-1003', reporter: JIRA.samHelper }),
        wf: passwordReset,
        extra: { targetAccount: 'dana.admin' },
      },
      {
        file: 'ticket-hand-off.json',
        ticket: jiraIssueCreated({ key: 'ITSM-1004', reporter: JIRA.jdoe, summary: 'Monitor flickers' }),
        wf: ticketHandOff,
        extra: { queue: 'service-desk', comment: 'We have your request.', reason: 'no automation matches this ticket' },
      },
    ] as const;
    for (const s of scenarios) {
      if (!wanted(s.file)) continue;
      const ticket = toWorkflowTicket(normaliseJira(s.ticket));
      const handle = await env.client.workflow.start(s.wf as typeof passwordReset, {
        taskQueue,
        workflowId: `replay-${ticket.key}`,
        args: [{ ticket, ...s.extra } as Parameters<typeof passwordReset>[0]],
      });
      await handle.result();
      writeFileSync(new URL(s.file, OUT), `${historyToJSON(await handle.fetchHistory())}\n`);
      console.log(`recorded ${s.file}`);
    }

    // Software installation: one without approval, one approved by the manager through the Update.
    for (const [file, key, softwareId] of [
      ['software-install-direct.json', 'ITSM-1005', 'vscode'],
      ['software-install-approved.json', 'ITSM-1006', 'acrobat-pro'],
    ] as const) {
      if (!wanted(file)) continue;
      const ticket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ key, reporter: JIRA.jdoe, summary: `Install ${softwareId}` })));
      const handle = await env.client.workflow.start(softwareInstall, { taskQueue, workflowId: `replay-${key}`, args: [{ ticket, softwareId }] });
      if (softwareId === 'acrobat-pro') {
        while (!(await handle.query(progressQuery)).waitingFor) await new Promise((r) => setTimeout(r, 50));
        await handle.executeUpdate(approvalUpdate, { args: [{ approver: 'asmith', approve: true, comment: 'ok' }] });
      }
      await handle.result();
      writeFileSync(new URL(file, OUT), `${historyToJSON(await handle.fetchHistory())}\n`);
      console.log(`recorded ${file}`);
    }

    // A troubleshooting session on the network tree, answered as staff would (with a back).
    if (wanted('troubleshoot-network.json')) {
      const { trees, version } = treeSetFor((await demoContent()).trees, 'network-connectivity')!;
      const ticket = toWorkflowTicket(normaliseJira(jiraIssueCreated({ key: 'ITSM-1007', reporter: JIRA.jdoe, summary: 'No network' })));
      const handle = await env.client.workflow.start(troubleshootSession, {
        taskQueue,
        workflowId: 'replay-ITSM-1007',
        args: [{ trees, root: 'network-connectivity', version, ticket }],
      });
      const sam = { id: 'sam.helper', groups: ['helpdesk', 'it-staff', 'staff'] };
      const waitFor = async (node: string) => {
        while ((await handle.query(sessionQuery)).node !== node || (await handle.query(sessionQuery)).status !== 'waiting')
          await new Promise((r) => setTimeout(r, 50));
      };
      for (const [node, choice] of [
        ['scope', 'only-this-user'],
        ['renew-dhcp', 'confirm'],
        ['dhcp-works', 'works'],
      ] as const) {
        await waitFor(node);
        await handle.executeUpdate(answerUpdate, { args: [{ node, choice, responder: sam }] });
      }
      await handle.result();
      writeFileSync(new URL('troubleshoot-network.json', OUT), `${historyToJSON(await handle.fetchHistory())}\n`);
      console.log('recorded troubleshoot-network.json');
    }

    // Support workflow definitions: onboarding done, onboarding rolled back after the laptop
    // could not be handed out, and a network incident reported by a ticket.
    const content = await demoContent();
    const record = async (file: string, run: () => Promise<{ workflowId: string }>) => {
      if (!wanted(file)) return;
      const { workflowId } = await run();
      const handle = env.client.workflow.getHandle(workflowId);
      await handle.result();
      writeFileSync(new URL(file, OUT), `${historyToJSON(await handle.fetchHistory())}\n`);
      console.log(`recorded ${file}`);
    };
    const onboard = (employeeId: string) =>
      startDefinitionRun({
        client: env.client,
        taskQueue,
        content,
        definition: 'onboarding',
        inputs: { employeeId, displayName: 'New Hire', role: 'engineer', extraGroups: ['finance'] },
        requester: { by: 'id', id: 'kim.admin' },
        workflowId: `replay-onboarding-${employeeId}`,
        vault: adapters.store,
      });
    await record('definition-onboarding.json', () => onboard('new.hire'));
    adapters.assets.failNext('assign', { error: new Error('asset tool rejected the request') });
    adapters.assets.failNext('assign', { error: new Error('asset tool rejected the request') });
    adapters.assets.failNext('assign', { error: new Error('asset tool rejected the request') });
    await record('definition-onboarding-rolled-back.json', () => onboard('other.hire'));
    const incident = toWorkflowTicket(normaliseJira(jiraIssueCreated({ key: 'ITSM-1008', reporter: JIRA.jdoe, summary: 'Laptop offline' })));
    await record('definition-incident-network.json', () =>
      startDefinitionRun({
        client: env.client,
        taskQueue,
        content,
        definition: 'incident-network',
        inputs: { userId: 'jdoe' },
        requester: { by: 'externalId', system: 'jira', externalId: JIRA.samHelper },
        ticket: incident,
        workflowId: 'replay-ITSM-1008',
      }),
    );
  });
} finally {
  await env.teardown();
}
