import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/index.js';

describe('npm run demo', () => {
  it('runs every scenario end to end on a fresh embedded stack and stops', () => {
    const run = spawnSync(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), ['scripts/demo.ts'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/POST \/webhooks\/jira \(ITSM-42, signed\) -> 202: passwordReset started/);
    expect(out).toMatch(/POST \/webhooks\/servicenow \(INC0010042, signed\) -> 202: passwordReset started/);
    expect(out).toMatch(/POST \/webhooks\/zendesk \(4711, signed\) -> 202: passwordReset started/);
    expect(out).toContain('Ticket INC0010042: resolved');
    expect(out).toContain('Ticket 4711: resolved');
    expect(out).toMatch(/-> 401: \{"error":"invalid_signature","reason":"bad_signature","deadLetterId":1\}/);
    expect(out).toMatch(/dead letter #1: jira, bad_signature, \d+ bytes kept for replay/);
    expect(out).toContain('Ticket ITSM-47: resolved');
    expect(out).toContain('approval as jdoe -> 409: the requester cannot approve their own request');
    expect(out).toContain('approval as asmith -> 200: {"accepted":true,"decision":"approved"}');
    expect(out).toContain('Ticket ITSM-48: resolved');
    expect(out).toMatch(/POST \/self-service\/requests \(disk-cleanup, LT-0042\) as jdoe -> 202/);
    expect(out).toMatch(/outcome: resolved: Freed 13.2 GB on LT-0042/);
    expect(out).toContain('as asmith -> 403: not_your_device');
    expect(out).toContain('the same request again as jdoe -> 429: cooling_down');
    expect(out).toContain('troubleshootSession started as ticket-jira-ITSM-50 (rule network-troubleshooting)');
    expect(out).toMatch(/engine checked ip-config: matched apipa = true[\s\S]*engine ran renew-dhcp: ok/);
    expect(out).toMatch(/Ticket ITSM-50: resolved\n.*\(see KB-NET-0030\)/);
    expect(out).toMatch(/ITSM-49, signed\) -> 202: softwareInstall started[\s\S]*outcome: refused[\s\S]*Ticket ITSM-49: open, queue service-desk/);
    expect(out).toMatch(/✓ reset password: temporary password sent to the registered e-mail address/);
    expect(out).toMatch(/COMPLETED in \d+ ms, outcome: resolved/);
    expect(out).toContain('Ticket ITSM-42: resolved');
    expect(out).toContain('comment (public): Automated password reset could not run: requester not found in directory.');
    expect(out).toMatch(/Ticket ITSM-44: open, queue service-desk/);
    expect(out).toMatch(/ticketHandOff started as ticket-jira-ITSM-45/);
    expect(out).toContain('"outcome": "resolved"');
    // Workflow definitions: onboarding, its rollback when the asset tool fails, and an incident from a ticket.
    expect(out).toMatch(/✓ Welcome the new employee {2}\[9\/9\]\n {2}COMPLETED in \d+ ms, outcome: resolved: New employee onboarding: all 9 step\(s\) done/);
    expect(out).toMatch(/Directory: maria\.lopez in staff, engineering, finance; mailbox created; laptop LT-\d+ with .*vscode/);
    expect(out).toMatch(
      /✗ Hand out a laptop from stock {2}\[5\/9\]\n {4}↶ undo: Create the mailbox: succeeded[^\n]*\n {4}↶ undo: Add the groups of the role: succeeded[^\n]*\n {4}↶ undo: Create the directory account: succeeded/,
    );
    expect(out).toMatch(
      /outcome: failed: .*All 3 completed step\(s\) were undone\.\n {2}Directory: tom\.berg gone; mailbox gone; laptops in stock (\d+) \(before: \1\)/,
    );
    expect(out).toMatch(/ITSM-51, signed\) -> 202: definitionRun started as ticket-jira-ITSM-51 \(rule network-incident\)[\s\S]*Ticket ITSM-51: resolved/);
    expect(out).toContain('Demo finished.');
    // The demo shows where the password went, never the password.
    expect(out).not.toMatch(/temporary password is/i);
  });
});
