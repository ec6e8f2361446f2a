// `npm run cli -- <command>`: the staff command line.
import { runCli } from '../client/cli/program.js';
import { createDirectory } from './adapters.js';

process.exitCode = await runCli(process.argv.slice(2), { out: console.log, err: console.error, env: process.env }, { createDirectory });
