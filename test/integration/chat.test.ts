import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createChat, MemoryChatOutbox } from '../../src/activities/notify/chat.js';
import { NotifyConfig } from '../../src/domain/notify.js';
import { freePort } from '../../src/stack/ports.js';

// A local webhook receiver over real HTTP: records what arrives and answers as told.
interface Received {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}
let server: Server;
let base: string;
const received: Received[] = [];
let answers: Array<{ status: number; body?: string; headers?: Record<string, string>; hang?: boolean }> = [];

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const text = await readBody(req);
    received.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(text) });
    const answer = answers.shift() ?? { status: 200, body: 'ok' };
    if (answer.hang) return; // never answers
    res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    res.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received.length = 0;
  answers = [];
});

const SECRET_PATH = '/services/T000/B000/s3cr3t-token-XYZ';
const config = NotifyConfig.parse({
  channels: {
    'it-onboarding': { kind: 'slack', urlEnv: 'CHAT_SLACK_URL' },
    'it-incidents': { kind: 'teams', urlEnv: 'CHAT_TEAMS_URL' },
    'not-wired': { kind: 'slack', urlEnv: 'CHAT_NOT_SET_URL' },
  },
});
const env = () => ({ CHAT_SLACK_URL: `${base}${SECRET_PATH}`, CHAT_TEAMS_URL: `${base}/workflows/triggers/manual/paths/invoke?sig=s3cr3t-sig` });

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('Slack-compatible incoming webhook', () => {
  it('POSTs {"text"} as JSON to the configured URL', async () => {
    const chat = createChat(config, { env: env() });
    expect(await chat.post('it-onboarding', { text: 'new.hire is ready', title: 'Onboarding' })).toEqual({ delivery: 'webhook' });
    expect(received).toEqual([
      { method: 'POST', path: SECRET_PATH, contentType: 'application/json; charset=utf-8', body: { text: '*Onboarding*\nnew.hire is ready' } },
    ]);
    expect(chat.outbox.messages).toEqual([]);
  });

  it('429 and 5xx are retryable (Retry-After becomes the next retry delay); other 4xx are final and name channel and status, never the URL', async () => {
    const chat = createChat(config, { env: env() });
    answers = [{ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } }];
    const limited = await failure(chat.post('it-onboarding', { text: 'x' }));
    expect(limited).toBeInstanceOf(ApplicationFailure);
    expect(limited).toMatchObject({ type: 'ChatRateLimited', nonRetryable: false, nextRetryDelay: 30_000 });

    answers = [{ status: 429 }];
    const noHint = await failure(chat.post('it-onboarding', { text: 'x' }));
    expect(noHint).not.toBeInstanceOf(ApplicationFailure);
    expect(noHint.message).toBe('chat channel it-onboarding (slack webhook from CHAT_SLACK_URL) answered 429');

    answers = [{ status: 503, body: 'upstream down' }];
    const down = await failure(chat.post('it-onboarding', { text: 'x' }));
    expect(down).not.toBeInstanceOf(ApplicationFailure);
    expect(down.message).toMatch(/answered 503$/);

    answers = [{ status: 404, body: 'no_service' }];
    const gone = await failure(chat.post('it-onboarding', { text: 'x' }));
    expect(gone).toBeInstanceOf(ApplicationFailure);
    expect(gone).toMatchObject({ type: 'ChatRefused', nonRetryable: true });
    expect(gone.message).toBe(
      "chat channel it-onboarding (slack webhook from CHAT_SLACK_URL) answered 404 (no_service): the webhook refused the message; check the channel's webhook in CHAT_SLACK_URL",
    );

    answers = [{ status: 400, body: 'invalid_payload' }];
    const bad = await failure(chat.post('it-onboarding', { text: 'x' }));
    expect(bad).toMatchObject({ type: 'ChatRefused', nonRetryable: true, message: expect.stringContaining('400 (invalid_payload)') });

    for (const error of [limited, noHint, down, gone, bad]) {
      expect(error.message).not.toContain('s3cr3t');
      expect(error.message).not.toContain(base);
    }
    expect(received).toHaveLength(5);
  });

  it('a redirect is not followed: refused, final', async () => {
    const chat = createChat(config, { env: env() });
    answers = [{ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }];
    expect(await failure(chat.post('it-onboarding', { text: 'x' }))).toMatchObject({ type: 'ChatRefused', nonRetryable: true });
    expect(received).toHaveLength(1);
  });
});

describe('Teams-compatible incoming webhook (Workflows / connector)', () => {
  it('POSTs a message with one Adaptive Card attachment', async () => {
    const chat = createChat(config, { env: env() });
    answers = [{ status: 202 }];
    expect(await chat.post('it-incidents', { text: 'DNS fixed on LT-0042', title: 'Incident INC-7' })).toEqual({ delivery: 'webhook' });
    const [request] = received;
    expect(request?.path).toBe('/workflows/triggers/manual/paths/invoke?sig=s3cr3t-sig');
    const body = request?.body as { type: string; attachments: Array<{ contentType: string; contentUrl: null; content: Record<string, unknown> }> };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: expect.stringMatching(/^1\.\d$/),
        body: [
          { type: 'TextBlock', text: 'Incident INC-7', weight: 'Bolder', wrap: true },
          { type: 'TextBlock', text: 'DNS fixed on LT-0042', wrap: true },
        ],
      },
    });
  });

  it('throttling reported inside a 200 answer (connector webhooks) is retried, not taken as delivered', async () => {
    const chat = createChat(config, { env: env() });
    answers = [{ status: 200, body: 'Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi' }];
    const throttled = await failure(chat.post('it-incidents', { text: 'x' }));
    expect(throttled).not.toBeInstanceOf(ApplicationFailure);
    expect(throttled.message).toBe('chat channel it-incidents (teams webhook from CHAT_TEAMS_URL) answered 200 with a throttling notice');
    answers = [{ status: 200, body: '1' }];
    expect(await chat.post('it-incidents', { text: 'x' })).toEqual({ delivery: 'webhook' });
  });
});

describe('network failures, configuration and the demo outbox', () => {
  it('nothing listening and no answer in time are retryable, and do not show the URL', async () => {
    const port = await freePort();
    const refused = createChat(config, { env: { CHAT_SLACK_URL: `http://127.0.0.1:${port}${SECRET_PATH}` } });
    const down = await failure(refused.post('it-onboarding', { text: 'x' }));
    expect(down).not.toBeInstanceOf(ApplicationFailure);
    expect(down.message).toBe('chat channel it-onboarding (slack webhook from CHAT_SLACK_URL): network error (ECONNREFUSED)');

    const slow = createChat(config, { env: env(), timeoutMs: 300 });
    answers = [{ status: 200, hang: true }];
    const timedOut = await failure(slow.post('it-onboarding', { text: 'x' }));
    expect(timedOut).not.toBeInstanceOf(ApplicationFailure);
    expect(timedOut.message).toBe('chat channel it-onboarding (slack webhook from CHAT_SLACK_URL): no answer within 300 ms');
    for (const error of [down, timedOut]) expect(error.message).not.toContain('s3cr3t');
  });

  it('an unknown channel or a URL that is not http(s) is a final configuration error', async () => {
    const chat = createChat(config, { env: { CHAT_SLACK_URL: 'not a url', CHAT_TEAMS_URL: 'file:///etc/passwd' } });
    expect(await failure(chat.post('it-onboardin', { text: 'x' }))).toMatchObject({
      type: 'UnknownChannel',
      nonRetryable: true,
      message: 'unknown chat channel "it-onboardin"; content/notify.yaml defines: it-incidents, it-onboarding, not-wired',
    });
    expect(await failure(createChat(NotifyConfig.parse({}), { env: {} }).post('x', { text: 'x' }))).toMatchObject({
      message: expect.stringContaining('defines: (none)'),
    });
    expect(await failure(chat.post('it-onboarding', { text: 'x' }))).toMatchObject({
      type: 'ChatMisconfigured',
      message: expect.stringContaining('CHAT_SLACK_URL is not a URL'),
    });
    expect(await failure(chat.post('it-incidents', { text: 'x' }))).toMatchObject({
      type: 'ChatMisconfigured',
      message: expect.stringContaining('must be an http(s) URL'),
    });
    expect(received).toEqual([]);
  });

  it('a channel without a URL in the environment goes to the in-memory outbox, with the body a webhook would get', async () => {
    const outbox = new MemoryChatOutbox();
    const chat = createChat(config, { env: env(), outbox });
    expect(await chat.post('not-wired', { text: 'hello' })).toEqual({ delivery: 'memory-outbox' });
    expect(outbox.to('not-wired')).toEqual([{ channel: 'not-wired', kind: 'slack', text: 'hello', body: { text: 'hello' }, at: expect.any(String) }]);
    expect(outbox.to('it-onboarding')).toEqual([]);
    expect(received).toEqual([]);
  });
});
