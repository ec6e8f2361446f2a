import { z } from 'zod';
import { durationMs, flag, shortDuration, slice } from './settings.js';

export const operationsSettings = slice('Operations: readiness, metrics, tracing (docs/operations.md)', {
  READINESS_TIMEOUT: [shortDuration('2s').default('2s'), 'how long `GET /readyz` waits for each dependency'],
  WORKER_METRICS_ADDRESS: [
    z
      .string()
      .regex(/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/, 'host:port to serve the worker metrics on, e.g. 127.0.0.1:9464 or 0.0.0.0:9464')
      .optional(),
    "serve the SDK's worker metrics (Prometheus) on this host:port; unset: off",
  ],
  OTEL_TRACING: [flag.default(false), "OpenTelemetry tracing through the SDK's interceptors"],
  OTEL_TRACES_EXPORTER: [z.enum(['otlp', 'console']).default('otlp'), '`otlp` (OTLP/HTTP) or `console` (print spans)'],
  OTEL_EXPORTER_OTLP_ENDPOINT: [
    z.url({ protocol: /^https?$/, error: 'an http(s) URL of the OTLP/HTTP collector, e.g. http://localhost:4318' }).optional(),
    'the OTLP/HTTP collector (the exporter reads the other standard OTEL_EXPORTER_OTLP_* variables itself)',
    '`http://localhost:4318`',
  ],
  OTEL_SERVICE_NAME: [z.string().min(1).default('it-support-engine'), 'service name on the spans'],
});

type OperationsEnv = z.infer<z.ZodObject<typeof operationsSettings.shape>>;

export function operationsConfig(e: OperationsEnv) {
  const tracing: false | { exporter: 'otlp' | 'console'; serviceName: string; endpoint: string | undefined } = e.OTEL_TRACING
    ? { exporter: e.OTEL_TRACES_EXPORTER, serviceName: e.OTEL_SERVICE_NAME, endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT }
    : false;
  return {
    readinessTimeoutMs: durationMs(e.READINESS_TIMEOUT),
    workerMetricsAddress: e.WORKER_METRICS_ADDRESS,
    tracing,
  };
}
