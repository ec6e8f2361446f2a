import { MockActivityEnvironment } from '@temporalio/testing';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createActivities } from '../../src/activities/support.js';
import { createMailer, withSmtpTimeouts } from '../../src/activities/notify/nodemailer.js';
import { createServer, type Socket } from 'node:net';
import { loadConfig } from '../../src/config/index.js';
import { loadContent } from '../../src/stack/content.js';
import { testGrant } from '../helpers/grants.js';
import { demoAdapters } from '../helpers/temporal.js';

// nodemailer over real SMTP to a local smtp-server: the transport users configure with SMTP_URL.
const received: Array<{ from: string; to: string[]; data: string }> = [];
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('password reset mail over SMTP', () => {
  it('delivers the temporary password to the registered address only, and returns no secret', async () => {
    const content = await loadContent('content');
    const adapters = await demoAdapters();
    const mailer = createMailer({ kind: 'smtp', url: `smtp://127.0.0.1:${port}`, timeoutMs: 8_000 }, 'IT Service Desk <servicedesk@example.com>');
    const activities = createActivities({ ...adapters, mailer, policy: content.policy, catalog: content.software, redaction: content.redaction });
    const result = await new MockActivityEnvironment().run(activities.resetPasswordAndNotify, { userId: 'jdoe', grant: testGrant('password.reset', 'jdoe') });
    const directory = adapters.demoDirectory;

    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ from: 'servicedesk@example.com', to: ['jane.doe@example.com'] });
    expect(received[0]!.data).toMatch(/Subject: Your temporary password/);
    expect(JSON.stringify(result)).toMatch(/^\{"messageId":"<[^>]+>","delivery":"registered-email"\}$/);
    expect(directory.passwordChanges).toHaveLength(1);
  });

  it('fails (and the activity is retried by Temporal) when the SMTP server is unreachable', async () => {
    const mailer = createMailer({ kind: 'smtp', url: 'smtp://127.0.0.1:1', timeoutMs: 8_000 }, 'desk@example.com');
    await expect(mailer.send({ to: 'a@example.com', subject: 's', text: 't' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it("gives up on a server that accepts the connection and never greets, within SMTP_TIMEOUT, instead of nodemailer's 30 s to 10 min", async () => {
    // A hung SMTP send once kept a worker DRAINING past its 10 s shutdown grace.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { timeoutMs } = loadConfig({ SMTP_TIMEOUT: '300ms' }).mail;
      const mailer = createMailer({ kind: 'smtp', url: `smtp://127.0.0.1:${(silent.address() as { port: number }).port}`, timeoutMs }, 'desk@example.com');
      // nodemailer's timers on a fake clock: the send must fail once SMTP_TIMEOUT has passed on
      // it (with nodemailer's defaults it would still wait for a greeting 30 s long).
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      let outcome: unknown = 'pending';
      const sending = mailer.send({ to: 'a@example.com', subject: 's', text: 't' }).then(
        () => (outcome = 'sent'),
        (e: unknown) => (outcome = e),
      );
      while (sockets.length === 0) await new Promise((r) => setImmediate(r));
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      vi.advanceTimersByTime(timeoutMs + 1);
      for (let i = 0; i < 50 && outcome === 'pending'; i++) await new Promise((r) => setImmediate(r));
      expect(outcome).toMatchObject({ code: 'ETIMEDOUT' });
      await sending;
      expect(sockets.length, 'the connection was made: it is the greeting that never came').toBe(1);
    } finally {
      vi.useRealTimers();
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});

describe('SMTP timeouts', () => {
  it("default to 8 s, under the worker's 10 s shutdown grace, and are put in the URL nodemailer reads", () => {
    expect(loadConfig({}).mail.timeoutMs).toBe(8_000);
    expect(() => loadConfig({ SMTP_TIMEOUT: 'soon' })).toThrow(/SMTP_TIMEOUT: a duration such as 8s/);
    const url = new URL(withSmtpTimeouts('smtp://user:p%40ss@mail.example.com:587/?pool=true', 8_000));
    expect(Object.fromEntries(url.searchParams)).toEqual({ pool: 'true', connectionTimeout: '8000', greetingTimeout: '8000', socketTimeout: '8000' });
    expect(url.password).toBe('p%40ss');
    expect(new URL(withSmtpTimeouts('smtp://h/?socketTimeout=20000', 8_000)).searchParams.get('socketTimeout'), 'set in SMTP_URL: kept').toBe('20000');
  });
});
