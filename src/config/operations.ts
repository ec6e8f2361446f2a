import { z } from 'zod';
import { defineSettings, flag, setting, shortDuration } from './settings.js';

export const operationsSettings = defineSettings(
  'Operations: process, logging, readiness, metrics, tracing (docs/operations.md)',
  {
    logLevel: setting('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'pino level (`silent` … `trace`)'),
    runWorker: setting('RUN_WORKER', flag.default(true), '`npm start` without its worker (for API-only nodes)'),
    operations: {
      readinessTimeoutMs: setting('READINESS_TIMEOUT', shortDuration('2s').prefault('2s'), 'how long `GET /readyz` waits for each dependency'),
      workerMetricsAddress: setting(
        'WORKER_METRICS_ADDRESS',
        z
          .string()
          .regex(/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/, 'host:port to serve the worker metrics on, e.g. 127.0.0.1:9464 or 0.0.0.0:9464')
          .optional(),
        "serve the SDK's worker metrics (Prometheus) on this host:port; unset: off",
      ),
      tracing: {
        enabled: setting('OTEL_TRACING', flag.default(false), "OpenTelemetry tracing through the SDK's interceptors"),
        exporter: setting('OTEL_TRACES_EXPORTER', z.enum(['otlp', 'console']).default('otlp'), '`otlp` (OTLP/HTTP) or `console` (print spans)'),
        endpoint: setting(
          'OTEL_EXPORTER_OTLP_ENDPOINT',
          z.url({ protocol: /^https?$/, error: 'an http(s) URL of the OTLP/HTTP collector, e.g. http://localhost:4318' }).optional(),
          'the OTLP/HTTP collector (the exporter reads the other standard OTEL_EXPORTER_OTLP_* variables itself)',
          { shownDefault: '`http://localhost:4318`' },
        ),
        serviceName: setting('OTEL_SERVICE_NAME', z.string().min(1).default('it-support-engine'), 'service name on the spans'),
      },
    },
  },
  {
    schema: (object) =>
      object.transform(
        ({
          operations: {
            tracing: { enabled, ...tracing },
            ...operations
          },
          ...rest
        }) => ({
          ...rest,
          /** Readiness, metrics and tracing (see docs/operations.md). */
          operations: { ...operations, tracing: enabled ? tracing : (false as const) },
        }),
      ),
  },
);
