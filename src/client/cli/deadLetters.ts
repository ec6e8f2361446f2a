import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { DeadLetterStatus, EngineStore } from '../../activities/records/port.js';
import type { Config } from '../../config/index.js';
import { ValidationError } from '../../domain/errors.js';
import { loadContent, type Content } from '../../stack/content.js';
import { ALERTMANAGER_SOURCE, replayAlertDeadLetter } from '../alerts.js';
import { replayDeadLetter } from '../webhooks.js';
import { fail, type CliIo } from './io.js';
import { connected, withStore } from './resources.js';

const idOf = (raw: string) => {
  const id = Number(raw);
  return Number.isSafeInteger(id) && id > 0 ? id : fail(`dead letter id must be a positive integer, not "${raw}"`);
};

/** Takes dead letter `id` through intake again: Alertmanager deliveries through the alert intake, help-desk ones through ticket intake. */
async function replay(id: number, at: { client: Client; store: EngineStore; config: Config; content: Content }) {
  const { client, store, config, content } = at;
  if (((await store.deadLetter(id))?.source as string | undefined) === ALERTMANAGER_SOURCE) {
    return replayAlertDeadLetter(
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
    );
  }
  return replayDeadLetter(
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
}

/** `deadletters list | show | replay | discard`: rejected webhook deliveries. */
export function addDeadLetterCommands(program: Command, io: CliIo): void {
  const deadletters = program.command('deadletters').description('rejected webhook deliveries, kept so nothing is lost');

  deadletters
    .command('list')
    .description('list dead letters (default: the open ones)')
    .option('--status <status>', 'open, replayed, discarded or all', 'open')
    .action((opts: { status: string }) =>
      withStore(io, async (store) => {
        if (!['open', 'replayed', 'discarded', 'all'].includes(opts.status)) fail(`--status must be open, replayed, discarded or all`);
        const letters = await store.deadLetters(opts.status === 'all' ? undefined : (opts.status as DeadLetterStatus));
        if (letters.length === 0) io.out(`no ${opts.status === 'all' ? '' : `${opts.status} `}dead letters`);
        for (const d of letters) {
          io.out(
            `#${d.id}  ${d.receivedAt}  ${d.source.padEnd(10)} ${d.status.padEnd(9)} ${d.reason}${d.issues.length ? `: ${d.issues.map((i) => i.path).join(', ')}` : ''}`,
          );
        }
      }),
    );

  deadletters
    .command('show')
    .argument('<id>')
    .description('show one dead letter with its problems, kept headers and body')
    .action((raw: string) =>
      withStore(io, async (store) => {
        const d = (await store.deadLetter(idOf(raw))) ?? fail(`no dead letter ${raw}`);
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
      withStore(io, async (store, config) => {
        const content = await loadContent(config.contentDir);
        await connected(config, async (client) => {
          const result = await replay(idOf(raw), { client, store, config, content }).catch((e: unknown) =>
            e instanceof ValidationError ? fail(e.issues.map((i) => i.message).join('; ')) : Promise.reject(e),
          );
          io.out(JSON.stringify(result.body));
          if (result.httpStatus >= 400) fail(`dead letter ${raw} was rejected again (${result.httpStatus}); it stays open`);
        });
      }),
    );

  deadletters
    .command('discard')
    .argument('<id>')
    .description('mark a dead letter as handled without replaying it')
    .action((raw: string) =>
      withStore(io, async (store) => {
        const d = (await store.deadLetter(idOf(raw))) ?? fail(`no dead letter ${raw}`);
        if (d.status !== 'open') fail(`dead letter ${raw} is already ${d.status}`);
        await store.setDeadLetterStatus(d.id, 'discarded', 'discarded by staff (CLI)', new Date());
        io.out(`dead letter ${raw} discarded`);
      }),
    );
}
