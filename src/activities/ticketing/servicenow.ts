import { z } from 'zod';
import {
  automationRef,
  basicAuth,
  checkSource,
  checkTimeZone,
  DEFAULT_TIMEOUT_MS,
  floorToSecond,
  formatWallTime,
  HelpDeskHttp,
  parseConfig,
  queueFor,
  withAutomationRef,
} from './http.js';
import { TicketingRequestError, type ChangedTicket, type TicketingPort, type TicketRef, type UpdateContext } from './port.js';

/** A queue is an assignment group, by sys_id. */
export interface ServiceNowQueue {
  assignmentGroup: string;
}

export interface ServiceNowConfig {
  /** e.g. `https://example.service-now.com` */
  baseUrl: string;
  /** Basic auth; or `token` (OAuth bearer) instead. */
  username?: string;
  password?: string;
  token?: string;
  /** Per request; default 10000. */
  timeoutMs?: number;
  queues: Record<string, ServiceNowQueue>;
  /** Resolution code (instance-specific choice list); default `Solved (Permanently)`. */
  closeCode?: string;
  /**
   * Time zone in which the instance reads date literals of encoded queries; default `UTC`
   * (set the integration user's time zone to UTC, or name it here).
   */
  queryTimeZone?: string;
}

const SYS_ID = /^[0-9a-f]{32}$/;

const ServiceNowConfigSchema = z
  .object({
    baseUrl: z.string().min(1),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
    queues: z.record(z.string().min(1), z.object({ assignmentGroup: z.string().regex(SYS_ID, 'must be a sys_id (32 hex characters)') }).strict()),
    closeCode: z.string().min(1).default('Solved (Permanently)'),
    queryTimeZone: z.string().min(1).default('UTC'),
  })
  .strict()
  .refine((c) => (c.token !== undefined) !== (c.username !== undefined && c.password !== undefined), {
    message: 'configure either token, or username and password',
    path: ['token'],
  })
  .refine((c) => c.token === undefined || (c.username === undefined && c.password === undefined), {
    message: 'token and username/password are exclusive',
    path: ['token'],
  });

const UPDATE_FIELDS = 'sys_id,number,state';
const STATE_RESOLVED = '6';

const UpdateAnswer = z.object({ result: z.object({ sys_id: z.string() }) });
const JournalAnswer = z.object({ result: z.array(z.object({ sys_id: z.string() })) });
const snDate = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'is not a YYYY-MM-DD HH:mm:ss date');
const IncidentList = z.object({
  result: z.array(z.looseObject({ sys_id: z.string(), sys_created_on: snDate, sys_updated_on: snDate })),
});

/** ServiceNow incidents through the Table API. */
export class ServiceNowTicketing implements TicketingPort {
  private readonly config: z.infer<typeof ServiceNowConfigSchema>;
  private readonly http: HelpDeskHttp;

  constructor(config: ServiceNowConfig) {
    this.config = parseConfig('ServiceNow', ServiceNowConfigSchema, config);
    checkTimeZone('ServiceNow', this.config.queryTimeZone);
    const { token, username, password } = this.config;
    this.http = new HelpDeskHttp({
      system: 'ServiceNow',
      baseUrl: this.config.baseUrl,
      authorization: token !== undefined ? `Bearer ${token}` : basicAuth(username ?? '', password ?? ''),
      timeoutMs: this.config.timeoutMs,
      errorText: serviceNowErrorText,
    });
  }

  async addComment(ref: TicketRef, comment: { body: string; visibility: 'internal' | 'public' } & UpdateContext): Promise<void> {
    const sysId = this.sysIdOf(ref);
    const shortRef = automationRef(comment.idempotencyKey);
    if (comment.attempt > 1 && (await this.journalHas(sysId, shortRef))) return;
    const field = comment.visibility === 'internal' ? 'work_notes' : 'comments';
    await this.update(sysId, { [field]: withAutomationRef(comment.body, shortRef) });
  }

  private async journalHas(sysId: string, shortRef: string): Promise<boolean> {
    const { result } = await this.http.json(
      {
        method: 'GET',
        path: '/api/now/table/sys_journal_field',
        query: {
          sysparm_query: `element_id=${sysId}^elementINwork_notes,comments^valueLIKE${shortRef}`,
          sysparm_limit: 1,
          sysparm_fields: 'sys_id',
        },
      },
      JournalAnswer,
    );
    return result.length > 0;
  }

  /** Setting the same state, code and notes again changes nothing, so a retry simply repeats it. */
  async resolve(ref: TicketRef, resolution: { note: string } & UpdateContext): Promise<void> {
    const sysId = this.sysIdOf(ref);
    await this.update(sysId, { state: STATE_RESOLVED, close_code: this.config.closeCode, close_notes: resolution.note });
  }

  async routeToQueue(ref: TicketRef, routing: { queue: string; reason: string } & UpdateContext): Promise<void> {
    const sysId = this.sysIdOf(ref);
    const queue = queueFor('ServiceNow', this.config.queues, routing.queue);
    await this.update(sysId, { assignment_group: queue.assignmentGroup, assigned_to: '' });
  }

  async listChangedSince(since: Date, limit: number): Promise<ChangedTicket[]> {
    if (limit <= 0) return [];
    const from = formatWallTime(since, this.config.queryTimeZone, 'second');
    const { result } = await this.http.json(
      {
        method: 'GET',
        path: '/api/now/table/incident',
        query: {
          sysparm_query: `sys_updated_on>=${from}^ORDERBYsys_updated_on`,
          sysparm_limit: limit,
          sysparm_exclude_reference_link: 'false',
        },
      },
      IncidentList,
    );
    // Record dates have whole seconds: compare with `since` at that precision, so nothing changed
    // in the same second as `since` is lost.
    const threshold = floorToSecond(since);
    const changed: ChangedTicket[] = [];
    for (const incident of result) {
      const updated = parseServiceNowDate(incident.sys_updated_on);
      if (updated < threshold) continue;
      const created = parseServiceNowDate(incident.sys_created_on) >= threshold;
      changed.push({
        source: 'servicenow',
        body: {
          event: created ? 'incident.created' : 'incident.updated',
          sent_at: incident.sys_updated_on,
          instance: new URL(this.http.baseUrl).origin,
          incident,
        },
        updatedAt: new Date(updated).toISOString(),
      });
    }
    return changed.slice(0, limit);
  }

  private async update(sysId: string, fields: Record<string, string>): Promise<void> {
    await this.http.json({ method: 'PATCH', path: `/api/now/table/incident/${sysId}`, query: { sysparm_fields: UPDATE_FIELDS }, body: fields }, UpdateAnswer);
  }

  /** The ticket id is the incident's sys_id; it goes into encoded queries, so it is checked first. */
  private sysIdOf(ref: TicketRef): string {
    checkSource('ServiceNow', 'servicenow', ref);
    if (!SYS_ID.test(ref.id)) {
      throw new TicketingRequestError(`ServiceNow ticket ${ref.key} has id "${ref.id.slice(0, 40)}", which is not a sys_id`, 400);
    }
    return ref.id;
  }
}

/** Table API dates are `YYYY-MM-DD HH:mm:ss` in UTC. */
function parseServiceNowDate(value: string): number {
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}

/** ServiceNow answers errors as `{ error: { message, detail }, status: 'failure' }`. */
function serviceNowErrorText(body: unknown): string | undefined {
  const parsed = z.object({ error: z.object({ message: z.string(), detail: z.string().nullish() }) }).safeParse(body);
  if (!parsed.success) return undefined;
  const { message, detail } = parsed.data.error;
  return detail ? `${message} (${detail})` : message;
}
