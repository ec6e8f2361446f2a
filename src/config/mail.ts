import { z } from 'zod';
import { defineSettings, setting, shortDuration } from './settings.js';

export const mailSettings = defineSettings('Mail', {
  mail: {
    from: setting('MAIL_FROM', z.string().min(3).default('IT Service Desk <servicedesk@example.com>'), 'sender of e-mails'),
    smtpUrl: setting(
      'SMTP_URL',
      z.url().optional(),
      "send mail over SMTP (`smtp://user:pass@host:587`); unset: nodemailer's JSON transport, kept in memory (demo)",
    ),
    /** The longest an SMTP connection, greeting or reply may take. */
    timeoutMs: setting(
      'SMTP_TIMEOUT',
      shortDuration('8s').prefault('8s'),
      "the longest an SMTP connection, greeting or reply may take (nodemailer's own limits are minutes): below the worker's 10 s shutdown grace",
    ),
  },
});
