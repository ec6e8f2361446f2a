import { z } from 'zod';

/**
 * Chat channels (content/notify.yaml): Slack- or Microsoft Teams-compatible incoming webhooks. A
 * webhook URL is a bearer secret (whoever holds it can post), so the file names only the
 * environment variable that holds it.
 */
export const ChatKind = z.enum(['slack', 'teams'], 'slack or teams');
export type ChatKind = z.infer<typeof ChatKind>;

const ChannelId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a channel id: lower-case letters, digits and dashes, e.g. it-onboarding');

export const ChatChannel = z.strictObject({
  kind: ChatKind,
  /** Environment variable holding the webhook URL, e.g. CHAT_IT_ONBOARDING_URL. */
  urlEnv: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an environment variable name in capitals, e.g. CHAT_IT_ONBOARDING_URL'),
  description: z.string().optional(),
});
export type ChatChannel = z.infer<typeof ChatChannel>;

export const NotifyConfig = z.strictObject({
  channels: z.record(ChannelId, ChatChannel).default({}),
});
export type NotifyConfig = z.infer<typeof NotifyConfig>;

/** A chat message as the engine composes it: plain text, with an optional heading. */
export interface ChatMessage {
  text: string;
  title?: string;
}

/**
 * The JSON body for an incoming webhook.
 * - Slack: `{ "text": ... }` (the heading in bold, Slack mrkdwn).
 * - Teams (Workflows "post to a channel when a webhook request is received", and the older
 *   connector webhooks): a message with one Adaptive Card attachment.
 */
export function chatPayload(kind: ChatKind, message: ChatMessage): Record<string, unknown> {
  if (kind === 'slack') return { text: message.title ? `*${message.title}*\n${message.text}` : message.text };
  const body: Array<Record<string, unknown>> = [];
  if (message.title) body.push({ type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', wrap: true });
  body.push({ type: 'TextBlock', text: message.text, wrap: true });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.2', body },
      },
    ],
  };
}

export type ChatOutcome = 'delivered' | 'retry' | 'refused';

/**
 * What an answer from a webhook means: 2xx delivered; 408, 425, 429 and 5xx are worth another try;
 * any other status is a refusal a retry cannot fix (wrong URL, removed webhook, bad payload).
 * Teams connector webhooks answer throttling with 200 and the text "Microsoft Teams endpoint
 * returned HTTP error 429" in the body, so that body is a retry too.
 */
export function classifyChatAnswer(kind: ChatKind, status: number, body: string): ChatOutcome {
  if (status >= 200 && status < 300) return kind === 'teams' && /HTTP error 429/.test(body) ? 'retry' : 'delivered';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'refused';
}
