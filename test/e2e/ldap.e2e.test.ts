import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as LdapClient } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/stack/logger.js';
import { isolatedStackEnv } from '../../src/stack/ports.js';
import { startStack, type Stack } from '../../src/app/stack.js';
import { progressQuery } from '../../src/workflows/index.js';
import { deliver } from '../helpers/deliveries.js';
import { startSlapd, type Slapd } from '../helpers/slapd.js';
import { JIRA, jiraIssueCreated } from '../helpers/tickets.js';

// The engine with a real OpenLDAP (slapd) as its directory: lookups, nested groups, the password
// change itself, and outages.
const FIXTURE = new URL('../fixtures/ldap/directory.ldif', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'itse-ldap-'));
let slapd: Slapd;
let stack: Stack;

beforeAll(async () => {
  slapd = await startSlapd({ ldif: [FIXTURE] });
  stack = await startStack(
    loadConfig({
      ...(await isolatedStackEnv(dataDir, process.env)),
      LDAP_URL: slapd.url,
      LDAP_BIND_DN: slapd.bindDn,
      LDAP_BIND_PASSWORD: slapd.bindPassword,
      LDAP_BASE_DN: slapd.baseDn,
      LDAP_EXTERNAL_ID_ATTRIBUTES: '{"jira":"employeeNumber"}',
      LDAP_TIMEOUT_MS: '500',
      PERMISSION_BUDGET: '1s',
      DIRECTORY_RECHECK_EVERY: '1s',
      DIRECTORY_GIVE_UP_AFTER: '4s',
    }),
    createLogger('silent'),
  );
});
afterAll(async () => {
  await stack?.stop();
  await slapd?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function canBind(uid: string, password: string): Promise<boolean> {
  const client = new LdapClient({ url: slapd.url, timeout: 2000, connectTimeout: 2000 });
  try {
    await client.bind(`uid=${uid},ou=people,${slapd.baseDn}`, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

const run = async (reporter: string, targetAccount?: string) => {
  const body = jiraIssueCreated({ reporter, targetAccount });
  expect((await deliver(stack.apiUrl, 'jira', body)).status).toBe(202);
  return { handle: stack.client.workflow.getHandle(`ticket-jira-${body.issue.key}`), key: body.issue.key };
};

describe('password reset against OpenLDAP', () => {
  it('finds Jane by her Jira accountId, resets her LDAP password, and the mailed password works', async () => {
    const { handle } = await run(JIRA.jdoe);
    expect(await handle.result()).toMatchObject({ outcome: 'resolved', requester: { userId: 'jdoe' } });
    const mail = stack.adapters.outbox.to('jane.doe@example.com').at(-1)!;
    const password = /temporary password is:\n\n {4}(\S+)\n/.exec(mail.text)![1]!;
    expect(await canBind('jdoe', password)).toBe(true);
    expect(await canBind('jdoe', 'initial-jdoe')).toBe(false);
  });

  it('protects domain admins through nested LDAP groups (domain-admins inside privileged)', async () => {
    const { handle } = await run(JIRA.samHelper, 'dana.admin');
    expect(await handle.result()).toMatchObject({
      outcome: 'refused',
      decisions: [{ allowed: false, rule: 'protected-accounts', facts: { targetGroups: expect.arrayContaining(['domain-admins', 'privileged']) } }],
    });
  });
});

describe('directory outages', () => {
  it('a hung directory denies (never allows), the workflow waits and rechecks, and carries on when it is back', async () => {
    await slapd.pause();
    let resumed = false;
    try {
      const { handle } = await run(JIRA.asmith);
      for (;;) {
        const progress = await handle.query(progressQuery);
        if (progress.steps.some((s) => s.name === 'check permission' && s.detail === 'denied by directory_unavailable')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await slapd.resume();
      resumed = true;
      const record = await handle.result();
      expect(record.decisions[0]).toMatchObject({ allowed: false, rule: 'directory_unavailable' });
      expect(record).toMatchObject({
        outcome: 'resolved',
        decisions: expect.arrayContaining([expect.objectContaining({ allowed: true, rule: 'own-account' })]),
      });
    } finally {
      if (!resumed) await slapd.resume();
    }
  });

  it('a directory that stays away gets the ticket handed to people, with nothing changed', async () => {
    await slapd.pause();
    try {
      const { handle, key } = await run(JIRA.jdoe);
      const record = await handle.result();
      expect(record.outcome).toBe('escalated');
      expect(record.decisions.every((d: { rule: string }) => d.rule === 'directory_unavailable')).toBe(true);
      expect(stack.adapters.helpdesk.get(key)?.comments[0]?.body).toContain('the directory could not be checked, so nothing was changed');
    } finally {
      await slapd.resume();
    }
    const denials = (await stack.adapters.store.auditEntries({ kind: 'permission.decision' })).filter((e) => e.entry.reason === 'directory_unavailable');
    expect(denials.length).toBeGreaterThanOrEqual(2);
  });
});
