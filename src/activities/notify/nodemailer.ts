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

export type MailTransportConfig = { kind: 'json'; outbox: MemoryOutbox } | { kind: 'smtp'; url: string };

/** nodemailer for both transports: JSON (nothing leaves the process) or a real SMTP server. */
export function createMailer(config: MailTransportConfig, from: string): Mailer {
  const transport =
    config.kind === 'json' ? nodemailer.createTransport({ jsonTransport: true }) : nodemailer.createTransport(config.url);
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
