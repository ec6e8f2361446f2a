// `npm run cli -- <command>`: the staff command line.
import { runCli } from '../client/cliCommands.js';

process.exitCode = await runCli(process.argv.slice(2), { out: console.log, err: console.error, env: process.env });
