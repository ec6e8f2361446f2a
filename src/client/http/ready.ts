import type { Client } from '@temporalio/client';
import type { DirectoryPort } from '../../activities/directory/port.js';

/** One dependency the API needs to do its work; `check` throws when it is not usable now. */
export interface DependencyCheck {
  name: string;
  check(deadline: number): Promise<void>;
}

export interface CheckResult {
  ok: boolean;
  ms: number;
  /** Why it failed: no secrets (passwords, credentials in URLs), no personal data. */
  error?: string;
}

export interface Readiness {
  status: 'ready' | 'not_ready';
  /** Names of the dependencies that failed, e.g. `["directory"]`. */
  failed: string[];
  checks: Record<string, CheckResult>;
}

/** Temporal answers for the configured namespace: the server is reachable and the namespace exists. */
export function temporalCheck(client: Client): DependencyCheck {
  const namespace = client.options.namespace;
  return {
    name: 'temporal',
    check: async (deadline) => {
      await client.connection.withDeadline(deadline, () => client.workflowService.describeNamespace({ namespace }));
    },
  };
}

/**
 * The directory answers a lookup: for LDAP a connection, bind and search with the configured
 * service account (a wrong password or base DN fails too); the demo directory always answers.
 * The probe id matches nobody; "not found" is a good answer.
 */
export function directoryCheck(directory: DirectoryPort): DependencyCheck {
  return {
    name: 'directory',
    check: async () => {
      await directory.findUser({ by: 'id', id: 'readiness-probe' });
    },
  };
}

/** Drops credentials from anything URL-like (`scheme://user:secret@host`) and keeps the first line, shortened. */
export function safeMessage(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return text
    .split('\n')[0]!
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1')
    .slice(0, 300);
}

async function run(check: DependencyCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check.check(Date.now() + timeoutMs), timeout]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (e) {
    return { ok: false, ms: Math.round(performance.now() - started), error: safeMessage(e) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every check at once, each bounded by `timeoutMs`. Concurrent probes share one run, so a
 * burst of readiness requests makes one LDAP bind, not one per request.
 */
export function readinessProbe(checks: DependencyCheck[], timeoutMs: number): () => Promise<Readiness> {
  let inFlight: Promise<Readiness> | null = null;
  const probe = async (): Promise<Readiness> => {
    const results = await Promise.all(checks.map(async (c) => [c.name, await run(c, timeoutMs)] as const));
    const failed = results.filter(([, r]) => !r.ok).map(([name]) => name);
    return { status: failed.length === 0 ? 'ready' : 'not_ready', failed, checks: Object.fromEntries(results) };
  };
  return () => {
    inFlight ??= probe().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}
