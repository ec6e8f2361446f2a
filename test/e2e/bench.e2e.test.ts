import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PHASES } from '../../bench/settings.js';

// `npm run bench` in its quick form: every figure group is measured beside its baseline and the
// report files are written (to a temporary folder: the committed BENCHMARKS.md stays as it is).
describe('npm run bench (BENCH_QUICK=1)', () => {
  it('measures every figure with its baseline and writes BENCHMARKS.md and results.json', async () => {
    const out = mkdtempSync(join(tmpdir(), 'itse-bench-'));
    try {
      await promisify(execFile)('npx', ['tsx', 'bench/run.ts'], {
        // Every phase but `cluster`, whose real Temporal server is built from the Go module proxy
        // (minutes, cold): `npm run test:cluster` builds and proves that deployment.
        env: { ...process.env, BENCH_QUICK: '1', BENCH_OUT_DIR: out, BENCH_ONLY: PHASES.filter((p) => p !== 'cluster').join(',') },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 600_000,
      });
      const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
      const figures = results.figures as Array<{ group: string; name: string; ours: number; baseline: number; ratio: number }>;
      expect([...new Set(figures.map((f) => f.group))]).toEqual([
        'Ticket intake',
        'Ticket to resolved ticket',
        'Decision trees and troubleshooting',
        'Permission check',
        'Documentation',
        'Audit log',
        'Engine store',
        'Self-service',
        'Demo scenarios, end to end',
        'Worker memory',
      ]);
      // The end-to-end time of each demo scenario, from password resets to the network incident.
      expect(figures.filter((f) => f.group === 'Demo scenarios, end to end').map((f) => f.name.replace(/ p50 .*$/, ''))).toEqual(
        expect.arrayContaining([
          'onboarding through a workflow definition',
          'onboarding rolled back (asset tool fails 3 times)',
          'network incident resolved by a definition (from a Jira ticket)',
        ]),
      );
      // Every figure has its own number and a baseline measured in the same run.
      for (const f of figures) {
        expect(Number.isFinite(f.ours) && f.ours > 0, f.name).toBe(true);
        expect(Number.isFinite(f.baseline) && f.baseline > 0, f.name).toBe(true);
      }
      const markdown = readFileSync(join(out, 'BENCHMARKS.md'), 'utf8');
      expect(markdown).toMatch(/\| figure \| ours \| baseline \| ratio \|/i);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 600_000);
});
