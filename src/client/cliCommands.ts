import { Command, CommanderError } from 'commander';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { readFile } from 'node:fs/promises';
import { EngineStore, type DeadLetterStatus } from '../activities/records/store.js';
import { clusterAddress, loadConfig, PROJECT_ROOT, type Config } from '../config/index.js';
import { ValidationError } from '../domain/errors.js';
import { helpdeskSignatureHeaders } from '../domain/sources/signatures.js';
import { TicketSource } from '../domain/tickets/ticket.js';
import { submitApproval, updateFailureMessage, withDirectoryGroups } from './approvals.js';
import { replayDeadLetter } from './webhooks.js';
import { ALERTMANAGER_SOURCE, replayAlertDeadLetter } from './alerts.js';
import { exportJsonLines, queryAudit, readAuditRows, type AuditFilter } from '../activities/records/auditQueries.js';
import { anchor, AuditAnchor, verifyAgainstAnchor, verifyChain } from '../domain/records/auditVerify.js';
import { createDirectory } from '../app/adapters.js';
import { treeJsonSchema } from '../domain/trees/tree.js';
import { sessionQuery, type SessionView } from '../workflows/messages.js';
import { answerSession, listSessions, listTrees, sessionBack, showSession, startTroubleshooting } from './troubleshooting.js';
import { loadContent } from '../stack/content.js';
import { ContentError } from '../domain/content.js';
import { connectClient } from '../stack/connection.js';
import { resolveTemporalCli } from '../stack/temporalCli.js';
import { runStatus } from './runStatus.js';
import { listRunning } from './runs.js';
import { addDefinitionCommands } from './definitionCommands.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

/** The staff CLI. Commands set process-independent exit codes through CommanderError. */
export function buildCli(io: CliIo): Command {
  const program = new Command('itse')
    .description('IT-support engine: check content, inspect automations')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  const fail = (message: string): never => {
    throw new CommanderError(1, 'itse.failed', message);
  };

  program
    .command('validate')
    .description('validate every content file (routing rules, policy, directory); exit 1 with file:line errors')
    .argument('[dir]', 'content folder', loadConfig(io.env).contentDir)
    .action((dir: string) =>
      validateContent(io, dir, (content) => `${content.routing.rules.length} routing rules, ${Object.keys(content.policy.actions).length} policy actions, ${content.directory.users.length} directory users, ${Object.keys(content.definitions).length} workflow definitions`),
    );

  program
    .command('status')
    .description('show the state, progress and result of an automation run')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      const config = loadConfig(io.env);
      const client = await connectClient(config.temporal, clusterAddress(config));
      try {
        const run = await runStatus(client, workflowId).catch((e: unknown) => (e instanceof WorkflowNotFoundError ? fail(`no workflow ${workflowId}`) : Promise.reject(e)));
        io.out(`${run.workflowId} (${run.type}): ${run.status}`);
        for (const step of run.progress?.steps ?? []) io.out(`  ${step.status.padEnd(7)} ${step.name}${step.detail ? ` - ${step.detail}` : ''}`);
        if (run.result) io.out(JSON.stringify(run.result, null, 2));
      } finally {
        await client.connection.close();
      }
    });

  program
    .command('runs')
    .description('running automations on the task queue: type, workflow id, ticket, start time and state')
    .option('--json', 'JSON: one object per run, with its progress or session view')
    .option('--limit <n>', 'at most this many (newest first)', (v) => Number(v), 100)
    .action(async (opts: { json?: boolean; limit: number }) => {
      if (!Number.isSafeInteger(opts.limit) || opts.limit < 1) fail('--limit must be a positive whole number');
      const config = loadConfig(io.env);
      const client = await connectClient(config.temporal, clusterAddress(config));
      try {
        const queues = [...new Set(Object.values(config.temporal.queues))];
        const runs = (await Promise.all(queues.map((taskQueue) => listRunning(client, { taskQueue, limit: opts.limit }))))
          .flat()
          .sort((a, b) => (a.startTime < b.startTime ? 1 : -1))
          .slice(0, opts.limit);
        if (opts.json) return io.out(JSON.stringify(runs, null, 2));
        if (runs.length === 0) return io.out(`no running automations on task queue${queues.length > 1 ? 's' : ''} ${queues.map((q) => `"${q}"`).join(', ')}`);
        const rows = [['WORKFLOW ID', 'TYPE', 'TICKET', 'STARTED', 'STATE'], ...runs.map((r) => [r.workflowId, r.type, r.ticket ?? (r.requestedBy ? `self-service:${r.requestedBy}` : '-'), r.startTime, r.state])];
        const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
        for (const row of rows) io.out(row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  '));
      } finally {
        await client.connection.close();
      }
    });

  const deadletters = program.command('deadletters').description('rejected webhook deliveries, kept so nothing is lost');
  const withStore = async <T>(fn: (store: EngineStore, config: Config) => Promise<T>): Promise<T> => {
    const config = loadConfig(io.env);
    const store = new EngineStore(config.storeFile);
    try {
      return await fn(store, config);
    } finally {
      store.close();
    }
  };
  const idOf = (raw: string) => {
    const id = Number(raw);
    return Number.isSafeInteger(id) && id > 0 ? id : fail(`dead letter id must be a positive integer, not "${raw}"`);
  };

  deadletters
    .command('list')
    .description('list dead letters (default: the open ones)')
    .option('--status <status>', 'open, replayed, discarded or all', 'open')
    .action((opts: { status: string }) =>
      withStore(async (store) => {
        if (!['open', 'replayed', 'discarded', 'all'].includes(opts.status)) fail(`--status must be open, replayed, discarded or all`);
        const letters = store.deadLetters(opts.status === 'all' ? undefined : (opts.status as DeadLetterStatus));
        if (letters.length === 0) io.out(`no ${opts.status === 'all' ? '' : `${opts.status} `}dead letters`);
        for (const d of letters) {
          io.out(`#${d.id}  ${d.receivedAt}  ${d.source.padEnd(10)} ${d.status.padEnd(9)} ${d.reason}${d.issues.length ? `: ${d.issues.map((i) => i.path).join(', ')}` : ''}`);
        }
      }),
    );

  deadletters
    .command('show')
    .argument('<id>')
    .description('show one dead letter with its problems, kept headers and body')
    .action((raw: string) =>
      withStore(async (store) => {
        const d = store.deadLetter(idOf(raw)) ?? fail(`no dead letter ${raw}`);
        io.out(`#${d.id} from ${d.source}, received ${d.receivedAt}, ${d.status}${d.replayResult ? ` (${d.replayResult})` : ''}`);
        io.out(`reason: ${d.reason}`);
        for (const i of d.issues) io.out(`  ${i.path}: ${i.message}`);
        for (const [k, v] of Object.entries(d.headers)) io.out(`${k}: ${v}`);
        io.out('');
        io.out(d.body.toString('utf8'));
      }),
    );

  deadletters
    .command('replay')
    .argument('<id>')
    .description('take a dead letter through intake again, after fixing its cause (secret, content, code)')
    .action((raw: string) =>
      withStore(async (store, config) => {
        const content = await loadContent(config.contentDir);
        const client = await connectClient(config.temporal, clusterAddress(config));
        try {
          const id = idOf(raw);
          // Alertmanager deliveries go back through the alert intake, help-desk ones through ticket intake.
          const replay =
            (store.deadLetter(id)?.source as string | undefined) === ALERTMANAGER_SOURCE
              ? replayAlertDeadLetter(
                  {
                    client,
                    store,
                    taskQueue: config.temporal.queues.definitions,
                    token: config.alertmanager.token,
                    alerts: content.alerts,
                    content,
                    redaction: content.redaction,
                    humanQueue: content.routing.unmatched.queue,
                    directoryOutage: config.directoryOutage,
                  },
                  id,
                )
              : replayDeadLetter(
                  {
                    client,
                    taskQueue: config.temporal.taskQueue,
                    routing: content.routing,
                    store,
                    ...config.webhooks,
                    jira: { requestTypeField: content.helpdesks.jira.requestTypeField },
                    trees: content.trees,
                    definitions: content.definitions,
                    queues: config.temporal.queues,
                    vault: store,
                  },
                  id,
                );
          const result = await replay.catch((e: unknown) => (e instanceof ValidationError ? fail(e.issues.map((i) => i.message).join('; ')) : Promise.reject(e)));
          io.out(JSON.stringify(result.body));
          if (result.httpStatus >= 400) fail(`dead letter ${raw} was rejected again (${result.httpStatus}); it stays open`);
        } finally {
          await client.connection.close();
        }
      }),
    );

  deadletters
    .command('discard')
    .argument('<id>')
    .description('mark a dead letter as handled without replaying it')
    .action((raw: string) =>
      withStore(async (store) => {
        const d = store.deadLetter(idOf(raw)) ?? fail(`no dead letter ${raw}`);
        if (d.status !== 'open') fail(`dead letter ${raw} is already ${d.status}`);
        store.setDeadLetterStatus(d.id, 'discarded', 'discarded by staff (CLI)', new Date());
        io.out(`dead letter ${raw} discarded`);
      }),
    );

  const troubleshoot = program.command('troubleshoot').description('guided troubleshooting sessions (decision trees)');
  const tsDeps = async () => {
    const config = loadConfig(io.env);
    const content = await loadContent(config.contentDir);
    const client = await connectClient(config.temporal, clusterAddress(config));
    return { config, deps: { client, taskQueue: config.temporal.queues.troubleshooting, trees: content.trees, directory: createDirectory(config, content), directoryOutage: config.directoryOutage } };
  };
  const withSession = async (fn: (deps: Awaited<ReturnType<typeof tsDeps>>['deps']) => Promise<void>) => {
    const { deps } = await tsDeps();
    try {
      await fn(deps);
    } catch (e) {
      if (e instanceof WorkflowUpdateFailedError) fail(`refused: ${updateFailureMessage(e)}`);
      if (e instanceof WorkflowNotFoundError) fail('no such session');
      if (e instanceof ValidationError) fail(e.issues.map((i) => i.message).join('; '));
      throw e;
    } finally {
      await deps.client.connection.close();
    }
  };
  const printView = (v: SessionView) => {
    io.out(`${v.workflowId}  tree ${v.tree} (version ${v.version})  ${v.status}`);
    for (const p of v.path) io.out(`  ${p.at}  ${p.kind.padEnd(8)} ${p.node}${p.label ? ` -> ${p.label}` : p.choice ? ` -> ${p.choice}` : ''}${p.outcome ? ` [${p.outcome}]` : ''}${p.by ? ` by ${p.by}` : ''}`);
    if (v.done) io.out(`done: ${v.done.outcome}: ${v.done.text}${v.done.kb ? ` (${v.done.kb})` : ''}`);
    else if (v.status === 'waiting') {
      io.out(`\n[${v.node}] ${v.prompt ?? ''}`);
      if (v.help) io.out(`  (${v.help})`);
      for (const c of v.choices ?? []) io.out(`  ${c.id.padEnd(16)} ${c.label}`);
    } else io.out(`\nworking: ${v.title ?? v.node}`);
  };

  troubleshoot
    .command('trees')
    .description('list the troubleshooting trees')
    .action(async () => {
      const config = loadConfig(io.env);
      const content = await loadContent(config.contentDir);
      for (const t of listTrees(content.trees)) io.out(`${t.id.padEnd(24)} ${String(t.nodes).padStart(4)} nodes  version ${t.version}  ${t.title}`);
    });

  troubleshoot
    .command('schema')
    .description('print the JSON Schema of the tree format (for editors)')
    .action(() => io.out(JSON.stringify(treeJsonSchema(), null, 2)));

  troubleshoot
    .command('start')
    .argument('<tree>')
    .requiredOption('--user <id>', "directory id of the person whose device it is")
    .option('--device <id>', 'asset tag (default: their first device)')
    .description('start a session by hand')
    .action((tree: string, opts: { user: string; device?: string }) =>
      withSession(async (deps) => {
        const { workflowId } = await startTroubleshooting(deps, { tree, user: opts.user, deviceId: opts.device });
        io.out(workflowId);
      }),
    );

  troubleshoot
    .command('show')
    .argument('<workflowId>')
    .description('the current question, its choices and the path so far (or the record when finished)')
    .action((id: string) =>
      withSession(async (deps) => {
        const s = await showSession(deps.client, id);
        if (s.running) printView(s.view);
        else io.out(`${id}: ${s.status}\n${JSON.stringify(s.record, null, 2)}`);
      }),
    );

  troubleshoot
    .command('answer')
    .argument('<workflowId>')
    .argument('<choice>', 'a choice id (or confirm / skip for an action)')
    .requiredOption('--as <responder>', 'your directory id')
    .option('--node <node>', 'the node you answer (default: the current one)')
    .description('answer the current question')
    .action((id: string, choice: string, opts: { as: string; node?: string }) =>
      withSession(async (deps) => {
        const node = opts.node ?? (await deps.client.workflow.getHandle(id).query(sessionQuery)).node;
        printView(await answerSession(deps, id, { node, choice, responder: opts.as }));
      }),
    );

  troubleshoot
    .command('back')
    .argument('<workflowId>')
    .requiredOption('--as <responder>', 'your directory id')
    .description('undo the last answer')
    .action((id: string, opts: { as: string }) => withSession(async (deps) => printView(await sessionBack(deps, id, opts.as))));

  troubleshoot
    .command('list')
    .description('running sessions')
    .action(() =>
      withSession(async (deps) => {
        const sessions = await listSessions(deps.client);
        if (sessions.length === 0) io.out('no running sessions');
        for (const s of sessions) io.out(`${s.workflowId}  started ${s.startTime}`);
      }),
    );

  addDefinitionCommands(program, io);

  const audit = program.command('audit').description('the append-only audit log (DATA_DIR/engine.db)');
  const auditFilter = (cmd: Command) =>
    cmd
      .option('--ticket <ticket>', 'e.g. jira:ITSM-42')
      .option('--user <id>', 'who acted')
      .option('--action <name>', 'entry kind or action, e.g. permission.decision or password.reset')
      .option('--from <iso>', 'from this time (inclusive)')
      .option('--to <iso>', 'until this time (exclusive)')
      .option('--limit <n>', 'at most this many', (v) => Number(v));

  audit
    .command('verify')
    .description('walk the hash chain; report the first altered, inserted, deleted or reordered entry')
    .option('--anchor <file>', 'a published anchor (from `audit anchor`) the log must still contain')
    .action((opts: { anchor?: string }) =>
      withStore(async (store) => {
        const rows = readAuditRows(store);
        const result = opts.anchor ? verifyAgainstAnchor(rows, AuditAnchor.parse(JSON.parse(await readFile(opts.anchor, 'utf8')))) : verifyChain(rows);
        if (result.ok) io.out(`audit log intact: ${result.entries} entries, last hash ${result.lastHash}`);
        else fail(`audit log broken at entry ${result.firstBad.seq} (${result.firstBad.problem}): ${result.firstBad.message}`);
      }),
    );

  audit
    .command('anchor')
    .description('print the current head of the chain, to publish elsewhere (a full rewrite is then detectable)')
    .action(() =>
      withStore(async (store) => {
        const result = verifyChain(readAuditRows(store));
        if (!result.ok) fail(`audit log broken at entry ${result.firstBad.seq}: ${result.firstBad.message}`);
        else io.out(JSON.stringify(anchor(result.lastHash, result.entries, new Date())));
      }),
    );

  auditFilter(audit.command('query').description('entries by ticket, user, action and time'))
    .action((opts: AuditFilter) =>
      withStore(async (store) => {
        for (const m of queryAudit(store, opts)) io.out(`#${m.seq} ${m.entry.at} ${m.entry.kind} ${m.entry.actor} ${m.entry.subject} ${m.entry.outcome}${m.entry.reason ? ` (${m.entry.reason})` : ''}`);
      }),
    );

  auditFilter(audit.command('export').description('entries as JSON lines (with their hashes) on standard output'))
    .action((opts: AuditFilter) => withStore(async (store) => void exportJsonLines(store, opts, io.out)));

  program
    .command('records')
    .description("a ticket's resolution documents (work note, knowledge-base draft, JSON)")
    .argument('<ticket>', 'source:key (e.g. jira:ITSM-42) or a workflow id')
    .option('--json', 'the JSON documents instead of the Markdown work notes')
    .action((ticket: string, opts: { json?: boolean }) =>
      withStore(async (store) => {
        const docs = store.documents(ticket);
        if (docs.length === 0) fail(`no records for ${ticket}`);
        if (opts.json) io.out(JSON.stringify(docs.map((d) => d.json), null, 2));
        else for (const d of docs) io.out(`${d.workNote}${d.kbDraft ? `\n\n${d.kbDraft}` : ''}\n`);
      }),
    );

  program
    .command('approve')
    .description("answer a pending approval as the given approver (the workflow checks who may approve)")
    .argument('<workflowId>')
    .requiredOption('--as <approver>', 'directory id of the approver')
    .option('--reject', 'refuse instead of approving')
    .option('--comment <text>', 'a comment kept in the record')
    .action(async (workflowId: string, opts: { as: string; reject?: boolean; comment?: string }) => {
      const config = loadConfig(io.env);
      const directory = createDirectory(config, await loadContent(config.contentDir));
      const answer = await withDirectoryGroups(directory, { approver: opts.as, approve: !opts.reject, comment: opts.comment });
      const client = await connectClient(config.temporal, clusterAddress(config));
      try {
        const result = await submitApproval(client, workflowId, answer).catch((e: unknown) =>
          e instanceof WorkflowUpdateFailedError ? fail(`approval refused: ${updateFailureMessage(e)}`) : e instanceof WorkflowNotFoundError ? fail(`no workflow ${workflowId}`) : Promise.reject(e),
        );
        io.out(`${workflowId}: ${result.decision} by ${opts.as}`);
      } finally {
        await client.connection.close();
      }
    });

  program
    .command('deliver')
    .description('send a webhook body to the API as the help desk would, signed with the configured secret')
    .argument('<source>', 'jira, servicenow or zendesk')
    .argument('<file>', 'JSON body, e.g. content/samples/jira/password-reset-created.json')
    .option('--url <url>', 'API base URL (default: HTTP_HOST and HTTP_PORT)')
    .action(async (sourceArg: string, file: string, opts: { url?: string }) => {
      const source = TicketSource.safeParse(sourceArg).data ?? fail(`unknown source "${sourceArg}"; use jira, servicenow or zendesk`);
      const config = loadConfig(io.env);
      const url = opts.url ?? `http://${config.http.host}:${config.http.port}`;
      const raw = await readFile(file);
      const secret = config.webhooks.secrets[source];
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(secret ? helpdeskSignatureHeaders(source, raw, secret, new Date()) : {}) };
      const res = await fetch(`${url}/webhooks/${source}`, { method: 'POST', headers, body: raw });
      io.out(`${res.status} ${await res.text()}`);
      if (res.status >= 400) fail(`delivery rejected with ${res.status}`);
    });

  program
    .command('temporal-cli')
    .description('print which Temporal CLI `npm start` would run, and why')
    .action(() => {
      const cli = resolveTemporalCli({ env: io.env, projectRoot: PROJECT_ROOT });
      io.out(cli.path ? `${cli.path} (from ${cli.source})` : 'none found locally: the SDK will download the dev server (needs internet)');
    });

  return program;
}

/** Loads and validates a content folder: a summary line, or every problem as `file:line:column path: message` and exit 1. */
export async function validateContent(io: CliIo, dir: string, summary: (content: Awaited<ReturnType<typeof loadContent>>) => string): Promise<void> {
  try {
    io.out(`${dir}: ${summary(await loadContent(dir))}: all valid`);
  } catch (e) {
    if (!(e instanceof ContentError)) throw e;
    for (const line of e.message.split('\n')) io.err(line);
    throw new CommanderError(1, 'itse.failed', `${e.issues.length} problem(s) in ${dir}`);
  }
}

/** Runs the CLI and returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await buildCli(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'itse.failed') io.err(e.message);
      return e.exitCode;
    }
    io.err(e instanceof Error ? e.message : String(e));
    return 1;
  }
}

