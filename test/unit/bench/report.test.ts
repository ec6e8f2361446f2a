import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GOALS, withGoals } from '../../../bench/goals.js';
import { figure, formatValue, machineInfo, renderConsole, withLimit, writeReport, type BenchReport } from '../../../bench/report.js';
import { timedPairs } from '../../../bench/stats.js';
import { benchSettings } from '../../../bench/settings.js';

const machine = { cpu: 'Test CPU @ 2.0GHz', cores: 2, memoryGb: 7.8, node: 'v20.20.2', os: 'Debian GNU/Linux 12 (bookworm)' };

function fakeReport(over: Partial<BenchReport> = {}): BenchReport {
  return {
    date: '2026-11-26T10:00:00.000Z',
    machine,
    quick: false,
    contention: null,
    durationSeconds: 312.456,
    settings: { sequential: 200 },
    figures: [
      withLimit(
        figure('Ticket intake', 'intake latency p50 (200 sequential)', 3.456789, 1.9, 'ms', 'A raw client.workflow.start.'),
        1.9,
        'The raw start itself.',
      ),
      figure('Ticket intake', 'intake events/s (500 at concurrency 20)', 2401.3, 2740.9, 'events/s', 'A raw client.workflow.start.'),
      figure('Worker memory', 'worker RSS | 500 resets (peak)', 412.3, 180.04, 'MB', 'The idle worker.', 'whole process'),
      figure('Permission check', 'permission check p50 (slapd)', null, null, 'ms', 'Bare lookups.', 'skipped: slapd is not installed'),
    ],
    ...over,
  };
}

const dirs: string[] = [];
function written(report: BenchReport) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  dirs.push(dir);
  const paths = { markdown: join(dir, 'BENCHMARKS.md'), json: join(dir, 'nested/results.json') };
  writeReport(report, paths);
  return { markdown: readFileSync(paths.markdown, 'utf8'), json: JSON.parse(readFileSync(paths.json, 'utf8')) };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('bench report', () => {
  it('writes BENCHMARKS.md with the machine and date in its header and one table row per figure, grouped', () => {
    const { markdown } = written(fakeReport());
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('# Benchmarks');
    expect(markdown).toContain('- **Date**: 2026-11-26T10:00:00.000Z');
    expect(markdown).toContain('- **Machine**: Test CPU @ 2.0GHz, 2 cores, 7.8 GB RAM, Node v20.20.2, Debian GNU/Linux 12 (bookworm)');
    expect(markdown).not.toContain('Measured while other work ran');
    const table = lines.filter((l) => l.startsWith('|'));
    expect(table[0]).toBe('| figure | ours | baseline | ratio | raw limit | ours / limit | unit | notes |');
    expect(table[1]).toBe('|---|---:|---:|---:|---:|---:|---|---|');
    // A bold row per group, in order of first appearance, followed by its figures.
    expect(table.slice(2)).toEqual([
      '| **Ticket intake** | | | | | | | |',
      '| intake latency p50 (200 sequential) | 3.46 | 1.90 | 1.82 | 1.90 | 1.82 | ms |  |',
      '| intake events/s (500 at concurrency 20) | 2,401 | 2,741 | 0.88 | - | - | events/s |  |',
      '| **Worker memory** | | | | | | | |',
      '| worker RSS \\| 500 resets (peak) | 412 | 180 | 2.29 | - | - | MB | whole process |',
      '| **Permission check** | | | | | | | |',
      '| permission check p50 (slapd) | - | - | - | - | - | ms | skipped: slapd is not installed |',
    ]);
    expect(markdown).not.toContain('## Goals');
    expect(markdown).toContain('## What each baseline and limit is');
    expect(markdown).toContain('- **Ticket intake**: A raw client.workflow.start. Raw limit: The raw start itself.');
    expect(markdown).toContain('"sequential": 200');
  });

  it('says in the header when other work used the CPU, and when the run was a quick one', () => {
    const { markdown } = written(fakeReport({ contention: "other processes used 35 % of the machine's CPU time during the run.", quick: true }));
    expect(markdown).toContain("- **Measured while other work ran**: other processes used 35 % of the machine's CPU time during the run.");
    expect(markdown).toContain('quick mode (BENCH_QUICK=1');
  });

  it('writes the same figures as JSON: name, ours, baseline, unit, ratio, notes, with the machine and date', () => {
    const { json } = written(fakeReport());
    expect(json).toMatchObject({
      date: '2026-11-26T10:00:00.000Z',
      machine,
      quick: false,
      contention: null,
      durationSeconds: 312.5,
      settings: { sequential: 200 },
    });
    expect(json.figures).toHaveLength(4);
    expect(json.figures[0]).toEqual({
      group: 'Ticket intake',
      name: 'intake latency p50 (200 sequential)',
      ours: 3.457,
      baseline: 1.9,
      unit: 'ms',
      ratio: 1.819,
      baselineIs: 'A raw client.workflow.start.',
      limit: 1.9,
      limitRatio: 1.819,
      limitIs: 'The raw start itself.',
      goal: null,
      notes: null,
    });
    expect(json.figures[2]).toMatchObject({ ours: 412.3, baseline: 180, ratio: 2.29, notes: 'whole process' });
    expect(json.figures[3]).toMatchObject({ ours: null, baseline: null, ratio: null, notes: 'skipped: slapd is not installed' });
    for (const f of json.figures)
      expect(Object.keys(f).sort()).toEqual([
        'baseline',
        'baselineIs',
        'goal',
        'group',
        'limit',
        'limitIs',
        'limitRatio',
        'name',
        'notes',
        'ours',
        'ratio',
        'unit',
      ]);
  });

  it('prints the console table with units beside the values', () => {
    const out = renderConsole(fakeReport()).split('\n');
    expect(out[0]).toBe('Benchmarks on 2026-11-26T10:00:00.000Z: Test CPU @ 2.0GHz, 2 cores, 7.8 GB RAM, Node v20.20.2, Debian GNU/Linux 12 (bookworm)');
    expect(out[1]).toMatch(/^figure +ours +baseline +ratio +raw limit +goal$/);
    expect(out[2]).toMatch(/^intake latency p50 \(200 sequential\) +3\.46 ms +1\.90 ms +1\.82 +1\.90 ms$/);
    expect(out).toHaveLength(6);
  });

  it('formats values for people and leaves the ratio out when a side is missing or zero', () => {
    expect([0.0004567, 0.5, Math.PI, 42.04, 999.6, 12345.6, 0].map(formatValue)).toEqual(['0.000457', '0.5', '3.14', '42.0', '1,000', '12,346', '0']);
    expect(figure('g', 'n', 5, 0, 'ms', 'b').ratio).toBeNull();
    expect(figure('g', 'n', null, 2, 'ms', 'b').ratio).toBeNull();
    expect(figure('g', 'n', 3, 2, 'ms', 'b').ratio).toBe(1.5);
  });

  it('checks each goal against the figure it names and lists them first, met or not', () => {
    const figures = withGoals([
      figure('Ticket to resolved ticket', 'password reset, ticket -> resolved p50 (50 sequential)', 58, 55, 'ms', 'b'),
      withLimit(figure('Ticket to resolved ticket', 'password resets completed/s (500 started at once)', 50, 50, 'completed/s', 'b'), 55, 'l'),
      withLimit(figure('Ticket to resolved ticket', 'password resets completed/s (100 started at once)', 40, 50, 'completed/s', 'b'), 55, 'l'),
      figure('Worker memory', 'worker memory per open troubleshooting session (500)', 0.8, null, 'MB', 'b'),
      figure('Ticket intake', 'intake latency p50 (200 sequential)', 2.5, 2, 'ms', 'b'),
      figure('Ticket intake', 'intake latency p99 (200 sequential)', 9, 2, 'ms', 'b'),
      figure('Engine store', 'audit appends/s, PostgreSQL (4 writers × 5,000, 8 in flight each)', 2100, 2500, 'appends/s', 'b'),
      figure('Engine store', 'audit appends/s, PostgreSQL (4 writers × 300, 8 in flight each)', 1900, 2500, 'appends/s', 'b'),
      figure('Engine store', 'audit appends/s, PostgreSQL, one append per transaction (4 writers × 300)', 700, 2500, 'appends/s', 'b'),
    ]);
    expect(figures.map((f) => f.goal?.met)).toEqual([true, true, false, false, true, undefined, true, false, undefined]);
    expect(withGoals([figure('g', 'password reset, ticket -> resolved p50 (5)', null, null, 'ms', 'b')])[0]!.goal).toEqual({
      text: 'at most 60 ms',
      met: null,
    });
    expect(GOALS).toHaveLength(5);
    const { markdown } = written(fakeReport({ figures }));
    expect(markdown).toContain('## Goals');
    expect(markdown).toContain(
      '| password resets completed/s (100 started at once) | at least 60/s, or at least the raw limit / 1.2 where that limit is lower than 72/s | 40.0 completed/s | 55.0 completed/s | **no** |',
    );
    expect(markdown).toContain('| password reset, ticket -> resolved p50 (50 sequential) | at most 60 ms | 58.0 ms | - | yes |');
  });

  it('alternates which side runs first, the same number of times each', async () => {
    const order: string[] = [];
    const [a, b] = await timedPairs(
      4,
      async (i) => order.push(`a${i}`),
      async (i) => order.push(`b${i}`),
    );
    expect(order).toEqual(['a0', 'b0', 'b1', 'a1', 'a2', 'b2', 'b3', 'a3']);
    expect(a).toHaveLength(4);
    expect(b).toHaveLength(4);
  });

  it('describes this machine', () => {
    const m = machineInfo();
    expect(m.cores).toBeGreaterThan(0);
    expect(m.memoryGb).toBeGreaterThan(0);
    expect(m.node).toBe(process.version);
    expect(m.cpu.length).toBeGreaterThan(0);
  });
});

describe('bench settings', () => {
  it('shrinks every size in quick mode and then writes outside the committed report', () => {
    const full = benchSettings({});
    const quick = benchSettings({ BENCH_QUICK: '1' });
    expect(full.output.markdown).toMatch(/[/\\]BENCHMARKS\.md$/);
    expect(full.output.json).toMatch(/bench[/\\]results\.json$/);
    expect(quick.output.markdown).not.toBe(full.output.markdown);
    for (const key of ['sequential', 'burst', 'e2e', 'permission', 'answers', 'treeRuns', 'auditAppends', 'demoReps', 'memoryLoad'] as const)
      expect(quick[key]).toBeLessThan(full[key]);
    expect(Math.max(...quick.selfService)).toBeLessThan(Math.max(...full.selfService));
    expect(full.treeSizes).toEqual([50, 1000, 10000]);
    expect(benchSettings({ BENCH_QUICK: '1', BENCH_OUT_DIR: '/tmp/x' }).output.json).toBe('/tmp/x/results.json');
  });

  it('refuses a size or phase it does not understand, naming the variable', () => {
    expect(() => benchSettings({ BENCH_SEQUENTIAL: 'lots' })).toThrow('BENCH_SEQUENTIAL=lots: expected a whole number of at least 1');
    expect(() => benchSettings({ BENCH_SELF_SERVICE: '100,x' })).toThrow(/BENCH_SELF_SERVICE=100,x/);
    expect(() => benchSettings({ BENCH_ONLY: 'demo,nope' })).toThrow('BENCH_ONLY: unknown phase(s) nope');
    expect(benchSettings({ BENCH_ONLY: 'demo' }).phases).toEqual(['demo']);
  });
});
