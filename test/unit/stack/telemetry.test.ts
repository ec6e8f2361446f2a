import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/stack/logger.js';
import { PinoTemporalLogger } from '../../../src/stack/logging.js';
import { context, trace } from '@opentelemetry/api';
import { Client, Connection } from '@temporalio/client';
import { configuredTracing, runtimeOptions, tracedClient, tracingTarget } from '../../../src/stack/telemetry.js';

describe('operations settings', () => {
  it('default to: readiness checks of 2 s, no worker metrics endpoint, tracing off', () => {
    expect(loadConfig({}).operations).toEqual({ readinessTimeoutMs: 2000, workerMetricsAddress: undefined, tracing: false });
    expect(tracingTarget(loadConfig({}))).toBe('off (OTEL_TRACING=true turns it on)');
  });

  it('read WORKER_METRICS_ADDRESS, READINESS_TIMEOUT and the OTEL_* variables', () => {
    const c = loadConfig({
      WORKER_METRICS_ADDRESS: '0.0.0.0:9464',
      READINESS_TIMEOUT: '500ms',
      OTEL_TRACING: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SERVICE_NAME: 'itse-eu',
    });
    expect(c.operations).toEqual({
      readinessTimeoutMs: 500,
      workerMetricsAddress: '0.0.0.0:9464',
      tracing: { exporter: 'otlp', serviceName: 'itse-eu', endpoint: 'http://collector:4318' },
    });
    expect(tracingTarget(c)).toBe('OTLP/HTTP to http://collector:4318');
    expect(tracingTarget(loadConfig({ OTEL_TRACING: '1' }))).toBe('OTLP/HTTP to http://localhost:4318');
    expect(tracingTarget(loadConfig({ OTEL_TRACING: 'true', OTEL_TRACES_EXPORTER: 'console' }))).toBe('to the console');
    expect(loadConfig({ WORKER_METRICS_ADDRESS: '[::1]:9464' }).operations.workerMetricsAddress).toBe('[::1]:9464');
    expect(loadConfig({ READINESS_TIMEOUT: '3s' }).operations.readinessTimeoutMs).toBe(3000);
    // The endpoint alone does not turn tracing on.
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).operations.tracing).toBe(false);
  });

  it.each([
    [{ WORKER_METRICS_ADDRESS: '9464' }, /WORKER_METRICS_ADDRESS: host:port to serve the worker metrics on/],
    [{ WORKER_METRICS_ADDRESS: 'http://0.0.0.0:9464' }, /WORKER_METRICS_ADDRESS/],
    [{ OTEL_TRACING: 'yes' }, /OTEL_TRACING/],
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, /OTEL_TRACES_EXPORTER/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT/],
    [{ READINESS_TIMEOUT: 'quick' }, /READINESS_TIMEOUT: a duration such as 2s or 500ms/],
  ])('refuse %o, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('the Temporal Runtime options', () => {
  it('serve Prometheus metrics only when an address is set, and log through pino', () => {
    const logger = createLogger('silent');
    const off = runtimeOptions({ workerMetricsAddress: undefined }, logger);
    expect(off.telemetryOptions?.metrics).toBeUndefined();
    expect(off.logger).toBeInstanceOf(PinoTemporalLogger);
    expect(off.telemetryOptions?.logging).toEqual({ filter: { core: 'WARN', other: 'ERROR' }, forward: {} });
    expect(runtimeOptions({ workerMetricsAddress: '127.0.0.1:9464' }, logger).telemetryOptions?.metrics).toEqual({
      prometheus: { bindAddress: '127.0.0.1:9464' },
    });
  });
});

describe('the pino-backed Temporal logger', () => {
  it('writes JSON lines at the SDK’s level with its metadata, the ticket, and without task tokens', () => {
    const lines: Array<Record<string, any>> = [];
    const out = new Writable({
      write(chunk, _e, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const log = new PinoTemporalLogger(createLogger('trace', out));
    log.info('Activity completed', {
      workflowId: 'ticket-zendesk-90123',
      activityType: 'commentOnTicket',
      taskToken: 'opaque',
      attempt: 1,
      skipped: undefined,
    });
    log.warn('Activity failed', { workflowId: 'self-disk-cleanup-jdoe', error: new Error('boom') });
    log.error('bad', { email: 'jane.doe@example.com' });
    log.debug('d');
    log.trace('t');
    log.log('INFO', 'no meta');
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'Activity completed',
      component: 'temporal',
      workflowId: 'ticket-zendesk-90123',
      ticket: 'zendesk:90123',
      activityType: 'commentOnTicket',
      attempt: 1,
    });
    expect(lines[0]).not.toHaveProperty('taskToken');
    expect(lines[0]).not.toHaveProperty('skipped');
    expect(lines[1]).toMatchObject({ level: 40, workflowId: 'self-disk-cleanup-jdoe', err: { message: 'boom', type: 'Error' } });
    expect(lines[1]).not.toHaveProperty('ticket');
    // The logger's redaction applies to SDK lines too.
    expect(lines[2]).toMatchObject({ level: 50, email: '[redacted]' });
    expect(JSON.stringify(lines[2])).not.toContain('jane.doe');
    expect(lines.slice(3).map((l) => l.level)).toEqual([20, 10, 30]);
  });
});

describe('tracing setup', () => {
  it('is nothing when off; when on, it carries the context across awaits and into bound callbacks', async () => {
    expect(configuredTracing(loadConfig({}))).toBeNull();
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), namespace: 'ops' });
    expect(tracedClient(client, null)).toBe(client);

    const tracing = configuredTracing(loadConfig({ OTEL_TRACING: 'true', OTEL_TRACES_EXPORTER: 'console' }))!;
    try {
      expect(tracing.worker.workflowInterceptorModules).toEqual([expect.stringMatching(/interceptors-opentelemetry\/lib\/workflow-interceptors\.js$/)]);
      expect(Object.keys(tracing.worker.sinks)).toEqual(['exporter']);
      const traced = tracedClient(client, tracing);
      expect(traced).not.toBe(client);
      expect(traced.options.namespace).toBe('ops');
      expect(traced.options.interceptors.workflow).toEqual(tracing.clientInterceptors.workflow);

      const seen = await tracing.tracer.startActiveSpan('outer', async (span) => {
        await new Promise((r) => setTimeout(r, 5));
        const afterAwait = trace.getActiveSpan();
        const bound = context.bind(context.active(), () => trace.getActiveSpan());
        span.end();
        return { same: afterAwait === span, bound };
      });
      expect(seen.same).toBe(true);
      // Outside the span, a bound callback still sees the span it was bound to.
      expect(trace.getActiveSpan()).toBeUndefined();
      expect(seen.bound()).toBeDefined();
      const notAFunction = { a: 1 };
      expect(context.bind(context.active(), notAFunction)).toBe(notAFunction);
    } finally {
      await tracing.shutdown();
    }
  });
});
