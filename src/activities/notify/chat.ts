import { ApplicationFailure } from '@temporalio/common';
import { chatPayload, classifyChatAnswer, type ChatKind, type ChatMessage, type NotifyConfig } from '../../domain/notify.js';
import { retryAfterMs } from '../ticketing/http.js';

// Posts to Slack- and Teams-compatible incoming webhooks. The webhook URL is a secret: it is read
// from the environment when a message is sent and appears in no message, error or result.

export const CHAT_TIMEOUT_MS = 10_000;

export interface ChatPort {
  /**
   * Posts `message` to a configured channel. Throws a plain Error (retryable) on a network error,
   * a timeout, 408/425/429 or 5xx; ApplicationFailure.nonRetryable on other answers or an unknown
   * channel.
   */
  post(channel: string, message: ChatMessage): Promise<{ delivery: 'webhook' | 'memory-outbox' }>;
}

export interface PostedChatMessage extends ChatMessage {
  channel: string;
  kind: ChatKind;
  /** The body a webhook would have received. */
  body: Record<string, unknown>;
  at: string;
}

/** Where messages go for channels without a configured webhook URL (demo, tests). */
export class MemoryChatOutbox {
  readonly messages: PostedChatMessage[] = [];
  to(channel: string): PostedChatMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }
}

export interface ChatOptions {
  /** Where the webhook URLs named in content/notify.yaml are read from (the environment the app was given). */
  env: Readonly<Record<string, string | undefined>>;
  outbox?: MemoryChatOutbox;
  timeoutMs?: number;
}

/** The chat adapter for the channels of content/notify.yaml. */
export function createChat(config: NotifyConfig, options: ChatOptions): ChatPort & { outbox: MemoryChatOutbox } {
  const { env } = options;
  const outbox = options.outbox ?? new MemoryChatOutbox();
  const timeoutMs = options.timeoutMs ?? CHAT_TIMEOUT_MS;
  return {
    outbox,
    async post(channel, message) {
      const settings = Object.hasOwn(config.channels, channel) ? config.channels[channel] : undefined;
      if (!settings) {
        const known = Object.keys(config.channels).sort().join(', ') || '(none)';
        throw ApplicationFailure.nonRetryable(`unknown chat channel "${channel}"; content/notify.yaml defines: ${known}`, 'UnknownChannel');
      }
      const body = chatPayload(settings.kind, message);
      const url = env[settings.urlEnv];
      if (!url) {
        outbox.messages.push({ ...message, channel, kind: settings.kind, body, at: new Date().toISOString() });
        return { delivery: 'memory-outbox' };
      }
      const what = `chat channel ${channel} (${settings.kind} webhook from ${settings.urlEnv})`;
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw ApplicationFailure.nonRetryable(`${what}: ${settings.urlEnv} is not a URL`, 'ChatMisconfigured');
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
        throw ApplicationFailure.nonRetryable(`${what}: ${settings.urlEnv} must be an http(s) URL`, 'ChatMisconfigured');
      }
      let response: Response;
      let text: string;
      try {
        response = await fetch(parsed, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(body),
          // A redirect would carry the message somewhere the configuration did not name.
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        const e = error as Error & { cause?: { code?: string } };
        if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Error(`${what}: no answer within ${timeoutMs} ms`);
        // Only the error code: a cause's message may quote the URL.
        throw new Error(`${what}: network error (${e.cause?.code ?? e.name})`);
      }
      const outcome = classifyChatAnswer(settings.kind, response.status, text);
      if (outcome === 'delivered') return { delivery: 'webhook' };
      const message_ = `${what} answered ${response.status}${outcome === 'retry' && response.status < 300 ? ' with a throttling notice' : ''}`;
      if (outcome === 'retry') {
        const delayMs = retryAfterMs(response.headers.get('retry-after'));
        if (delayMs !== undefined) throw ApplicationFailure.create({ message: message_, type: 'ChatRateLimited', nextRetryDelay: delayMs });
        throw new Error(message_);
      }
      // Slack answers with a short code (invalid_payload, no_service, channel_is_archived).
      const said = text.replace(/\s+/g, ' ').trim().slice(0, 120);
      throw ApplicationFailure.nonRetryable(
        `${message_}${said ? ` (${said})` : ''}: the webhook refused the message; check the channel's webhook in ${settings.urlEnv}`,
        'ChatRefused',
      );
    },
  };
}
