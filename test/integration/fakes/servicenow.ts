import { z } from 'zod';
import { basicHeader, check, FakeHelpDesk, FakeHttpError, fakeId, numericString } from './jira.js';

// ServiceNow Table API: incidents and their journal (sys_journal_field), as documented.
// Unlike a real instance, unknown fields and query terms are refused rather than ignored, so an
// adapter bug shows up as a 400 instead of a silent no-op. The PATCH checks everything (the data
// policy included) before it returns the change, so an injected fault meets only an update the
// instance would make.

export interface FakeServiceNowOptions {
  /** Basic auth credentials and/or `token` for OAuth bearer. */
  username?: string;
  password?: string;
  token?: string;
  /** The instance's resolution codes. */
  closeCodes?: string[];
  /** Assignment groups: sys_id → name. */
  groups?: Record<string, string>;
}

export interface FakeJournalEntry {
  sys_id: string;
  name: 'incident';
  element: 'work_notes' | 'comments';
  element_id: string;
  value: string;
  sys_created_on: string;
}

export type FakeIncident = Record<string, string>;

const REFERENCES: Record<string, string> = {
  caller_id: 'sys_user',
  assignment_group: 'sys_user_group',
  assigned_to: 'sys_user',
  cmdb_ci: 'cmdb_ci',
};

const STATES = ['1', '2', '3', '6', '7'];
const DEFAULT_CLOSE_CODES = ['Solved (Permanently)', 'Solved (Work Around)', 'Not Solved (Not Reproducible)', 'Closed/Resolved by Caller'];

/** `YYYY-MM-DD HH:mm:ss` in UTC. */
export function snDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

const SN_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

interface Condition {
  field: string;
  op: '=' | '>=' | 'IN' | 'LIKE';
  value: string;
}

/** Encoded queries: `a=b^cINx,y^dLIKEz^e>=2026-01-01 00:00:00^ORDERBYf`. */
function parseEncodedQuery(query: string, fields: readonly string[]): { conditions: Condition[]; orderBy: string | undefined } {
  const conditions: Condition[] = [];
  let orderBy: string | undefined;
  for (const term of query.split('^')) {
    const order = /^ORDERBY([a-z_]+)$/.exec(term);
    if (order) {
      orderBy = order[1];
      continue;
    }
    const m = /^([a-z_]+?)(>=|=|IN|LIKE)(.*)$/.exec(term);
    if (!m || !fields.includes(m[1]!)) throw new FakeHttpError(400, `Invalid query term "${term}"`);
    conditions.push({ field: m[1]!, op: m[2] as Condition['op'], value: m[3]! });
  }
  return { conditions, orderBy };
}

function matches(record: Record<string, string>, c: Condition): boolean {
  const v = record[c.field] ?? '';
  switch (c.op) {
    case '=':
      return v === c.value;
    case '>=':
      if (!SN_DATE.test(c.value)) throw new FakeHttpError(400, `Invalid date "${c.value}" for ${c.field}`);
      return v >= c.value;
    case 'IN':
      return c.value.split(',').includes(v);
    case 'LIKE':
      return v.toLowerCase().includes(c.value.toLowerCase());
  }
}

const WRITABLE = [
  'comments',
  'work_notes',
  'state',
  'close_code',
  'close_notes',
  'assignment_group',
  'assigned_to',
  'short_description',
  'description',
  'priority',
  'impact',
  'urgency',
] as const;
const PatchBody = z
  .object(Object.fromEntries(WRITABLE.map((f) => [f, z.string().optional()])) as Record<(typeof WRITABLE)[number], z.ZodOptional<z.ZodString>>)
  .strict();
const sysparmBool = z.enum(['true', 'false']);

export class FakeServiceNow extends FakeHelpDesk {
  readonly incidents = new Map<string, FakeIncident>();
  readonly journal: FakeJournalEntry[] = [];
  private counter = 10000;

  constructor(private readonly options: FakeServiceNowOptions) {
    super();
    this.registerRoutes();
  }

  protected authorized(header: string | undefined): boolean {
    const { token, username, password } = this.options;
    if (token !== undefined && header === `Bearer ${token}`) return true;
    return username !== undefined && header === basicHeader(username, password ?? '');
  }

  protected errorBody(status: number, message: string, fields: Record<string, string>): unknown {
    const detail = Object.entries(fields)
      .map(([k, m]) => `${k}: ${m}`)
      .join('; ');
    if (status === 401) return { error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' };
    return { error: { message, detail: detail || null }, status: 'failure' };
  }

  seedIncident(rest: Partial<FakeIncident> = {}, times: { created?: number; updated?: number } = {}): FakeIncident {
    const { created, updated } = times;
    const now = Date.now();
    const sysId = rest.sys_id ?? fakeId();
    const record: FakeIncident = {
      sys_id: sysId,
      number: `INC00${++this.counter}`,
      short_description: 'Cannot log in',
      description: 'My password expired.',
      caller_id: 'a8f98bb0eb32010045e1a5115206fe3a',
      category: 'inquiry',
      subcategory: '',
      priority: '4',
      impact: '3',
      urgency: '3',
      state: '1',
      assignment_group: '',
      assigned_to: '',
      cmdb_ci: '',
      close_code: '',
      close_notes: '',
      comments: '',
      work_notes: '',
      sys_created_on: snDate(created ?? now),
      sys_updated_on: snDate(updated ?? created ?? now),
      sys_mod_count: '0',
      ...rest,
    };
    this.incidents.set(sysId, record);
    return record;
  }

  journalOf(sysId: string): FakeJournalEntry[] {
    return this.journal.filter((j) => j.element_id === sysId);
  }

  private incident(sysId: string): FakeIncident {
    const record = this.incidents.get(sysId);
    if (!record) throw new FakeHttpError(404, 'No Record found', { record: "Record doesn't exist or ACL restricts the record retrieval" });
    return record;
  }

  /** A record as the Table API shows it (sysparm_display_value=false): references as `{ link, value }` unless excluded. */
  private present(record: FakeIncident, fieldList: string | undefined, excludeLinks: boolean): Record<string, unknown> {
    const names = fieldList ? fieldList.split(',') : Object.keys(record);
    return Object.fromEntries(
      names.map((name) => {
        const value = record[name] ?? '';
        const table = REFERENCES[name];
        if (table && value && !excludeLinks) return [name, { link: `${this.url}/api/now/table/${table}/${value}`, value }];
        return [name, value];
      }),
    );
  }

  private registerRoutes(): void {
    const readQuery = z
      .object({
        sysparm_query: z.string().min(1),
        sysparm_limit: numericString.optional(),
        sysparm_offset: numericString.optional(),
        sysparm_fields: z.string().optional(),
        sysparm_display_value: z.enum(['true', 'false', 'all']).optional(),
        sysparm_exclude_reference_link: sysparmBool.optional(),
      })
      .strict();

    this.route('PATCH', /^\/api\/now(?:\/v1)?\/table\/incident\/([^/]+)$/, ({ params, query, body }) => {
      const q = check(
        z
          .object({
            sysparm_fields: z.string().optional(),
            sysparm_display_value: z.enum(['true', 'false', 'all']).optional(),
            sysparm_exclude_reference_link: sysparmBool.optional(),
            sysparm_input_display_value: sysparmBool.optional(),
          })
          .strict(),
        query,
        'query',
      );
      const record = this.incident(params[0]!);
      const input = check(PatchBody, body, 'incident update');
      if (Object.keys(input).length === 0) throw new FakeHttpError(400, 'Empty update');
      if (input.state !== undefined && !STATES.includes(input.state))
        throw new FakeHttpError(400, 'Invalid state', { state: `"${input.state}" is not a choice` });
      if (input.assignment_group && !(input.assignment_group in (this.options.groups ?? {}))) {
        throw new FakeHttpError(400, 'Invalid reference', { assignment_group: `no sys_user_group ${input.assignment_group}` });
      }
      const next = { ...record };
      for (const [field, value] of Object.entries(input)) {
        if (field !== 'comments' && field !== 'work_notes' && value !== undefined) next[field] = value;
      }
      if (next.state === '6' && record.state !== '6') {
        // The out-of-box data policy: resolving needs a resolution code and notes.
        const codes = this.options.closeCodes ?? DEFAULT_CLOSE_CODES;
        if (!codes.includes(next.close_code ?? '')) {
          throw new FakeHttpError(403, 'Operation Failed', { close_code: `Data Policy Exception: Resolution code must be one of ${codes.join(', ')}` });
        }
        if (!next.close_notes) throw new FakeHttpError(403, 'Operation Failed', { close_notes: 'Data Policy Exception: Resolution notes are mandatory' });
      }
      return {
        apply: () => {
          const now = snDate(Date.now());
          for (const element of ['work_notes', 'comments'] as const) {
            const text = input[element];
            if (text) this.journal.push({ sys_id: fakeId(), name: 'incident', element, element_id: record.sys_id!, value: text, sys_created_on: now });
          }
          Object.assign(record, next, { sys_updated_on: now, sys_mod_count: String(Number(record.sys_mod_count) + 1) });
          return { status: 200, body: { result: this.present(record, q.sysparm_fields, q.sysparm_exclude_reference_link === 'true') } };
        },
      };
    });

    this.route('GET', /^\/api\/now(?:\/v1)?\/table\/sys_journal_field$/, ({ query }) => {
      const q = check(readQuery, query, 'query');
      const { conditions } = parseEncodedQuery(q.sysparm_query, ['element_id', 'element', 'name', 'value']);
      const limit = Number(q.sysparm_limit ?? 10000);
      const rows = this.journal.filter((j) => conditions.every((c) => matches(j as unknown as Record<string, string>, c))).slice(0, limit);
      const names = q.sysparm_fields ? q.sysparm_fields.split(',') : Object.keys(this.journal[0] ?? {});
      return { status: 200, body: { result: rows.map((j) => Object.fromEntries(names.map((n) => [n, (j as unknown as Record<string, string>)[n] ?? '']))) } };
    });

    this.route('GET', /^\/api\/now(?:\/v1)?\/table\/incident$/, ({ query }) => {
      const q = check(readQuery, query, 'query');
      const { conditions, orderBy } = parseEncodedQuery(q.sysparm_query, ['sys_updated_on', 'sys_created_on', 'state', 'assignment_group']);
      const offset = Number(q.sysparm_offset ?? 0);
      const limit = Number(q.sysparm_limit ?? 10000);
      const rows = [...this.incidents.values()]
        .filter((r) => conditions.every((c) => matches(r, c)))
        .sort((a, b) => (orderBy ? (a[orderBy] ?? '').localeCompare(b[orderBy] ?? '') : 0))
        .slice(offset, offset + limit);
      return { status: 200, body: { result: rows.map((r) => this.present(r, q.sysparm_fields, q.sysparm_exclude_reference_link === 'true')) } };
    });
  }
}
