import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { uncoercibleValue, ValidationError } from '../../domain/errors.js';
import { parseUntrustedJson } from '../../domain/sources/json.js';
import { submitApproval, updateFailureMessage } from '../approvals.js';
import { cancelRequest, catalogFor, requestAutomation, requestStatus, type Answer, type SelfServiceDeps } from '../selfService.js';
import type { AuthResult } from './auth.js';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';

export interface SelfServiceApiOptions extends SelfServiceDeps {
  /** Verifies `Authorization: Bearer <JWT>`; the identity is the token's subject, nothing else. */
  verify: (authorization: string | undefined) => Promise<AuthResult>;
}

const ErrorBody = z.object({ error: z.string(), message: z.string() }).loose();
const RequestBody = z.strictObject({
  automation: z.string().min(1).max(100).describe('catalog id, e.g. disk-cleanup'),
  inputs: z.record(z.string(), z.unknown()).optional().describe('the automation’s inputs; unknown keys are refused'),
  target: z.string().max(200).optional().describe("only for automations on the caller's own account: must be the caller"),
});
const Id = z.object({ id: z.string().min(1).max(200) });
const ApprovalBody = z.strictObject({ approve: z.boolean(), comment: z.string().max(2000).optional() });

declare module 'fastify' {
  interface FastifyRequest {
    caller?: string;
  }
}

/**
 * The self-service API for end users: catalog, requests, status, cancel, and approvals for
 * approvers. Registered in its own scope with zod validation (unknown keys refused) and described
 * by the OpenAPI document at /openapi.json.
 */
export async function registerSelfService(app: FastifyInstance, options: SelfServiceApiOptions): Promise<void> {
  await app.register(async (scope) => {
    scope.setValidatorCompiler(validatorCompiler);
    scope.setSerializerCompiler(serializerCompiler);
    // Bodies arrive as raw bytes (see the JSON content-type parser); parse them before validation.
    scope.addHook('preValidation', async (request) => {
      if (!Buffer.isBuffer(request.body)) return;
      request.body = parseUntrustedJson(request.body.toString('utf8') || 'null');
      const hostile = uncoercibleValue(request.body);
      if (hostile) throw new ValidationError('request body', [hostile]);
    });
    // Routes of this scope take a user's JWT instead of the staff token (see buildApi's default deny).
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'self-service' };
    });
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const auth = await options.verify(request.headers.authorization);
      if (!auth.ok) {
        await options.store.appendAudit({
          at: new Date().toISOString(),
          kind: 'security',
          actor: 'unknown',
          subject: `self-service:${request.routeOptions.url}`,
          outcome: 'rejected',
          reason: `token_${auth.reason}`,
        });
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: auth.reason, message: auth.message });
      }
      request.caller = auth.subject;
    });
    const send = (reply: FastifyReply, answer: Answer) =>
      reply
        .code(answer.status)
        .headers(answer.headers ?? {})
        .send(answer.body);
    const api = scope.withTypeProvider<ZodTypeProvider>();
    const responses = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody };

    api.get(
      '/self-service/catalog',
      { schema: { summary: 'Automations the caller may use', response: { 200: z.object({ automations: z.array(z.unknown()) }), ...responses } } },
      async (request, reply) => send(reply, await catalogFor(options, request.caller!)),
    );
    api.post(
      '/self-service/requests',
      {
        schema: {
          summary: 'Start an automation',
          body: RequestBody,
          response: { 202: z.object({ requestId: z.string(), automation: z.string(), status: z.string() }), ...responses },
        },
      },
      async (request, reply) => send(reply, await requestAutomation(options, request.caller!, request.body)),
    );
    api.get(
      '/self-service/requests/:id',
      {
        schema: {
          summary: "One of the caller's requests: status and progress steps",
          params: Id,
          response: { 200: z.object({ requestId: z.string(), status: z.string() }).loose(), ...responses },
        },
      },
      async (request, reply) => send(reply, await requestStatus(options, request.caller!, request.params.id)),
    );
    api.post(
      '/self-service/requests/:id/cancel',
      {
        schema: {
          summary: "Cancel one of the caller's running requests",
          params: Id,
          response: { 202: z.object({ requestId: z.string(), status: z.string() }), ...responses },
        },
      },
      async (request, reply) => send(reply, await cancelRequest(options, request.caller!, request.params.id)),
    );
    api.post(
      '/self-service/requests/:id/approval',
      {
        schema: {
          summary: 'Approve or refuse a request you are the approver of',
          params: Id,
          body: ApprovalBody,
          response: { 200: z.object({ accepted: z.boolean(), decision: z.string() }), ...responses },
        },
      },
      async (request, reply) => {
        try {
          // The approver's groups come from the directory, for approvals granted to a group.
          const approver = await options.directory.findUser({ by: 'id', id: request.caller! });
          const approverGroups = approver ? await options.directory.groupsOf(approver) : [];
          return await submitApproval(options.client, request.params.id, {
            approver: request.caller!,
            approve: request.body.approve,
            comment: request.body.comment,
            approverGroups,
          });
        } catch (e) {
          if (e instanceof WorkflowNotFoundError) return reply.code(404).send({ error: 'not_found', message: `no request ${request.params.id}` });
          if (e instanceof WorkflowUpdateFailedError) return reply.code(403).send({ error: 'not_an_approver', message: updateFailureMessage(e) });
          throw e;
        }
      },
    );
  });
}
