import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from './port.js';

export interface SentMail extends MailMessage {
  from: string;
  messageId: string;
}

/** Where the JSON transport "delivers": a mailbox the demo and tests can open. */
export class MemoryOutbox {
  readonly messages: SentMail[] = [];
  to(address: string): SentMail[] {
    return this.messages.filter((m) => m.to === address);
  }
}

export type MailTransportConfig = { kind: 'json'; outbox: MemoryOutbox } | { kind: 'smtp'; url: string; timeoutMs: number };

/**
 * The SMTP URL with connection, greeting and socket timeouts as nodemailer reads them from its
 * query string: its own limits (2 min to connect, 10 min of silence) would outlast any shutdown
 * grace. A value the URL itself sets wins.
 */
export function withSmtpTimeouts(url: string, timeoutMs: number): string {
  const u = new URL(url);
  for (const key of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) if (!u.searchParams.has(key)) u.searchParams.set(key, String(timeoutMs));
  return u.toString();
}

/** nodemailer for both transports: JSON (nothing leaves the process) or a real SMTP server. */
export function createMailer(config: MailTransportConfig, from: string): Mailer {
  const transport =
    config.kind === 'json' ? nodemailer.createTransport({ jsonTransport: true }) : nodemailer.createTransport(withSmtpTimeouts(config.url, config.timeoutMs));
  return {
    async send(message) {
      const info = await transport.sendMail({ from, ...message });
      if (config.kind === 'json') {
        config.outbox.messages.push({ ...message, from, messageId: info.messageId });
      }
      return { messageId: info.messageId };
    },
  };
}
