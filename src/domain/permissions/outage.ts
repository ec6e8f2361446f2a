/**
 * What a workflow does when its permission check could not reach the directory: wait durably and
 * check again every `recheckEveryMs`, and hand the ticket to people after `giveUpAfterMs`.
 */
export interface DirectoryOutagePolicy {
  recheckEveryMs: number;
  giveUpAfterMs: number;
}

export const DEFAULT_DIRECTORY_OUTAGE: DirectoryOutagePolicy = { recheckEveryMs: 60_000, giveUpAfterMs: 15 * 60_000 };

/** Whether to check again after `elapsedMs` of outage. */
export function shouldRecheck(rule: string, elapsedMs: number, policy: DirectoryOutagePolicy): boolean {
  return rule === 'directory_unavailable' && elapsedMs + policy.recheckEveryMs <= policy.giveUpAfterMs;
}
