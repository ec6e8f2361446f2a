import type { ActionNode, CheckNode, DecisionTree, QuestionNode, ResolveNode, TreeNode } from '../../src/domain/trees/tree.js';

// Generated decision trees for the validation and navigation tests and for the benchmark.

/** The diagnostics and remediations generated trees name (for ValidationOptions.checks/actions). */
export const GENERATED_CHECKS: ReadonlySet<string> = new Set(['network.link', 'network.dns', 'wifi.signal', 'printer.queue']);
export const GENERATED_ACTIONS: ReadonlySet<string> = new Set(['network.renewDhcp', 'network.flushDns', 'endpoint.restartService', 'printer.clearQueue']);

/** mulberry32: a tiny, deterministic PRNG (tests and benchmarks must not depend on Math.random). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Slot {
  id: string;
  level: number;
  /** The action whose `next` leads here (a check here may loop back to it). */
  after?: ActionNode;
}

/**
 * A valid tree of exactly `n` nodes (ids n0, n1, …; n0 is the start), built breadth first so its
 * depth grows with log n: questions (1–3 choices), checks (boolean and range covers without a
 * default, value and multi-field branches with one), actions (some asking for confirmation) and
 * resolves (escalate / handoff with a queue). Some references join a node of the next level, so
 * it is a DAG rather than a strict tree. With `loops`, checks right after an action go back to it
 * by their default ("still broken? try again"), and that action gets maxVisits: 3.
 */
export function generateTree(n: number, options: { seed?: number; loops?: boolean; id?: string } = {}): DecisionTree {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`a tree needs at least one node, not ${n}`);
  const rand = prng(options.seed ?? 1);
  const chance = (p: number) => rand() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const nodes: TreeNode[] = [];
  const queue: Slot[] = [{ id: 'n0', level: 0 }];
  let allocated = 1;
  const child = (parent: Slot, after?: ActionNode): string => {
    const slot: Slot = { id: `n${allocated++}`, level: parent.level + 1, ...(after && { after }) };
    queue.push(slot);
    return slot.id;
  };
  /** A pending node one level down, to share, or a new one. */
  const joinOrChild = (parent: Slot): string => {
    const last = queue[queue.length - 1]!;
    return last.level === parent.level + 1 && chance(0.3) ? last.id : child(parent);
  };

  for (let q = 0; q < queue.length; q++) {
    const slot = queue[q]!;
    const room = n - allocated;
    const others = queue.length - q - 1;
    if (room === 0 || (others > 0 && chance(0.12))) {
      nodes.push(resolve(slot.id, pick));
      continue;
    }
    const r = rand();
    if (room === 1 || r < 0.3) {
      nodes.push(question(slot.id, Math.min(room, 2 + Math.floor(rand() * 2)), () => joinOrChild(slot)));
    } else if (r < 0.65) {
      const loopBack = options.loops && slot.after && chance(0.5) ? slot.after : undefined;
      if (loopBack) loopBack.maxVisits = 3;
      nodes.push(check(slot.id, room, pick, loopBack, () => child(slot)));
    } else {
      const action: ActionNode = {
        id: slot.id,
        kind: 'action',
        action: pick([...GENERATED_ACTIONS]),
        args: {},
        title: `Remediation ${slot.id}`,
        permission: 'endpoint.remediate',
        ...(chance(0.4) && { confirm: `Run remediation ${slot.id} now?` }),
        next: '',
        onFailure: '',
      };
      action.next = child(slot, action);
      action.onFailure = joinOrChild(slot);
      nodes.push(action);
    }
  }
  return {
    id: options.id ?? 'generated',
    title: `Generated tree of ${n} nodes`,
    responders: ['helpdesk'],
    start: 'n0',
    nodes,
  };
}

function resolve(id: string, pick: <T>(xs: readonly T[]) => T): ResolveNode {
  const outcome = pick(['resolved', 'resolved', 'escalate', 'handoff'] as const);
  if (outcome === 'resolved') return { id, kind: 'resolve', outcome, text: `Fixed at ${id}.`, kb: `KB-${id}` };
  return { id, kind: 'resolve', outcome, text: `Passed on at ${id}.`, queue: outcome === 'escalate' ? 'network-team' : 'service-desk' };
}

const CHOICES = [
  { id: 'yes', label: 'Yes' },
  { id: 'no', label: 'No' },
  { id: 'unsure', label: 'Not sure' },
];

function question(id: string, count: number, next: () => string): QuestionNode {
  const choices = count === 1 ? [{ id: 'continue', label: 'Continue' }] : CHOICES.slice(0, count);
  return { id, kind: 'question', prompt: `Question ${id}?`, choices: choices.map((c) => ({ ...c, next: next() })) };
}

function check(id: string, room: number, pick: <T>(xs: readonly T[]) => T, loopBack: ActionNode | undefined, next: () => string): CheckNode {
  const base = { id, kind: 'check' as const, args: {} };
  if (loopBack) {
    return {
      ...base,
      check: 'network.dns',
      title: `Check again ${id}`,
      branches: [{ when: { field: 'dns.status', equals: 'ok' }, next: next() }],
      default: loopBack.id,
    };
  }
  const style = pick(room >= 3 ? (['boolean', 'range', 'values', 'fields'] as const) : (['boolean', 'range'] as const));
  switch (style) {
    case 'boolean':
      return {
        ...base,
        check: 'network.link',
        title: `Link ${id}`,
        branches: [
          { when: { field: 'link.up', equals: true }, next: next() },
          { when: { field: 'link.up', equals: false }, next: next() },
        ],
      };
    case 'range':
      return {
        ...base,
        check: 'wifi.signal',
        title: `Signal ${id}`,
        branches: [
          { when: { field: 'wifi.signalDbm', lessThan: -70 }, next: next() },
          { when: { field: 'wifi.signalDbm', atLeast: -70 }, next: next() },
        ],
      };
    case 'values':
      return {
        ...base,
        check: 'network.dns',
        title: `DNS ${id}`,
        branches: [
          { when: { field: 'dns.status', equals: 'ok' }, next: next() },
          { when: { field: 'dns.status', in: ['timeout', 'refused'] }, next: next() },
        ],
        default: next(),
      };
    default:
      return {
        ...base,
        check: 'printer.queue',
        title: `Printer ${id}`,
        branches: [
          { when: { field: 'printer.jobs', atLeast: 10 }, next: next() },
          { when: { field: 'printer.online', equals: false }, next: next() },
        ],
        default: next(),
      };
  }
}
