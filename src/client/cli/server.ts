import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { loadConfig, PROJECT_ROOT } from '../../config/index.js';
import { helpdeskSignatureHeaders } from '../../domain/sources/signatures.js';
import { TicketSource } from '../../domain/tickets/ticket.js';
import { resolveTemporalCli } from '../../stack/temporalCli.js';
import { fail, type CliIo } from './io.js';

/** `deliver <source> <file>` (to the running API) and `temporal-cli` (which dev server `npm start` runs). */
export function addServerCommands(program: Command, io: CliIo): void {
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
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...(secret ? helpdeskSignatureHeaders(source, raw, secret, new Date()) : {}),
      };
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
}
