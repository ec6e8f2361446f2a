// The test's side of the out-of-process fakes: the Jira fake's control API, and the SMTP sink's mail file.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Fault, FakeJiraIssue, RecordedRequest } from '../../integration/fakes/jira.js';
import { jiraIssueCreated } from '../../helpers/tickets.js';

export type RemoteIssue = FakeJiraIssue & { statusChanges: string[] };

export class RemoteJira {
  constructor(
    /** The Jira REST API the engine uses. */
    readonly url: string,
    private readonly control: string,
  ) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.control}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await res.json()) as T;
    if (!res.ok) throw new Error(`Jira fake control ${method} ${path}: ${res.status} ${JSON.stringify(answer)}`);
    return answer;
  }

  seed(seed: { key: string; summary?: string; fields?: Record<string, unknown>; deleteFields?: string[] }): Promise<FakeJiraIssue> {
    return this.call('POST', '/seed', seed);
  }

  issue(key: string): Promise<RemoteIssue> {
    return this.call('GET', `/issues/${encodeURIComponent(key)}`);
  }

  requests(): Promise<Array<Omit<RecordedRequest, 'headers'>>> {
    return this.call('GET', '/requests');
  }

  async requestsTo(method: string, path: string): Promise<Array<Omit<RecordedRequest, 'headers'>>> {
    return (await this.requests()).filter((r) => r.method === method && r.path === path);
  }

  /** The next `n` matching requests meet `fault` (see FakeHelpDesk.failNext). */
  failNext(n: number, fault: Fault, match?: { method?: string; path?: string }): Promise<unknown> {
    return this.call('POST', '/fail', { n, fault, match });
  }

  /** Seeds `key` and returns the `jira:issue_created` delivery for it (same id and key). */
  async ticket(key: string, o: { reporter: string; summary?: string; fields?: Record<string, unknown> }): Promise<Record<string, any>> {
    const issue = await this.seed({ key, summary: o.summary });
    const body = jiraIssueCreated({ key, reporter: o.reporter, summary: o.summary });
    body.issue.id = issue.id;
    Object.assign(body.issue.fields, o.fields ?? {});
    return body;
  }
}

const isInternal = (properties: Array<{ key: string; value: unknown }>) =>
  properties.some((p) => p.key === 'sd.public.comment' && (p.value as { internal?: unknown }).internal === true);
/** Comments the requester sees whose text contains `text`. */
export const publicComments = (issue: FakeJiraIssue, text: string) =>
  issue.comments.filter((c) => !isInternal(c.properties) && JSON.stringify(c.body).includes(text));
/** Internal comments (work notes). */
export const workNotes = (issue: FakeJiraIssue) => issue.comments.filter((c) => isInternal(c.properties));

export interface SunkMail {
  /** The sink port it arrived on: each engine host has its own. */
  port: number;
  to: string[];
  subject: string;
  text: string;
  at: string;
  /** How long its answer was held back (ms), 0 when not. */
  held: number;
}

export class MailLog {
  constructor(
    readonly file: string,
    /** Sink ports, one per engine host (in the order hosts are given them). */
    readonly ports: number[],
  ) {}

  all(): SunkMail[] {
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as SunkMail);
  }

  to(address: string): SunkMail[] {
    return this.all().filter((m) => m.to.includes(address));
  }

  /** The answer to the next (first) mail to each address is held back this many ms. */
  holdFirst(holds: Record<string, number>): void {
    writeFileSync(`${this.file}.holds`, JSON.stringify(holds));
  }
}

/** The temporary password a reset mail carries. */
export const mailedPassword = (mail: SunkMail) => /temporary password is:\n\n {4}(\S+)\n/.exec(mail.text)?.[1];
