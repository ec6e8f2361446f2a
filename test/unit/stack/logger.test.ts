import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/stack/logger.js';

describe('log redaction', () => {
  it('removes secrets and personal data at the top level of a line and one level down', () => {
    const lines: string[] = [];
    const out = new Writable({
      write(chunk, _e, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('info', out);
    log.info(
      { password: 'Hunter2!', email: 'jane.doe@example.com', user: { displayName: 'Jane Doe', token: 'abc' }, workflowId: 'ticket-jira-ITSM-1' },
      'line',
    );
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      password: '[redacted]',
      email: '[redacted]',
      user: { displayName: '[redacted]', token: '[redacted]' },
      workflowId: 'ticket-jira-ITSM-1',
    });
    expect(lines[0]).not.toMatch(/Hunter2|jane\.doe|Jane Doe/);
  });
});
