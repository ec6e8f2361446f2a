import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { ROOT_CONTEXT, type Context, type ContextManager, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import { Runtime, type ActivityInterceptorsFactory, type InjectedSinks, type RuntimeOptions } from '@temporalio/worker';
import type { Config } from '../config/index.js';
import type { Logger } from './logger.js';
import { PinoTemporalLogger } from './logging.js';

/**
 * The Temporal Runtime's options: the pino-backed logger (SDK, workflow and activity log lines,
 * and Core's own lines forwarded at WARN and above) and, when WORKER_METRICS_ADDRESS is set, the
 * SDK's Prometheus endpoint (`temporal_*` worker and client metrics at http://<address>/metrics).
 */
export function runtimeOptions(operations: Pick<Config['operations'], 'workerMetricsAddress'>, logger: Logger): RuntimeOptions {
  const address = operations.workerMetricsAddress;
  return {
    logger: new PinoTemporalLogger(logger),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(address ? { metrics: { prometheus: { bindAddress: address } } } : {}),
    },
  };
}

/**
 * Installs the Temporal Runtime. The SDK allows one per process, made before the first worker
 * connection, so the process entry points (src/app/start.ts, src/app/worker.ts) call this first and
 * nothing else in src/ does.
 */
export function installRuntime(config: Pick<Config, 'operations'>, logger: Logger): Runtime {
  return Runtime.install(runtimeOptions(config.operations, logger));
}

/** OpenTelemetry's active context on AsyncLocalStorage, so a span started here is the parent of what it awaits. */
class AsyncLocalContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(context, () => fn.apply(thisArg, args));
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (self: unknown, args: unknown[]) => this.with(context, () => (target as (...a: unknown[]) => unknown).apply(self, args));
    return function (this: unknown, ...args: unknown[]) {
      return run(this, args);
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#storage.disable();
    return this;
  }
}

/** What a worker needs for tracing: workflow interceptor modules (bundle time), activity interceptors and the span sink. */
export interface WorkerTracing {
  workflowInterceptorModules: string[];
  activityInterceptors: ActivityInterceptorsFactory[];
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

export interface Tracing {
  tracer: Tracer;
  /** For `new Client({ interceptors })`: a span per start, signal, update and query, passed to the workflow in headers. */
  clientInterceptors: { workflow: WorkflowClientInterceptor[] };
  worker: WorkerTracing;
  /** Flushes and stops the exporter (call on the way out). */
  shutdown(): Promise<void>;
}

const WORKFLOW_INTERCEPTORS = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * Tracing through the SDK's OpenTelemetry interceptors: the client's start span, the workflow's
 * spans (made in the sandbox, exported through the `exporter` sink) and each activity's span share
 * one trace. Registers the global tracer provider, W3C propagator and context manager, so call it
 * once per process. `spanProcessor` is for tests (an in-memory exporter); otherwise the exporter
 * is OTLP/HTTP (it reads OTEL_EXPORTER_OTLP_ENDPOINT and friends itself) or the console.
 */
export function startTracing(options: { serviceName: string; exporter?: 'otlp' | 'console'; spanProcessor?: SpanProcessor }): Tracing {
  const resource = new Resource({ 'service.name': options.serviceName });
  const processor = options.spanProcessor ?? new BatchSpanProcessor(options.exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter());
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  provider.register({ contextManager: new AsyncLocalContextManager() });
  const tracer = provider.getTracer('it-support-engine');
  return {
    tracer,
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    worker: {
      workflowInterceptorModules: [WORKFLOW_INTERCEPTORS],
      activityInterceptors: [
        (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
      ],
      sinks: { exporter: makeWorkflowExporter(processor, resource) },
    },
    shutdown: () => provider.shutdown(),
  };
}

/** Tracing as configured (OTEL_TRACING), or null when it is off (the default). */
export function configuredTracing(config: Pick<Config, 'operations'>): Tracing | null {
  const t = config.operations.tracing;
  return t ? startTracing({ serviceName: t.serviceName, exporter: t.exporter }) : null;
}

/** Where spans go, for start-up output. */
export function tracingTarget(config: Pick<Config, 'operations'>): string {
  const t = config.operations.tracing;
  if (!t) return 'off (OTEL_TRACING=true turns it on)';
  if (t.exporter === 'console') return 'to the console';
  return `OTLP/HTTP to ${t.endpoint ?? 'http://localhost:4318'}`;
}

/** The same client with the tracing interceptors, or the client itself when tracing is off. */
export function tracedClient(client: Client, tracing: Tracing | null): Client {
  if (!tracing) return client;
  return new Client({
    connection: client.connection,
    namespace: client.options.namespace,
    dataConverter: client.options.dataConverter,
    interceptors: tracing.clientInterceptors,
  });
}
