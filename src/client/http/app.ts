import { timingSafeEqual } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import swagger from '@fastify/swagger';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform } from 'fastify-type-provider-zod';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { DirectoryPort } from '../../activities/directory/port.js';
import type { EndpointPort } from '../../activities/endpoints/port.js';
import { createJwtVerifier } from './auth.js';
import { registerSelfService, type SelfServiceApiOptions } from './selfServiceRoutes.js';
import type { EngineStore } from '../../activities/records/port.js';
import type { DecisionTree } from '../../domain/trees/tree.js';
import { z } from 'zod';
import type { Config } from '../../config/index.js';
import type { Content } from '../../stack/content.js';
import { parseOrThrow, ValidationError } from '../../domain/errors.js';
import { parseUntrustedJson } from '../../domain/sources/json.js';
import type { RoutingConfig } from '../../domain/tickets/routing.js';
import { TicketSource } from '../../domain/tickets/ticket.js';
import type { Logger } from '../../stack/logger.js';
import { ApprovalBody, submitApproval, updateFailureMessage, withDirectoryGroups } from '../approvals.js';
import { runStatus } from '../runStatus.js';
import { queryAudit } from '../../activities/records/auditQueries.js';
import { verifyChain } from '../../domain/records/auditVerify.js';
import { answerSession, listSessions, listTrees, sessionBack, showSession, startTroubleshooting } from '../troubleshooting.js';
import { handleDelivery, replayDeadLetter, type WebhookOptions } from '../webhooks.js';
import { ALERTMANAGER_SOURCE, handleAlertDelivery, replayAlertDeadLetter, type AlertIntakeOptions } from '../alerts.js';
import { correlation } from '../../stack/logging.js';
import { payloadFromJson, payloadToJson } from '../../stack/payloadCodec.js';
import type { IntakeOptions } from '../intake.js';
import { FloodGuard, type FloodPolicy } from '../../domain/sources/floodGuard.js';
import { auditFloodSummaries, type FloodControl } from '../floodControl.js';
import { createApiMetrics, registerMetrics, type ApiMetrics } from './metrics.js';
import { directoryCheck, readinessProbe, temporalCheck } from './ready.js';

export interface ApiOptions {
  client: Client;
  taskQueue: string;
  routing: RoutingConfig;
  store: EngineStore;
  logger: Logger;
  webhooks: Pick<WebhookOptions, 'secrets' | 'allowUnsigned' | 'deadLetterRetention'> & { floodPolicy?: FloodPolicy };
  /** Bearer token for the staff endpoints (dead letters); unset disables them. */
  adminToken?: string;
  /** Base URL of the Temporal Web UI, for links in responses. */
  uiUrl?: string;
  jira?: { requestTypeField?: string };
  /** How long a request may wait on Temporal before it is answered 503 (default 5 s): webhook starts and staff reads alike. */
  startTimeoutMs?: number;
  directoryOutage?: { recheckEveryMs: number; giveUpAfterMs: number };
  now?: () => Date;
  /** Troubleshooting: the trees, and the directory that identifies responders. */
  trees?: Readonly<Record<string, DecisionTree>>;
  /** Support workflow definitions that routing rules may start (`start: { definition: ... }`). */
  definitions?: IntakeOptions['definitions'];
  /** Where sensitive inputs of definitions started by tickets are kept (the engine database). */
  vault?: IntakeOptions['vault'];
  /** Task queues per capability (troubleshooting sessions, definition runs); default `taskQueue`. */
  queues?: IntakeOptions['queues'];
  directory?: DirectoryPort;
  /** The end-user self-service API (bearer JWTs); absent when no token settings are configured. */
  selfService?: SelfServiceApiOptions;
  /** Prometheus metrics of this API (GET /metrics); default: a fresh registry with process metrics. */
  metrics?: ApiMetrics;
  /** How long GET /readyz waits for Temporal and the directory; default 2000. */
  readinessTimeoutMs?: number;
  /** Prometheus Alertmanager intake (POST /webhooks/alertmanager); absent or without a token it answers 503. */
  alertmanager?: Pick<AlertIntakeOptions, 'token' | 'alerts' | 'redaction'>;
}

/** API options from the configuration and content, as `npm start` and `npm run api` use them. */
export function configuredApiOptions(
  config: Config,
  content: Content,
  deps: { client: Client; store: EngineStore; logger: Logger; directory: DirectoryPort; endpoints: EndpointPort; uiUrl?: string },
): ApiOptions {
  const jwt = config.selfService.jwt;
  return {
    ...deps,
    selfService: jwt
      ? {
          client: deps.client,
          taskQueue: config.temporal.queues.selfService,
          catalog: content.selfService,
          directory: deps.directory,
          endpoints: deps.endpoints,
          store: deps.store,
          adminGroups: config.selfService.adminGroups,
          directoryOutage: config.directoryOutage,
          verify: createJwtVerifier(jwt),
        }
      : undefined,
    trees: content.trees,
    definitions: content.definitions,
    vault: deps.store,
    taskQueue: config.temporal.taskQueue,
    queues: config.temporal.queues,
    routing: content.routing,
    webhooks: config.webhooks,
    adminToken: config.adminToken,
    jira: { requestTypeField: content.helpdesks.jira.requestTypeField },
    directoryOutage: config.directoryOutage,
    readinessTimeoutMs: config.operations.readinessTimeoutMs,
    alertmanager: { token: config.alertmanager.token, alerts: content.alerts, redaction: content.redaction },
  };
}

const StartSessionBody = z.strictObject({ tree: z.string().min(1), user: z.string().min(1), deviceId: z.string().min(1).optional() });
const AnswerBody = z.strictObject({ node: z.string().min(1), choice: z.string().min(1), responder: z.string().min(1) });
const BackBody = z.strictObject({ responder: z.string().min(1) });
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
/** Temporal's remote codec protocol: Payloads in proto JSON (bytes as base64). */
const CodecBody = z.object({ payloads: z.array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() })).max(10_000) });

/** Parses a JSON request body kept raw by the content-type parser; bad JSON is a 400 naming it. */
function jsonBody(request: FastifyRequest): unknown {
  return parseUntrustedJson(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Who may call a route: staff unless the route says otherwise (see buildApi). */
export type RouteAccess = 'staff' | 'public' | 'self-service';

/**
 * The routes anyone may call, each for its own reason: liveness and readiness probes, the API's
 * description, Prometheus metrics (counts, no personal data; keep the port off the internet), and
 * the webhooks, whose senders prove themselves by signature (help desks) or token (Alertmanager)
 * inside the handler, so that a refused delivery is still kept and audited.
 */
export const PUBLIC_ROUTES = [
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /openapi.json',
  'POST /webhooks/alertmanager',
  'POST /webhooks/:source',
] as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; unset: staff. */
    access?: RouteAccess;
  }
}

const PUBLIC = { config: { access: 'public' as const } };

/**
 * The OpenAPI document of every route (GET /openapi.json): staff routes under the staff token,
 * self-service routes under a user's JWT, public ones under none.
 */
function registerOpenApi(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      info: { title: 'IT-support engine API', version: '1' },
      components: {
        securitySchemes: {
          staffToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_TOKEN' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "a self-service user's access token from the identity provider" },
        },
      },
      security: [{ staffToken: [] }],
    },
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      const access = input.route.config?.access ?? 'staff';
      const security = access === 'public' ? [] : access === 'self-service' ? [{ bearer: [] }] : [{ staffToken: [] }];
      return { ...out, schema: { ...out.schema, security } };
    },
  });
  app.get('/openapi.json', { ...PUBLIC, schema: { hide: true } }, async () => app.swagger());
}

export function routeAccess(request: FastifyRequest): RouteAccess {
  return request.routeOptions.config?.access ?? 'staff';
}

export function buildApi(options: ApiOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({ loggerInstance: options.logger as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  // Default deny: a route is for staff (a bearer token from ADMIN_API_TOKEN) unless its config
  // says `public` (PUBLIC_ROUTES) or `self-service` (a user's JWT, checked in that scope). Unknown
  // paths too: an outsider learns nothing from a 404.
  const staffOnly = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!options.adminToken) return reply.code(403).send({ error: 'staff_api_disabled', message: 'set ADMIN_API_TOKEN to enable the staff endpoints' });
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!given || !sameSecret(given, options.adminToken))
      return reply.code(401).send({ error: 'unauthorized', message: 'a valid staff bearer token is required' });
  };
  app.addHook('onRequest', async (request, reply) => {
    if (routeAccess(request) === 'staff') return staffOnly(request, reply);
  });
  registerOpenApi(app);
  const metrics = options.metrics ?? createApiMetrics();
  registerMetrics(app, metrics);
  const flood = floodControl(app, options, metrics);
  const webhookOptions: WebhookOptions = { ...options, ...options.webhooks, flood };
  // A response that names a run ties the request's remaining log lines (e.g. "request completed")
  // to it: workflowId, and the ticket when the run has one.
  app.addHook('preSerialization', async (request, reply, payload: unknown) => {
    if (payload === null || typeof payload !== 'object') return payload;
    const { workflowId, requestId } = payload as { workflowId?: unknown; requestId?: unknown };
    const id = typeof workflowId === 'string' ? workflowId : typeof requestId === 'string' ? requestId : null;
    if (id) request.log = reply.log = request.log.child(correlation(id));
    return payload;
  });

  // Bodies stay raw bytes: signatures are computed over them, and a body that is not JSON must
  // still be kept (dead letters) rather than rejected by the framework.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  // No text/plain parser: a webhook sent as text would otherwise reach the signature check as a
  // string (and fail it); like any other type that is not JSON, it is answered 415.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ValidationError) return reply.code(400).send({ error: 'invalid_request', message: error.message, issues: error.issues });
    if (hasZodFastifySchemaValidationErrors(error)) {
      return reply.code(400).send({
        error: 'invalid_request',
        message: 'the request does not match the API (see /openapi.json)',
        issues: error.validation.map((v) => ({ path: `${error.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`, message: v.message })),
      });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply
        .code(status)
        .send({ error: (error as { code?: string }).code ?? 'bad_request', message: error instanceof Error ? error.message : String(error) });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(503).header('retry-after', '5').send({ error: 'unavailable', message: 'The engine could not accept this request now; retry later.' });
  });

  // The routes, as a plugin loaded after the OpenAPI plugin, so that each one is in the document.
  app.register(async (app) => {
    app.get('/healthz', PUBLIC, async () => ({ status: 'ok' }));
    const readiness = readinessProbe(
      [temporalCheck(options.client), ...(options.directory ? [directoryCheck(options.directory)] : [])],
      options.readinessTimeoutMs ?? 2000,
    );
    app.get('/readyz', PUBLIC, async (_request, reply) => {
      const result = await readiness();
      return reply.code(result.status === 'ready' ? 200 : 503).send(result);
    });
    if (options.selfService) {
      const selfService = options.selfService;
      app.register(async (scope) => registerSelfService(scope, selfService));
    }

    // Prometheus Alertmanager (a static route: it wins over /webhooks/:source).
    const alertOptions: AlertIntakeOptions = {
      client: options.client,
      store: options.store,
      taskQueue: options.queues?.definitions ?? options.taskQueue,
      token: options.alertmanager?.token,
      alerts: options.alertmanager?.alerts ?? { requester: 'svc-monitoring', rules: [] },
      redaction: options.alertmanager?.redaction,
      content: { definitions: options.definitions ?? {}, trees: options.trees ?? {} },
      humanQueue: options.routing.unmatched.queue,
      directoryOutage: options.directoryOutage,
      startTimeoutMs: options.startTimeoutMs,
      flood,
      now: options.now,
    };
    app.post('/webhooks/alertmanager', PUBLIC, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await handleAlertDelivery(alertOptions, raw, request.headers);
      const body = result.body;
      reply.log.info(
        {
          source: ALERTMANAGER_SOURCE,
          status: result.httpStatus,
          ...('error' in body ? { error: body.error } : { outcomes: body.results.map((r) => r.outcome) }),
        },
        'webhook',
      );
      return reply.code(result.httpStatus).send(result.body);
    });

    app.post<{ Params: { source: string } }>('/webhooks/:source', PUBLIC, async (request, reply) => {
      const source = TicketSource.safeParse(request.params.source);
      if (!source.success)
        return reply.code(404).send({ error: 'unknown_source', message: `no webhook for "${request.params.source}"; use jira, servicenow or zendesk` });
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await handleDelivery(webhookOptions, source.data, raw, request.headers);
      const run = 'workflowId' in result.body ? correlation(result.body.workflowId) : {};
      reply.log.info(
        {
          source: source.data,
          status: result.httpStatus,
          ...run,
          ...('status' in result.body ? { outcome: result.body.status } : { error: result.body.error }),
        },
        'webhook',
      );
      return reply.code(result.httpStatus).send(result.body);
    });

    app.get<{ Params: { id: string } }>('/workflows/:id', async (request, reply) => {
      try {
        const run = await runStatus(options.client, request.params.id, Date.now() + (options.startTimeoutMs ?? 5000));
        const ui = options.uiUrl
          ? `${options.uiUrl}/namespaces/${options.client.options.namespace}/workflows/${run.workflowId}/${run.runId}/history`
          : undefined;
        return { ...run, ui };
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) return reply.code(404).send({ error: 'not_found', message: `no workflow ${request.params.id}` });
        throw e;
      }
    });

    const letterId = (raw: string) => {
      const id = Number(raw);
      if (!Number.isSafeInteger(id) || id < 1) throw new ValidationError('dead letter id', [{ path: 'id', message: 'must be a positive integer' }]);
      return id;
    };

    // Codec endpoint (Temporal's remote codec protocol) for `temporal workflow show --codec-endpoint
    // <api>/codec --codec-auth "Bearer $ADMIN_API_TOKEN"`: encrypted payloads (PAYLOAD_ENCRYPTION_KEYS)
    // decoded for staff. Without encryption it hands payloads back as they are.
    for (const direction of ['encode', 'decode'] as const) {
      app.post(`/codec/${direction}`, async (request, reply) => {
        const body = parseOrThrow(CodecBody, jsonBody(request), `codec ${direction} request`);
        let payloads = body.payloads.map(payloadFromJson);
        const codecs = options.client.options.loadedDataConverter.payloadCodecs;
        try {
          for (const codec of direction === 'encode' ? codecs : [...codecs].reverse()) payloads = await codec[direction](payloads);
        } catch (e) {
          return reply.code(422).send({ error: 'codec_failed', message: e instanceof Error ? e.message : String(e) });
        }
        return { payloads: payloads.map(payloadToJson) };
      });
    }

    app.post<{ Params: { id: string } }>('/workflows/:id/approval', async (request, reply) => {
      const answer = parseOrThrow(ApprovalBody, jsonBody(request), 'approval');
      try {
        return await submitApproval(options.client, request.params.id, await withDirectoryGroups(options.directory, answer));
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) return reply.code(404).send({ error: 'not_found', message: `no workflow ${request.params.id}` });
        if (e instanceof WorkflowUpdateFailedError) return reply.code(409).send({ error: 'approval_refused', message: updateFailureMessage(e) });
        throw e;
      }
    });

    // Guided troubleshooting, for staff tools.
    const troubleshooting = () => {
      if (!options.directory || !options.trees) throw Object.assign(new Error('troubleshooting is not configured in this API'), { statusCode: 501 });
      return {
        client: options.client,
        taskQueue: options.queues?.troubleshooting ?? options.taskQueue,
        trees: options.trees,
        directory: options.directory,
        directoryOutage: options.directoryOutage,
      };
    };
    const sessionCall = async <T>(reply: FastifyReply, id: string, call: () => Promise<T>) => {
      try {
        return await call();
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) return reply.code(404).send({ error: 'not_found', message: `no session ${id}` });
        if (e instanceof WorkflowUpdateFailedError) return reply.code(409).send({ error: 'answer_refused', message: updateFailureMessage(e) });
        throw e;
      }
    };
    app.get('/troubleshooting/trees', async () => listTrees(troubleshooting().trees));
    app.get('/troubleshooting', async () => listSessions(options.client));
    app.post('/troubleshooting', async (request, reply) => {
      const body = parseOrThrow(StartSessionBody, jsonBody(request), 'troubleshooting session');
      return reply.code(202).send(await startTroubleshooting(troubleshooting(), body));
    });
    app.get<{ Params: { id: string } }>('/troubleshooting/:id', async (request, reply) =>
      sessionCall(reply, request.params.id, () => showSession(options.client, request.params.id)),
    );
    app.post<{ Params: { id: string } }>('/troubleshooting/:id/answer', async (request, reply) => {
      const body = parseOrThrow(AnswerBody, jsonBody(request), 'answer');
      return sessionCall(reply, request.params.id, () => answerSession(troubleshooting(), request.params.id, body));
    });
    app.post<{ Params: { id: string } }>('/troubleshooting/:id/back', async (request, reply) => {
      const body = parseOrThrow(BackBody, jsonBody(request), 'back');
      return sessionCall(reply, request.params.id, () => sessionBack(troubleshooting(), request.params.id, body.responder));
    });

    // Records and the audit log, for auditors and the knowledge base.
    app.get<{ Params: { ticket: string }; Querystring: { format?: string } }>('/records/:ticket', async (request, reply) => {
      const docs = await options.store.documents(request.params.ticket);
      if (docs.length === 0)
        return reply
          .code(404)
          .send({ error: 'not_found', message: `no records for ${request.params.ticket} (use source:key, e.g. jira:ITSM-42, or a workflow id)` });
      if (request.query.format === 'markdown') return reply.type('text/markdown; charset=utf-8').send(docs.map((d) => d.workNote).join('\n\n---\n\n'));
      return docs.map(({ workNote, kbDraft, json, ...meta }) => ({ ...meta, workNote, kbDraft, document: json }));
    });
    app.get<{ Querystring: Record<string, string | undefined> }>('/audit', async (request) => {
      const q = request.query;
      const filter = { ticket: q.ticket, user: q.user, action: q.action, from: q.from, to: q.to, limit: q.limit === undefined ? 1000 : Number(q.limit) };
      try {
        return await queryAudit(options.store, filter);
      } catch (e) {
        if (e instanceof RangeError) throw new ValidationError('audit query', [{ path: 'query', message: e.message }]);
        throw e;
      }
    });
    app.get('/audit/verify', async () => verifyChain(await options.store.auditRows()));

    app.get<{ Querystring: { status?: string } }>('/dead-letters', async (request) => {
      const status = request.query.status;
      if (status !== undefined && !['open', 'replayed', 'discarded'].includes(status)) {
        throw new ValidationError('query', [{ path: 'status', message: 'must be open, replayed or discarded' }]);
      }
      return (await options.store.deadLetters(status as 'open' | undefined)).map(({ body, headers, ...rest }) => ({ ...rest, bytes: body.length }));
    });

    app.get<{ Params: { id: string } }>('/dead-letters/:id', async (request, reply) => {
      const letter = await options.store.deadLetter(letterId(request.params.id));
      if (!letter) return reply.code(404).send({ error: 'not_found', message: `no dead letter ${request.params.id}` });
      return { ...letter, body: letter.body.toString('utf8') };
    });

    app.post<{ Params: { id: string } }>('/dead-letters/:id/replay', async (request, reply) => {
      const id = letterId(request.params.id);
      const result =
        ((await options.store.deadLetter(id))?.source as string | undefined) === ALERTMANAGER_SOURCE
          ? await replayAlertDeadLetter(alertOptions, id)
          : await replayDeadLetter(webhookOptions, id);
      return reply.code(result.httpStatus).send(result.body);
    });

    app.post<{ Params: { id: string } }>('/dead-letters/:id/discard', async (request, reply) => {
      const id = letterId(request.params.id);
      const letter = await options.store.deadLetter(id);
      if (!letter) return reply.code(404).send({ error: 'not_found', message: `no dead letter ${id}` });
      if (letter.status !== 'open') return reply.code(409).send({ error: 'not_open', message: `dead letter ${id} is already ${letter.status}` });
      await options.store.setDeadLetterStatus(id, 'discarded', 'discarded by staff', options.now?.() ?? new Date());
      return { id, status: 'discarded' };
    });
  });

  return app;
}

/**
 * The webhooks' flood bound: refusals past it are counted (metric), the start of each flood is
 * logged once, and each window is summarised in the audit log when it ends or the API closes.
 */
function floodControl(app: FastifyInstance, options: ApiOptions, metrics: ApiMetrics): FloodControl | undefined {
  if (!options.webhooks.floodPolicy) return undefined;
  const flood: FloodControl = {
    guard: new FloodGuard(options.webhooks.floodPolicy),
    notKept: (source, decision) => {
      metrics.refusalsNotKept.inc({ source, why: decision.why });
      if (decision.floodStarted)
        app.log.warn(
          { source, why: decision.why, keepPerMinute: options.webhooks.floodPolicy?.keepPerMinute },
          'webhook flood: refused deliveries are counted, not kept, until the rate falls',
        );
    },
  };
  const now = () => options.now?.() ?? new Date();
  const timer = setInterval(
    () => void auditFloodSummaries(options.store, flood, now()).catch((err: unknown) => app.log.error({ err }, 'could not audit a flood summary')),
    flood.guard.windowMs,
  );
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await auditFloodSummaries(options.store, flood, now(), true);
  });
  return flood;
}
