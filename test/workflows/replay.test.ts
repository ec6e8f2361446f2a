import { readdirSync, readFileSync } from 'node:fs';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowBundle } from '../helpers/temporal.js';

// Histories recorded from real runs (`npm run record-histories`). Replaying them against today's
// workflow code proves a change does not break workflows that are already running.
const dir = new URL('./histories/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (file: string) => JSON.parse(readFileSync(new URL(file, dir), 'utf8'));

beforeAll(() => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
});

describe('replay of recorded histories', () => {
  it('has histories for every workflow type', () => {
    const types = new Set(files.map((f) => load(f).events[0].workflowExecutionStartedEventAttributes.workflowType.name));
    expect([...types].sort()).toEqual(['definitionRun', 'passwordReset', 'softwareInstall', 'ticketHandOff', 'troubleshootSession']);
  });

  it.each(files)('%s replays deterministically', async (file) => {
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, load(file))).resolves.toBeUndefined();
  });

  it('catches a workflow change that would break running executions', async () => {
    const history = load('password-reset-resolved.json');
    // Pretend the recorded run called a different first activity than today's code does.
    const scheduled = history.events.find((e: any) => e.activityTaskScheduledEventAttributes);
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'someOtherActivity';
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history)).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
