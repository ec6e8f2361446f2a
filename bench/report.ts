// The benchmark report: figures (each beside the baseline measured in the same run), the machine
// they were measured on, rendered as a console table, as BENCHMARKS.md and as JSON.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type as osType } from 'node:os';
import { dirname } from 'node:path';

export interface Figure {
  /** Section of the report, e.g. "Ticket intake". */
  group: string;
  /** What was measured, with its size, e.g. "intake latency p50 (200 sequential)". */
  name: string;
  /** Our figure in `unit`; null when it could not be measured (then `notes` says why). */
  ours: number | null;
  /** The baseline from the same run, in `unit`. */
  baseline: number | null;
  unit: string;
  /** ours / baseline: for times and memory above 1 means more than the baseline, for rates below 1 means slower. */
  ratio: number | null;
  /** What the baseline is, in one sentence. */
  baselineIs: string;
  /**
   * The raw Temporal limit from the same run, in `unit`: the same shape of workflow with no-op
   * activities on the same server (bench/raw.ts). Null where Temporal does not bound the figure.
   */
  limit: number | null;
  /** ours / limit, read like `ratio`. */
  limitRatio: number | null;
  /** What the limit is, in one sentence. */
  limitIs?: string;
  /** The target this figure must meet, when it has one (bench/goals.ts). */
  goal?: GoalResult;
  notes?: string;
}

export interface GoalResult {
  /** The goal in words, e.g. "at most 60 ms". */
  text: string;
  met: boolean | null;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
}

export interface BenchReport {
  /** ISO timestamp of the run's start. */
  date: string;
  machine: Machine;
  /** BENCH_QUICK=1: shrunk sizes, a smoke run (the figures are not comparable to a full run). */
  quick: boolean;
  /** Set when other processes used the CPU during the run: how much. */
  contention: string | null;
  durationSeconds: number;
  /** The sizes the run used (BENCH_* settings). */
  settings: Record<string, unknown>;
  figures: Figure[];
}

/** A figure; the ratio is computed (null when either side is missing or the baseline is 0). */
export function figure(group: string, name: string, ours: number | null, baseline: number | null, unit: string, baselineIs: string, notes?: string): Figure {
  return { group, name, ours, baseline, unit, ratio: ratioOf(ours, baseline), baselineIs, limit: null, limitRatio: null, ...(notes ? { notes } : {}) };
}

/** The figure with the raw Temporal limit beside it. */
export function withLimit(f: Figure, limit: number | null, limitIs: string): Figure {
  return { ...f, limit, limitRatio: ratioOf(f.ours, limit), limitIs };
}

function ratioOf(a: number | null, b: number | null): number | null {
  return a !== null && b !== null && b !== 0 && Number.isFinite(a) && Number.isFinite(b) ? a / b : null;
}

const grouped = (n: number, digits: number) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A measured value for people: integers with thousands separators from 100 up, three significant digits below. */
export function formatValue(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a >= 100) return grouped(v, 0);
  if (a >= 10) return grouped(v, 1);
  if (a >= 1) return grouped(v, 2);
  if (a === 0) return '0';
  return String(Number(v.toPrecision(3)));
}

export function formatRatio(r: number | null): string {
  if (r === null) return '-';
  return r >= 100 ? grouped(r, 0) : r >= 10 ? grouped(r, 1) : r.toFixed(2);
}

/** Four significant digits: enough for a machine reader, without float noise. */
const rounded = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Number(v.toPrecision(4)));

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM, Node ${m.node}, ${m.os}`;
}

export function renderMarkdown(report: BenchReport): string {
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.ts)${report.quick ? ' in quick mode (BENCH_QUICK=1: shrunk sizes, a smoke run, not comparable to a full run)' : ''}. Every figure is measured beside its baseline in the same run, on the same embedded Temporal dev server (the engine-store and real-server groups also on a PostgreSQL and a Temporal server started for the run).`,
    '',
    `- **Date**: ${report.date}`,
    `- **Machine**: ${machineLine(report.machine)}`,
    `- **Run time**: ${formatValue(report.durationSeconds)} s`,
    ...(report.contention ? [`- **Measured while other work ran**: ${report.contention}`] : []),
    '',
    'ratio = ours / baseline. For times and memory, above 1 means more than the baseline; for rates (per second), below 1 means slower.',
    'raw limit = what Temporal itself does for the same shape of workflow (no-op activities, the same server, the same run); ours / limit reads like ratio.',
    'Runs of ours and of its baseline (and limit) alternate within the run, each given the same input.',
    'The machine-readable copy of this table is bench/results.json.',
    '',
  ];
  const goals = report.figures.filter((f) => f.goal);
  if (goals.length) {
    lines.push('## Goals', '', '| figure | goal | ours | raw limit | met |', '|---|---|---:|---:|---|');
    for (const f of goals) {
      const met = f.goal!.met === null ? 'not measured' : f.goal!.met ? 'yes' : '**no**';
      lines.push(
        `| ${cell(f.name)} | ${cell(f.goal!.text)} | ${formatValue(f.ours)} ${cell(f.unit)} | ${f.limit === null ? '-' : `${formatValue(f.limit)} ${cell(f.unit)}`} | ${met} |`,
      );
    }
    lines.push('', '## Figures', '');
  }
  lines.push('| figure | ours | baseline | ratio | raw limit | ours / limit | unit | notes |', '|---|---:|---:|---:|---:|---:|---|---|');
  const groups = [...new Set(report.figures.map((f) => f.group))];
  for (const group of groups) {
    lines.push(`| **${cell(group)}** | | | | | | | |`);
    for (const f of report.figures.filter((x) => x.group === group)) {
      lines.push(
        `| ${cell(f.name)} | ${formatValue(f.ours)} | ${formatValue(f.baseline)} | ${formatRatio(f.ratio)} | ${formatValue(f.limit)} | ${formatRatio(f.limitRatio)} | ${cell(f.unit)} | ${cell(f.notes ?? '')} |`,
      );
    }
  }
  lines.push('', '## What each baseline and limit is', '');
  for (const group of groups) {
    const of = report.figures.filter((f) => f.group === group);
    const what = [...new Set(of.map((f) => f.baselineIs))];
    const limits = [...new Set(of.flatMap((f) => (f.limitIs ? [f.limitIs] : [])))];
    lines.push(`- **${group}**: ${what.join(' ')}${limits.length ? ` Raw limit: ${limits.join(' ')}` : ''}`);
  }
  lines.push('', '## Settings of this run', '', '```json', JSON.stringify(report.settings, null, 2), '```', '');
  return lines.join('\n');
}

export function renderJson(report: BenchReport): string {
  const json = {
    date: report.date,
    machine: report.machine,
    quick: report.quick,
    contention: report.contention,
    durationSeconds: rounded(report.durationSeconds),
    settings: report.settings,
    figures: report.figures.map((f) => ({
      group: f.group,
      name: f.name,
      ours: rounded(f.ours),
      baseline: rounded(f.baseline),
      unit: f.unit,
      ratio: rounded(f.ratio),
      baselineIs: f.baselineIs,
      limit: rounded(f.limit),
      limitRatio: rounded(f.limitRatio),
      limitIs: f.limitIs ?? null,
      goal: f.goal ?? null,
      notes: f.notes ?? null,
    })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** The console table: figure, ours and baseline with their unit, ratio. */
export function renderConsole(report: BenchReport): string {
  const header = ['figure', 'ours', 'baseline', 'ratio', 'raw limit', 'goal'];
  const rows = report.figures.map((f) => [
    f.name,
    `${formatValue(f.ours)} ${f.unit}`,
    `${formatValue(f.baseline)} ${f.unit}`,
    formatRatio(f.ratio),
    f.limit === null ? '-' : `${formatValue(f.limit)} ${f.unit}`,
    f.goal ? `${f.goal.text}: ${f.goal.met === null ? 'not measured' : f.goal.met ? 'met' : 'MISSED'}` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [
    `Benchmarks on ${report.date}${report.quick ? ' (quick)' : ''}: ${machineLine(report.machine)}`,
    ...(report.contention ? [`Measured while other work ran: ${report.contention}`] : []),
    line(header),
    ...rows.map(line),
  ];
  return out.join('\n');
}

export function writeReport(report: BenchReport, paths: { markdown: string; json: string }): void {
  for (const p of [paths.markdown, paths.json]) mkdirSync(dirname(p), { recursive: true });
  writeFileSync(paths.markdown, renderMarkdown(report));
  writeFileSync(paths.json, renderJson(report));
}

/** CPU model, cores, RAM, Node version and OS of this machine. */
export function machineInfo(): Machine {
  const cpu = cpus();
  let os = `${osType()} ${release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) os = `${pretty} (${os})`;
  } catch {
    // not Linux: the kernel name and release are enough
  }
  return { cpu: cpu[0]?.model.trim() ?? 'unknown CPU', cores: cpu.length, memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10, node: process.version, os };
}
