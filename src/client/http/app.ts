import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { ValidationError } from '../../domain/errors.js';
import type { RoutingConfig } from '../../domain/routing.js';
import { normaliseJira } from '../../domain/sources/jira.js';
import type { TicketEvent } from '../../domain/ticket.js';
import type { Logger } from '../../logger.js';
import { intakeTicket } from '../intake.js';
import { runStatus } from '../runStatus.js';

export interface ApiOptions {
  client: Client;
  taskQueue: string;
  routing: RoutingConfig;
  logger: Logger;
  /** Base URL of the Temporal Web UI, for links in responses. */
  uiUrl?: string;
  jira?: { requestTypeField?: string };
  startTimeoutMs?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

function badRequest(reply: FastifyReply, error: string, issues: Array<{ path: string; message: string }>) {
  return reply.code(400).send({ error, issues });
}

export function buildApi(options: ApiOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({ loggerInstance: options.logger as FastifyBaseLogger, bodyLimit: 1024 * 1024 });

  // Keep the raw bytes: webhook signatures are computed over them, not over re-serialised JSON.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    try {
      done(null, JSON.parse((body as Buffer).toString('utf8')));
    } catch (e) {
      const err = new ValidationError('request body', [{ path: '(body)', message: `is not valid JSON: ${(e as Error).message}` }]);
      done(err, undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ValidationError) return badRequest(reply, 'invalid_request', error.issues);
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ error: (error as { code?: string }).code ?? 'bad_request', message: error instanceof Error ? error.message : String(error) });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(503).send({ error: 'unavailable', message: 'The engine could not accept this request now; retry later.' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  async function intake(reply: FastifyReply, event: TicketEvent) {
    const result = await intakeTicket(options, event);
    reply.log.info({ ticket: `${event.source}:${event.ticket.key}`, ...result }, 'ticket intake');
    if (result.status === 'ignored') return reply.code(200).send(result);
    return reply.code(result.status === 'started' ? 202 : 200).send(result);
  }

  app.post('/webhooks/jira', async (request, reply) => {
    let event: TicketEvent;
    try {
      event = normaliseJira(request.body, options.jira);
    } catch (e) {
      if (e instanceof ValidationError) return badRequest(reply, 'invalid_jira_payload', e.issues);
      throw e;
    }
    return intake(reply, event);
  });

  app.get<{ Params: { id: string } }>('/workflows/:id', async (request, reply) => {
    try {
      const run = await runStatus(options.client, request.params.id);
      const ui = options.uiUrl ? `${options.uiUrl}/namespaces/${options.client.options.namespace}/workflows/${run.workflowId}/${run.runId}/history` : undefined;
      return { ...run, ui };
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return reply.code(404).send({ error: 'not_found', message: `no workflow ${request.params.id}` });
      throw e;
    }
  });

  return app;
}
