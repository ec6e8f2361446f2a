import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured logs with secrets and personal data removed by key, wherever they appear. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-hub-signature"]',
          'req.headers.cookie',
          // At the top level of a line and one level down.
          ...['password', 'temporaryPassword', 'email', 'emailAddress', 'displayName', 'apiKey', 'token'].flatMap((key) => [key, `*.${key}`]),
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
