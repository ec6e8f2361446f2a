import { MockActivityEnvironment } from '@temporalio/testing';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { createMailer } from '../../src/activities/notify/nodemailer.js';
import { loadContent } from '../../src/content.js';
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
    const mailer = createMailer({ kind: 'smtp', url: `smtp://127.0.0.1:${port}` }, 'IT Service Desk <servicedesk@example.com>');
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
    const mailer = createMailer({ kind: 'smtp', url: 'smtp://127.0.0.1:1' }, 'desk@example.com');
    await expect(mailer.send({ to: 'a@example.com', subject: 's', text: 't' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
