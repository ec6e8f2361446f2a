import type { Config } from '../config.js';
import type { Content } from '../content.js';
import { MemoryDirectory } from './directory/memory.js';
import { createActivities } from './index.js';
import { createMailer, MemoryOutbox } from './notify/nodemailer.js';
import { MemoryTicketing } from './ticketing/memory.js';

/** The configured adapters behind each port, and the activities built on them. */
export function buildAdapters(config: Pick<Config, 'mail'>, content: Content) {
  const directory = new MemoryDirectory(content.directory);
  const ticketing = new MemoryTicketing();
  const outbox = new MemoryOutbox();
  const mailer = createMailer(config.mail.smtpUrl ? { kind: 'smtp', url: config.mail.smtpUrl } : { kind: 'json', outbox }, config.mail.from);
  const activities = createActivities({ directory, ticketing, mailer, policy: content.policy });
  return { directory, ticketing, outbox, mailer, activities };
}
export type Adapters = ReturnType<typeof buildAdapters>;
