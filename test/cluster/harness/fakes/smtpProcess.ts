// An SMTP sink (smtp-server) in a process of its own: it listens on one port per engine host (so
// the test knows which host sent each mail) and appends every message it accepts, as one JSON line
// {port, to, subject, text, at}, to a file the test reads. A message is written before its answer
// goes back: once the sender hears "250", the mail is in the file. `<mail file>.holds` (JSON,
// {address: ms}), read at each message, holds back the answer to the first mail to each address
// named there by that long: the mail is in the file, its sender still waits, and the test can cut
// the sender off (or kill it) before it hears that the mail went.
//
//   node --import tsx test/cluster/harness/fakes/smtpProcess.ts <mail file> <ports>
//   prints one JSON line {"ports":[…]} when every port listens.
import { appendFileSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

const [file, count = '1'] = process.argv.slice(2);
if (!file) throw new Error('usage: smtpProcess.ts <mail file> <number of ports>');

function decode(data: string): { subject: string; text: string } {
  const [head = '', ...rest] = data.split(/\r?\n\r?\n/);
  let body = rest.join('\n\n');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    body = Buffer.from(
      body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  }
  return { subject: /^subject: (.*)$/im.exec(head)?.[1]?.trim() ?? '', text: body.replace(/\r\n/g, '\n') };
}

const heldAlready = new Set<string>();
/** How long to hold the answer to this mail (the first to an address in the holds file), or 0. */
function holdFor(to: string[]): number {
  let holds: Record<string, number> = {};
  try {
    holds = JSON.parse(readFileSync(`${file}.holds`, 'utf8')) as Record<string, number>;
  } catch {
    return 0;
  }
  const address = to.find((a) => holds[a] && !heldAlready.has(a));
  if (!address) return 0;
  heldAlready.add(address);
  return holds[address]!;
}

async function listen(): Promise<number> {
  let port = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('latin1')));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const held = holdFor(to);
        appendFileSync(file!, `${JSON.stringify({ port, to, ...decode(data), at: new Date().toISOString(), held })}\n`);
        if (held > 0) setTimeout(() => callback(), held);
        else callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.server.address() as AddressInfo).port;
  return port;
}

const ports: number[] = [];
for (let i = 0; i < Number(count); i++) ports.push(await listen());
console.log(JSON.stringify({ ports }));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
