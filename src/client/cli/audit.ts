import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { exportJsonLines, queryAudit, type AuditFilter } from '../../activities/records/auditQueries.js';
import { anchor, AuditAnchor, verifyAgainstAnchor, verifyChain } from '../../domain/records/auditVerify.js';
import { fail, type CliIo } from './io.js';
import { withStore } from './resources.js';

const auditFilter = (cmd: Command) =>
  cmd
    .option('--ticket <ticket>', 'e.g. jira:ITSM-42')
    .option('--user <id>', 'who acted')
    .option('--action <name>', 'entry kind or action, e.g. permission.decision or password.reset')
    .option('--from <iso>', 'from this time (inclusive)')
    .option('--to <iso>', 'until this time (exclusive)')
    .option('--limit <n>', 'at most this many', (v) => Number(v));

/** `audit verify | anchor | query | export` and `records <ticket>`: what the engine database keeps. */
export function addRecordCommands(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('the append-only audit log (DATA_DIR/engine.db)');

  audit
    .command('verify')
    .description('walk the hash chain; report the first altered, inserted, deleted or reordered entry')
    .option('--anchor <file>', 'a published anchor (from `audit anchor`) the log must still contain')
    .action((opts: { anchor?: string }) =>
      withStore(io, async (store) => {
        const rows = await store.auditRows();
        const result = opts.anchor ? verifyAgainstAnchor(rows, AuditAnchor.parse(JSON.parse(await readFile(opts.anchor, 'utf8')))) : verifyChain(rows);
        if (result.ok) io.out(`audit log intact: ${result.entries} entries, last hash ${result.lastHash}`);
        else fail(`audit log broken at entry ${result.firstBad.seq} (${result.firstBad.problem}): ${result.firstBad.message}`);
      }),
    );

  audit
    .command('anchor')
    .description('print the current head of the chain, to publish elsewhere (a full rewrite is then detectable)')
    .action(() =>
      withStore(io, async (store) => {
        const result = verifyChain(await store.auditRows());
        if (!result.ok) fail(`audit log broken at entry ${result.firstBad.seq}: ${result.firstBad.message}`);
        else io.out(JSON.stringify(anchor(result.lastHash, result.entries, new Date())));
      }),
    );

  auditFilter(audit.command('query').description('entries by ticket, user, action and time')).action((opts: AuditFilter) =>
    withStore(io, async (store) => {
      for (const m of await queryAudit(store, opts))
        io.out(`#${m.seq} ${m.entry.at} ${m.entry.kind} ${m.entry.actor} ${m.entry.subject} ${m.entry.outcome}${m.entry.reason ? ` (${m.entry.reason})` : ''}`);
    }),
  );

  auditFilter(audit.command('export').description('entries as JSON lines (with their hashes) on standard output')).action((opts: AuditFilter) =>
    withStore(io, async (store) => void (await exportJsonLines(store, opts, io.out))),
  );

  program
    .command('records')
    .description("a ticket's resolution documents (work note, knowledge-base draft, JSON)")
    .argument('<ticket>', 'source:key (e.g. jira:ITSM-42) or a workflow id')
    .option('--json', 'the JSON documents instead of the Markdown work notes')
    .action((ticket: string, opts: { json?: boolean }) =>
      withStore(io, async (store) => {
        const docs = await store.documents(ticket);
        if (docs.length === 0) fail(`no records for ${ticket}`);
        if (opts.json)
          io.out(
            JSON.stringify(
              docs.map((d) => d.json),
              null,
              2,
            ),
          );
        else for (const d of docs) io.out(`${d.workNote}${d.kbDraft ? `\n\n${d.kbDraft}` : ''}\n`);
      }),
    );
}
